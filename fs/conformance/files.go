package conformance

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed, 'j', 'e', 't', 'c', 'p'}).Read(b)
	return b
}

func (s *suite) testStat(t *testing.T) {
	t.Run("Missing", func(t *testing.T) {
		d := s.dir(t)
		s.wantMissing(t, join(d, "nope"))
		s.wantMissing(t, join(d, "nope", "deeper"))
	})
	t.Run("BelowFile", func(t *testing.T) {
		d := s.dir(t)
		f := join(d, "file")
		s.write(t, f, []byte("x"), fs.CreateOptions{})
		s.wantMissing(t, join(f, "child"))
	})
	t.Run("Dir", func(t *testing.T) {
		d := s.dir(t)
		fi := s.stat(t, d)
		if !fi.IsDir() || fi.Size != 0 {
			t.Errorf("Stat(%s): IsDir %v, Size %d; want a directory of size 0", d, fi.IsDir(), fi.Size)
		}
		if fi.Name() != fs.Base(d) {
			t.Errorf("Stat(%s).Name() = %q", d, fi.Name())
		}
	})
}

func (s *suite) testCreate(t *testing.T) {
	t.Run("Basic", s.testCreateBasic)
	t.Run("EmptyWrites", s.testCreateEmptyWrites)
	t.Run("Perm", s.testCreatePerm)
	t.Run("Exclusive", s.testCreateExclusive)
	t.Run("Overwrite", s.testCreateOverwrite)
	t.Run("Abort", s.testCreateAbort)
	t.Run("AbortAfterClose", s.testCreateAbortAfterClose)
	t.Run("DoubleClose", s.testCreateDoubleClose)
}

func (s *suite) testCreateBasic(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f.txt")
	s.write(t, p, []byte("hello"), fs.CreateOptions{})
	fi := s.stat(t, p)
	if fi.IsDir() || !fi.Mode.IsRegular() {
		t.Errorf("Stat(%s).Mode = %v, want a regular file", p, fi.Mode)
	}
	if fi.Size != 5 {
		t.Errorf("Stat(%s).Size = %d, want 5", p, fi.Size)
	}
	if fi.Name() != "f.txt" {
		t.Errorf("Stat(%s).Name() = %q, want f.txt", p, fi.Name())
	}
	if fi.ModTime.IsZero() {
		t.Errorf("Stat(%s).ModTime is zero", p)
	}
	if !s.cfg.noOwners && (fi.Owner == "" || fi.Group == "") {
		t.Errorf("Stat(%s): owner %q, group %q; want both (or use WithoutOwners)", p, fi.Owner, fi.Group)
	}
	s.wantPerm(t, fi, 0o644) // the default
	s.wantContent(t, p, []byte("hello"))
}

func (s *suite) testCreateEmptyWrites(t *testing.T) {
	// Writers are io.Writers: a Write of no bytes is legal anywhere,
	// also first and last (an HDFS writer once started a block on it
	// that no DataNode ever received, and Close then never completed).
	d := s.dir(t)
	for _, data := range [][]byte{nil, []byte("x")} {
		p := join(d, fmt.Sprintf("f%d", len(data)))
		w, err := s.fsys.Create(t.Context(), p, fs.CreateOptions{})
		if err != nil {
			t.Fatalf("Create(%s): %v", p, err)
		}
		for _, b := range [][]byte{nil, data, {}} {
			if n, err := w.Write(b); n != len(b) || err != nil {
				w.Abort()
				t.Fatalf("Write(%s, %d bytes) = %d, %v", p, len(b), n, err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close(%s) after empty writes: %v", p, err)
		}
		s.wantContent(t, p, data)
	}
}

func (s *suite) testCreatePerm(t *testing.T) {
	d := s.dir(t)
	for _, perm := range []iofs.FileMode{0o600, 0o640, 0o750} {
		p := join(d, fmt.Sprintf("f%o", perm))
		s.write(t, p, nil, fs.CreateOptions{Perm: perm})
		s.wantPerm(t, s.stat(t, p), perm)
	}
}

func (s *suite) testCreateExclusive(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	s.write(t, p, []byte("first"), fs.CreateOptions{})
	w, err := s.fsys.Create(t.Context(), p, fs.CreateOptions{})
	if err == nil {
		w.Abort()
	}
	wantErr(t, err, fs.ErrExist, "Create(%s) over an existing file without Overwrite", p)
	s.wantContent(t, p, []byte("first"))

	sub := join(d, "sub")
	s.mkdir(t, sub)
	w, err = s.fsys.Create(t.Context(), sub, fs.CreateOptions{})
	if err == nil {
		w.Abort()
	}
	wantErr(t, err, fs.ErrExist, "Create(%s) over an existing directory without Overwrite", sub)
	if w, err := s.fsys.Create(t.Context(), sub, fs.CreateOptions{Overwrite: true}); err == nil {
		w.Abort()
		t.Errorf("Create(%s, Overwrite) over a directory succeeded", sub)
	}
	if fi := s.stat(t, sub); !fi.IsDir() {
		t.Errorf("%s is no longer a directory", sub)
	}
}

func (s *suite) testCreateOverwrite(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	s.write(t, p, []byte("new file"), fs.CreateOptions{Overwrite: true}) // creates too
	s.wantContent(t, p, []byte("new file"))
	s.write(t, p, []byte("a much longer content"), fs.CreateOptions{Overwrite: true})
	s.wantContent(t, p, []byte("a much longer content"))
	s.write(t, p, []byte("short"), fs.CreateOptions{Overwrite: true})
	s.wantContent(t, p, []byte("short"))
	if n := len(s.list(t, d)); n != 1 {
		t.Errorf("List(%s): %d entries after overwrites, want 1", d, n)
	}
}

func (s *suite) testCreateAbort(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	w, err := s.fsys.Create(t.Context(), p, fs.CreateOptions{})
	if err != nil {
		t.Fatalf("Create(%s): %v", p, err)
	}
	if _, err := w.Write(randomBytes(100_000, 1)); err != nil {
		t.Fatalf("Write(%s): %v", p, err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort(%s): %v", p, err)
	}
	s.wantMissing(t, p)
	if m := s.list(t, d); len(m) != 0 {
		t.Errorf("List(%s) after Abort: %d entries, want none (leftover %v)", d, len(m), keys(m))
	}
	// The name is free again.
	s.write(t, p, []byte("again"), fs.CreateOptions{})
	s.wantContent(t, p, []byte("again"))
}

func (s *suite) testCreateAbortAfterClose(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	w, err := s.fsys.Create(t.Context(), p, fs.CreateOptions{})
	if err != nil {
		t.Fatalf("Create(%s): %v", p, err)
	}
	if _, err := w.Write([]byte("kept")); err != nil {
		t.Fatalf("Write(%s): %v", p, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close(%s): %v", p, err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort after Close: %v, want nil (a no-op)", err)
	}
	s.wantContent(t, p, []byte("kept"))
}

func (s *suite) testCreateDoubleClose(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	w, err := s.fsys.Create(t.Context(), p, fs.CreateOptions{})
	if err != nil {
		t.Fatalf("Create(%s): %v", p, err)
	}
	if _, err := w.Write([]byte("once")); err != nil {
		t.Fatalf("Write(%s): %v", p, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close(%s): %v", p, err)
	}
	_ = w.Close() // may fail, must not panic
	s.wantContent(t, p, []byte("once"))
}

func keys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

func (s *suite) testReadBack(t *testing.T) {
	d := s.dir(t)
	for i, n := range []int{0, 1, 7919, 7920, 65536, 1<<20 + 12345} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := join(d, fmt.Sprintf("size-%d", n))
			data := randomBytes(n, byte(i))
			s.write(t, p, data, fs.CreateOptions{})
			s.wantContent(t, p, data)
		})
	}
}

func (s *suite) testOpen(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	data := randomBytes(100_000, 42)
	s.write(t, p, data, fs.CreateOptions{})
	for _, off := range []int64{0, 1, 4096, 50_000, 99_999, 100_000} {
		t.Run(fmt.Sprint("Offset", off), func(t *testing.T) {
			got := s.read(t, p, off)
			if want := data[off:]; string(got) != string(want) {
				t.Errorf("Open(%s, %d): read %d bytes %s, want %d bytes %s", p, off, len(got), abbrev(got), len(want), abbrev(want))
			}
		})
	}
	t.Run("PartialRead", func(t *testing.T) {
		r, err := s.fsys.Open(t.Context(), p, 60_000)
		if err != nil {
			t.Fatalf("Open(%s, 60000): %v", p, err)
		}
		buf := make([]byte, 10)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Errorf("ReadFull: %v", err)
		}
		if string(buf) != string(data[60_000:60_010]) {
			t.Errorf("read %x at 60000, want %x", buf, data[60_000:60_010])
		}
		if err := r.Close(); err != nil { // closing early is fine
			t.Errorf("Close after a partial read: %v", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		r, err := s.fsys.Open(t.Context(), join(d, "nope"), 0)
		if err == nil {
			r.Close()
		}
		wantErr(t, err, fs.ErrNotExist, "Open(missing)")
	})
}

// names that trip up URL-based backends and careless string handling.
var awkwardNames = []string{
	"dir with space/файл ü.txt",
	"pct%20 hash# plus+ semi;=&.txt",
	"日本語/brackets [1] {2} q'uote.txt",
	".hidden",
	"trailing space ",
}

func (s *suite) testNames(t *testing.T) {
	d := s.dir(t)
	for _, name := range awkwardNames {
		p := join(d, name)
		if dir := p[:strings.LastIndex(p, "/")]; dir != d {
			if _, err := fs.MkdirAll(t.Context(), s.fsys, dir, 0o755); err != nil {
				t.Fatalf("MkdirAll(%s): %v", dir, err)
			}
		}
		s.write(t, p, []byte(name), fs.CreateOptions{})
		s.wantContent(t, p, []byte(name))
		dir, base := p[:strings.LastIndex(p, "/")], fs.Base(p)
		m := s.list(t, dir)
		fi, ok := m[base]
		if !ok {
			t.Errorf("List(%s) lacks %q: got %q", dir, base, keys(m))
		} else if fi.Path != p {
			t.Errorf("List(%s): Path %q, want %q", dir, fi.Path, p)
		}
	}
	m := s.list(t, d)
	for _, want := range []string{"dir with space", "日本語", "pct%20 hash# plus+ semi;=&.txt", ".hidden", "trailing space "} {
		if _, ok := m[want]; !ok {
			t.Errorf("List(%s) lacks %q: got %q", d, want, keys(m))
		}
	}
	if len(m) != 5 {
		t.Errorf("List(%s): %d entries %q, want 5", d, len(m), keys(m))
	}

	old, new := join(d, awkwardNames[0]), join(d, "dir with space", "ñew naïve #2.txt")
	if err := s.fsys.Rename(t.Context(), old, new); err != nil {
		t.Fatalf("Rename(%s, %s): %v", old, new, err)
	}
	s.wantMissing(t, old)
	s.wantContent(t, new, []byte(awkwardNames[0]))

	got, err := fs.Glob(t.Context(), s.fsys, escape(d)+"/*/*.txt")
	if err != nil {
		t.Fatalf("Glob: %v", err)
	}
	want := []string{join(d, "dir with space", "ñew naïve #2.txt"), join(d, "日本語", "brackets [1] {2} q'uote.txt")}
	if !equal(got, want) {
		t.Errorf("Glob(%s/*/*.txt) = %q, want %q", d, got, want)
	}

	if err := s.fsys.Remove(t.Context(), join(d, "日本語"), true); err != nil {
		t.Errorf("Remove(%s, recursive): %v", join(d, "日本語"), err)
	}
	s.wantMissing(t, join(d, "日本語"))
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// escape quotes glob metacharacters in a literal path.
func escape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

var errStop = errors.New("conformance: stop walking")
