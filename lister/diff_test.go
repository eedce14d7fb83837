package lister

import (
	"slices"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
)

func TestParseDiff(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string // error text, or "" with from/to below
		from string
	}{
		{"-update -diff s1 s2 hdfs://nn/a /b", "", "s1"},
		{"-update -diff=s1 s2 hdfs://nn/a /b", "", "s1"},
		{"-update -diff s1 . hdfs://nn/a /b", "", "s1"},
		{"-diff s1 s2 hdfs://nn/a /b", "-diff is valid only with -update", ""},
		{"-update -delete -diff s1 s2 hdfs://nn/a /b", "exclude each other", ""},
		{"-update -diff s1 s2 hdfs://nn/a hdfs://nn/c /b", "exactly one source", ""},
		{"-update -diff . s2 hdfs://nn/a /b", "the first value must name a snapshot", ""},
		{"-update -diff s1/x s2 hdfs://nn/a /b", "the first value must name a snapshot", ""},
		{"-update -filters f -diff s1 s2 hdfs://nn/a /b", "", "s1"},
		{"-update -diff s1", "needs two values", ""},
		{"-overwrite -diff s1 s2 hdfs://nn/a /b", "-diff is valid only with -update", ""},
		{"-update -rdiff s2 s1 hdfs://nn/a hdfs://nn/b", "", "s2"},
		{"-update -rdiff s2 . hdfs://nn/a hdfs://nn/b", "the second value must name a snapshot", ""},
		{"-rdiff s2 s1 hdfs://nn/a hdfs://nn/b", "-rdiff is valid only with -update", ""},
		{"-update -diff s1 s2 -rdiff s2 s1 hdfs://nn/a /b", "-diff and -rdiff exclude each other", ""},
	} {
		c, err := ParseArgs(strings.Fields(tc.args))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.args, err)
		case tc.want == "" && (c.DiffFrom != tc.from || c.DiffTo == ""):
			t.Errorf("%s: -diff %q %q", tc.args, c.DiffFrom, c.DiffTo)
		case tc.want != "" && (err == nil || !IsUsage(err) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
}

// fromReport names copies as in s2 through the deepest rename that holds
// them; a modified entry at a rename's own source is the renamed entry, a
// created one is a new entry at the old name.
func TestDiffFromReport(t *testing.T) {
	d := &diffPlan{}
	d.fromReport([]fs.DiffEntry{
		{Type: fs.DiffModify, Path: ""},
		{Type: fs.DiffRename, Path: "a", Target: "z"},
		{Type: fs.DiffRename, Path: "a/b", Target: "z/c"},
		{Type: fs.DiffRename, Path: "f", Target: "g"},
		{Type: fs.DiffDelete, Path: "old"},
		{Type: fs.DiffModify, Path: "a/b/x"},
		{Type: fs.DiffCreate, Path: "a/d/y"},
		{Type: fs.DiffModify, Path: "f"},
		{Type: fs.DiffCreate, Path: "f"},
		{Type: fs.DiffCreate, Path: "abc"},
	})
	var got []string
	for _, c := range d.copies {
		s := c.path
		if c.created {
			s = "+" + s
		}
		got = append(got, s)
	}
	want := []string{"z/c/x", "+z/d/y", "g", "+f", "+abc"}
	if !slices.Equal(got, want) {
		t.Errorf("copies %q, want %q", got, want)
	}
	if len(d.renames) != 3 || !slices.Equal(d.deletes, []string{"old"}) {
		t.Errorf("renames %v, deletes %v", d.renames, d.deletes)
	}
	if got := d.s1Name("z/c/x"); got != "a/b/x" {
		t.Errorf("s1Name(z/c/x) = %q, want a/b/x", got)
	}
}

// -filters on the report as DistCpSync.getAllDiffs applies them, to each
// path relative to the snapshot root: a rename into the filtered set is a
// delete, out of it a creation, within it nothing.
func TestDiffFiltered(t *testing.T) {
	flt, err := filter.Compile([]string{`.*\.tmp(/.*)?`})
	if err != nil {
		t.Fatal(err)
	}
	d := &diffPlan{flt: flt}
	got := d.filtered([]fs.DiffEntry{
		{Type: fs.DiffModify, Path: ""},
		{Type: fs.DiffCreate, Path: "a/new.tmp"},
		{Type: fs.DiffCreate, Path: "a/new"},
		{Type: fs.DiffDelete, Path: "x.tmp/y"},
		{Type: fs.DiffModify, Path: "m"},
		{Type: fs.DiffRename, Path: "b", Target: "b.tmp"},
		{Type: fs.DiffRename, Path: "c.tmp", Target: "c"},
		{Type: fs.DiffRename, Path: "d.tmp", Target: "e.tmp"},
		{Type: fs.DiffRename, Path: "f", Target: "g"},
	})
	var s []string
	for _, e := range got {
		s = append(s, e.String())
	}
	want := []string{"M\t./", "+\t./a/new", "M\t./m", "-\t./b", "+\t./c", "R\t./f -> ./g"}
	if !slices.Equal(s, want) {
		t.Errorf("filtered report %q, want %q", s, want)
	}
}
