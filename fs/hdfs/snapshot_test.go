package hdfs_test

import (
	"context"
	"fmt"
	"io"
	"os/user"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

func snapshotFS(t *testing.T) (*hdfs.FS, *hdfsemu.Cluster) {
	t.Helper()
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	me, _ := user.Current()
	f, err := hdfs.New(t.Context(), "hdfs://"+c.Addr(), hdfs.Config{Addresses: []string{c.Addr()}, User: me.Username})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, c
}

func put(t *testing.T, f fs.FS, p, data string) {
	t.Helper()
	w, err := f.Create(t.Context(), p, fs.CreateOptions{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotDiffPaged reads a report longer than one page (1,000
// entries) whole, and a deleted file's bytes stay readable in the snapshot
// until the snapshot is deleted.
func TestSnapshotDiffPaged(t *testing.T) {
	f, _ := snapshotFS(t)
	ctx := context.Background()
	if err := f.Mkdir(ctx, "/d", 0o755); err != nil {
		t.Fatal(err)
	}
	put(t, f, "/d/old", "old bytes")
	if err := f.CreateSnapshot(ctx, "/d", "s1"); err != nil {
		t.Fatal(err)
	}
	const n = 2500
	for i := range n {
		put(t, f, fmt.Sprintf("/d/f%04d", i), "x")
	}
	if err := f.Remove(ctx, "/d/old", false); err != nil {
		t.Fatal(err)
	}
	if err := f.CreateSnapshot(ctx, "/d", "s2"); err != nil {
		t.Fatal(err)
	}
	diff, err := f.SnapshotDiff(ctx, "/d", "s1", "s2")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range diff {
		if e.Type == fs.DiffCreate {
			seen[e.Path] = true
		}
	}
	if len(seen) != n || len(diff) != n+2 { // + M . and - old
		t.Fatalf("%d entries, %d distinct creates; want %d creates", len(diff), len(seen), n)
	}
	r, err := f.Open(ctx, "/d/.snapshot/s1/old", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "old bytes" {
		t.Fatalf("snapshot s1 reads %q", b)
	}
	if _, err := f.Create(ctx, "/d/.snapshot/s1/new", fs.CreateOptions{}); err == nil {
		t.Fatal("a write inside a snapshot succeeded")
	}
	if err := f.Remove(ctx, "/d", true); err == nil {
		t.Fatal("a directory with snapshots was deleted")
	}
	if err := f.DeleteSnapshot(ctx, "/d", "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(ctx, "/d/.snapshot/s1/old"); err == nil {
		t.Fatal("deleted snapshot still reads")
	}
}
