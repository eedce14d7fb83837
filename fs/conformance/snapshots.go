package conformance

import (
	"errors"
	iofs "io/fs"
	"slices"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// testSnapshotter checks fs.Snapshotter: a snapshot reads as the tree was,
// and the difference between two snapshots names a renamed directory as a
// rename (not as its files deleted and created), a deleted file, a file
// written anew and a new file, in HDFS's report form.
func (s *suite) testSnapshotter(t *testing.T) {
	sn, ok := s.fsys.(fs.Snapshotter)
	implements(t, ok, "fs.Snapshotter")
	ctx := t.Context()
	d := s.dir(t)
	for _, p := range []string{"a", "b"} {
		s.mkdir(t, join(d, p))
	}
	s.write(t, join(d, "a", "f1"), []byte("one"), fs.CreateOptions{})
	s.write(t, join(d, "b", "f2"), []byte("two"), fs.CreateOptions{})
	s.write(t, join(d, "c"), []byte("three"), fs.CreateOptions{})
	if err := sn.CreateSnapshot(ctx, d, "s1"); err != nil {
		t.Fatalf("CreateSnapshot(%s, s1): %v", d, err)
	}
	if err := s.fsys.Rename(ctx, join(d, "a"), join(d, "a2")); err != nil {
		t.Fatal(err)
	}
	if err := s.fsys.Remove(ctx, join(d, "b", "f2"), false); err != nil {
		t.Fatal(err)
	}
	s.write(t, join(d, "c"), []byte("three, again"), fs.CreateOptions{Overwrite: true})
	s.write(t, join(d, "new"), []byte("new"), fs.CreateOptions{})
	if err := sn.CreateSnapshot(ctx, d, "s2"); err != nil {
		t.Fatalf("CreateSnapshot(%s, s2): %v", d, err)
	}
	s.wantContent(t, join(d, ".snapshot", "s1", "a", "f1"), []byte("one"))
	s.wantContent(t, join(d, ".snapshot", "s1", "b", "f2"), []byte("two"))
	s.wantContent(t, join(d, ".snapshot", "s1", "c"), []byte("three"))
	s.wantContent(t, join(d, ".snapshot", "s2", "c"), []byte("three, again"))
	s.wantMissing(t, join(d, ".snapshot", "s2", "a"))

	diff, err := fs.SnapshotDiff(ctx, s.fsys, d, "s1", "s2")
	if err != nil {
		t.Fatalf("SnapshotDiff(%s, s1, s2): %v", d, err)
	}
	var got []string
	for _, e := range diff {
		got = append(got, e.String())
	}
	slices.Sort(got)
	want := []string{"+\t./c", "+\t./new", "-\t./b/f2", "-\t./c", "M\t./", "M\t./b", "R\t./a -> ./a2"}
	if !slices.Equal(got, want) {
		t.Errorf("SnapshotDiff(s1, s2) =\n%q\nwant\n%q", got, want)
	}
	if _, err := fs.SnapshotDiff(ctx, s.fsys, d, "s1", "nosuch"); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("SnapshotDiff to a missing snapshot: %v, want ErrNotExist", err)
	}
	if err := sn.DeleteSnapshot(ctx, d, "s1"); err != nil {
		t.Fatalf("DeleteSnapshot(%s, s1): %v", d, err)
	}
	s.wantMissing(t, join(d, ".snapshot", "s1"))
	s.wantContent(t, join(d, ".snapshot", "s2", "c"), []byte("three, again"))
}
