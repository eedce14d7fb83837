package conformance

import (
	"context"
	"hash/crc32"
	iofs "io/fs"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

func (s *suite) testCanceled(t *testing.T) {
	d := s.dir(t)
	f := join(d, "f")
	s.write(t, f, []byte("f"), fs.CreateOptions{})
	ctx := canceled(t)
	check := func(err error, what string) {
		t.Helper()
		wantErr(t, err, context.Canceled, "%s with a canceled context", what)
	}
	_, err := s.fsys.Stat(ctx, f)
	check(err, "Stat")
	r, err := s.fsys.Open(ctx, f, 0)
	if err == nil {
		r.Close()
	}
	check(err, "Open")
	w, err := s.fsys.Create(ctx, join(d, "new"), fs.CreateOptions{})
	if err == nil {
		w.Abort()
	}
	check(err, "Create")
	check(s.fsys.Mkdir(ctx, join(d, "newdir"), 0o755), "Mkdir")
	check(s.fsys.Rename(ctx, f, join(d, "renamed")), "Rename")
	check(s.fsys.Remove(ctx, f, false), "Remove")
	var pairs int
	for _, err := range s.fsys.List(ctx, d) {
		pairs++
		check(err, "List")
	}
	if pairs != 1 {
		t.Errorf("List with a canceled context yielded %d pairs, want one error", pairs)
	}
	if c, ok := s.fsys.(fs.Checksummer); ok {
		_, err := c.Checksum(ctx, f)
		check(err, "Checksum")
	}
	if a, ok := s.fsys.(fs.AttrSetter); ok {
		check(a.SetAttrs(ctx, f, fs.Attrs{ModTime: time.Unix(1e9, 0)}), "SetAttrs")
	}
	// Nothing happened.
	s.wantContent(t, f, []byte("f"))
	s.wantMissing(t, join(d, "new"))
	s.wantMissing(t, join(d, "newdir"))
	s.wantMissing(t, join(d, "renamed"))
}

func crc32c(b []byte) fs.Checksum {
	return fs.CRC32C(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

func (s *suite) testChecksum(t *testing.T) {
	c, ok := s.fsys.(fs.Checksummer)
	if !ok {
		t.Skip("the backend does not implement fs.Checksummer")
	}
	d := s.dir(t)
	sum := func(t *testing.T, p string) fs.Checksum {
		t.Helper()
		got, err := c.Checksum(t.Context(), p)
		if err != nil {
			t.Fatalf("Checksum(%s): %v", p, err)
		}
		if got.Algorithm != fs.AlgCRC32C {
			t.Fatalf("Checksum(%s) is %s, want algorithm %s", p, got, fs.AlgCRC32C)
		}
		return got
	}
	same := func(t *testing.T, got, want fs.Checksum) bool {
		t.Helper()
		eq, err := got.Equal(want)
		if err != nil {
			t.Fatalf("comparing %s with %s: %v", got, want, err)
		}
		return eq
	}
	t.Run("Known", func(t *testing.T) {
		p := join(d, "check")
		s.write(t, p, []byte("123456789"), fs.CreateOptions{})
		// 0xe3069283 is CRC-32C's published check value.
		if got := sum(t, p); got.String() != "CRC32C:e3069283" {
			t.Errorf("Checksum of \"123456789\" = %s, want CRC32C:e3069283", got)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		p := join(d, "empty")
		s.write(t, p, nil, fs.CreateOptions{})
		if got := sum(t, p); got.String() != "CRC32C:00000000" {
			t.Errorf("Checksum of the empty file = %s, want CRC32C:00000000", got)
		}
	})
	t.Run("Large", func(t *testing.T) {
		p := join(d, "large")
		data := randomBytes(1<<20+12345, 9)
		s.write(t, p, data, fs.CreateOptions{})
		if got, want := sum(t, p), crc32c(data); !same(t, got, want) {
			t.Errorf("Checksum(%s) = %s, want %s", p, got, want)
		}
		q := join(d, "large-copy")
		s.write(t, q, data, fs.CreateOptions{})
		if a, b := sum(t, p), sum(t, q); !same(t, a, b) {
			t.Errorf("equal files have checksums %s and %s", a, b)
		}
	})
	t.Run("Changed", func(t *testing.T) {
		p := join(d, "changing")
		data := randomBytes(100_000, 10)
		s.write(t, p, data, fs.CreateOptions{})
		before := sum(t, p)
		data[50_000] ^= 1
		s.write(t, p, data, fs.CreateOptions{Overwrite: true})
		after := sum(t, p)
		if same(t, before, after) {
			t.Errorf("Checksum(%s) stayed %s after a byte changed", p, after)
		}
		if want := crc32c(data); !same(t, after, want) {
			t.Errorf("Checksum(%s) = %s, want %s", p, after, want)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := c.Checksum(t.Context(), join(d, "nope"))
		wantErr(t, err, fs.ErrNotExist, "Checksum(missing)")
	})
}

func (s *suite) testSetAttrs(t *testing.T) {
	a, ok := s.fsys.(fs.AttrSetter)
	if !ok {
		t.Skip("the backend does not implement fs.AttrSetter")
	}
	if s.cfg.noAttrs {
		t.Skip("WithoutAttrs")
	}
	as := &attrSuite{suite: s, a: a}
	t.Run("Mode", as.testMode)
	t.Run("Times", as.testTimes)
	t.Run("Owner", as.testOwner)
	t.Run("OtherOwner", as.testOtherOwner)
	t.Run("Missing", as.testMissing)
}

// attrSuite runs SetAttrs's subtests on a backend that has it.
type attrSuite struct {
	*suite
	a fs.AttrSetter
}

func (s *attrSuite) set(t *testing.T, p string, at fs.Attrs) {
	t.Helper()
	if err := s.a.SetAttrs(t.Context(), p, at); err != nil {
		t.Fatalf("SetAttrs(%s, %+v): %v", p, at, err)
	}
}

// wantTimes checks p's times to the backend's resolution.
func (s *attrSuite) wantTimes(t *testing.T, p string, mtime, atime time.Time) {
	t.Helper()
	res := s.cfg.mtimeRes
	fi := s.stat(t, p)
	if !within(fi.ModTime, mtime, res) {
		t.Errorf("%s: ModTime %v, want %v (resolution %v)", p, fi.ModTime, mtime, res)
	}
	if !s.cfg.noAtime && !within(fi.AccessTime, atime, res) {
		t.Errorf("%s: AccessTime %v, want %v (resolution %v)", p, fi.AccessTime, atime, res)
	}
}

func fileMode(m iofs.FileMode) *iofs.FileMode { return &m }

func (s *attrSuite) testMode(t *testing.T) {
	if s.cfg.noPerms {
		t.Skip("WithoutPermissions")
	}
	d := s.dir(t)
	f := join(d, "f")
	s.write(t, f, []byte("x"), fs.CreateOptions{})
	for _, m := range []iofs.FileMode{0o600, 0o755, 0o640} {
		s.set(t, f, fs.Attrs{Mode: fileMode(m)})
		s.wantPerm(t, s.stat(t, f), m)
	}
	s.set(t, f, fs.Attrs{}) // nothing to change
	s.wantPerm(t, s.stat(t, f), 0o640)
	sub := join(d, "sub")
	s.mkdir(t, sub)
	s.set(t, sub, fs.Attrs{Mode: fileMode(0o700)})
	fi := s.stat(t, sub)
	s.wantPerm(t, fi, 0o700)
	if !fi.IsDir() {
		t.Errorf("%s is no longer a directory", sub)
	}
	s.wantContent(t, f, []byte("x"))
}

func (s *attrSuite) testTimes(t *testing.T) {
	d := s.dir(t)
	for _, p := range []string{join(d, "f"), join(d, "sub")} {
		if fs.Base(p) == "sub" {
			s.mkdir(t, p)
		} else {
			s.write(t, p, []byte("x"), fs.CreateOptions{})
		}
		t1 := time.Date(2001, 2, 3, 4, 5, 6, 123456789, time.UTC)
		t2 := time.Date(2002, 3, 4, 5, 6, 7, 987654321, time.UTC)
		if s.cfg.noAtime {
			s.set(t, p, fs.Attrs{ModTime: t1})
			s.wantTimes(t, p, t1, time.Time{})
			s.set(t, p, fs.Attrs{ModTime: t2})
			s.wantTimes(t, p, t2, time.Time{})
			continue
		}
		s.set(t, p, fs.Attrs{ModTime: t1, AccessTime: t2})
		s.wantTimes(t, p, t1, t2)
		// Setting one time keeps the other.
		t3 := time.Date(2003, 4, 5, 6, 7, 8, 5000, time.UTC)
		s.set(t, p, fs.Attrs{ModTime: t3})
		s.wantTimes(t, p, t3, t2)
		t4 := time.Date(2004, 5, 6, 7, 8, 9, 0, time.UTC)
		s.set(t, p, fs.Attrs{AccessTime: t4})
		s.wantTimes(t, p, t3, t4)
		// Zero attrs keep both.
		s.set(t, p, fs.Attrs{})
		s.wantTimes(t, p, t3, t4)
	}
}

func (s *attrSuite) testOwner(t *testing.T) {
	if s.cfg.noOwners {
		t.Skip("WithoutOwners")
	}
	d := s.dir(t)
	f := join(d, "f")
	s.write(t, f, []byte("x"), fs.CreateOptions{})
	fi := s.stat(t, f)
	if fi.Owner == "" || fi.Group == "" {
		t.Fatalf("Stat(%s): owner %q, group %q; want both", f, fi.Owner, fi.Group)
	}
	for _, at := range []fs.Attrs{{Owner: fi.Owner, Group: fi.Group}, {Owner: fi.Owner}, {Group: fi.Group}} {
		s.set(t, f, at)
		if got := s.stat(t, f); got.Owner != fi.Owner || got.Group != fi.Group {
			t.Errorf("after SetAttrs(%+v): owner %q group %q, want %q %q", at, got.Owner, got.Group, fi.Owner, fi.Group)
		}
	}
}

func (s *attrSuite) testOtherOwner(t *testing.T) {
	if s.cfg.noOwners {
		t.Skip("WithoutOwners")
	}
	if s.cfg.otherOwner == "" {
		t.Skip("no WithOtherOwner: the test process may not be able to chown")
	}
	d := s.dir(t)
	f := join(d, "f")
	s.write(t, f, []byte("x"), fs.CreateOptions{})
	orig := s.stat(t, f)
	if orig.Owner == s.cfg.otherOwner || orig.Group == s.cfg.otherGroup {
		t.Fatalf("WithOtherOwner(%q, %q) names the file's current owner or group", s.cfg.otherOwner, s.cfg.otherGroup)
	}
	s.set(t, f, fs.Attrs{Owner: s.cfg.otherOwner})
	if got := s.stat(t, f); got.Owner != s.cfg.otherOwner || got.Group != orig.Group {
		t.Errorf("after setting owner %q: owner %q group %q", s.cfg.otherOwner, got.Owner, got.Group)
	}
	s.set(t, f, fs.Attrs{Group: s.cfg.otherGroup})
	if got := s.stat(t, f); got.Owner != s.cfg.otherOwner || got.Group != s.cfg.otherGroup {
		t.Errorf("after setting group %q: owner %q group %q", s.cfg.otherGroup, got.Owner, got.Group)
	}
	s.set(t, f, fs.Attrs{Owner: orig.Owner, Group: orig.Group})
	if got := s.stat(t, f); got.Owner != orig.Owner || got.Group != orig.Group {
		t.Errorf("after restoring: owner %q group %q, want %q %q", got.Owner, got.Group, orig.Owner, orig.Group)
	}
	s.wantContent(t, f, []byte("x"))
}

func (s *attrSuite) testMissing(t *testing.T) {
	d := s.dir(t)
	p := join(d, "nope")
	at := fs.Attrs{ModTime: time.Unix(1e9, 0)}
	if !s.cfg.noPerms {
		at.Mode = fileMode(0o600)
	}
	wantErr(t, s.a.SetAttrs(t.Context(), p, at), fs.ErrNotExist, "SetAttrs(missing %s)", p)
}
