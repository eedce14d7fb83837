package lister

import (
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// A manifest line lands at its "dst", else below the deepest command-line
// source that holds it, as that source's walk would put it; lines that
// name no source are skipped (an extra is told apart), and a target
// outside the job's is refused.
func TestParseManifestLine(t *testing.T) {
	u := fs.MustParseURI
	roots := []Root{
		{Src: u("/data"), Dst: u("/backup")},
		{Src: u("/data/logs"), Dst: u("/backup/old-logs")},
		{Src: u("hdfs://nn:8020/w"), Dst: u("/backup/w")},
	}
	write := u("/backup")
	for _, c := range []struct {
		line, dst, err string
		skip, extra    bool
	}{
		{line: "/data/a/b.txt", dst: "/backup/a/b.txt"},
		{line: "/data/logs/x", dst: "/backup/old-logs/x"},
		{line: "/data/logs", dst: "/backup/old-logs"},
		{line: "hdfs://nn:8020/w/p/q", dst: "/backup/w/p/q"},
		{line: `{"src":"file:///data/a","dst":"file:///backup/elsewhere/a","result":"copied","size":5}`, dst: "/backup/elsewhere/a"},
		{line: `{"src":"/data/a","category":"missing","reason":"the target has no entry here"}`, dst: "/backup/a"},
		{line: `{"dst":"file:///backup/extra","category":"extra"}`, skip: true, extra: true},
		{line: `{"end":true,"files":3}`, skip: true},
		{line: "   ", skip: true},
		{line: "/elsewhere/f", err: "no source on the command line holds /elsewhere/f"},
		{line: `{"src":"/data/a","dst":"/tmp/a"}`, err: "dst /tmp/a is not under the target /backup"},
		{line: "/data/*.txt", err: "is a glob"},
		{line: `{"src":`, err: "not a JSON object"},
	} {
		e, skip, extra, err := parseManifestLine(c.line, 1, roots, write)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.line, err, c.err)
			}
		case err != nil || skip != c.skip || extra != c.extra:
			t.Errorf("%q: skip %v extra %v error %v, want skip %v extra %v", c.line, skip, extra, err, c.skip, c.extra)
		case !c.skip && e.dst != u(c.dst):
			t.Errorf("%q: lands at %s, want %s", c.line, e.dst, c.dst)
		}
	}
}

// Sources a manifest names outside every command-line source become the
// job's sources by their deepest common directory per file system (a
// copier reads only below the job's sources).
func TestUncovered(t *testing.T) {
	u := fs.MustParseURI
	entries := []manifestEntry{
		{src: u("/data/a/x")}, {src: u("/data/b/y/z")}, {src: u("/kept/f")},
		{src: u("hdfs://nn:8020/w/1")}, {src: u("hdfs://nn:8020/w/2")},
	}
	got := uncovered(entries, []Root{{Src: u("/kept")}})
	want := []string{"file:///data", "hdfs://nn:8020/w"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("uncovered %v, want %v", got, want)
	}
}
