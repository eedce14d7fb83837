package conformance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// The optional capabilities of package fs, each tested where the backend
// (or its Writer) implements it and skipped, saying so, where it does not.

// implements skips t unless ok.
func implements(t *testing.T, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Skip("the backend does not implement " + what)
	}
}

// newWriter creates p and writes data to it, leaving it open.
func (s *suite) newWriter(t *testing.T, p string, data []byte, opts fs.CreateOptions) fs.Writer {
	t.Helper()
	w, err := s.fsys.Create(t.Context(), p, opts)
	if err != nil {
		t.Fatalf("Create(%s): %v", p, err)
	}
	t.Cleanup(func() { w.Abort() })
	s.writeTo(t, w, p, data)
	return w
}

func (s *suite) writeTo(t *testing.T, w fs.Writer, p string, data []byte) {
	t.Helper()
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 7919)
		if m, err := w.Write(rest[:n]); err != nil || m != n {
			t.Fatalf("Write(%s): wrote %d of %d bytes: %v", p, m, n, err)
		}
		rest = rest[n:]
	}
}

// wantSum fails unless size and sum describe data.
func wantSum(t *testing.T, what string, size int64, sum fs.Checksum, data []byte) {
	t.Helper()
	if want := crc32c(data); size != int64(len(data)) || sum.String() != want.String() {
		t.Errorf("%s: %d bytes, %s; want %d bytes, %s", what, size, sum, len(data), want)
	}
}

// testParts checks fs.PartWriter: parts written out of order, one of them
// twice, make the file; completing twice succeeds; aborting leaves nothing.
func (s *suite) testParts(t *testing.T) {
	pw, ok := s.fsys.(fs.PartWriter)
	implements(t, ok, "fs.PartWriter")
	ctx := t.Context()
	const partSize = 1 << 20 // object stores refuse smaller parts but the last
	data := randomBytes(2*partSize+partSize/2, 21)
	writePart := func(t *testing.T, p, upload string, n int, b []byte) string {
		t.Helper()
		off := int64(n-1) * partSize
		part, err := pw.CreatePart(ctx, p, upload, n, off, int64(len(b)))
		if err != nil {
			t.Fatalf("CreatePart(%s, part %d): %v", p, n, err)
		}
		s.writeTo(t, part, p, b)
		if err := part.Close(); err != nil {
			t.Fatalf("Close of part %d of %s: %v", n, p, err)
		}
		return part.Receipt()
	}
	partData := func(n int) []byte { return data[(n-1)*partSize : min(n*partSize, len(data))] }
	t.Run("Assemble", func(t *testing.T) {
		d := s.dir(t)
		dir := join(d, "new", "sub") // StartParts: the parent may not exist yet
		p := join(dir, "f")
		upload, err := pw.StartParts(ctx, p, fs.CreateOptions{})
		if err != nil {
			t.Fatalf("StartParts(%s): %v", p, err)
		}
		if _, err := fs.MkdirAll(ctx, s.fsys, dir, 0o755); err != nil {
			t.Fatal(err)
		}
		receipts := make([]string, 3)
		receipts[2] = writePart(t, p, upload, 3, partData(3))
		writePart(t, p, upload, 1, randomBytes(partSize, 22)) // replaced by the retry below
		receipts[1] = writePart(t, p, upload, 2, partData(2))
		receipts[0] = writePart(t, p, upload, 1, partData(1))
		if err := pw.CompleteParts(ctx, p, upload, receipts); err != nil {
			t.Fatalf("CompleteParts(%s): %v", p, err)
		}
		s.wantContent(t, p, data)
		if err := pw.CompleteParts(ctx, p, upload, receipts); err != nil {
			t.Errorf("CompleteParts(%s) a second time: %v", p, err)
		}
		s.wantContent(t, p, data)
	})
	t.Run("Abort", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		upload, err := pw.StartParts(ctx, p, fs.CreateOptions{})
		if err != nil {
			t.Fatalf("StartParts(%s): %v", p, err)
		}
		writePart(t, p, upload, 2, partData(2))
		if err := pw.AbortParts(ctx, p, upload); err != nil {
			t.Fatalf("AbortParts(%s): %v", p, err)
		}
		s.wantMissing(t, p)
		if got := s.list(t, d); len(got) != 0 {
			t.Errorf("AbortParts left %d entries in %s", len(got), d)
		}
	})
}

// testOrigin checks fs.OriginRecorder: a record round-trips exactly,
// survives a rename, and stops counting once the file changes.
func (s *suite) testOrigin(t *testing.T) {
	or, ok := s.fsys.(fs.OriginRecorder)
	implements(t, ok, "fs.OriginRecorder")
	ctx := t.Context()
	data := []byte("origin!")
	o := fs.Origin{Checksum: crc32c(data), SrcSize: 7,
		SrcModTime: time.Date(2001, 2, 3, 4, 5, 6, 123456789, time.UTC), SrcChangeTime: time.Date(2002, 1, 1, 0, 0, 0, 987654321, time.UTC),
		Job: strings.Repeat("j", 64)} // the longest job id
	record := func(t *testing.T, p string, o fs.Origin) {
		t.Helper()
		if err := or.RecordOrigin(ctx, p, o); err != nil {
			t.Fatalf("RecordOrigin(%s): %v", p, err)
		}
	}
	origin := func(t *testing.T, p string) (fs.Origin, bool) {
		t.Helper()
		got, ok, err := or.Origin(ctx, s.stat(t, p))
		if err != nil {
			t.Fatalf("Origin(%s): %v", p, err)
		}
		return got, ok
	}
	want := func(t *testing.T, p string, o fs.Origin) {
		t.Helper()
		got, ok := origin(t, p)
		if !ok {
			t.Fatalf("Origin(%s): no record after RecordOrigin (extended attributes unsupported here?)", p)
		}
		if got.Checksum.String() != o.Checksum.String() || got.SrcSize != o.SrcSize ||
			!got.SrcModTime.Equal(o.SrcModTime) || !got.SrcChangeTime.Equal(o.SrcChangeTime) || got.Job != o.Job {
			t.Errorf("Origin(%s) = %+v, want %+v", p, got, o)
		}
	}
	t.Run("RoundTrip", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		s.write(t, p, data, fs.CreateOptions{})
		if _, ok := origin(t, p); ok {
			t.Errorf("Origin(%s): a record before any was made", p)
		}
		record(t, p, o)
		want(t, p, o)
		// Unknown source times stay unknown; a new record replaces the old.
		o2 := fs.Origin{Checksum: o.Checksum, SrcSize: 7}
		record(t, p, o2)
		want(t, p, o2)
		s.wantContent(t, p, data)
	})
	t.Run("Rename", func(t *testing.T) {
		// Copies record on a temp name and rename it into place.
		d := s.dir(t)
		p, q := join(d, "tmp"), join(d, "final")
		s.write(t, p, data, fs.CreateOptions{})
		record(t, p, o)
		if err := s.fsys.Rename(ctx, p, q); err != nil {
			t.Fatal(err)
		}
		want(t, q, o)
	})
	t.Run("Stale", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		s.write(t, p, data, fs.CreateOptions{})
		record(t, p, o)
		want(t, p, o)
		if a, ok := s.fsys.(fs.AttrSetter); ok && !s.cfg.noAttrs {
			if err := a.SetAttrs(ctx, p, fs.Attrs{ModTime: time.Unix(1e9, 0)}); err != nil {
				t.Fatal(err)
			}
			if got, ok := origin(t, p); ok {
				t.Errorf("Origin(%s) = %+v after its mtime changed, want none", p, got)
			}
			record(t, p, o)
			want(t, p, o)
		}
		// Same length, other bytes; the mtime surely moves.
		time.Sleep(s.cfg.mtimeRes + 10*time.Millisecond)
		s.write(t, p, []byte("ORIGIN!"), fs.CreateOptions{Overwrite: true})
		if got, ok := origin(t, p); ok {
			t.Errorf("Origin(%s) = %+v after the file was rewritten, want none", p, got)
		}
	})
	t.Run("Canceled", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		s.write(t, p, data, fs.CreateOptions{})
		wantErr(t, or.RecordOrigin(canceled(t), p, o), context.Canceled, "RecordOrigin with a canceled context")
		if got, ok := origin(t, p); ok {
			t.Errorf("Origin(%s) = %+v after a canceled RecordOrigin", p, got)
		}
	})
}

// testReadBacker checks fs.ReadBacker on a new file's Writer: what it
// reports is what was written, whatever the buffer, and what the file
// then holds.
func (s *suite) testReadBacker(t *testing.T) {
	d := s.dir(t)
	p := join(d, "f")
	data := randomBytes(1<<20+54321, 23)
	w := s.newWriter(t, p, nil, fs.CreateOptions{})
	rb, ok := w.(fs.ReadBacker)
	implements(t, ok, "fs.ReadBacker (on its Writer)")
	readBack := func(t *testing.T, buf int, want []byte) {
		t.Helper()
		size, sum, err := rb.ReadBack(t.Context(), make([]byte, buf))
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skipf("ReadBack: %v", err)
		}
		if err != nil {
			t.Fatalf("ReadBack(%d-byte buffer): %v", buf, err)
		}
		wantSum(t, "ReadBack", size, sum, want)
	}
	readBack(t, 512, nil)
	s.writeTo(t, w, p, data[:1000])
	readBack(t, 512, data[:1000])
	s.writeTo(t, w, p, data[1000:])
	for _, buf := range []int{4096, 1 << 20, 2 << 20} {
		readBack(t, buf, data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s.wantContent(t, p, data)
}

// testStoreChecker checks fs.StoreChecker: after Close it confirms the
// length and CRC32C of what was written, also for an empty file.
func (s *suite) testStoreChecker(t *testing.T) {
	d := s.dir(t)
	w := s.newWriter(t, join(d, "probe"), nil, fs.CreateOptions{})
	_, ok := w.(fs.StoreChecker)
	implements(t, ok, "fs.StoreChecker (on its Writer)")
	for _, data := range [][]byte{nil, []byte("x"), randomBytes(2<<20+12345, 24)} {
		p := join(d, "f"+strconv.Itoa(len(data)))
		w := s.newWriter(t, p, data, fs.CreateOptions{})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		size, sum, err := w.(fs.StoreChecker).CheckStored(t.Context())
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skipf("CheckStored: %v", err)
		}
		if err != nil {
			t.Fatalf("CheckStored(%s): %v", p, err)
		}
		// What it confirms is what the file holds, and what was written.
		wantSum(t, "CheckStored("+p+") against the file's bytes", size, sum, s.read(t, p, 0))
		wantSum(t, "CheckStored("+p+")", size, sum, data)
	}
}

// testChecksummingWriter checks fs.ChecksummingWriter: Checksum is the
// CRC32C of all bytes written.
func (s *suite) testChecksummingWriter(t *testing.T) {
	d := s.dir(t)
	w := s.newWriter(t, join(d, "probe"), nil, fs.CreateOptions{})
	_, ok := w.(fs.ChecksummingWriter)
	implements(t, ok, "fs.ChecksummingWriter (on its Writer)")
	for _, data := range [][]byte{nil, []byte("123456789"), randomBytes(2<<20+777, 25)} {
		p := join(d, "f"+strconv.Itoa(len(data)))
		w := s.newWriter(t, p, data, fs.CreateOptions{}).(fs.ChecksummingWriter)
		wantSum(t, "Checksum() of "+p, int64(len(data)), w.Checksum(), data)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		wantSum(t, "Checksum() after Close of "+p, int64(len(data)), w.Checksum(), data)
	}
}

// testChecksumStorer checks fs.ChecksumStorer: Checksum answers with the
// stored checksum while the file is unchanged, and with the file's own
// after it changed.
func (s *suite) testChecksumStorer(t *testing.T) {
	cs, ok := s.fsys.(fs.ChecksumStorer)
	implements(t, ok, "fs.ChecksumStorer")
	c, ok := s.fsys.(fs.Checksummer)
	if !ok {
		t.Fatal("an fs.ChecksumStorer must be an fs.Checksummer: Checksum is what uses the stored checksum")
	}
	ctx := t.Context()
	d := s.dir(t)
	p := join(d, "f")
	data := []byte("stored")
	s.write(t, p, data, fs.CreateOptions{})
	// A checksum the file does not have shows that the stored one is used.
	fake := fs.CRC32C(0x01020304)
	if err := cs.StoreChecksum(ctx, p, fake); err != nil {
		t.Fatalf("StoreChecksum(%s): %v", p, err)
	}
	if got, err := c.Checksum(ctx, p); err != nil || got.String() != fake.String() {
		t.Errorf("Checksum(%s) = %s, %v; want the stored %s", p, got, err, fake)
	}
	time.Sleep(s.cfg.mtimeRes + 10*time.Millisecond)
	s.write(t, p, []byte("STORED"), fs.CreateOptions{Overwrite: true})
	if got, err := c.Checksum(ctx, p); err != nil || got.String() != crc32c([]byte("STORED")).String() {
		t.Errorf("Checksum(%s) = %s, %v after a rewrite; want the file's %s", p, got, err, crc32c([]byte("STORED")))
	}
	if a, ok := s.fsys.(fs.AttrSetter); ok && !s.cfg.noAttrs {
		if err := cs.StoreChecksum(ctx, p, fake); err != nil {
			t.Fatal(err)
		}
		if err := a.SetAttrs(ctx, p, fs.Attrs{ModTime: time.Unix(1e9, 0)}); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Checksum(ctx, p); err != nil || got.String() != crc32c([]byte("STORED")).String() {
			t.Errorf("Checksum(%s) = %s, %v after its mtime changed; want the file's", p, got, err)
		}
	}
	wantErr(t, cs.StoreChecksum(ctx, join(d, "nope"), fake), fs.ErrNotExist, "StoreChecksum(missing)")
}

// testUploadAborter checks fs.UploadAborter on writers left open (as by
// a killed copier): it aborts those directly in the directory, matched and
// begun at or after since, counts them, and leaves the rest.
func (s *suite) testUploadAborter(t *testing.T) {
	ua, ok := s.fsys.(fs.UploadAborter)
	implements(t, ok, "fs.UploadAborter")
	ctx := t.Context()
	d := s.dir(t)
	sub := join(d, "sub")
	s.mkdir(t, sub)
	since := time.Now().Add(-time.Minute)
	data := randomBytes(int(s.cfg.uploadSize), 26)
	a, b, c := join(d, "a"), join(d, "b"), join(sub, "c")
	for _, p := range []string{a, b, c} {
		s.newWriter(t, p, data, fs.CreateOptions{}) // never closed
	}
	abort := func(t *testing.T, dir string, since time.Time, match func(string) bool, want int) {
		t.Helper()
		n, err := ua.AbortUploads(ctx, dir, since, match)
		if err != nil {
			t.Fatalf("AbortUploads(%s): %v", dir, err)
		}
		if n != want {
			t.Errorf("AbortUploads(%s, since %v) aborted %d uploads, want %d", dir, since.Format(time.TimeOnly), n, want)
		}
	}
	all := func(string) bool { return true }
	abort(t, d, time.Now().Add(time.Hour), all, 0)               // all begun before
	abort(t, d, since, func(p string) bool { return p == a }, 1) // b not matched, c below d
	abort(t, d, since, func(p string) bool { return p == a }, 0) // a is gone
	abort(t, d, since, all, 1)                                   // b
	abort(t, sub, since, all, 1)                                 // c
	for _, p := range []string{a, b, c} {
		s.wantMissing(t, p)
	}
}

// testAttrsAtCreate checks fs.AttrsAtCreate: a backend that says it
// stores CreateOptions.Attrs has them on the new file without SetAttrs.
func (s *suite) testAttrsAtCreate(t *testing.T) {
	ac, ok := s.fsys.(fs.AttrsAtCreate)
	implements(t, ok, "fs.AttrsAtCreate")
	if !ac.StoresAttrsAtCreate() {
		t.Skip("StoresAttrsAtCreate is false")
	}
	d := s.dir(t)
	p := join(d, "f")
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	a := fs.Attrs{ModTime: mtime}
	if !s.cfg.noPerms {
		m := fs.ModeAttrBits & 0o640
		a.Mode = &m
	}
	s.write(t, p, []byte("attrs"), fs.CreateOptions{Perm: 0o640, Attrs: a})
	fi := s.stat(t, p)
	if !within(fi.ModTime, mtime, s.cfg.mtimeRes) {
		t.Errorf("Stat(%s).ModTime = %v, want %v as created", p, fi.ModTime, mtime)
	}
	s.wantPerm(t, fi, 0o640)
	s.wantContent(t, p, []byte("attrs"))
}

// testAtomicCreator checks fs.AtomicCreator: a file being written is
// invisible, and one being overwritten keeps its old bytes, until Close.
func (s *suite) testAtomicCreator(t *testing.T) {
	ac, ok := s.fsys.(fs.AtomicCreator)
	implements(t, ok, "fs.AtomicCreator")
	if !ac.AtomicCreate() {
		t.Skip("AtomicCreate is false")
	}
	d := s.dir(t)
	p, q := join(d, "new"), join(d, "old")
	data := randomBytes(int(s.cfg.uploadSize), 27)
	s.write(t, q, []byte("old"), fs.CreateOptions{})
	wp := s.newWriter(t, p, data, fs.CreateOptions{})
	wq := s.newWriter(t, q, data, fs.CreateOptions{Overwrite: true})
	s.wantMissing(t, p)
	if got := s.list(t, d); len(got) != 1 {
		t.Errorf("List(%s) while writing shows %v, want only %s", d, slices.Collect(maps.Keys(got)), fs.Base(q))
	}
	s.wantContent(t, q, []byte("old"))
	for _, w := range []fs.Writer{wp, wq} {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s.wantContent(t, p, data)
	s.wantContent(t, q, data)
}

// testListAttrs checks what a backend that is no fs.PartialLister
// promises: List's entries carry what Stat returns.
func (s *suite) testListAttrs(t *testing.T) {
	if fs.ListOmitsAttrs(s.fsys) {
		t.Skip("the backend's listings omit attributes (fs.PartialLister)")
	}
	ctx := t.Context()
	d := s.dir(t)
	f, sub := join(d, "f"), join(d, "sub")
	s.write(t, f, []byte("listed"), fs.CreateOptions{Perm: 0o640})
	s.mkdir(t, sub)
	if a, ok := s.fsys.(fs.AttrSetter); ok && !s.cfg.noAttrs {
		for _, p := range []string{f, sub} {
			if err := a.SetAttrs(ctx, p, fs.Attrs{ModTime: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	listed := s.list(t, d)
	for _, p := range []string{f, sub} {
		st, l := s.stat(t, p), listed[fs.Base(p)]
		if l.Path != st.Path || l.Size != st.Size || l.Mode != st.Mode || !l.ModTime.Equal(st.ModTime) ||
			l.Owner != st.Owner || l.Group != st.Group || l.BlockSize != st.BlockSize || l.Replication != st.Replication {
			t.Errorf("%s: List has %+v, Stat %+v", p, l, st)
		}
	}
}

// testCloser closes a backend holding connections, twice: callers close
// it when done, and may do so again (a deferred Close).
func (s *suite) testCloser(t *testing.T) {
	c, ok := s.fsys.(fs.Closer)
	implements(t, ok, "fs.Closer")
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// testDirMarker checks fs.DirMarker: a marked directory is a directory to
// Stat and List, and, as the capability promises, a file is created below
// a directory nobody made.
func (s *suite) testDirMarker(t *testing.T) {
	implements(t, fs.ImplicitDirs(s.fsys), "fs.DirMarker")
	ctx := t.Context()
	d := s.dir(t)
	m := join(d, "marked")
	if err := fs.MarkDir(ctx, s.fsys, m, 0o755); err != nil {
		t.Fatalf("MarkDir(%s): %v", m, err)
	}
	if fi := s.stat(t, m); !fi.IsDir() {
		t.Fatalf("Stat(%s) after MarkDir: mode %v, want a directory", m, fi.Mode)
	}
	if fi, ok := s.list(t, d)["marked"]; !ok || !fi.IsDir() {
		t.Errorf("List(%s) after MarkDir: %q is not a directory there", d, "marked")
	}
	s.write(t, join(m, "f"), []byte("in"), fs.CreateOptions{})
	if got := s.list(t, m); len(got) != 1 {
		t.Errorf("List(%s): %q, want the file alone", m, keys(got))
	}
	deep := join(d, "never", "made", "f")
	s.write(t, deep, []byte("deep"), fs.CreateOptions{})
	if fi := s.stat(t, join(d, "never")); !fi.IsDir() {
		t.Errorf("Stat(%s) above a file created without parents: mode %v, want a directory", join(d, "never"), fi.Mode)
	}
	s.wantContent(t, deep, []byte("deep"))
}

// testSnapshotReader checks fs.SnapshotReader: a whole-file reader
// describes the version it reads, as Stat did when the read began, also
// after the file is replaced.
func (s *suite) testSnapshotReader(t *testing.T) {
	ctx := t.Context()
	d := s.dir(t)
	p := join(d, "f")
	old := randomBytes(5000, 31)
	s.write(t, p, old, fs.CreateOptions{})
	before := s.stat(t, p)
	r, err := s.fsys.Open(ctx, p, 0)
	if err != nil {
		t.Fatalf("Open(%s): %v", p, err)
	}
	defer r.Close()
	_, ok := fs.SnapshotInfo(r)
	implements(t, ok, "fs.SnapshotReader")
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, old) {
		t.Fatalf("read %s: %d bytes, %v; want its %d bytes", p, len(got), err, len(old))
	}
	s.write(t, p, randomBytes(7000, 32), fs.CreateOptions{Overwrite: true})
	fi, _ := fs.SnapshotInfo(r)
	if fi.Size != before.Size || !fi.ModTime.Equal(before.ModTime) || fi.IsDir() {
		t.Errorf("Info() of the reader after %s was replaced: size %d mtime %v; want the version read: %d %v",
			p, fi.Size, fi.ModTime, before.Size, before.ModTime)
	}
}

// testChecksumKeeper checks fs.ChecksumKeeper: a kept checksum is the
// file's as it is now, recorded (RecordOrigin) or the store's own, and
// never one that outlived a rewrite of the file.
func (s *suite) testChecksumKeeper(t *testing.T) {
	_, ok := s.fsys.(fs.ChecksumKeeper)
	implements(t, ok, "fs.ChecksumKeeper")
	ctx := t.Context()
	p := join(s.dir(t), "f")
	old := randomBytes(3000, 41)
	s.write(t, p, old, fs.CreateOptions{})
	if err := fs.RecordOrigin(ctx, s.fsys, p, fs.Origin{Checksum: crc32c(old), SrcSize: int64(len(old))}); err != nil {
		t.Fatalf("RecordOrigin(%s): %v", p, err)
	}
	check := func(what string, data []byte) bool {
		t.Helper()
		sum, ok, err := fs.KeptChecksum(ctx, s.fsys, s.stat(t, p))
		switch {
		case err != nil:
			t.Fatalf("KeptChecksum(%s) %s: %v", p, what, err)
		case ok && sum.String() != crc32c(data).String():
			t.Errorf("KeptChecksum(%s) %s: %s, want %s (the file's now) or none", p, what, sum, crc32c(data))
		}
		return ok
	}
	if _, records := s.fsys.(fs.OriginRecorder); !check("after RecordOrigin", old) && records {
		t.Errorf("KeptChecksum(%s): none after RecordOrigin of a backend that keeps origins", p)
	}
	// Same size, new bytes, written by someone else: the record is stale.
	// (A rewrite within the store's mtime resolution cannot be told.)
	time.Sleep(max(s.cfg.mtimeRes, 2*time.Millisecond))
	s.write(t, p, randomBytes(3000, 42), fs.CreateOptions{Overwrite: true})
	check("after a rewrite", randomBytes(3000, 42))
}

// testVersionedWriter checks fs.VersionedWriter: after Close, Version is
// the file's FileInfo.Version as Stat and List show it (a job manifest
// trusts a listing by it), and new bytes of the same size give another.
func (s *suite) testVersionedWriter(t *testing.T) {
	d := s.dir(t)
	probe := s.newWriter(t, join(d, "probe"), nil, fs.CreateOptions{})
	_, ok := probe.(fs.VersionedWriter)
	_ = probe.Abort()
	implements(t, ok, "fs.VersionedWriter (on its Writer)")
	p := join(d, "f")
	var seen []string
	for i, data := range [][]byte{randomBytes(4096, 31), randomBytes(4096, 32)} {
		w := s.newWriter(t, p, data, fs.CreateOptions{Overwrite: i > 0})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		v := fs.WrittenVersion(w)
		if v == "" {
			t.Fatalf("Version() after Close of %s is empty", p)
		}
		fi, err := s.fsys.Stat(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Version != v {
			t.Errorf("Stat(%s).Version = %q, the writer said %q", p, fi.Version, v)
		}
		for e, err := range s.fsys.List(t.Context(), d) {
			if err == nil && e.Path == p && e.Version != v {
				t.Errorf("List(%s) shows %s at version %q, the writer said %q", d, p, e.Version, v)
			}
		}
		seen = append(seen, v)
	}
	if seen[0] == seen[1] {
		t.Errorf("other bytes of the same size kept version %q", seen[0])
	}
}
