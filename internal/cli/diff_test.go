package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/colinmarc/hdfs/v2"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// hdfsShell is what a user changes an HDFS source with (hdfs dfs -mv,
// -rm, -put), through a plain client.
type hdfsShell struct {
	t  *testing.T
	cl *hdfs.Client
}

func newHDFSShell(t *testing.T, c *hdfsemu.Cluster) *hdfsShell {
	t.Helper()
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c.Addr()}, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return &hdfsShell{t: t, cl: cl}
}

func (s *hdfsShell) mv(from, to string) {
	s.t.Helper()
	if err := s.cl.Rename(from, to); err != nil {
		s.t.Fatalf("mv %s %s: %v", from, to, err)
	}
}

func (s *hdfsShell) rm(p string) {
	s.t.Helper()
	if err := s.cl.RemoveAll(p); err != nil {
		s.t.Fatalf("rm -r %s: %v", p, err)
	}
}

func (s *hdfsShell) mkdir(p string) {
	s.t.Helper()
	if err := s.cl.MkdirAll(p, 0o755); err != nil {
		s.t.Fatalf("mkdir -p %s: %v", p, err)
	}
}

// put writes p anew (a new inode, as hdfs dfs -put -f does).
func (s *hdfsShell) put(p, data string) {
	s.t.Helper()
	_ = s.cl.Remove(p)
	s.mkdir(filepath.Dir(p))
	w, err := s.cl.Create(p)
	if err != nil {
		s.t.Fatalf("put %s: %v", p, err)
	}
	if _, err := w.Write([]byte(data)); err != nil {
		s.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		s.t.Fatal(err)
	}
}

func snap(t *testing.T, c *hdfsemu.Cluster, dir, name string) {
	t.Helper()
	if err := c.Snapshot(dir, name); err != nil {
		t.Fatal(err)
	}
}

// sameAs fails unless target (any URI) holds what snapshot name of the
// HDFS source holds, byte for byte: both are copied out and compared.
func sameAs(t *testing.T, remote, name, target string) {
	t.Helper()
	want, got := filepath.Join(t.TempDir(), "want"), filepath.Join(t.TempDir(), "got")
	for _, c := range [][2]string{{remote + "/.snapshot/" + name, want}, {target, got}} {
		if code, _, out := runReport(t, c[0], c[1]); code != cli.ExitOK {
			t.Fatalf("copy %s out: exit %d\n%s", c[0], code, out)
		}
	}
	sameTree(t, want, got)
}

// syncDiff runs -update -diff s1 s2 and checks it succeeded.
func syncDiff(t *testing.T, remote, target string, copied int64) {
	t.Helper()
	code, rep, out := runReport(t, "-update", "-diff", "s1", "s2", remote, target)
	if code != cli.ExitOK {
		t.Fatalf("-diff: exit %d\n%s", code, out)
	}
	if rep.FilesCopied != copied || rep.FilesFailed != 0 {
		t.Errorf("-diff: %d copied, %d failed; want %d copied\n%s", rep.FilesCopied, rep.FilesFailed, copied, out)
	}
}

// The test: s1 is copied to COS and to HDFS; then a directory is
// renamed (and a file in it rewritten, one added), files are deleted,
// others rewritten, new ones added; -diff s1 s2 brings both targets to s2
// byte for byte. On COS the renamed directory moves by server-side copies
// (one per object, no GET or PUT of its files), and nothing unchanged is
// read or written; on HDFS it is one rename2.
func TestDiffSync(t *testing.T) {
	c := startHDFS(t)
	srv := cosEnv(t)
	local := filepath.Join(t.TempDir(), "src")
	const files, dirs = 60, 3 // d00..d02, 20 files each
	smallTree(t, local, files, dirs)
	remote := "hdfs://" + c.Addr() + "/src"
	if code, _, out := runReport(t, local, remote); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	snap(t, c, "/src", "s1")
	obj, hdst := "cosn://"+cosBucket+"/t", "hdfs://"+c.Addr()+"/dst"
	for _, target := range []string{obj, hdst} {
		if code, rep, out := runReport(t, "-update", remote+"/.snapshot/s1", target); code != cli.ExitOK || rep.FilesCopied != files {
			t.Fatalf("copy s1 to %s: exit %d, %d copied\n%s", target, code, rep.FilesCopied, out)
		}
	}

	sh := newHDFSShell(t, c)
	sh.mv("/src/d00", "/src/moved")
	sh.put("/src/moved/f00003", "rewritten in the renamed directory")
	sh.put("/src/moved/extra", "added to the renamed directory")
	sh.rm("/src/d01/f00001")
	sh.rm("/src/d01/f00004")
	sh.put("/src/d02/f00002", "rewritten")
	sh.put("/src/new/n1", "new directory, new file")
	sh.put("/src/d02/added", "new file")
	snap(t, c, "/src", "s2")
	const changed = 5 // moved/f00003, moved/extra, d02/f00002, new/n1, d02/added

	before := srv.Stats()
	syncDiff(t, remote, obj, changed)
	got := srv.Stats().Sub(before)
	t.Logf("COS requests of -diff: %+v", got)
	renamed := int64(files / dirs) // its files (and its marker, if it has one)
	if got.Copy < renamed || got.Copy > renamed+1 {
		t.Errorf("%d server-side copies, want %d or %d (the renamed directory's objects)", got.Copy, renamed, renamed+1)
	}
	// PUTs: the changed files, the new directory's marker (once: the
	// files below it leave it to its item), the manifest and its carry
	// file. Unchanged files are never put.
	if got.Put != changed+3 || got.UploadPart != 0 {
		t.Errorf("%d PUTs and %d parts, want %d: only the changed files are written", got.Put, got.UploadPart, changed+3)
	}
	// GETs: the target's manifest, read for the proof, by -update and for
	// the carry file, and the carry file by the committer.
	if got.Get > 4 {
		t.Errorf("%d GETs: unchanged files were read", got.Get)
	}
	sameAs(t, remote, "s2", obj)

	beforeNN := c.Stats()
	syncDiff(t, remote, hdst, changed)
	nn := c.Stats().Sub(beforeNN)
	t.Logf("NameNode RPCs of -diff into HDFS: %+v", nn.NameNode)
	if nn.NameNode["rename2"]+nn.NameNode["rename"] < 1 || nn.NameNode["getListing"] > 20 {
		t.Errorf("NameNode RPCs %+v: want the directory renamed, no listing of the tree", nn.NameNode)
	}
	sameAs(t, remote, "s2", hdst)
}

// diffCase is one of TestDistCpSync's cases that apply: a tree at s1,
// changes, and -diff s1 s2 must leave the target equal to s2.
type diffCase struct {
	name   string
	s1     []string // files, with their path as content
	change func(sh *hdfsShell)
}

var distcpSyncCases = []diffCase{
	{"rename chain", []string{"a/x", "b/y"}, func(sh *hdfsShell) {
		sh.mv("/src/b", "/src/c")
		sh.mv("/src/a", "/src/b")
	}},
	{"swap", []string{"a/x", "b/y"}, func(sh *hdfsShell) {
		sh.mv("/src/a", "/src/t")
		sh.mv("/src/b", "/src/a")
		sh.mv("/src/t", "/src/b")
	}},
	{"rename onto a deleted path", []string{"a/x", "b/y", "f", "g"}, func(sh *hdfsShell) {
		sh.rm("/src/b")
		sh.mv("/src/a", "/src/b")
		sh.rm("/src/g")
		sh.mv("/src/f", "/src/g")
	}},
	{"directory renamed then modified", []string{"a/x", "a/y", "a/sub/z"}, func(sh *hdfsShell) {
		sh.mv("/src/a", "/src/a2")
		sh.put("/src/a2/x", "modified after the rename")
		sh.put("/src/a2/sub/new", "created after the rename")
		sh.rm("/src/a2/y")
	}},
	{"nested renames", []string{"a/b/x", "a/c"}, func(sh *hdfsShell) {
		sh.mv("/src/a/b", "/src/a/b2")
		sh.mv("/src/a", "/src/z")
		sh.put("/src/z/b2/new", "new below two renames")
	}},
	{"moved into a new directory", []string{"a/x", "b"}, func(sh *hdfsShell) {
		sh.mkdir("/src/n")
		sh.mv("/src/a", "/src/n/a")
		sh.mv("/src/b", "/src/n/b")
	}},
	{"deleted directory, file of its name", []string{"a/x", "a/y"}, func(sh *hdfsShell) {
		sh.rm("/src/a")
		sh.put("/src/a", "a file where a directory was")
	}},
	{"created then renamed", []string{"a/x"}, func(sh *hdfsShell) {
		sh.put("/src/a/tmp", "created between the snapshots")
		sh.mv("/src/a/tmp", "/src/a/final")
		sh.mv("/src/a/x", "/src/a/x2")
	}},
}

// The oracle cases of DistCp's TestDistCpSync that apply (rename chains,
// a rename onto a deleted path, a directory renamed and then modified),
// into COS and into HDFS.
func TestDiffDistCpSyncCases(t *testing.T) {
	for _, tc := range distcpSyncCases {
		t.Run(tc.name, func(t *testing.T) {
			c := startHDFS(t)
			cosEnv(t)
			sh := newHDFSShell(t, c)
			for _, f := range tc.s1 {
				sh.put("/src/"+f, f)
			}
			snap(t, c, "/src", "s1")
			remote := "hdfs://" + c.Addr() + "/src"
			targets := []string{"cosn://" + cosBucket + "/t", "hdfs://" + c.Addr() + "/dst"}
			for _, target := range targets {
				if code, _, out := runReport(t, "-update", remote+"/.snapshot/s1", target); code != cli.ExitOK {
					t.Fatalf("copy s1: exit %d\n%s", code, out)
				}
			}
			tc.change(sh)
			snap(t, c, "/src", "s2")
			for _, target := range targets {
				if code, _, out := runReport(t, "-update", "-diff", "s1", "s2", remote, target); code != cli.ExitOK {
					t.Fatalf("-diff into %s: exit %d\n%s", target, code, out)
				}
				sameAs(t, remote, "s2", target)
			}
		})
	}
}

// -diff is refused with one line and exit status 2, before anything is
// written, where it cannot apply: the target is left as it was.
func TestDiffRefused(t *testing.T) {
	c := startHDFS(t)
	cosEnv(t)
	sh := newHDFSShell(t, c)
	for _, f := range []string{"a/x", "b/y", "c"} {
		sh.put("/src/"+f, f)
	}
	snap(t, c, "/src", "s1")
	remote := "hdfs://" + c.Addr() + "/src"
	obj := "cosn://" + cosBucket + "/t"
	unproven := "cosn://" + cosBucket + "/u"
	if code, _, out := runReport(t, "-update", remote+"/.snapshot/s1", obj); code != cli.ExitOK {
		t.Fatalf("copy s1: exit %d\n%s", code, out)
	}
	if code, _, out := runReport(t, "-update", "--no-manifest", remote+"/.snapshot/s1", unproven); code != cli.ExitOK {
		t.Fatalf("copy s1: exit %d\n%s", code, out)
	}
	sh.mv("/src/a", "/src/a2")
	sh.put("/src/c", "changed")
	snap(t, c, "/src", "s2")
	local := t.TempDir()
	// The target's c rewritten behind jetcp's back: the diff's changes
	// cannot be applied to what s1 no longer is.
	rewriteCOS(t, "t/c", []byte("changed at the target"))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no -update", []string{"-diff", "s1", "s2", remote, obj}, "-diff is valid only with -update"},
		{"with -delete", []string{"-update", "-delete", "-diff", "s1", "s2", remote, obj}, "-diff and -delete exclude each other"},
		{"two sources", []string{"-update", "-diff", "s1", "s2", remote, remote, obj}, "exactly one source"},
		{"not HDFS", []string{"-update", "-diff", "s1", "s2", local, obj}, "needs an HDFS source"},
		{"missing snapshot", []string{"-update", "-diff", "s1", "s3", remote, obj}, "has no snapshot s3"},
		{"older second", []string{"-update", "-diff", "s2", "s1", remote, obj}, "should be newer"},
		{"no manifest", []string{"-update", "-diff", "s1", "s2", remote, unproven}, "sync with -update alone"},
		{"target changed", []string{"-update", "-diff", "s1", "s2", remote, obj}, "c changed at the target"},
		{"rdiff into COS", []string{"-update", "-rdiff", "s2", "s1", remote, obj}, "-rdiff rolls an HDFS target back"},
		{"diff and rdiff", []string{"-update", "-diff", "s1", "s2", "-rdiff", "s2", "s1", remote, obj}, "-diff and -rdiff exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, tc.args...)
			if code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, cli.ExitUsage, out, errs)
			}
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q, want one line with %q", errs, tc.want)
			}
		})
	}
	// Nothing was renamed at either target.
	for _, target := range []string{obj, unproven} {
		back := filepath.Join(t.TempDir(), "back")
		if code, _, out := runReport(t, target, back); code != cli.ExitOK {
			t.Fatalf("copy back: exit %d\n%s", code, out)
		}
		if _, err := filepath.Glob(filepath.Join(back, "a", "x")); err != nil {
			t.Fatal(err)
		}
		if e := snapshot(t, back); e["a/x"].data != "a/x" || e["a2"].dir {
			t.Errorf("%s changed by a refused -diff: %v", target, e)
		}
	}
}

// -diff into an HDFS target proven by the target's own snapshot s1 (as
// DistCp does), then -rdiff s2 s1 rolls the target back to the source's
// s1, as DistCp's TestDistCpSyncReverse cases do: renames undone, what
// came after s1 deleted, what went copied back.
func TestDiffThenRDiffHDFS(t *testing.T) {
	c := startHDFS(t)
	sh := newHDFSShell(t, c)
	for _, f := range []string{"a/x", "a/b/y", "c", "d/z", "e"} {
		sh.put("/src/"+f, f)
	}
	snap(t, c, "/src", "s1")
	remote, dst := "hdfs://"+c.Addr()+"/src", "hdfs://"+c.Addr()+"/dst"
	if code, _, out := runReport(t, "-update", remote+"/.snapshot/s1", dst); code != cli.ExitOK {
		t.Fatalf("copy s1: exit %d\n%s", code, out)
	}
	snap(t, c, "/dst", "s1")
	sh.mv("/src/a/b", "/src/a/b2")
	sh.mv("/src/a", "/src/a2")
	sh.put("/src/a2/b2/new", "new below two renames")
	sh.rm("/src/c")
	sh.put("/src/e", "e, rewritten")
	sh.rm("/src/d")
	sh.put("/src/d", "a file where a directory was")
	snap(t, c, "/src", "s2")
	syncDiff(t, remote, dst, 3)
	sameAs(t, remote, "s2", dst)
	snap(t, c, "/dst", "s2")

	if code, _, out := runReport(t, "-update", "-rdiff", "s2", "s1", remote, dst); code != cli.ExitOK {
		t.Fatalf("-rdiff: exit %d\n%s", code, out)
	}
	sameAs(t, remote, "s1", dst)

	// A target changed since its snapshot s2 is not rolled back.
	snap(t, c, "/dst", "s3")
	sh.put("/dst/late", "written at the target")
	code, out, errs := run(t, "-update", "-rdiff", "s3", "s1", remote, dst)
	if code != cli.ExitUsage || !strings.Contains(errs, "the target changed since its snapshot s3") {
		t.Fatalf("-rdiff of a changed target: exit %d\n%s%s", code, out, errs)
	}
}

// -diff s1 . syncs to the source as it is now (DistCp's "." for the
// current state), copying from SRC itself.
func TestDiffToCurrentState(t *testing.T) {
	c := startHDFS(t)
	cosEnv(t)
	sh := newHDFSShell(t, c)
	for _, f := range []string{"a/x", "b"} {
		sh.put("/src/"+f, f)
	}
	snap(t, c, "/src", "s1")
	remote, obj := "hdfs://"+c.Addr()+"/src", "cosn://"+cosBucket+"/t"
	if code, _, out := runReport(t, "-update", remote+"/.snapshot/s1", obj); code != cli.ExitOK {
		t.Fatalf("copy s1: exit %d\n%s", code, out)
	}
	sh.mv("/src/a", "/src/a2")
	sh.put("/src/c", "new")
	if code, rep, out := runReport(t, "-update", "-diff", "s1", ".", remote, obj); code != cli.ExitOK || rep.FilesCopied != 1 {
		t.Fatalf("-diff s1 .: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	snap(t, c, "/src", "now")
	sameAs(t, remote, "now", obj)
}

// A chain of -diff syncs into COS: each diff job's manifest carries the
// previous one's records of the files it left alone (renames applied), so
// -diff s2 s3 is proven for a file renamed by -diff s1 s2 and modified
// since, and for files left alone since the first copy; the target ends
// equal to s3, and an -update from s3 afterwards is settled by the
// manifest alone: nothing written, no HEAD of a file.
func TestDiffChain(t *testing.T) {
	c := startHDFS(t)
	srv := cosEnv(t)
	sh := newHDFSShell(t, c)
	for _, f := range []string{"a/x", "a/y", "b/z", "c/w", "d/v", "e"} {
		sh.put("/src/"+f, f)
	}
	snap(t, c, "/src", "s1")
	remote, obj := "hdfs://"+c.Addr()+"/src", "cosn://"+cosBucket+"/t"
	if code, _, out := runReport(t, "-update", remote+"/.snapshot/s1", obj); code != cli.ExitOK {
		t.Fatalf("copy s1: exit %d\n%s", code, out)
	}
	sh.mv("/src/a", "/src/a2")
	sh.put("/src/b/z2", "new in s2")
	sh.rm("/src/c/w")
	sh.put("/src/d/v", "rewritten in s2")
	snap(t, c, "/src", "s2")
	syncDiff(t, remote, obj, 2)
	sameAs(t, remote, "s2", obj)

	sh.put("/src/a2/x", "rewritten after its rename") // its record: carried, renamed
	sh.mv("/src/b", "/src/b2")                        // b/z left alone since s1
	sh.rm("/src/e")                                   // left alone since s1
	sh.put("/src/n/new", "new in s3")
	snap(t, c, "/src", "s3")
	code, rep, out := runReport(t, "-update", "-diff", "s2", "s3", remote, obj)
	if code != cli.ExitOK || rep.FilesCopied != 2 || rep.FilesFailed != 0 {
		t.Fatalf("-diff s2 s3: exit %d, %d copied, %d failed; want 2 copied\n%s", code, rep.FilesCopied, rep.FilesFailed, out)
	}
	sameAs(t, remote, "s3", obj)

	before := srv.Stats()
	update(t, 0, 6, remote+"/.snapshot/s3", obj) // a2/x a2/y b2/z b2/z2 d/v n/new
	got := srv.Stats().Sub(before)
	t.Logf("COS requests of the -update after the chain: %+v", got)
	// No PUT: every file was settled by the manifest, which then stays
	// the newest; HEADs: one per directory (6), none per file.
	if got.Put != 0 || got.Get > 1 || got.Head > 6 {
		t.Errorf("-update after the chain: %d PUTs, %d GETs, %d HEADs; want the manifest to settle every file (no PUT, its one GET, a HEAD per directory)", got.Put, got.Get, got.Head)
	}
}

// -filters with -diff, as DistCp's DistCpSync applies them to the
// difference report (each entry's path relative to the snapshot root):
// filtered entries are passed over, a directory renamed into the filtered
// set is deleted at the target, a file renamed out of it is copied as
// new. The target ends as a copy of s2 with the same filters would be.
func TestDiffFilters(t *testing.T) {
	c := startHDFS(t)
	cosEnv(t)
	sh := newHDFSShell(t, c)
	for _, f := range []string{"a/x", "a/y.tmp", "b/v", "c/w", "d/part.tmp"} {
		sh.put("/src/"+f, f)
	}
	snap(t, c, "/src", "s1")
	filters := filepath.Join(t.TempDir(), "filters")
	writeFile(t, filters, []byte(".*\\.tmp.*\n"))
	remote, obj := "hdfs://"+c.Addr()+"/src", "cosn://"+cosBucket+"/t"
	if code, rep, out := runReport(t, "-update", "-filters", filters, remote+"/.snapshot/s1", obj); code != cli.ExitOK || rep.FilesCopied != 3 {
		t.Fatalf("copy s1: exit %d, %d copied, want 3\n%s", code, rep.FilesCopied, out)
	}
	sh.put("/src/a/new.tmp", "created, filtered")
	sh.put("/src/a/x2", "created")
	sh.rm("/src/a/y.tmp")                   // deleted, filtered: nothing to do
	sh.mv("/src/b", "/src/b.tmp")           // renamed into the filtered set
	sh.mv("/src/d/part.tmp", "/src/d/part") // renamed out of it
	sh.put("/src/c/w", "rewritten")
	snap(t, c, "/src", "s2")
	code, rep, out := runReport(t, "-update", "-diff", "s1", "s2", "-filters", filters, remote, obj)
	if code != cli.ExitOK || rep.FilesCopied != 3 || rep.FilesFailed != 0 { // a/x2, c/w, d/part
		t.Fatalf("-diff with -filters: exit %d, %d copied, %d failed; want 3 copied\n%s", code, rep.FilesCopied, rep.FilesFailed, out)
	}
	want, got := filepath.Join(t.TempDir(), "want"), filepath.Join(t.TempDir(), "got")
	if code, _, out := runReport(t, "-filters", filters, remote+"/.snapshot/s2", want); code != cli.ExitOK {
		t.Fatalf("copy s2 with the filters: exit %d\n%s", code, out)
	}
	if code, _, out := runReport(t, obj, got); code != cli.ExitOK {
		t.Fatalf("copy the target out: exit %d\n%s", code, out)
	}
	sameTree(t, want, got)
	if e := snapshot(t, got); e["b"].dir || e["d/part"].data != "d/part.tmp" || e["a/new.tmp"].data != "" {
		t.Errorf("target after -diff with -filters: %v", e)
	}
}
