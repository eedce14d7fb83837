package lister

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
)

// Below a directory whose target the check found missing, and below a
// missing root, the check is not asked again: every entry comes with the
// missing verdict. Elsewhere every entry is checked once.
func TestWalkSkipsChecksBelowMissingTargets(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"a/x", "a/y", "a/b/z", "c/w", "v"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(fi fs.FileInfo) string { return strings.TrimPrefix(fi.Path, root+"/") }
	for _, rootMissing := range []bool{false, true} {
		var mu sync.Mutex
		checked := map[string]int{}
		check := func(string) func(fs.FileInfo) verdict {
			return func(fi fs.FileInfo) verdict {
				mu.Lock()
				checked[rel(fi)]++
				mu.Unlock()
				return verdict{missing: rel(fi) == "a"}
			}
		}
		got := map[string]bool{}
		l := &Lister{threads: 4}
		err := l.walk(context.Background(), local.New(), root, rootMissing, check, nil, func(fi fs.FileInfo, v verdict) error {
			got[rel(fi)] = v.missing
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"a": true, "a/x": true, "a/y": true, "a/b": true, "a/b/z": true, "c": false, "c/w": false, "v": false}
		wantChecked := []string{"a", "c", "c/w", "v"}
		if rootMissing {
			for k := range want {
				want[k] = true
			}
			wantChecked = nil
		}
		for k, m := range want {
			if g, ok := got[k]; !ok || g != m {
				t.Errorf("root missing %v: %s visited %v with missing %v, want missing %v", rootMissing, k, ok, g, m)
			}
		}
		if len(got) != len(want) {
			t.Errorf("root missing %v: visited %v", rootMissing, got)
		}
		for _, k := range wantChecked {
			if checked[k] != 1 {
				t.Errorf("root missing %v: %s checked %d times, want once", rootMissing, k, checked[k])
			}
		}
		if len(checked) != len(wantChecked) {
			t.Errorf("root missing %v: checked %v, want only %v", rootMissing, checked, wantChecked)
		}
	}
}
