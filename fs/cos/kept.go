package cos

import (
	"context"
	"errors"

	"github.com/jetcp/jetcp/fs"
)

// KeptChecksum implements fs.ChecksumKeeper: the object's CRC32C from a
// HEAD (x-cos-hash-crc32c, or the one jetcp stored in its metadata),
// never a GET.
func (f *FS) KeptChecksum(ctx context.Context, fi fs.FileInfo) (fs.Checksum, bool, error) {
	sum, err := f.Checksum(ctx, fi.Path)
	switch {
	case errors.Is(err, fs.ErrIncomparable):
		return fs.Checksum{}, false, nil
	case err != nil:
		return fs.Checksum{}, false, err
	}
	return sum, true, nil
}
