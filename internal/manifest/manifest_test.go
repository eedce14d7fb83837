package manifest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
)

func uri(t *testing.T, s string) fs.URI {
	t.Helper()
	u, err := fs.ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func publish(t *testing.T, dir, job string, lines ...Line) {
	t.Helper()
	s, err := NewSpool(t.TempDir(), job)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if err := s.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Publish(context.Background(), local.New(), dir); err != nil {
		t.Fatal(err)
	}
}

var (
	mtime = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	srcA  = "file:///src/a"
	dstA  = "cosn://b-1250000000/dst/a"
)

func lineA() Line {
	return Line{Src: srcA, Dst: dstA, Size: 5, SrcMTime: mtime.UnixNano(), SrcCTime: mtime.UnixNano() + 1,
		Checksum: "CRC32C:01020304", DstSize: 5, DstVersion: "etag-1", Result: "copied"}
}

func TestRoundTripSettlesOnlyTheRecordedTarget(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), DirName)
	publish(t, dir, "20260101-000000-aaaaaaaa", lineA(),
		Line{Src: "file:///src/b", Dst: "file:///dst/b", Size: 3, SrcMTime: 7, DstSize: 3, DstMTime: mtime.UnixNano(), Result: "skipped"})
	ix, skipped, err := Load(ctx, local.New(), dir)
	if err != nil || ix == nil || len(skipped) > 0 {
		t.Fatalf("Load: %v %v %v", ix, skipped, err)
	}
	if ix.Len() != 2 || ix.Job != "20260101-000000-aaaaaaaa" {
		t.Fatalf("loaded %d files of job %q", ix.Len(), ix.Job)
	}
	listed := fs.FileInfo{Path: "/dst/a", Size: 5, Version: "etag-1", ModTime: time.Now()}
	o, ok := ix.Origin(uri(t, srcA), "", uri(t, dstA), listed)
	if !ok || o.SrcSize != 5 || !o.SrcModTime.Equal(mtime) || o.SrcChangeTime.UnixNano() != mtime.UnixNano()+1 {
		t.Fatalf("origin %+v %v", o, ok)
	}
	for name, c := range map[string]struct {
		src, dst string
		fi       fs.FileInfo
	}{
		"rewritten (new version)": {srcA, dstA, fs.FileInfo{Size: 5, Version: "etag-2"}},
		"other size":              {srcA, dstA, fs.FileInfo{Size: 6, Version: "etag-1"}},
		"another source":          {"file:///src/other", dstA, listed},
		"another bucket":          {srcA, "cosn://c-1250000000/dst/a", listed},
		"not recorded":            {srcA, "cosn://b-1250000000/dst/z", listed},
	} {
		if _, ok := ix.Origin(uri(t, c.src), "", uri(t, c.dst), c.fi); ok {
			t.Errorf("%s: settled", name)
		}
	}
	// Without versions, size and mtime decide.
	b := fs.FileInfo{Size: 3, ModTime: mtime}
	if _, ok := ix.Origin(uri(t, "file:///src/b"), "", uri(t, "file:///dst/b"), b); !ok {
		t.Error("size and mtime as recorded: not settled")
	}
	b.ModTime = mtime.Add(time.Millisecond)
	if _, ok := ix.Origin(uri(t, "file:///src/b"), "", uri(t, "file:///dst/b"), b); ok {
		t.Error("mtime moved: settled")
	}
}

// A COS source's version is kept as a hash: the listed version is
// given back when it is the recorded one, and never when it is not.
func TestSourceVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), DirName)
	l := lineA()
	l.SrcVersion = "src-etag-1"
	publish(t, dir, "20260101-000000-aaaaaaaa", l)
	ix, _, err := Load(context.Background(), local.New(), dir)
	if err != nil || ix == nil {
		t.Fatal(err)
	}
	listed := fs.FileInfo{Size: 5, Version: "etag-1"}
	if o, ok := ix.Origin(uri(t, srcA), "src-etag-1", uri(t, dstA), listed); !ok || o.SrcVersion != "src-etag-1" {
		t.Errorf("same source version: %+v %v", o, ok)
	}
	for _, v := range []string{"src-etag-2", ""} {
		if o, ok := ix.Origin(uri(t, srcA), v, uri(t, dstA), listed); !ok || o.SrcVersion == v || o.SrcVersion == "" {
			t.Errorf("source version %q: %+v %v", v, o, ok)
		}
	}
}

func TestLoadPassesOverIncompleteManifests(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), DirName)
	publish(t, dir, "20260101-000000-aaaaaaaa", lineA())
	// A newer one cut short (no trailer): Load falls back to the older.
	f, err := os.Create(filepath.Join(dir, FileName("20260102-000000-bbbbbbbb")))
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := zstd.NewWriter(f)
	_, _ = zw.Write([]byte(`{"src":"file:///x","dst":"file:///y","size":1,"dst_size":1,"result":"copied"}` + "\n"))
	_ = zw.Close()
	_ = f.Close()
	ix, skipped, err := Load(ctx, local.New(), dir)
	if err != nil || ix == nil || ix.Job != "20260101-000000-aaaaaaaa" {
		t.Fatalf("Load: %+v %v", ix, err)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "incomplete") {
		t.Fatalf("skipped %q", skipped)
	}
	if ix, _, err := Load(ctx, local.New(), filepath.Join(dir, "none")); ix != nil || err != nil {
		t.Fatalf("no manifest directory: %v %v", ix, err)
	}
}

func TestPublishKeepsTheNewestTwo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), DirName)
	jobs := []string{"20260101-000000-aaaaaaaa", "20260102-000000-bbbbbbbb", "20260103-000000-cccccccc"}
	for _, j := range jobs {
		publish(t, dir, j, lineA())
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != FileName(jobs[1])+" "+FileName(jobs[2]) {
		t.Fatalf("left %v", names)
	}
}

// Two jobs of the same second: their ids' random part orders nothing, so
// the manifest written later is the newer, whatever its name; a carry
// file beside them is no manifest. (Before, the name decided: -diff s2 s3
// right after -diff s1 s2 read the older one about one run in two.)
func TestNewestOfTheSameSecond(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), DirName)
	later, earlier := "20260101-000000-aaaaaaaa", "20260101-000000-ffffffff"
	publish(t, dir, earlier, lineA())
	l := lineA()
	l.DstVersion = "etag-later"
	publish(t, dir, later, l)
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, FileName(earlier)), old, old); err != nil {
		t.Fatal(err)
	}
	s, err := NewSpool(t.TempDir(), "20260101-000001-00000000")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PublishAt(ctx, local.New(), filepath.Join(dir, CarryName("20260101-000001-00000000"))); err != nil {
		t.Fatal(err)
	}
	ix, _, err := Load(ctx, local.New(), dir)
	if err != nil || ix == nil || ix.Job != later {
		t.Fatalf("Load: %+v %v, want job %s", ix, err, later)
	}
	names, err := Newest(ctx, local.New(), dir)
	if err != nil || len(names) != 2 || filepath.Base(names[0]) != FileName(later) {
		t.Fatalf("Newest: %v %v", names, err)
	}
}

// A spool's lines appended to another follow its own, and ReadFile
// streams a carry file's lines only when it is complete.
func TestCarryRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	carry, err := NewSpool(dir, "job")
	if err != nil {
		t.Fatal(err)
	}
	_ = carry.Add(lineA())
	p := filepath.Join(dir, CarryName("job"))
	if err := carry.PublishAt(ctx, local.New(), p); err != nil {
		t.Fatal(err)
	}
	merged, _ := NewSpool(dir, "job")
	if err := ReadFile(ctx, local.New(), p, merged.Add); err != nil {
		t.Fatal(err)
	}
	own, _ := NewSpool(dir, "job")
	b := lineA()
	b.Dst = "cosn://b-1250000000/dst/b"
	_ = own.Add(b)
	if err := own.AppendTo(merged); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := merged.PublishAt(ctx, local.New(), out); err != nil {
		t.Fatal(err)
	}
	var dsts []string
	if err := ReadFile(ctx, local.New(), out, func(l Line) error { dsts = append(dsts, l.Dst); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(dsts, " ") != dstA+" "+b.Dst {
		t.Fatalf("merged lines %v", dsts)
	}
	// Cut short: refused.
	data, _ := os.ReadFile(out)
	if err := os.WriteFile(out, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReadFile(ctx, local.New(), out, func(Line) error { return nil }); err == nil {
		t.Error("a cut carry file was read whole")
	}
}
