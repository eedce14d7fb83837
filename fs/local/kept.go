package local

import (
	"context"

	"github.com/jetcp/jetcp/fs"
)

// KeptChecksum implements fs.ChecksumKeeper: the CRC32C of a valid origin
// record (an extended attribute), never a read of the file.
func (f *FS) KeptChecksum(ctx context.Context, fi fs.FileInfo) (fs.Checksum, bool, error) {
	r, ok, err := f.record(ctx, fi)
	if err != nil || !ok {
		return fs.Checksum{}, false, err
	}
	return r.Checksum, true, nil
}
