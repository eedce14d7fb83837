package local

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// The origin record round-trips the checksum and the source's size, mtime
// and ctime; a record of the older 5-field form still reads; a file
// written since has no valid record.
func TestOriginRecord(t *testing.T) {
	ctx := context.Background()
	f := New()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := fs.NewCRC32C()
	h.Write([]byte("hello"))
	want := fs.Origin{Checksum: fs.CRC32C(h.Sum32()), SrcSize: 5,
		SrcModTime: time.Unix(100, 7), SrcChangeTime: time.Unix(200, 9)}
	if err := f.RecordOrigin(ctx, p, want); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := f.Origin(ctx, fi)
	if err != nil || !ok {
		t.Fatalf("origin: ok %v err %v (xattrs unsupported here?)", ok, err)
	}
	if same, _ := got.Checksum.Equal(want.Checksum); !same || got.SrcSize != 5 ||
		!got.SrcModTime.Equal(want.SrcModTime) || !got.SrcChangeTime.Equal(want.SrcChangeTime) {
		t.Fatalf("origin %+v, want %+v", got, want)
	}

	legacy := want.Checksum.String() + " size=5 mtime=" + itoa(fi.ModTime.UnixNano()) + " src_size=5 src_mtime=100000000007"
	if err := syscall.Setxattr(p, fs.OriginXattr, []byte(legacy), 0); err != nil {
		t.Fatal(err)
	}
	got, ok, _ = f.Origin(ctx, fi)
	if !ok || !got.SrcChangeTime.IsZero() || !got.SrcModTime.Equal(want.SrcModTime) {
		t.Fatalf("legacy record: ok %v origin %+v", ok, got)
	}

	if err := os.WriteFile(p, []byte("HELLO"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := fi.ModTime.Add(time.Second)
	os.Chtimes(p, later, later)
	fi2, _ := f.Stat(ctx, p)
	if _, ok, _ := f.Origin(ctx, fi2); ok {
		t.Fatal("a record outlived a write to its file")
	}
	if fi2.ChangeTime.IsZero() || !fi2.ChangeTime.After(fi.ChangeTime) && !fi2.ChangeTime.Equal(fi.ChangeTime) {
		t.Fatalf("change time %v after a write, was %v", fi2.ChangeTime, fi.ChangeTime)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ReadBack reads what was written through the open handle: the whole
// length and its CRC32C, whatever the buffer size; not after Close.
func TestReadBack(t *testing.T) {
	ctx := context.Background()
	f := New()
	p := filepath.Join(t.TempDir(), "f")
	w, err := f.Create(ctx, p, fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 10000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	w.Write(data)
	h := fs.NewCRC32C()
	h.Write(data)
	for _, n := range []int{1, 4096, 10000, 20000} {
		size, sum, err := w.(fs.ReadBacker).ReadBack(ctx, make([]byte, n))
		if err != nil || size != int64(len(data)) || sum.String() != fs.CRC32C(h.Sum32()).String() {
			t.Fatalf("buffer %d: size %d sum %s err %v, want %d %s", n, size, sum, err, len(data), fs.CRC32C(h.Sum32()))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.(fs.ReadBacker).ReadBack(ctx, make([]byte, 10)); err == nil {
		t.Fatal("ReadBack after Close succeeded")
	}
}
