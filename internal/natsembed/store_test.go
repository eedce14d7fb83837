package natsembed

import (
	"os"
	"path/filepath"
	"testing"
)

// A store whose process is gone (its lock released, its directory left:
// what SIGKILL leaves) is removed by the next OpenStore, which returns its
// note; a live one's is kept; Remove leaves nothing.
func TestOpenStoreReapsDeadRuns(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "stores")
	dead, left, err := OpenStore(parent)
	if err != nil || len(left) != 0 {
		t.Fatalf("first store: %v, leftovers %v", err, left)
	}
	if err := dead.Note("job-1 file:///dst"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dead.Dir, "data"), make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	dead.lock.Close() // the process died: the kernel dropped its lock
	live, left, err := OpenStore(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Dir != dead.Dir || left[0].Note != "job-1 file:///dst" {
		t.Fatalf("leftovers %+v, want the dead store with its note", left)
	}
	if _, err := os.Stat(filepath.Join(dead.Dir, "data")); !os.IsNotExist(err) {
		t.Fatalf("the dead store's data is still there: %v", err)
	}
	// A clean-up that failed keeps the note for the next run, which then
	// finishes it.
	left[0].Keep()
	third, left, err := OpenStore(parent)
	if err != nil || len(left) != 1 || left[0].Note != "job-1 file:///dst" {
		t.Fatalf("third store: %v, leftovers %+v, want the kept note again (and the live store kept)", err, left)
	}
	left[0].Done()
	if _, err := os.Stat(dead.Dir); !os.IsNotExist(err) {
		t.Fatalf("the dead store is still there after Done: %v", err)
	}
	fourth, left, err := OpenStore(parent)
	if err != nil || len(left) != 0 {
		t.Fatalf("after Done: %v, leftovers %+v", err, left)
	}
	if _, err := os.Stat(live.Dir); err != nil {
		t.Fatalf("a live store was removed: %v", err)
	}
	for _, s := range []*Store{live, third, fourth} {
		s.Remove()
	}
	if _, err := os.Stat(parent); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(parent)
		t.Fatalf("the parent is left after the last Remove: %v %v", entries, err)
	}
	// The parent is made again for the next run.
	next, _, err := OpenStore(parent)
	if err != nil {
		t.Fatal(err)
	}
	next.Remove()
}
