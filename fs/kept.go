package fs

import "context"

// ChecksumKeeper is implemented by backends that can tell a file's CRC32C
// without reading its data: one they keep with it (a valid origin record
// for local files and HDFS, the object's own checksum header for COS).
// KeptChecksum takes the file as Stat just described it; ok is false when
// no checksum is kept for it as it is now. It never reads the file.
type ChecksumKeeper interface {
	KeptChecksum(ctx context.Context, fi FileInfo) (sum Checksum, ok bool, err error)
}

// KeptChecksum is fi's checksum where fsys keeps one (ChecksumKeeper),
// without reading data; ok is false where it keeps none. Unlike
// FileChecksum it never falls back to reading the file.
func KeptChecksum(ctx context.Context, fsys FS, fi FileInfo) (Checksum, bool, error) {
	k, ok := fsys.(ChecksumKeeper)
	if !ok {
		return Checksum{}, false, nil
	}
	return k.KeptChecksum(ctx, fi)
}
