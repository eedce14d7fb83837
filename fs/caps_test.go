package fs_test

import (
	"context"
	"errors"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// core hides every optional capability of a backend.
type core struct{ fs.FS }

func sum(b string) fs.Checksum {
	h := fs.NewCRC32C()
	h.Write([]byte(b))
	return fs.CRC32C(h.Sum32())
}

func writeFile(t *testing.T, fsys fs.FS, p, data string) fs.Writer {
	t.Helper()
	w, err := fsys.Create(t.Context(), p, fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	return w
}

// The helpers use a capability where there is one (local files) and fall
// back as documented where there is none.
func TestCapabilityHelpers(t *testing.T) {
	ctx := t.Context()
	loc := local.New()
	bare := core{loc}
	d := t.TempDir()
	p := filepath.Join(d, "f")

	w := writeFile(t, loc, p, "helpers")
	if size, got, err := fs.ReadBack(ctx, w, make([]byte, 4)); err != nil || size != 7 || got.String() != sum("helpers").String() {
		t.Errorf("ReadBack: %d %s %v", size, got, err)
	}
	if _, _, err := fs.CheckStored(ctx, w); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CheckStored on a local Writer: %v, want ErrUnsupported", err)
	}
	if _, ok := fs.WriterChecksum(w); ok {
		t.Error("WriterChecksum: a local Writer keeps none")
	}
	if !fs.CanReadBack(w) || fs.CanReadBack(struct{ fs.Writer }{w}) {
		t.Error("CanReadBack: true for a local Writer only")
	}
	w.Close()
	if _, _, err := fs.ReadBack(ctx, struct{ fs.Writer }{w}, make([]byte, 4)); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ReadBack without a ReadBacker: %v", err)
	}

	if !fs.KeepsChecksums(loc) || fs.KeepsChecksums(bare) {
		t.Error("KeepsChecksums: true for local files only")
	}
	if got, err := fs.FileChecksum(ctx, loc, p); err != nil || got.String() != sum("helpers").String() {
		t.Errorf("FileChecksum: %s %v", got, err)
	}
	if _, err := fs.FileChecksum(ctx, bare, p); !errors.Is(err, fs.ErrIncomparable) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("FileChecksum without a Checksummer: %v", err)
	}

	mt := time.Unix(1e9, 0)
	if err := fs.SetAttrs(ctx, loc, p, fs.Attrs{ModTime: mt}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := loc.Stat(ctx, p); !fi.ModTime.Equal(mt) {
		t.Errorf("SetAttrs: mtime %v", fi.ModTime)
	}
	if err := fs.SetAttrs(ctx, bare, p, fs.Attrs{ModTime: mt}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("SetAttrs without an AttrSetter: %v", err)
	}
	if err := fs.SetAttrs(ctx, bare, p, fs.Attrs{}); err != nil {
		t.Errorf("SetAttrs of nothing without an AttrSetter: %v", err)
	}

	o := fs.Origin{Checksum: sum("helpers"), SrcSize: 7, SrcModTime: time.Unix(5, 6)}
	if err := fs.RecordOrigin(ctx, loc, p, o); err != nil {
		t.Fatal(err)
	}
	fi, _ := loc.Stat(ctx, p)
	if got, ok, err := fs.OriginOf(ctx, loc, fi); err != nil || !ok || got.SrcSize != 7 || !got.SrcModTime.Equal(o.SrcModTime) {
		t.Errorf("OriginOf: %+v %v %v", got, ok, err)
	}
	if got, ok, err := fs.OriginOf(ctx, bare, fi); ok || err != nil {
		t.Errorf("OriginOf without an OriginRecorder: %+v %v %v", got, ok, err)
	}
	if err := fs.RecordOrigin(ctx, bare, p, o); err != nil {
		t.Errorf("RecordOrigin without a recorder: %v", err)
	}

	if fs.AtomicCreate(loc) || fs.StoresAttrsAtCreate(loc) || fs.CanWriteParts(bare) || !fs.CanWriteParts(loc) {
		t.Error("AtomicCreate, StoresAttrsAtCreate or CanWriteParts is wrong")
	}
	q := filepath.Join(d, "parts")
	up, err := fs.StartParts(ctx, loc, q, fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part, err := fs.CreatePart(ctx, loc, q, up, 1, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	part.Write([]byte("parts"))
	if err := part.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fs.CompleteParts(ctx, loc, q, up, []string{part.Receipt()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.FileChecksum(ctx, loc, q); got.String() != sum("parts").String() {
		t.Errorf("parts made %s", got)
	}
	if _, err := fs.StartParts(ctx, bare, q, fs.CreateOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("StartParts without a PartWriter: %v", err)
	}
	if _, err := fs.CreatePart(ctx, bare, q, up, 1, 0, 5); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CreatePart without a PartWriter: %v", err)
	}
	if err := fs.CompleteParts(ctx, bare, q, up, nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CompleteParts without a PartWriter: %v", err)
	}
	if err := fs.AbortParts(ctx, bare, q, up); err != nil {
		t.Errorf("AbortParts without a PartWriter: %v", err)
	}
	if err := fs.AbortParts(ctx, loc, q, up); err != nil {
		t.Fatal(err)
	}
	if _, err := loc.Stat(ctx, q); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("AbortParts left %s: %v", q, err)
	}
	if n, err := fs.AbortUploads(ctx, loc, d, time.Time{}, func(string) bool { return true }); n != 0 || err != nil {
		t.Errorf("AbortUploads without an UploadAborter: %d %v", n, err)
	}
	if err := fs.Close(loc); err != nil {
		t.Errorf("Close without a Closer: %v", err)
	}
}

// On HDFS: a ChecksummingWriter's sum and the store's confirmation, and
// RecordOrigin's fallback to a stored checksum where a backend is a
// ChecksumStorer but no OriginRecorder.
func TestCapabilityHelpersHDFS(t *testing.T) {
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	me, _ := user.Current()
	h, err := hdfs.New(ctx, "hdfs://"+c.Addr(), hdfs.Config{Addresses: []string{c.Addr()}, User: me.Username})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close(h)
	w := writeFile(t, h, "/f", "hdfs")
	if got, ok := fs.WriterChecksum(w); !ok || got.String() != sum("hdfs").String() {
		t.Errorf("WriterChecksum: %s %v", got, ok)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if size, got, err := fs.CheckStored(ctx, w); err != nil || size != 4 || got.String() != sum("hdfs").String() {
		t.Errorf("CheckStored: %d %s %v", size, got, err)
	}
	storer := struct {
		fs.FS
		fs.ChecksumStorer
		fs.Checksummer
	}{h, h, h}
	fake := fs.CRC32C(0x01020304)
	if err := fs.RecordOrigin(ctx, storer, "/f", fs.Origin{Checksum: fake, SrcSize: 4}); err != nil {
		t.Fatal(err)
	}
	if got, err := fs.FileChecksum(ctx, storer, "/f"); err != nil || got.String() != fake.String() {
		t.Errorf("RecordOrigin did not store the checksum: %s %v", got, err)
	}
	fi, _ := h.Stat(ctx, "/f")
	if o, ok, err := fs.OriginOf(ctx, h, fi); ok || err != nil {
		t.Errorf("a stored checksum made an origin: %+v %v %v", o, ok, err)
	}
	if err := fs.Close(h); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// Append goes through a backend's Appender, and a backend without one
// (object stores) says so with ErrUnsupported rather than writing.
func TestAppendHelper(t *testing.T) {
	ctx := t.Context()
	p := filepath.Join(t.TempDir(), "f")
	lfs := local.New()
	if err := writeFile(t, lfs, p, "ab").Close(); err != nil {
		t.Fatal(err)
	}
	bare := core{lfs}
	if fs.CanAppend(bare) || !fs.CanAppend(lfs) {
		t.Errorf("CanAppend: bare %v, local %v; want false, true", fs.CanAppend(bare), fs.CanAppend(lfs))
	}
	if _, err := fs.Append(ctx, bare, p, 2); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Append without an Appender: %v, want ErrUnsupported", err)
	}
	w, err := fs.Append(ctx, lfs, p, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("c")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := fs.ChecksumByReading(ctx, lfs, p, 3)
	if err != nil || got.String() != sum("abc").String() {
		t.Errorf("after Append the file's checksum is %v (%v), want that of \"abc\"", got, err)
	}
}
