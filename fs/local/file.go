package local

import (
	"errors"
	"io"
	iofs "io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// file is an open regular file used through plain system calls. An
// *os.File registers every file it opens with the runtime's network
// poller: for a regular file that is an epoll_ctl that fails and four
// fcntl calls around it, five system calls per open, more than copying a
// small file takes.
type file struct {
	fd   int
	path string
}

// eintr retries a system call interrupted by a signal.
func eintr[T any](call func() (T, error)) (T, error) {
	for {
		v, err := call()
		if err != unix.EINTR {
			return v, err
		}
	}
}

func openFile(p string, flag int, perm uint32) (*file, error) {
	fd, err := eintr(func() (int, error) { return unix.Open(p, flag|unix.O_CLOEXEC, perm) })
	if err != nil {
		return nil, &iofs.PathError{Op: "open", Path: p, Err: err}
	}
	return &file{fd: fd, path: p}, nil
}

// pread reads once at off; 0 bytes read with no error is the end.
func (f *file) pread(b []byte, off int64) (int, error) {
	n, err := eintr(func() (int, error) { return unix.Pread(f.fd, b, off) })
	if err != nil {
		return 0, &iofs.PathError{Op: "read", Path: f.path, Err: err}
	}
	return n, nil
}

// ReadAt implements io.ReaderAt.
func (f *file) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		k, err := f.pread(b[n:], off+int64(n))
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// write writes all of b, at off when off >= 0, else at the file offset.
func (f *file) write(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		var k int
		var err error
		if off >= 0 {
			k, err = unix.Pwrite(f.fd, b[n:], off+int64(n))
		} else {
			k, err = unix.Write(f.fd, b[n:])
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &iofs.PathError{Op: "write", Path: f.path, Err: err}
		}
		n += k
	}
	return n, nil
}

// ensureMode gives the file mode unless it has it already.
func (f *file) ensureMode(mode uint32) error {
	var st unix.Stat_t
	if _, err := eintr(func() (int, error) { return 0, unix.Fstat(f.fd, &st) }); err != nil {
		return &iofs.PathError{Op: "stat", Path: f.path, Err: err}
	}
	if st.Mode&0o7777 == mode {
		return nil
	}
	if err := unix.Fchmod(f.fd, mode); err != nil {
		return &iofs.PathError{Op: "chmod", Path: f.path, Err: err}
	}
	return nil
}

// close closes the descriptor once; EINTR is not retried (the descriptor
// is gone either way on Linux).
func (f *file) close() error {
	if f.fd < 0 {
		return &iofs.PathError{Op: "close", Path: f.path, Err: os.ErrClosed}
	}
	err := unix.Close(f.fd)
	f.fd = -1
	if err != nil && err != unix.EINTR {
		return &iofs.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}

// reader reads a file from an offset on with positioned reads, so starting
// mid-file costs no seek.
type reader struct {
	f   *file
	off int64
}

func (r *reader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := r.f.pread(b, r.off)
	r.off += int64(n)
	if err == nil && n == 0 {
		return 0, io.EOF
	}
	return n, err
}

func (r *reader) Close() error { return r.f.close() }

// processUmask reads the umask from /proc/self/status without changing it
// (umask(2) can only be read by setting it, a race with other goroutines
// creating files). Unknown, it is taken as 0777: every file is then
// given its mode explicitly.
func processUmask() uint32 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o777
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return uint32(m)
			}
		}
	}
	return 0o777
}

// renameNoReplace renames when newpath does not exist, in one system call;
// ok false means newpath exists or the file system cannot say so, and the
// caller renames the careful way.
func renameNoReplace(oldpath, newpath string) (ok bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EEXIST), errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINTR):
		return false, nil
	}
	return false, &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
}
