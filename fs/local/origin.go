package local

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/jetcp/jetcp/fs"
)

var _ fs.OriginRecorder = (*FS)(nil)

// RecordOrigin implements fs.OriginRecorder: the xattr fs.OriginXattr
// holds an fs.OriginRecord, valid while the file's size and mtime (ns) are
// those recorded. A file system without user extended attributes records
// nothing and says nothing: -update then compares by reading, as it
// always could.
func (f *FS) RecordOrigin(ctx context.Context, p string, o fs.Origin) error {
	p, err := start(ctx, "record origin of", p)
	if err != nil {
		return err
	}
	if o.Checksum.Algorithm != fs.AlgCRC32C {
		return nil
	}
	var st unix.Stat_t
	if _, err := eintr(func() (int, error) { return 0, unix.Stat(p, &st) }); err != nil {
		return statErr(&os.PathError{Op: "stat", Path: p, Err: err})
	}
	v, err := fs.EncodeOriginRecord(fs.OriginRecord{Origin: o, Size: st.Size, ModTime: time.Unix(0, st.Mtim.Nano())})
	if err != nil {
		return &os.PathError{Op: "record origin of", Path: p, Err: err}
	}
	if err := syscall.Setxattr(p, fs.OriginXattr, []byte(v), 0); err != nil {
		if errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil
		}
		return &os.PathError{Op: "setxattr", Path: p, Err: err}
	}
	return nil
}

// Origin implements fs.OriginRecorder. A record of a checksum alone
// (written by fs.ChecksumStorer elsewhere, or HDFS's of earlier versions)
// names no source: Checksum uses it, Origin does not.
func (f *FS) Origin(ctx context.Context, fi fs.FileInfo) (fs.Origin, bool, error) {
	r, ok, err := f.record(ctx, fi)
	if !ok || !r.HasSource() {
		return fs.Origin{}, false, err
	}
	return r.Origin, true, nil
}

// record is fi's origin record while it is valid for fi.
func (f *FS) record(ctx context.Context, fi fs.FileInfo) (fs.OriginRecord, bool, error) {
	p, err := start(ctx, "read origin of", fi.Path)
	if err != nil {
		return fs.OriginRecord{}, false, err
	}
	var buf [256]byte // a record with a job id of 64 characters takes 229
	n, err := syscall.Getxattr(p, fs.OriginXattr, buf[:])
	if err != nil {
		return fs.OriginRecord{}, false, nil // none, or no extended attributes here
	}
	r, err := fs.ParseOriginRecord(string(buf[:n]))
	if err != nil || !r.ValidFor(fi) {
		return fs.OriginRecord{}, false, nil // not ours, or the file changed since
	}
	return r, true, nil
}
