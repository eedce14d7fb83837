package cli_test

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// lsTree is the tree the ls tests list: files of several sizes and
// permissions, a subdirectory with a file and an empty one, every time
// set, so each line of a listing is known in advance.
var lsMTime = time.Date(2022, 5, 6, 7, 8, 9, 0, time.UTC)

func lsTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(root, "a.txt"), []byte("alpha\n"))
	writeFile(t, filepath.Join(root, "big.bin"), randBytes(t, 3<<20+17))
	writeFile(t, filepath.Join(root, "sub", "x"), nil)
	if err := os.MkdirAll(filepath.Join(root, "sub", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{"a.txt": 0o644, "big.bin": 0o600, "sub/x": 0o640, "sub": 0o750, "sub/empty": 0o755} {
		if err := os.Chmod(filepath.Join(root, p), mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"a.txt", "big.bin", "sub/x", "sub/empty", "sub", "."} {
		if err := os.Chtimes(filepath.Join(root, p), lsMTime, lsMTime); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// lsWant is a listing of lsTree at base, as hadoop fs -ls prints it, for
// a file system whose entries have owner and group (empty: no column),
// file replication repl and size width sizeW.
func lsWant(base, owner, group, repl string, recursive bool) string {
	at := lsMTime.Local().Format("2006-01-02 15:04")
	col := func(s string) string {
		if s == "" {
			return ""
		}
		return s + " "
	}
	line := func(perm, r string, size int, p string) string {
		return fmt.Sprintf("%s %3s %s%s%10d %s %s\n", perm, r, col(owner), col(group), size, at, base+"/"+p)
	}
	if !recursive {
		return "Found 3 items\n" +
			line("-rw-r--r--", repl, 6, "a.txt") +
			line("-rw-------", repl, 3<<20+17, "big.bin") +
			line("drwxr-x---", "-", 0, "sub")
	}
	return line("-rw-r--r--", repl, 6, "a.txt") +
		line("-rw-------", repl, 3<<20+17, "big.bin") +
		line("drwxr-x---", "-", 0, "sub") +
		line("drwxr-xr-x", "-", 0, "sub/empty") +
		line("-rw-r-----", repl, 0, "sub/x")
}

// ls runs lister ls and fails unless it exits with want.
func ls(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, errs := run(t, append([]string{"ls"}, args...)...)
	if code != want {
		t.Fatalf("lister ls %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errs)
	}
	return out, errs
}

func sameListing(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s:\ngot:\n%s\nwant:\n%s", what, got, want)
	}
}

func localOwner(t *testing.T) (string, string) {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Skipf("no user name for uid %d: %v", os.Getuid(), err)
	}
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("no group name for gid %d: %v", os.Getgid(), err)
	}
	return u.Username, g.Name
}

// Local files: a directory, -R, a file argument, -h, a glob.
func TestLsLocal(t *testing.T) {
	root := lsTree(t)
	owner, group := localOwner(t)
	out, _ := ls(t, cli.ExitOK, root)
	sameListing(t, "ls", out, lsWant(root, owner, group, "1", false))
	out, _ = ls(t, cli.ExitOK, "-R", root+"/")
	sameListing(t, "ls -R", out, lsWant(root, owner, group, "1", true))
	out, _ = ls(t, cli.ExitOK, "file://"+root)
	sameListing(t, "ls file://", out, lsWant("file://"+root, owner, group, "1", false))

	at := lsMTime.Local().Format("2006-01-02 15:04")
	out, _ = ls(t, cli.ExitOK, "-h", filepath.Join(root, "big.bin"), filepath.Join(root, "sub"))
	want := fmt.Sprintf("-rw-------   1 %s %s %10s %s %s/big.bin\n", owner, group, "3.0 M", at, root) +
		"Found 2 items\n" +
		fmt.Sprintf("drwxr-xr-x   - %s %s          0 %s %s/sub/empty\n", owner, group, at, root) +
		fmt.Sprintf("-rw-r-----   1 %s %s          0 %s %s/sub/x\n", owner, group, at, root)
	sameListing(t, "ls -h FILE DIR", out, want)

	out, _ = ls(t, cli.ExitOK, root+"/*.*")
	want = fmt.Sprintf("-rw-r--r--   1 %s %s          6 %s %s/a.txt\n", owner, group, at, root) +
		fmt.Sprintf("-rw-------   1 %s %s    3145745 %s %s/big.bin\n", owner, group, at, root)
	sameListing(t, "ls GLOB", out, want)

	// The working directory's entries print by name, as hadoop's do;
	// another relative path stays relative.
	t.Chdir(root)
	out, _ = ls(t, cli.ExitOK, ".")
	sameListing(t, "ls .", out, strings.ReplaceAll(lsWant(root, owner, group, "1", false), root+"/", ""))
	out, _ = ls(t, cli.ExitOK, "sub/")
	sameListing(t, "ls sub/", out, "Found 2 items\n"+
		fmt.Sprintf("drwxr-xr-x   - %s %s          0 %s sub/empty\n", owner, group, at)+
		fmt.Sprintf("-rw-r-----   1 %s %s          0 %s sub/x\n", owner, group, at))

	// An empty directory prints nothing.
	out, _ = ls(t, cli.ExitOK, filepath.Join(root, "sub", "empty"))
	sameListing(t, "ls EMPTY", out, "")
}

// A missing path prints hadoop's line and exits 1, after listing the
// others; bad input prints one line naming the fix and exits 2, listing
// nothing.
func TestLsErrors(t *testing.T) {
	root := lsTree(t)
	missing := filepath.Join(root, "nope")
	out, errs := ls(t, cli.ExitFailed, missing, filepath.Join(root, "a.txt"), root+"/*.none")
	if n := strings.Count(out, "\n"); n != 1 || !strings.HasSuffix(out, "/a.txt\n") {
		t.Fatalf("stdout %q: want the line of a.txt", out)
	}
	want := "ls: `" + missing + "': No such file or directory\n" + "ls: `" + root + "/*.none': No such file or directory\n"
	sameListing(t, "stderr", errs, want)

	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "lister ls: no URI to list: give one or more, e.g. lister ls -R hdfs://namenode:8020/data\n"},
		{[]string{"-x", root}, "lister ls: unknown option -x: lister ls takes -R (recursive) and -h (human-readable sizes)\n"},
		{[]string{root, "s3://bucket/x"}, `lister ls: s3://bucket/x: unknown URI scheme "s3" in s3://bucket/x: supported are cosn://, file://, hdfs://` + "\n"},
		{[]string{root, "hdfs:/nn:8020/x"}, `lister ls: malformed URI "hdfs:/nn:8020/x": one slash after "hdfs:" makes "nn:8020" part of the path; write hdfs://nn:8020/x` + "\n"},
	} {
		out, errs := ls(t, cli.ExitUsage, tc.args...)
		if out != "" || errs != tc.msg {
			t.Errorf("lister ls %q: stdout %q, stderr %q, want %q", tc.args, out, errs, tc.msg)
		}
	}
	out, _ = ls(t, cli.ExitOK, "--help")
	if !strings.HasPrefix(out, "usage: lister ls [-R] [-h] URI...\n") {
		t.Fatalf("--help: %q", out)
	}
}

// HDFS, through the emulator: the tree copied there with its permissions
// and times, listed with the NameNode's owner, group and replication.
func TestLsHDFS(t *testing.T) {
	c := startHDFS(t)
	t.Setenv("HADOOP_USER_NAME", "") // the HDFS user is the OS user, the emulator's superuser
	owner, _ := localOwner(t)
	root := lsTree(t)
	remote := "hdfs://" + c.Addr() + "/warehouse/data"
	if code, _, out := runReport(t, "--no-manifest", "-ppt", root, remote); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	out, _ := ls(t, cli.ExitOK, remote)
	sameListing(t, "ls", out, lsWant(remote, owner, "supergroup", "1", false))
	out, _ = ls(t, cli.ExitOK, "-R", remote)
	sameListing(t, "ls -R", out, lsWant(remote, owner, "supergroup", "1", true))
	_, errs := ls(t, cli.ExitFailed, remote+"/nope")
	sameListing(t, "missing", errs, "ls: `"+remote+"/nope': No such file or directory\n")
}

// COS, through the emulator: objects carry the preserved permissions and
// times in their metadata, which ls reads; they have no owner or group
// unless -pu/-pg put them there, so those columns are absent, as hadoop
// prints them.
func TestLsCOS(t *testing.T) {
	cosEnv(t)
	root := lsTree(t)
	remote := "cosn://" + cosBucket + "/warehouse/data"
	if code, _, out := runReport(t, "--no-manifest", "-ppt", root, remote); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	out, _ := ls(t, cli.ExitOK, remote)
	sameListing(t, "ls", out, lsWant(remote, "", "", "1", false))
	out, _ = ls(t, cli.ExitOK, "-R", remote)
	sameListing(t, "ls -R", out, lsWant(remote, "", "", "1", true))
	_, errs := ls(t, cli.ExitFailed, remote+"/nope")
	sameListing(t, "missing", errs, "ls: `"+remote+"/nope': No such file or directory\n")
	// A directory of more entries than are Stat'ed at once: each line
	// still the entry's own, in order.
	many := filepath.Join(t.TempDir(), "many")
	var want strings.Builder
	want.WriteString("Found 40 items\n")
	at := lsMTime.Local().Format("2006-01-02 15:04")
	for i := range 40 {
		name := fmt.Sprintf("f%02d", i)
		writeFile(t, filepath.Join(many, name), make([]byte, i))
		os.Chtimes(filepath.Join(many, name), lsMTime, lsMTime)
		fmt.Fprintf(&want, "-rw-r--r--   1 %10d %s %s/many/%s\n", i, at, remote, name)
	}
	if code, _, out := runReport(t, "--no-manifest", "-pt", many, remote+"/many"); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	out, _ = ls(t, cli.ExitOK, remote+"/many")
	sameListing(t, "ls of 40 objects", out, want.String())

	_, errs = ls(t, cli.ExitUsage, "cosn://nosuch-1250000000/x")
	if !strings.HasPrefix(errs, "ls: `cosn://nosuch-1250000000/x': ") || strings.Count(errs, "\n") != 1 {
		t.Fatalf("a missing bucket: %q", errs)
	}
}
