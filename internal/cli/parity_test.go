package cli_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/rs/zerolog"
)

// DistCp 3.4's -append, -xtrack, -updateRoot and -useiterator, end to end
// on the backends each applies to.

// appendCase is a source tree and a target where -update -append meets
// each kind of file: a target that is the source's start (grow, and
// empty), one of the same length (same), a shorter one that differs
// (changed), and none (new).
type appendCase struct {
	src      string // local source directory
	grown    []byte // grow's whole source
	files    map[string][]byte
	targetOf map[string][]byte
}

func newAppendCase(t *testing.T) appendCase {
	t.Helper()
	grown := randBytes(t, 3<<20+123) // past the emulator's 1 MiB blocks
	changed := randBytes(t, 5000)
	other := bytes.Clone(changed[:3000])
	other[10] ^= 0xff
	c := appendCase{src: filepath.Join(t.TempDir(), "src"), grown: grown,
		files:    map[string][]byte{"grow": grown, "empty": []byte("from nothing"), "same": []byte("same bytes"), "changed": changed, "d/new": []byte("new")},
		targetOf: map[string][]byte{"grow": grown[:1<<20+77], "empty": nil, "same": []byte("same bytes"), "changed": other},
	}
	for name, data := range c.files {
		writeFile(t, filepath.Join(c.src, name), data)
	}
	return c
}

// seedTarget writes the case's target files at dst through jetcp's file
// systems, as another program (or an earlier, shorter copy) left them.
func (c appendCase) seedTarget(t *testing.T, dst string) {
	t.Helper()
	ctx := context.Background()
	fsys, u := openURI(t, dst)
	for name, data := range c.targetOf {
		p := u.Join(name)
		if _, err := fs.MkdirAll(ctx, fsys, p.Dir().Path, 0o755); err != nil {
			t.Fatal(err)
		}
		w, err := fsys.Create(ctx, p.Path, fs.CreateOptions{Overwrite: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// check runs -update -append -v onto dst and checks the bytes, the
// counts and each file's reason in the -log.
func (c appendCase) check(t *testing.T, dst string, wantReason map[string]string) {
	t.Helper()
	logDir := t.TempDir()
	code, rep, out := runReport(t, "-update", "-append", "-v", "-log", logDir, c.src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update -append: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 4, 1, 0)
	if rep.BytesCopied != int64(len(c.grown)+len("from nothing")+5000+len("new")) {
		t.Errorf("bytes copied %d: jetcp counts an appended file's whole size", rep.BytesCopied)
	}
	for name, data := range c.files {
		if got := readURI(t, dst+"/"+name); !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes after the copy, want the source's %d", name, len(got), len(data))
		}
	}
	reasons := logReasons(t, logDir)
	for name, want := range wantReason {
		if got := reasons[uris(t, []string{dst + "/" + name})[0]]; got != want {
			t.Errorf("-log reason of %s: %q, want %q", name, got, want)
		}
	}
	// Again: everything is the same now.
	code, rep, out = runReport(t, "-update", "-append", c.src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update -append again: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, 5, 0)
}

var appendReasons = map[string]string{
	"grow": distcp.ReasonAppended, "empty": distcp.ReasonAppended, "changed": distcp.ReasonNotPrefix, "d/new": distcp.ReasonTargetMissing,
}

// Local target: the shorter target that is the source's start keeps its
// inode (the tail was appended in place, not a new file renamed over it).
func TestAppendLocal(t *testing.T) {
	c := newAppendCase(t)
	dst := filepath.Join(t.TempDir(), "dst")
	c.seedTarget(t, dst)
	inode := func(name string) uint64 {
		fi, err := os.Stat(filepath.Join(dst, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	grow, changed := inode("grow"), inode("changed")
	c.check(t, dst, appendReasons)
	if inode("grow") != grow {
		t.Errorf("grow was rewritten, not appended to")
	}
	if inode("changed") == changed {
		t.Errorf("changed kept its inode: it should have been copied whole")
	}
}

// HDFS target: the NameNode sees append calls for the two files that grew,
// and only their tails travel to the DataNode.
func TestAppendHDFS(t *testing.T) {
	cl := startHDFS(t)
	c := newAppendCase(t)
	dst := "hdfs://" + cl.Addr() + "/data/dst"
	c.seedTarget(t, dst)
	before := cl.Stats()
	c.check(t, dst, appendReasons)
	if n := cl.Stats().Sub(before).NameNode["append"]; n != 2 {
		t.Errorf("%d append calls, want 2 (grow, empty)", n)
	}
}

// COS target: objects cannot be appended to, so the shorter targets are
// copied whole, and the log says why.
func TestAppendCOS(t *testing.T) {
	cosEnv(t)
	c := newAppendCase(t)
	dst := "cosn://" + cosBucket + "/data/dst"
	c.seedTarget(t, dst)
	c.check(t, dst, map[string]string{
		"grow": distcp.ReasonCannotAppend, "empty": distcp.ReasonCannotAppend, "changed": distcp.ReasonCannotAppend, "d/new": distcp.ReasonTargetMissing,
	})
}

// -xtrack writes the target entries missing at the source, as the walk
// of -delete finds them, on every backend; without -delete nothing is
// removed, with it the list is what was removed.
func TestXTrack(t *testing.T) {
	cl := startHDFS(t)
	cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a"), []byte("a"))
	writeFile(t, filepath.Join(src, "d/b"), []byte("b"))
	for _, b := range []struct{ name, dst, track string }{
		{"local", filepath.Join(t.TempDir(), "dst"), filepath.Join(t.TempDir(), "track")},
		{"hdfs", "hdfs://" + cl.Addr() + "/x/dst", "hdfs://" + cl.Addr() + "/x/track"},
		{"cos", "cosn://" + cosBucket + "/x/dst", "cosn://" + cosBucket + "/x/track"},
	} {
		t.Run(b.name, func(t *testing.T) {
			extra := filepath.Join(t.TempDir(), "extra")
			writeFile(t, filepath.Join(extra, "a"), []byte("old a"))
			writeFile(t, filepath.Join(extra, "stray"), []byte("s"))
			writeFile(t, filepath.Join(extra, "d/old"), []byte("o"))
			writeFile(t, filepath.Join(extra, "gone/x"), []byte("x"))
			if code, _, errs := run(t, extra, b.dst); code != cli.ExitOK {
				t.Fatalf("seeding the target: exit %d\n%s", code, errs)
			}
			want := []string{b.dst + "/d/old", b.dst + "/gone/", b.dst + "/gone/x", b.dst + "/stray"}
			code, rep, out := runReport(t, "-update", "-xtrack", b.track, src, b.dst)
			if code != cli.ExitOK {
				t.Fatalf("-update -xtrack: exit %d\n%s", code, out)
			}
			wantCounts(t, rep, 2, 0, 0)
			if got := trackList(t, b.track); !slices.Equal(got, uris(t, want)) {
				t.Errorf("-xtrack listed %q, want %q", got, uris(t, want))
			}
			if rep.FilesDeleted != 0 || len(readURI(t, b.dst+"/stray")) != 1 {
				t.Errorf("-xtrack without -delete removed something (%d files)", rep.FilesDeleted)
			}
			code, rep, out = runReport(t, "-update", "-delete", "-xtrack", b.track, src, b.dst)
			if code != cli.ExitOK || rep.FilesDeleted != 3 {
				t.Fatalf("-update -delete -xtrack: exit %d, %d deleted\n%s", code, rep.FilesDeleted, out)
			}
			if got := trackList(t, b.track); !slices.Equal(got, uris(t, want)) {
				t.Errorf("-xtrack with -delete listed %q, want what was deleted, %q", got, uris(t, want))
			}
			code, _, out = runReport(t, "-update", "-xtrack", b.track, src, b.dst)
			if got := trackList(t, b.track); code != cli.ExitOK || len(got) != 0 {
				t.Errorf("-xtrack over a target in step: exit %d, listed %q\n%s", code, got, out)
			}
		})
	}
}

// -updateRoot gives the target root the source root's preserved
// attributes under -update, where it otherwise keeps its own (local and
// HDFS, the backends that keep a directory's mode).
func TestUpdateRoot(t *testing.T) {
	cl := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	if err := os.Chmod(src, 0o750); err != nil {
		t.Fatal(err)
	}
	for name, dst := range map[string]string{"local": filepath.Join(t.TempDir(), "dst"), "hdfs": "hdfs://" + cl.Addr() + "/ur/dst"} {
		t.Run(name, func(t *testing.T) {
			if code, _, errs := run(t, "-update", src, dst); code != cli.ExitOK {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			fsys, u := openURI(t, dst)
			if err := fs.SetAttrs(context.Background(), fsys, u.Path, fs.Attrs{Mode: ptr(os.FileMode(0o711))}); err != nil {
				t.Fatal(err)
			}
			if code, _, errs := run(t, "-update", "-pp", src, dst); code != cli.ExitOK {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			if m := statURI(t, dst).Mode.Perm(); m != 0o711 {
				t.Errorf("-update -pp without -updateRoot: root mode %v, want its own 0711", m)
			}
			if code, _, errs := run(t, "-update", "-pp", "-updateRoot", src, dst); code != cli.ExitOK {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			if m := statURI(t, dst).Mode.Perm(); m != 0o750 {
				t.Errorf("-update -pp -updateRoot: root mode %v, want the source root's 0750", m)
			}
		})
	}
}

// -useiterator is accepted, and -v says why it changes nothing.
func TestUseIterator(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	code, _, errs := run(t, "-useiterator", "-v", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "-useiterator: accepted; jetcp always streams its listing") {
		t.Errorf("-v does not say what -useiterator does:\n%s", errs)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "f")); string(got) != "f" {
		t.Errorf("copied %q", got)
	}
}

// The combinations DistCp refuses, refused in one line with exit status
// 2 before anything is written.
func TestParityRefusals(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-append"}, "-append is only valid with -update"},
		{[]string{"-append", "-overwrite"}, "-append is only valid with -update"},
		{[]string{"-append", "-update", "-skipcrccheck"}, "-append cannot be used with -skipcrccheck"},
		{[]string{"-xtrack", filepath.Join(t.TempDir(), "x")}, "-xtrack is only valid with -update"},
		{[]string{"-update", "-xtrack", filepath.Join(dst, "x")}, "is inside the target"},
		{[]string{"-update", "-xtrack", "nosuch://h/x"}, "-xtrack nosuch://h/x"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := run(t, append(tc.args, src, dst)...)
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			if code != cli.ExitUsage || len(lines) != 1 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q (stdout %q)", code, errs, tc.want, out)
			}
			if _, err := os.Stat(dst); err == nil {
				t.Errorf("%s was written", dst)
			}
		})
	}
}

// ---- helpers ----

func ptr[T any](v T) *T { return &v }

func openURI(t *testing.T, s string) (fs.FS, fs.URI) {
	t.Helper()
	u, err := fs.ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	reg := cli.Registry(hadoopconf.Source{Getenv: os.Getenv}, zerolog.Nop())
	t.Cleanup(func() { reg.Close() })
	fsys, err := reg.FS(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return fsys, u
}

func readURI(t *testing.T, s string) []byte {
	t.Helper()
	fsys, u := openURI(t, s)
	r, err := fsys.Open(context.Background(), u.Path, 0)
	if err != nil {
		t.Fatalf("open %s: %v", s, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", s, err)
	}
	return b
}

func statURI(t *testing.T, s string) fs.FileInfo {
	t.Helper()
	fsys, u := openURI(t, s)
	fi, err := fsys.Stat(context.Background(), u.Path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// trackList is -xtrack's list in dir, sorted.
func trackList(t *testing.T, dir string) []string {
	t.Helper()
	lines := strings.Fields(string(readURI(t, strings.TrimSuffix(dir, "/")+"/"+distcp.XTrackFile)))
	slices.Sort(lines)
	return lines
}

// uris are paths as the lister names them (file:// URIs for local paths).
func uris(t *testing.T, paths []string) []string {
	t.Helper()
	var out []string
	for _, p := range paths {
		dir := strings.HasSuffix(p, "/")
		u, err := fs.ParseURI(strings.TrimSuffix(p, "/"))
		if err != nil {
			t.Fatal(err)
		}
		s := u.String()
		if dir {
			s += "/"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
