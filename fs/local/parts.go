package local

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"

	"golang.org/x/sys/unix"

	"github.com/jetcp/jetcp/fs"
)

var _ fs.PartWriter = (*FS)(nil)

// partsUpload is the only upload id: positioned writes into the file need
// no server-side state.
const partsUpload = "pwrite"

// StartParts implements fs.PartWriter. The file itself is made by the
// first part written, since its directory may not exist yet.
func (f *FS) StartParts(ctx context.Context, p string, opts fs.CreateOptions) (string, error) {
	if _, err := start(ctx, "start parts of", p); err != nil {
		return "", err
	}
	return partsUpload, nil
}

// CreatePart implements fs.PartWriter with positioned writes (pwrite), so
// parts written at once by several processes never disturb each other.
func (f *FS) CreatePart(ctx context.Context, p, upload string, n int, offset, size int64) (fs.Part, error) {
	p, err := start(ctx, "write part of", p)
	if err != nil {
		return nil, err
	}
	if upload != partsUpload || n < 1 || offset < 0 || size < 0 {
		return nil, &iofs.PathError{Op: "write part of", Path: p, Err: fmt.Errorf("part %d at %d (%d bytes) of upload %q: %w", n, offset, size, upload, iofs.ErrInvalid)}
	}
	file, err := openFile(p, unix.O_WRONLY|unix.O_CREAT, 0o644)
	if err != nil {
		return nil, err
	}
	return &part{f: file, path: p, off: offset, size: size}, nil
}

// CompleteParts implements fs.PartWriter: the parts are in place already.
func (f *FS) CompleteParts(ctx context.Context, p, upload string, receipts []string) error {
	p, err := start(ctx, "complete", p)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err != nil {
		return statErr(err)
	}
	return nil
}

// AbortParts implements fs.PartWriter by removing the file.
func (f *FS) AbortParts(ctx context.Context, p, upload string) error {
	p, err := start(ctx, "abort", p)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	return nil
}

// part writes one byte range of a shared file.
type part struct {
	f      *file
	path   string
	off    int64
	size   int64
	n      int64
	closed bool
}

func (w *part) Write(b []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("write %s: %w", w.path, os.ErrClosed)
	}
	if w.n+int64(len(b)) > w.size {
		return 0, fmt.Errorf("write %s: part of %d bytes at %d would overrun", w.path, w.size, w.off)
	}
	k, err := w.f.write(b, w.off+w.n)
	w.n += int64(k)
	return k, err
}

// Close ends the part; it fails when fewer bytes than the part's size came.
func (w *part) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.f.close(); err != nil {
		return fmt.Errorf("close %s: %w", w.path, err)
	}
	if w.n != w.size {
		return fmt.Errorf("write %s: part at %d has %d of its %d bytes", w.path, w.off, w.n, w.size)
	}
	return nil
}

// Abort leaves the shared file to the other parts (AbortParts removes it).
func (w *part) Abort() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.f.close()
}

func (w *part) Receipt() string { return "" }
