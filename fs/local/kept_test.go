package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// KeptChecksum gives a recorded checksum while the record is valid (a
// record of the checksum alone too), and nothing, without reading, for
// a file without one or changed since.
func TestKeptChecksum(t *testing.T) {
	ctx := context.Background()
	f := New()
	dir := t.TempDir()
	p, bare := filepath.Join(dir, "f"), filepath.Join(dir, "bare")
	for _, q := range []string{p, bare} {
		if err := os.WriteFile(q, []byte("hello"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := fs.CRC32C(0x9a71bb4c) // CRC32C("hello")
	if err := f.RecordOrigin(ctx, p, fs.Origin{Checksum: sum, SrcSize: -1}); err != nil {
		t.Fatal(err)
	}
	stat := func(q string) fs.FileInfo {
		fi, err := f.Stat(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	got, ok, err := fs.KeptChecksum(ctx, f, stat(p))
	if err != nil || !ok || got.String() != sum.String() {
		t.Fatalf("recorded: %v %v %v (xattrs unsupported here?)", got, ok, err)
	}
	if _, ok, err := fs.KeptChecksum(ctx, f, stat(bare)); ok || err != nil {
		t.Fatalf("no record: ok %v err %v", ok, err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := fs.KeptChecksum(ctx, f, stat(p)); ok || err != nil {
		t.Fatalf("changed since: ok %v err %v", ok, err)
	}
}
