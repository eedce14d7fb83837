package fs_test

import (
	"context"
	"errors"
	iofs "io/fs"
	"iter"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
)

// mkTree creates entries below d: names ending in "/" are directories.
func mkTree(t *testing.T, d string, entries ...string) {
	t.Helper()
	for _, e := range entries {
		p := filepath.Join(d, e)
		var err error
		if strings.HasSuffix(e, "/") {
			err = os.MkdirAll(p, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
			err = os.WriteFile(p, []byte(e), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestMkdirAll(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	fsys := local.New()
	for _, c := range []struct {
		dir  string
		want int
	}{
		{d + "/a/b/c", 3},
		{d + "/a/b/c", 0},
		{d + "/a/b/c/", 0},
		{d + "/a/x", 1},
		{d, 0},
		{"/", 0},
	} {
		n, err := fs.MkdirAll(ctx, fsys, c.dir, 0o755)
		if err != nil || n != c.want {
			t.Errorf("MkdirAll(%s) = %d, %v; want %d", c.dir, n, err, c.want)
		}
	}
	if _, err := fs.MkdirAll(ctx, fsys, "rel/dir", 0o755); !errors.Is(err, iofs.ErrInvalid) {
		t.Errorf("MkdirAll(relative) = %v, want ErrInvalid", err)
	}
	mkTree(t, d, "file")
	if _, err := fs.MkdirAll(ctx, fsys, d+"/file", 0o755); !errors.Is(err, fs.ErrExist) {
		t.Errorf("MkdirAll(file) = %v, want ErrExist", err)
	}
	if _, err := fs.MkdirAll(ctx, fsys, d+"/file/sub", 0o755); err == nil {
		t.Error("MkdirAll below a file succeeded")
	}
}

// Concurrent callers count every directory exactly once between them.
func TestMkdirAllConcurrent(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	fsys := local.New()
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			n, err := fs.MkdirAll(ctx, fsys, d+"/a/b/c/d/e", 0o755)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		})
	}
	wg.Wait()
	if total.Load() != 5 {
		t.Errorf("MkdirAll racers created %d directories in total, want 5", total.Load())
	}
}

// Racing callers' levels together name every directory they made: the
// union of each caller's levels (dir and up) is exactly the new tree, even
// when one caller made a parent and another its child first (a count of
// what each made, taken as the deepest levels, once missed a parent).
func TestMkdirAllLevelsRace(t *testing.T) {
	ctx := t.Context()
	fsys := local.New()
	for round := range 20 {
		d := t.TempDir()
		leaves := []string{"/a/b/c/x", "/a/b/c", "/a/b/y", "/a/z/w/v", "/a"}
		var mu sync.Mutex
		union := map[string]bool{}
		var wg sync.WaitGroup
		for i := range 10 {
			leaf := d + leaves[(i+round)%len(leaves)]
			wg.Go(func() {
				n, err := fs.MkdirAllLevels(ctx, fsys, leaf, 0o755)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				for p := leaf; n > 0; n, p = n-1, path.Dir(p) {
					union[strings.TrimPrefix(p, d)] = true
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		want := []string{"/a", "/a/b", "/a/b/c", "/a/b/c/x", "/a/b/y", "/a/z", "/a/z/w", "/a/z/w/v"}
		if got := slices.Sorted(maps.Keys(union)); !slices.Equal(got, want) {
			t.Fatalf("round %d: levels name %v, want %v", round, got, want)
		}
	}
}

func TestWalk(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	mkTree(t, d, "a/b/c/", "a/b/f", "a/g", "h", "skip/x/", "skip/y")
	fsys := local.New()
	var got []string
	err := fs.Walk(ctx, fsys, d, func(fi fs.FileInfo) error {
		rel := strings.TrimPrefix(fi.Path, d+"/")
		if parent := path.Dir(rel); parent != "." && !slices.Contains(got, parent) {
			t.Errorf("visited %s before its parent", rel)
		}
		got = append(got, rel)
		if fi.Name() == "skip" {
			return fs.SkipDir
		}
		if fi.Name() == "g" {
			return fs.SkipDir // on a file: ignored
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{"a", "a/b", "a/b/c", "a/b/f", "a/g", "h", "skip"}
	if !slices.Equal(got, want) {
		t.Errorf("Walk visited %q, want %q", got, want)
	}

	err = fs.Walk(ctx, fsys, d+"/missing", func(fs.FileInfo) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Walk(missing) = %v, want ErrNotExist", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if err := fs.Walk(ctx2, fsys, d, func(fs.FileInfo) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk with a canceled context = %v", err)
	}
}

// strictFS reports Stat below a file the way HDFS does (not as
// ErrNotExist), and counts calls.
type strictFS struct {
	*local.FS
	stats, lists atomic.Int32
}

var errParentNotDir = errors.New("ParentNotDirectoryException")

func (s *strictFS) Stat(ctx context.Context, p string) (fs.FileInfo, error) {
	s.stats.Add(1)
	if fi, err := s.FS.Stat(ctx, path.Dir(p)); err == nil && !fi.IsDir() {
		return fs.FileInfo{}, errParentNotDir
	}
	return s.FS.Stat(ctx, p)
}

func (s *strictFS) List(ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
	s.lists.Add(1)
	return s.FS.List(ctx, dir)
}

func TestGlob(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	mkTree(t, d, "g/a1/x.txt", "g/a1/sub/", "g/a2/x.txt", "g/b1/x.txt", "g/afile", "g/lit*eral/x.txt",
		"g/dir with space/ü.txt")
	fsys := &strictFS{FS: local.New()}
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{"g/*/x.txt", []string{"g/a1/x.txt", "g/a2/x.txt", "g/b1/x.txt", "g/lit*eral/x.txt"}},
		{"g/a?/x.txt", []string{"g/a1/x.txt", "g/a2/x.txt"}},
		{"g/?1/*", []string{"g/a1/sub", "g/a1/x.txt", "g/b1/x.txt"}},
		{"g/a[^1]/*", []string{"g/a2/x.txt"}},
		{`g/lit\*eral/*`, []string{"g/lit*eral/x.txt"}},
		{"g/*space/*.txt", []string{"g/dir with space/ü.txt"}},
		{"g/afile", []string{"g/afile"}},
		{"g/afile/*", nil},
		{"g/nothing*", nil},
		{"g/*/*/*", nil},
	} {
		got, err := fs.Glob(ctx, fsys, d+"/"+c.pattern)
		if err != nil {
			t.Errorf("Glob(%s): %v", c.pattern, err)
			continue
		}
		var want []string
		for _, w := range c.want {
			want = append(want, d+"/"+w)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Glob(%s) = %q, want %q", c.pattern, got, want)
		}
	}
	if got, err := fs.Glob(ctx, fsys, "/"); err != nil || !slices.Equal(got, []string{"/"}) {
		t.Errorf("Glob(/) = %q, %v", got, err)
	}
	if _, err := fs.Glob(ctx, fsys, d+"/g/["); !errors.Is(err, path.ErrBadPattern) {
		t.Errorf("Glob(bad) = %v, want ErrBadPattern", err)
	}

	// Listed entries are not stat'ed again: one List per directory reached.
	fsys.stats.Store(0)
	fsys.lists.Store(0)
	if _, err := fs.Glob(ctx, fsys, d+"/g/*/*"); err != nil {
		t.Fatal(err)
	}
	// Stats: one per literal element of d and "g"; Lists: g and its 5 directories.
	if wantStats := int32(strings.Count(d, "/") + 1); fsys.stats.Load() != wantStats || fsys.lists.Load() != 6 {
		t.Errorf("Glob made %d Stat and %d List calls, want %d and 6", fsys.stats.Load(), fsys.lists.Load(), wantStats)
	}
}
