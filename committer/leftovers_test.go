package committer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
)

// A dead job's temp files and assemblies go, at any depth; another job's
// and the copied files stay.
func TestSweepLeftoversOfADeadJob(t *testing.T) {
	root := t.TempDir()
	dead, other := "20261203-120000-deadbeef", "20261203-120001-0123abcd"
	files := map[string]bool{ // path -> removed
		"a":                                  false,
		"d/b":                                false,
		distcp.TempName(dead, "3", 1, "tok"): true,
		"d/e/" + distcp.TempName(dead, "7", 0, "chunks"): true,
		"d/" + distcp.TempName(other, "3", 1, "tok"):     false,
	}
	for p := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	n, err := committer.SweepLeftovers(context.Background(), reg, fs.MustParseURI(root).String(), dead, zerolog.Nop())
	if err != nil || n != 2 {
		t.Fatalf("swept %d, %v; want 2", n, err)
	}
	for p, removed := range files {
		_, err := os.Stat(filepath.Join(root, p))
		if removed != os.IsNotExist(err) {
			t.Errorf("%s: removed %v, want %v", p, os.IsNotExist(err), removed)
		}
	}
	// A write root never made holds nothing to sweep.
	if n, err := committer.SweepLeftovers(context.Background(), reg, fs.MustParseURI(filepath.Join(root, "none")).String(), dead, zerolog.Nop()); err != nil || n != 0 {
		t.Errorf("missing root: %d, %v", n, err)
	}
}
