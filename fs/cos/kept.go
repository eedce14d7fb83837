package cos

import (
	"context"
	"errors"
	"strconv"

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

// KeptChecksums implements fs.ChecksumsKeeper from one HEAD: the CRC32C
// (COS's x-cos-hash-crc32c, else the one jetcp stored for this size), when
// there is one, and COS's x-cos-hash-crc64ecma, which COS keeps of every
// object whatever wrote it: an object another client wrote to a COS that
// serves no CRC32C is still compared without a GET.
func (f *FS) KeptChecksums(ctx context.Context, fi fs.FileInfo) ([]fs.Checksum, error) {
	h, err := f.headChecksums(ctx, fi.Path)
	if err != nil {
		return nil, err
	}
	var sums []fs.Checksum
	if c, ok := crc32cOf(h); ok {
		sums = append(sums, c)
	}
	if n, err := strconv.ParseUint(h.Get("x-cos-hash-crc64ecma"), 10, 64); err == nil {
		sums = append(sums, fs.CRC64ECMA(n))
	}
	return sums, nil
}
