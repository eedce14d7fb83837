package conformance

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// largeEntries is how many files List/Large puts in one directory: more than
// one batch of the usual 1000-entry listing pages.
const largeEntries = 2500

func (s *suite) testList(t *testing.T) {
	t.Run("Entries", s.testListEntries)
	t.Run("Empty", s.testListEmpty)
	t.Run("Missing", s.testListMissing)
	t.Run("Large", s.testListLarge)
	t.Run("EarlyStop", s.testListEarlyStop)
}

func (s *suite) testListEntries(t *testing.T) {
	d := s.dir(t)
	files := map[string]int{"a": 1, "b.txt": 2, "c d": 3, "empty": 0, "x.bin": 4096}
	dirs := []string{"sub1", "sub2", "sub 3"}
	for name, n := range files {
		s.write(t, join(d, name), randomBytes(n, byte(n)), fs.CreateOptions{})
	}
	for _, name := range dirs {
		s.mkdir(t, join(d, name))
	}
	// Nested entries must not show up.
	s.write(t, join(d, "sub1", "inner"), []byte("in"), fs.CreateOptions{})
	s.mkdir(t, join(d, "sub1", "innerdir"))

	m := s.list(t, d)
	if len(m) != len(files)+len(dirs) {
		t.Errorf("List(%s): %d entries %q, want %d", d, len(m), keys(m), len(files)+len(dirs))
	}
	for name, n := range files {
		fi, ok := m[name]
		switch {
		case !ok:
			t.Errorf("List(%s) lacks file %q", d, name)
		case fi.IsDir():
			t.Errorf("List(%s): file %q listed as a directory", d, name)
		case fi.Size != int64(n):
			t.Errorf("List(%s): %q has size %d, want %d", d, name, fi.Size, n)
		case fi.Path != join(d, name):
			t.Errorf("List(%s): %q has Path %q, want %q", d, name, fi.Path, join(d, name))
		}
	}
	for _, name := range dirs {
		fi, ok := m[name]
		switch {
		case !ok:
			t.Errorf("List(%s) lacks directory %q", d, name)
		case !fi.IsDir():
			t.Errorf("List(%s): directory %q listed as a file (mode %v)", d, name, fi.Mode)
		case fi.Size != 0:
			t.Errorf("List(%s): directory %q has size %d, want 0", d, name, fi.Size)
		case fi.Path != join(d, name):
			t.Errorf("List(%s): %q has Path %q, want %q", d, name, fi.Path, join(d, name))
		}
	}
}

func (s *suite) testListEmpty(t *testing.T) {
	d := s.dir(t)
	if m := s.list(t, d); len(m) != 0 {
		t.Errorf("List(empty %s) yielded %q", d, keys(m))
	}
}

func (s *suite) testListMissing(t *testing.T) {
	d := s.dir(t)
	p := join(d, "nope")
	var pairs int
	var last error
	for fi, err := range s.fsys.List(t.Context(), p) {
		pairs++
		last = err
		if err == nil {
			t.Errorf("List(missing %s) yielded entry %q", p, fi.Path)
		}
	}
	if pairs != 1 {
		t.Errorf("List(missing %s) yielded %d pairs, want exactly one error", p, pairs)
	}
	wantErr(t, last, fs.ErrNotExist, "List(missing %s)", p)
}

func (s *suite) testListLarge(t *testing.T) {
	d := s.dir(t)
	for i := range largeEntries {
		s.write(t, join(d, fmt.Sprintf("f%05d", i)), nil, fs.CreateOptions{})
	}
	seen := make([]int, largeEntries)
	var n int
	for fi, err := range s.fsys.List(t.Context(), d) {
		if err != nil {
			t.Fatalf("List(%s) after %d entries: %v", d, n, err)
		}
		n++
		var i int
		if _, err := fmt.Sscanf(fi.Name(), "f%05d", &i); err != nil || i < 0 || i >= largeEntries || fi.Path != join(d, fi.Name()) {
			t.Errorf("List(%s) yielded unexpected %q", d, fi.Path)
			continue
		}
		seen[i]++
	}
	if n != largeEntries {
		t.Errorf("List(%s) yielded %d entries, want %d", d, n, largeEntries)
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("List(%s) yielded f%05d %d times, want once", d, i, c)
		}
	}
}

func (s *suite) testListEarlyStop(t *testing.T) {
	d := s.dir(t)
	for i := range 10 {
		s.write(t, join(d, fmt.Sprint(i)), nil, fs.CreateOptions{})
	}
	n := 0
	for _, err := range s.fsys.List(t.Context(), d) {
		if err != nil {
			t.Fatalf("List(%s): %v", d, err)
		}
		n++
		if n == 3 {
			break // the iterator must stop calling yield
		}
	}
	if m := s.list(t, d); len(m) != 10 {
		t.Errorf("List(%s) after an early stop: %d entries, want 10", d, len(m))
	}
}

func (s *suite) testMkdir(t *testing.T) {
	t.Run("Basic", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "x")
		if err := s.fsys.Mkdir(t.Context(), p, 0o750); err != nil {
			t.Fatalf("Mkdir(%s): %v", p, err)
		}
		fi := s.stat(t, p)
		if !fi.IsDir() || fi.Size != 0 {
			t.Errorf("Stat(%s): IsDir %v, Size %d; want a directory of size 0", p, fi.IsDir(), fi.Size)
		}
		s.wantPerm(t, fi, 0o750)
		if m := s.list(t, p); len(m) != 0 {
			t.Errorf("new directory %s holds %q", p, keys(m))
		}
	})
	t.Run("Exists", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "x")
		s.mkdir(t, p)
		s.write(t, join(p, "keep"), []byte("k"), fs.CreateOptions{})
		wantErr(t, s.fsys.Mkdir(t.Context(), p, 0o755), fs.ErrExist, "Mkdir(existing directory %s)", p)
		s.wantContent(t, join(p, "keep"), []byte("k"))
		f := join(d, "file")
		s.write(t, f, []byte("f"), fs.CreateOptions{})
		wantErr(t, s.fsys.Mkdir(t.Context(), f, 0o755), fs.ErrExist, "Mkdir(existing file %s)", f)
		if fi := s.stat(t, f); fi.IsDir() {
			t.Errorf("%s turned into a directory", f)
		}
	})
	t.Run("MissingParent", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "no", "x")
		wantErr(t, s.fsys.Mkdir(t.Context(), p, 0o755), fs.ErrNotExist, "Mkdir(%s) with a missing parent", p)
		s.wantMissing(t, join(d, "no"))
	})
}

func (s *suite) testMkdirAll(t *testing.T) {
	d := s.dir(t)
	ctx := t.Context()
	p := join(d, "a", "b", "c")
	if n, err := fs.MkdirAll(ctx, s.fsys, p, 0o755); err != nil || n != 3 {
		t.Errorf("MkdirAll(%s) = %d, %v; want 3, nil", p, n, err)
	}
	for _, q := range []string{join(d, "a"), join(d, "a", "b"), p} {
		if fi := s.stat(t, q); !fi.IsDir() {
			t.Errorf("%s is not a directory", q)
		}
	}
	if n, err := fs.MkdirAll(ctx, s.fsys, p, 0o755); err != nil || n != 0 {
		t.Errorf("MkdirAll(%s) again = %d, %v; want 0, nil", p, n, err)
	}
	q := join(d, "a", "b", "d")
	if n, err := fs.MkdirAll(ctx, s.fsys, q, 0o755); err != nil || n != 1 {
		t.Errorf("MkdirAll(%s) = %d, %v; want 1, nil", q, n, err)
	}
	f := join(d, "file")
	s.write(t, f, []byte("f"), fs.CreateOptions{})
	if n, err := fs.MkdirAll(ctx, s.fsys, join(f, "x"), 0o755); err == nil || n != 0 {
		t.Errorf("MkdirAll below the file %s = %d, %v; want 0 and an error", f, n, err)
	}
	_, err := fs.MkdirAll(ctx, s.fsys, f, 0o755)
	wantErr(t, err, fs.ErrExist, "MkdirAll(file %s)", f)
	s.wantContent(t, f, []byte("f"))
}

func (s *suite) testRename(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		d := s.dir(t)
		old, new := join(d, "old"), join(d, "new")
		data := randomBytes(70_000, 7)
		s.write(t, old, data, fs.CreateOptions{})
		if err := s.fsys.Rename(t.Context(), old, new); err != nil {
			t.Fatalf("Rename(%s, %s): %v", old, new, err)
		}
		s.wantMissing(t, old)
		s.wantContent(t, new, data)
	})
	t.Run("ReplaceFile", func(t *testing.T) {
		d := s.dir(t)
		old, new := join(d, "old"), join(d, "new")
		s.write(t, old, []byte("from old"), fs.CreateOptions{})
		s.write(t, new, []byte("the replaced, longer content"), fs.CreateOptions{})
		if err := s.fsys.Rename(t.Context(), old, new); err != nil {
			t.Fatalf("Rename(%s, existing file %s): %v", old, new, err)
		}
		s.wantMissing(t, old)
		s.wantContent(t, new, []byte("from old"))
		if m := s.list(t, d); len(m) != 1 {
			t.Errorf("List(%s) = %q, want only new", d, keys(m))
		}
	})
	t.Run("Dir", func(t *testing.T) {
		d := s.dir(t)
		old, new := join(d, "x"), join(d, "z")
		s.mkdir(t, old)
		s.mkdir(t, join(old, "y"))
		s.write(t, join(old, "y", "f"), []byte("deep"), fs.CreateOptions{})
		s.write(t, join(old, "g"), []byte("top"), fs.CreateOptions{})
		if err := s.fsys.Rename(t.Context(), old, new); err != nil {
			t.Fatalf("Rename(%s, %s): %v", old, new, err)
		}
		s.wantMissing(t, old)
		s.wantMissing(t, join(old, "y", "f"))
		s.wantContent(t, join(new, "y", "f"), []byte("deep"))
		s.wantContent(t, join(new, "g"), []byte("top"))
	})
	t.Run("Missing", func(t *testing.T) {
		d := s.dir(t)
		old, new := join(d, "nope"), join(d, "new")
		wantErr(t, s.fsys.Rename(t.Context(), old, new), fs.ErrNotExist, "Rename(missing %s)", old)
		s.wantMissing(t, new)
	})
	t.Run("OntoExistingDir", func(t *testing.T) {
		// Not merged, nor moved inside (as "mv" and HDFS's old rename do).
		d := s.dir(t)
		src, dst := join(d, "src"), join(d, "dst")
		s.mkdir(t, src)
		s.write(t, join(src, "a"), []byte("a"), fs.CreateOptions{})
		s.mkdir(t, dst)
		s.write(t, join(dst, "b"), []byte("b"), fs.CreateOptions{})
		if err := s.fsys.Rename(t.Context(), src, dst); err == nil {
			t.Errorf("Rename(dir %s, existing dir %s) succeeded, want an error", src, dst)
		}
		f := join(d, "f")
		s.write(t, f, []byte("f"), fs.CreateOptions{})
		if err := s.fsys.Rename(t.Context(), f, dst); err == nil {
			t.Errorf("Rename(file %s, existing dir %s) succeeded, want an error", f, dst)
		}
		s.wantContent(t, join(src, "a"), []byte("a"))
		s.wantContent(t, f, []byte("f"))
		if m := s.list(t, dst); len(m) != 1 {
			t.Errorf("List(%s) = %q, want only b", dst, keys(m))
		}
		s.wantContent(t, join(dst, "b"), []byte("b"))
	})
}

func (s *suite) testRemove(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		d := s.dir(t)
		for _, recursive := range []bool{false, true} {
			p := join(d, fmt.Sprint("f-", recursive))
			s.write(t, p, []byte("x"), fs.CreateOptions{})
			if err := s.fsys.Remove(t.Context(), p, recursive); err != nil {
				t.Errorf("Remove(%s, %v): %v", p, recursive, err)
			}
			s.wantMissing(t, p)
		}
		if fi := s.stat(t, d); !fi.IsDir() {
			t.Errorf("parent %s is gone", d)
		}
	})
	t.Run("EmptyDir", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "e")
		s.mkdir(t, p)
		if err := s.fsys.Remove(t.Context(), p, false); err != nil {
			t.Errorf("Remove(empty dir %s): %v", p, err)
		}
		s.wantMissing(t, p)
	})
	t.Run("NonEmptyDir", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "full")
		s.mkdir(t, p)
		s.mkdir(t, join(p, "sub"))
		s.write(t, join(p, "sub", "f"), []byte("f"), fs.CreateOptions{})
		s.write(t, join(p, "g"), []byte("g"), fs.CreateOptions{})
		if err := s.fsys.Remove(t.Context(), p, false); err == nil {
			t.Errorf("Remove(non-empty %s, not recursive) succeeded", p)
		}
		s.wantContent(t, join(p, "sub", "f"), []byte("f"))
		s.wantContent(t, join(p, "g"), []byte("g"))
		if err := s.fsys.Remove(t.Context(), p, true); err != nil {
			t.Fatalf("Remove(%s, recursive): %v", p, err)
		}
		s.wantMissing(t, join(p, "sub", "f"))
		s.wantMissing(t, p)
		if m := s.list(t, d); len(m) != 0 {
			t.Errorf("List(%s) = %q, want nothing", d, keys(m))
		}
	})
	t.Run("Missing", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "nope")
		wantErr(t, s.fsys.Remove(t.Context(), p, false), fs.ErrNotExist, "Remove(missing %s)", p)
		wantErr(t, s.fsys.Remove(t.Context(), p, true), fs.ErrNotExist, "Remove(missing %s, recursive)", p)
	})
}

// tree builds the given entries below d: names ending in "/" are directories.
func (s *suite) tree(t *testing.T, d string, entries ...string) {
	t.Helper()
	for _, e := range entries {
		if e[len(e)-1] == '/' {
			s.mkdir(t, join(d, e[:len(e)-1]))
		} else {
			s.write(t, join(d, e), []byte(e), fs.CreateOptions{})
		}
	}
}

func (s *suite) testWalk(t *testing.T) {
	t.Run("All", func(t *testing.T) {
		d := s.dir(t)
		entries := []string{"a/", "a/f1", "a/b/", "a/b/f2", "a/b/c/", "a/g3", "h", "i/"}
		s.tree(t, d, entries...)
		seen := map[string]int{}
		err := fs.Walk(t.Context(), s.fsys, d, func(fi fs.FileInfo) error {
			seen[fi.Path]++
			if parent := path.Dir(fi.Path); parent != d && seen[parent] == 0 {
				t.Errorf("Walk visited %s before its parent", fi.Path)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%s): %v", d, err)
		}
		if len(seen) != len(entries) {
			t.Errorf("Walk(%s) visited %d entries %q, want %d", d, len(seen), keys(seen), len(entries))
		}
		for _, e := range entries {
			p := join(d, path.Clean(e))
			if seen[p] != 1 {
				t.Errorf("Walk(%s) visited %s %d times, want once", d, p, seen[p])
			}
		}
	})
	t.Run("SkipDir", func(t *testing.T) {
		d := s.dir(t)
		s.tree(t, d, "a/", "a/b/", "a/b/f", "a/b/c/", "a/g")
		var got []string
		err := fs.Walk(t.Context(), s.fsys, d, func(fi fs.FileInfo) error {
			got = append(got, fi.Path)
			if fi.Name() == "b" {
				return fs.SkipDir
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%s): %v", d, err)
		}
		slices.Sort(got)
		if want := []string{join(d, "a"), join(d, "a/b"), join(d, "a/g")}; !equal(got, want) {
			t.Errorf("Walk skipping b visited %q, want %q", got, want)
		}
	})
	t.Run("Error", func(t *testing.T) {
		d := s.dir(t)
		s.tree(t, d, "a/", "a/f")
		err := fs.Walk(t.Context(), s.fsys, d, func(fi fs.FileInfo) error {
			if fi.Name() == "f" {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Errorf("Walk returned %v, want the callback's error", err)
		}
	})
}

func (s *suite) testGlob(t *testing.T) {
	d := s.dir(t)
	s.tree(t, d, "g/", "g/a1/", "g/a1/x.txt", "g/a1/y.dat", "g/a1/sub/", "g/a2/", "g/a2/x.txt",
		"g/b1/", "g/b1/x.txt", "g/afile", "g/a3.txt")
	e := escape(d)
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{"g/a?/x.txt", []string{"g/a1/x.txt", "g/a2/x.txt"}},
		{"g/*/x.txt", []string{"g/a1/x.txt", "g/a2/x.txt", "g/b1/x.txt"}}, // g/afile is a file
		{"g/a*", []string{"g/a1", "g/a2", "g/a3.txt", "g/afile"}},
		{"g/?1/*", []string{"g/a1/sub", "g/a1/x.txt", "g/a1/y.dat", "g/b1/x.txt"}},
		{"g/[ab]2/*.txt", []string{"g/a2/x.txt"}},
		{"g/*/*/x.txt", nil},
		{"g/a1/x.txt", []string{"g/a1/x.txt"}},
		{"g/a1/nope", nil},
		{"g/z*", nil},
		{"*/a?", []string{"g/a1", "g/a2"}},
	} {
		got, err := fs.Glob(t.Context(), s.fsys, e+"/"+c.pattern)
		if err != nil {
			t.Errorf("Glob(%s): %v", c.pattern, err)
			continue
		}
		var want []string
		for _, w := range c.want {
			want = append(want, join(d, w))
		}
		if !equal(got, want) {
			t.Errorf("Glob(%s) = %q, want %q", c.pattern, got, want)
		}
	}
	if _, err := fs.Glob(t.Context(), s.fsys, e+"/g/["); err == nil {
		t.Errorf("Glob of a bad pattern succeeded")
	}
}
