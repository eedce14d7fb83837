package local

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/jetcp/jetcp/fs"
)

// errSizeChanged says a file to append to no longer has the length the
// caller compared its prefix at.
var errSizeChanged = errors.New("file size changed")

// Append opens p, a regular file of size bytes, to write at its end
// (fs.Appender). Abort cuts the file back to size.
func (f *FS) Append(ctx context.Context, p string, size int64) (fs.Writer, error) {
	p, err := start(ctx, "append", p)
	if err != nil {
		return nil, err
	}
	file, err := openFile(p, unix.O_WRONLY|unix.O_APPEND, 0)
	if err != nil {
		return nil, err // *PathError naming p, wrapping ENOENT/EACCES/EISDIR
	}
	var st unix.Stat_t
	if _, err := eintr(func() (int, error) { return 0, unix.Fstat(file.fd, &st) }); err != nil {
		file.close()
		return nil, &iofs.PathError{Op: "append", Path: p, Err: err}
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		file.close()
		return nil, &iofs.PathError{Op: "append", Path: p, Err: fmt.Errorf("not a regular file: %w", iofs.ErrInvalid)}
	case st.Size != size:
		file.close()
		return nil, &iofs.PathError{Op: "append", Path: p, Err: fmt.Errorf("%w: %d bytes, expected %d", errSizeChanged, st.Size, size)}
	}
	return &appender{f: file, path: p, size: size}, nil
}

// appender is a fs.Writer adding to the end of an existing file.
type appender struct {
	mu     sync.Mutex
	f      *file
	path   string
	size   int64 // the length it had: Abort cuts back to it
	closed bool
}

func (a *appender) Write(b []byte) (int, error) {
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		return 0, fmt.Errorf("append %s: %w", a.path, os.ErrClosed)
	}
	return a.f.write(b, -1)
}

// Close completes the longer file. It does not fsync.
func (a *appender) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	if err := a.f.close(); err != nil {
		return fmt.Errorf("close %s: %w", a.path, err)
	}
	return nil
}

// Abort cuts the file back to the length it had and closes it; after
// Close it does nothing.
func (a *appender) Abort() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	terr := unix.Ftruncate(a.f.fd, a.size)
	cerr := a.f.close()
	if terr != nil {
		return fmt.Errorf("abort append to %s: %w", a.path, &iofs.PathError{Op: "truncate", Path: a.path, Err: terr})
	}
	if cerr != nil {
		return fmt.Errorf("abort append to %s: %w", a.path, cerr)
	}
	return nil
}
