package local

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/jetcp/jetcp/fs"
)

var _ fs.OriginRecorder = (*FS)(nil)

// xattrOrigin holds "CRC32C:<hex> size=N mtime=NS src_size=N src_mtime=NS
// src_ctime=NS": a copy's checksum and source, valid while size and mtime
// (ns) are the file's own. The name is HDFS's, so the record reads the same
// everywhere. Records written before src_ctime existed have 5 fields.
const xattrOrigin = "user.jetcp.crc32c"

// RecordOrigin implements fs.OriginRecorder. A file system without user
// extended attributes records nothing and says nothing: -update then
// compares by reading, as it always could.
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
	v := make([]byte, 0, 160)
	v = append(v, o.Checksum.String()...)
	for _, kv := range [...]struct {
		k string
		v int64
	}{{" size=", st.Size}, {" mtime=", st.Mtim.Nano()}, {" src_size=", o.SrcSize},
		{" src_mtime=", unixNano(o.SrcModTime)}, {" src_ctime=", unixNano(o.SrcChangeTime)}} {
		v = strconv.AppendInt(append(v, kv.k...), kv.v, 10)
	}
	if err := syscall.Setxattr(p, xattrOrigin, v, 0); err != nil {
		if errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil
		}
		return &os.PathError{Op: "setxattr", Path: p, Err: err}
	}
	return nil
}

// Origin implements fs.OriginRecorder.
func (f *FS) Origin(ctx context.Context, fi fs.FileInfo) (fs.Origin, bool, error) {
	p, err := start(ctx, "read origin of", fi.Path)
	if err != nil {
		return fs.Origin{}, false, err
	}
	var buf [192]byte
	n, err := syscall.Getxattr(p, xattrOrigin, buf[:])
	if err != nil {
		return fs.Origin{}, false, nil // none, or no extended attributes here
	}
	o, ok := parseOrigin(string(buf[:n]), fi.Size, fi.ModTime)
	return o, ok, nil
}

func parseOrigin(v string, size int64, mtime time.Time) (fs.Origin, bool) {
	var o fs.Origin
	parts := strings.Fields(v)
	if len(parts) != 5 && len(parts) != 6 {
		return o, false
	}
	if parts[1] != "size="+strconv.FormatInt(size, 10) || parts[2] != "mtime="+strconv.FormatInt(mtime.UnixNano(), 10) {
		return o, false // the file changed since
	}
	sum, err := fs.ParseChecksum(parts[0])
	if _, ok := sum.Uint32(); err != nil || !ok {
		return o, false
	}
	ss, ok1 := strings.CutPrefix(parts[3], "src_size=")
	sm, ok2 := strings.CutPrefix(parts[4], "src_mtime=")
	srcSize, err1 := strconv.ParseInt(ss, 10, 64)
	srcMtime, err2 := strconv.ParseInt(sm, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return o, false
	}
	o = fs.Origin{Checksum: sum, SrcSize: srcSize}
	if srcMtime != 0 {
		o.SrcModTime = time.Unix(0, srcMtime)
	}
	if len(parts) == 6 {
		sc, ok := strings.CutPrefix(parts[5], "src_ctime=")
		srcCtime, err := strconv.ParseInt(sc, 10, 64)
		if !ok || err != nil {
			return fs.Origin{}, false
		}
		if srcCtime != 0 {
			o.SrcChangeTime = time.Unix(0, srcCtime)
		}
	}
	return o, true
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
