package hdfsemu

import (
	"bytes"
	"io"
	"testing"
)

// A snapshot outlives the deletion of its files and a restart on the same
// Dir (the deleted file's block is kept for it); deleting the snapshot
// frees that block.
func TestSnapshotKeepsDeletedBlocks(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{Dir: dir, Superuser: testSuper, BlockSize: testBlockSize}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, c, testSuper)
	data := randomBytes(3*testBlockSize/2, 7)
	if err := cl.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, cl, "/d/f", data)
	if err := c.Snapshot("/d", "s1"); err != nil {
		t.Fatal(err)
	}
	fi, err := cl.Stat("/d/.snapshot/s1/f")
	if err != nil || fi.Size() != int64(len(data)) {
		t.Fatalf("stat in the snapshot: %v, %v", fi, err)
	}
	if err := cl.Remove("/d/f"); err != nil {
		t.Fatal(err)
	}
	ids := collectBlocks(c.nn.ns.Root.Children["d"].Snapshots["s1"].Root, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c2, err := Start(Options{Dir: dir, Superuser: testSuper, BlockSize: testBlockSize}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	cl2 := newClient(t, c2, testSuper)
	r, err := cl2.Open("/d/.snapshot/s1/f")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read the deleted file in the snapshot after a restart: %d bytes, %v", len(got), err)
	}
	if _, err := cl2.Create("/d/.snapshot/s1/g"); err == nil {
		t.Fatal("created a file inside a snapshot")
	}
	if err := c2.DeleteSnapshot("/d", "s1"); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, ok := c2.dn.store.length(id); ok {
			t.Errorf("block %d of the deleted file kept after its snapshot was deleted", id)
		}
	}
}
