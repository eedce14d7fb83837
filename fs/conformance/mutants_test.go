package conformance_test

import (
	"context"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// Mutants of the optional capabilities: each breaks one promise of its
// interface, or claims a capability the local FS lacks.

// wrapWriter makes a create hook wrapping the local Writer.
func wrapWriter(wrap func(fs.Writer) fs.Writer) func(m mutant, ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
	return func(m mutant, ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
		w, err := m.FS.Create(ctx, p, o)
		if err != nil {
			return nil, err
		}
		return wrap(w), nil
	}
}

// partsAtZero writes every part at offset 0.
type partsAtZero struct{ mutant }

func (m partsAtZero) CreatePart(ctx context.Context, p, upload string, n int, _, size int64) (fs.Part, error) {
	return m.FS.CreatePart(ctx, p, upload, n, 0, size)
}

// partsKept does not discard an aborted assembly.
type partsKept struct{ mutant }

func (partsKept) AbortParts(context.Context, string, string) error { return nil }

// originCache answers with a record it once read, also after the file
// changed.
type originCache struct {
	mutant
	seen sync.Map
}

func (m *originCache) Origin(ctx context.Context, fi fs.FileInfo) (fs.Origin, bool, error) {
	o, ok, err := m.FS.Origin(ctx, fi)
	if ok {
		m.seen.Store(fi.Path, o)
	} else if c, hit := m.seen.Load(fi.Path); hit && err == nil {
		return c.(fs.Origin), true, nil
	}
	return o, ok, err
}

// originNoCtime records no source change time.
type originNoCtime struct{ mutant }

func (m originNoCtime) RecordOrigin(ctx context.Context, p string, o fs.Origin) error {
	o.SrcChangeTime = time.Time{}
	return m.FS.RecordOrigin(ctx, p, o)
}

// oneBufferReadBack reads back no more than one buffer.
type oneBufferReadBack struct {
	fs.Writer
	given []byte
}

func (w *oneBufferReadBack) Write(b []byte) (int, error) {
	n, err := w.Writer.Write(b)
	w.given = append(w.given, b[:n]...)
	return n, err
}

func (w *oneBufferReadBack) ReadBack(_ context.Context, buf []byte) (int64, fs.Checksum, error) {
	got := w.given[:min(len(buf), len(w.given))]
	return int64(len(got)), fs.CRC32C(crc32.Checksum(got, crc32.MakeTable(crc32.Castagnoli))), nil
}

// trustingStoreCheck loses bytes past 1 MiB and confirms what it was
// given instead of what is stored.
type trustingStoreCheck struct {
	dropTail
	given int64
	h     hash.Hash32
}

func (w *trustingStoreCheck) Write(b []byte) (int, error) {
	if w.h == nil {
		w.h = fs.NewCRC32C()
	}
	w.given += int64(len(b))
	w.h.Write(b)
	return w.dropTail.Write(b)
}

func (w *trustingStoreCheck) CheckStored(context.Context) (int64, fs.Checksum, error) {
	if w.h == nil {
		w.h = fs.NewCRC32C()
	}
	return w.given, fs.CRC32C(w.h.Sum32()), nil
}

// ieeeWriter checksums with the wrong polynomial.
type ieeeWriter struct {
	fs.Writer
	h hash.Hash32
}

func (w *ieeeWriter) Write(b []byte) (int, error) {
	n, err := w.Writer.Write(b)
	w.h.Write(b[:n])
	return n, err
}

func (w *ieeeWriter) Checksum() fs.Checksum { return fs.CRC32C(w.h.Sum32()) }

// sumStore keeps stored checksums by path, whatever happens to the file.
type sumStore struct {
	mutant
	sums sync.Map
}

func (m *sumStore) StoreChecksum(ctx context.Context, p string, c fs.Checksum) error {
	if _, err := m.FS.Stat(ctx, p); err != nil {
		return err
	}
	m.sums.Store(p, c)
	return nil
}

func (m *sumStore) Checksum(ctx context.Context, p string) (fs.Checksum, error) {
	if c, ok := m.sums.Load(p); ok {
		return c.(fs.Checksum), nil
	}
	return m.FS.Checksum(ctx, p)
}

// uploadsIgnoreMatch takes every file directly in dir modified since for
// an open upload, matched or not.
type uploadsIgnoreMatch struct{ mutant }

func (m uploadsIgnoreMatch) AbortUploads(ctx context.Context, dir string, since time.Time, _ func(string) bool) (int, error) {
	n := 0
	for fi, err := range m.FS.List(ctx, dir) {
		if err != nil {
			return n, err
		}
		if !fi.IsDir() && !fi.ModTime.Before(since) {
			if err := os.Remove(fi.Path); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

type claimsAttrsAtCreate struct{ mutant }

func (claimsAttrsAtCreate) StoresAttrsAtCreate() bool { return true }

type claimsAtomic struct{ mutant }

func (claimsAtomic) AtomicCreate() bool { return true }

// closeOnce fails a second Close.
type closeOnce struct {
	mutant
	closed bool
}

func (m *closeOnce) Close() error {
	if m.closed {
		return errors.New("already closed")
	}
	m.closed = true
	return nil
}

// markNothing claims DirMarker and marks nothing.
type markNothing struct{ mutant }

func (markNothing) MarkDir(context.Context, string, os.FileMode) error { return nil }

// lazySnapshot's readers describe the file when asked, not the version
// they read.
type lazySnapshot struct{ mutant }

func (m lazySnapshot) Open(ctx context.Context, p string, off int64) (io.ReadCloser, error) {
	r, err := m.mutant.Open(ctx, p, off)
	if err != nil {
		return nil, err
	}
	return lazyInfo{ReadCloser: r, stat: func() (fs.FileInfo, error) { return m.FS.Stat(context.WithoutCancel(ctx), p) }}, nil
}

type lazyInfo struct {
	io.ReadCloser
	stat func() (fs.FileInfo, error)
}

func (r lazyInfo) Info() fs.FileInfo {
	fi, _ := r.stat()
	return fi
}

// keptStale answers with a checksum it once kept, also after the file
// changed.
type keptStale struct {
	mutant
	seen sync.Map
}

func (m *keptStale) KeptChecksum(ctx context.Context, fi fs.FileInfo) (fs.Checksum, bool, error) {
	sum, ok, err := m.FS.KeptChecksum(ctx, fi)
	if ok {
		m.seen.Store(fi.Path, sum)
	} else if c, hit := m.seen.Load(fi.Path); hit && err == nil {
		return c.(fs.Checksum), true, nil
	}
	return sum, ok, err
}

// sizeVersion claims a version made of the file's size: the same for
// other bytes of that size, and (on the local FS) not what Stat shows.
type sizeVersion struct {
	fs.Writer
	n int64
}

func (w *sizeVersion) Write(b []byte) (int, error) {
	n, err := w.Writer.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *sizeVersion) Version() string { return versionOfSize(w.n) }

func versionOfSize(n int64) string { return "v" + strconv.FormatInt(n, 10) }

// serverStale claims servers that compute checksums, and answers with the
// first it computed for a path, also after the file changed.
type serverStale struct {
	mutant
	seen sync.Map
}

func (m *serverStale) ServerChecksum(ctx context.Context, fi fs.FileInfo) (fs.Checksum, bool, error) {
	if c, hit := m.seen.Load(fi.Path); hit {
		return c.(fs.Checksum), true, nil
	}
	sum, err := fs.ChecksumByReading(ctx, m.FS, fi.Path, fi.Size)
	if err != nil {
		return fs.Checksum{}, false, nil
	}
	m.seen.Store(fi.Path, sum)
	return sum, true, nil
}

// noDiff claims snapshots and reports no difference between any two.
type noDiff struct{ mutant }

func (noDiff) CreateSnapshot(context.Context, string, string) error { return nil }
func (noDiff) DeleteSnapshot(context.Context, string, string) error { return nil }
func (noDiff) SnapshotDiff(context.Context, string, string, string) ([]fs.DiffEntry, error) {
	return nil, nil
}

// appendRewrites "appends" by writing the file anew from its start.
type appendRewrites struct{ mutant }

func (m appendRewrites) Append(ctx context.Context, p string, _ int64) (fs.Writer, error) {
	return m.FS.Create(ctx, p, fs.CreateOptions{Overwrite: true})
}

// appendAnySize appends whatever the file's length.
type appendAnySize struct{ mutant }

func (m appendAnySize) Append(ctx context.Context, p string, _ int64) (fs.Writer, error) {
	fi, err := m.FS.Stat(ctx, p)
	if err != nil {
		return nil, err
	}
	return m.FS.Append(ctx, p, fi.Size)
}
