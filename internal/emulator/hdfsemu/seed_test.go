package hdfsemu

import (
	"bytes"
	"io"
	"testing"
)

// A seeded tree is what a client reads back, block boundaries included,
// costs no RPC, replaces a file already there, and a snapshot of it
// behaves as of a tree written through the protocol.
func TestSeed(t *testing.T) {
	c := startCluster(t, Options{})
	big := randomBytes(2*testBlockSize+77, 3)
	files := map[string][]byte{"/s/a/big": big, "/s/a/small": []byte("small"), "/s/b/empty": nil}
	for p, data := range files {
		if err := c.SeedFile(p, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SeedDir("/s/emptydir"); err != nil {
		t.Fatal(err)
	}
	if err := c.SeedFile("/s/a/small", []byte("replaced")); err != nil {
		t.Fatal(err)
	}
	files["/s/a/small"] = []byte("replaced")
	if err := c.SeedFile("/s/a", []byte("x")); err == nil {
		t.Error("seeded a file over a directory")
	}
	if n := c.Stats().RPCs(); n != 0 {
		t.Errorf("seeding cost %d RPCs", n)
	}
	if err := c.Snapshot("/s", "s1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SeedFile("/s/.snapshot/s1/x", nil); err == nil {
		t.Error("seeded a file inside a snapshot")
	}
	cl := newClient(t, c, testSuper)
	for p, want := range files {
		for _, at := range []string{p, "/s/.snapshot/s1" + p[2:]} {
			r, err := cl.Open(at)
			if err != nil {
				t.Fatalf("open %s: %v", at, err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: read %d bytes (%v), want %d", at, len(got), err, len(want))
			}
		}
	}
	if fi, err := cl.Stat("/s/emptydir"); err != nil || !fi.IsDir() {
		t.Errorf("seeded directory: %v %v", fi, err)
	}
	// The client writes after the seeding get blocks of their own.
	writeFile(t, cl, "/s/b/written", []byte("through the protocol"))
	r, err := cl.Open("/s/a/big")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, big) {
		t.Errorf("seeded file changed by a later write: %d bytes, %v", len(got), err)
	}
}
