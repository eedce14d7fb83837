package hdfs

import (
	"context"

	"github.com/jetcp/jetcp/fs"
)

var (
	_ fs.OriginRecorder = (*FS)(nil)
	_ fs.ChecksumStorer = (*FS)(nil)
)

// RecordOrigin implements fs.OriginRecorder: the xattr fs.OriginXattr
// holds an fs.OriginRecord, valid while the file's size and mtime are
// those recorded, in the format local files use too.
func (f *FS) RecordOrigin(ctx context.Context, p string, o fs.Origin) error {
	if o.Checksum.Algorithm != fs.AlgCRC32C {
		return nil
	}
	return f.record(ctx, p, o)
}

// StoreChecksum implements fs.ChecksumStorer: a record of c alone, with
// no source (fs.OriginRecord.HasSource is false).
func (f *FS) StoreChecksum(ctx context.Context, p string, c fs.Checksum) error {
	if c.Algorithm != fs.AlgCRC32C {
		return nil
	}
	return f.record(ctx, p, fs.Origin{Checksum: c, SrcSize: -1})
}

func (f *FS) record(ctx context.Context, p string, o fs.Origin) error {
	fi, _, err := f.statWritten(ctx, p)
	if err != nil {
		return err
	}
	v, err := fs.EncodeOriginRecord(fs.OriginRecord{Origin: o, Size: fi.Size, ModTime: fi.ModTime})
	if err != nil {
		return f.mapErr("record origin of", p, err)
	}
	return f.mapErr("set xattr on", p, f.do(ctx, func(c *client, _ bool) error { return c.SetXAttr(p, fs.OriginXattr, v) }))
}

// Origin implements fs.OriginRecorder. A record of a checksum alone
// (StoreChecksum's, or one an earlier version wrote) names no source.
func (f *FS) Origin(ctx context.Context, fi fs.FileInfo) (fs.Origin, bool, error) {
	r, ok, err := f.stored(ctx, fi)
	if !ok || !r.HasSource() {
		return fs.Origin{}, false, err
	}
	return r.Origin, true, nil
}

// stored is fi's origin record while it is valid for fi. A file without
// one, or whose xattrs cannot be read, has none: the caller reads.
func (f *FS) stored(ctx context.Context, fi fs.FileInfo) (fs.OriginRecord, bool, error) {
	attrs, err := get(ctx, f, func(c *client, _ bool) (map[string]string, error) { return c.GetXAttrs(fi.Path, fs.OriginXattr) })
	if err != nil {
		return fs.OriginRecord{}, false, ctx.Err()
	}
	r, err := fs.ParseOriginRecord(attrs[fs.OriginXattr])
	if err != nil || !r.ValidFor(fi) {
		return fs.OriginRecord{}, false, nil
	}
	return r, true, nil
}

// Checksum returns the recorded CRC32C when it still belongs to the file,
// so -update costs no data read; otherwise it reads the file.
func (f *FS) Checksum(ctx context.Context, p string) (fs.Checksum, error) {
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return fs.Checksum{}, err
	}
	if r, ok, err := f.stored(ctx, fi); err != nil {
		return fs.Checksum{}, err
	} else if ok {
		return r.Checksum, nil
	}
	return fs.ChecksumByReading(ctx, f, p, fi.Size)
}
