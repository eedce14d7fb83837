package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	hdfs "github.com/colinmarc/hdfs/v2"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// Copying new small files to HDFS costs the NameNode what a safe copy
// needs and little more (issue #17): per file create, addBlock, complete
// (no updateBlockForPipeline),
// one lookup of the file and the locations of its blocks, whose DataNodes'
// checksums verify it (a getListing, whose status also serves the origin
// record, -p's attributes, the rename and the manifest), the origin
// record (setXAttr) and the rename into place (rename2 alone). An -update after it settles every file from the
// manifest and the listings, also after -pt put the source's times on
// (the manifest's version follows the mtime set; the -update is run
// without -p, under which every file goes to a copier to have its
// attributes checked).
func TestHDFSNewFilesRequests(t *testing.T) {
	for _, flags := range [][]string{{"-m", "1"}, {"-m", "1", "-ppt"}, {"-m", "4"}} {
		t.Run(fmt.Sprint(flags), func(t *testing.T) { hdfsNewFiles(t, flags) })
	}
}

func hdfsNewFiles(t *testing.T, flags []string) {
	preserve := slices.Contains(flags, "-ppt")
	c := startHDFS(t)
	cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	const files, dirs = manifestFiles, 2
	newFilesTree(t, src, files, dirs)
	modes := map[string]os.FileMode{"d00/f00000": 0o600, "d01/f00001": 0o751}
	for name, m := range modes {
		if err := os.Chmod(filepath.Join(src, name), m); err != nil {
			t.Fatal(err)
		}
	}
	remote := "hdfs://" + c.Addr() + "/n"
	before := c.Stats()
	code, rep, out := runReport(t, append(slices.Clone(flags), src, remote)...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, files, 0, 0)
	got := c.Stats().Sub(before)
	t.Logf("new files: NameNode %+v, DataNode %+v", got.NameNode, got.DataNode)
	want := map[string]int64{
		// and the job manifest, written without a temp name's checks
		"create": files + 1, "addBlock": files + 1, "complete": files + 1, "rename2": files + 1,
		"getBlockLocations": 0, "setXAttr": files,
		"updateBlockForPipeline": 0, // the client's, answered by jetcp's connection
	}
	if preserve {
		// and the directories: the target's root and dirs. No
		// setPermission: create carried each file's, mkdirs the
		// directories' (0755 both sides).
		want["setTimes"] = files + dirs + 1
	}
	for k, n := range want {
		if got.NameNode[k] != n {
			t.Errorf("%s: %d for %d files, want %d", k, got.NameNode[k], files, n)
		}
	}
	for _, k := range []string{"WRITE_BLOCK", "BLOCK_CHECKSUM"} {
		if got.DataNode[k] < files || got.DataNode[k] > files+1 {
			t.Errorf("%s: %d for %d files, want one each", k, got.DataNode[k], files)
		}
	}
	// The verification's one lookup per file, a getListing of the file
	// with its block locations, and the two listings of the plan; the
	// parent directories' getFileInfo when a batch of files starts (a
	// few per directory).
	if n := got.NameNode["getListing"]; n < files || n > files+2 {
		t.Errorf("getListing: %d for %d files, want one each (and 2)", n, files)
	}
	if n, limit := got.NameNode["getFileInfo"], int64(files/4); n > limit {
		t.Errorf("getFileInfo: %d for %d files, want at most %d", n, files, limit)
	}
	if preserve {
		preserved(t, c, src, "/n", modes)
	}
	before = c.Stats()
	update(t, 0, files, src, remote)
	got = c.Stats().Sub(before)
	t.Logf("no-op -update: NameNode %+v", got.NameNode)
	within(t, "no-op -update, NameNode RPCs", got.RPCs())
}

// preserved checks that the files named in modes have that mode at the
// target below dst and the source's mtime in whole seconds.
func preserved(t *testing.T, c *hdfsemu.Cluster, src, dst string, modes map[string]os.FileMode) {
	t.Helper()
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c.Addr()}, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for name, m := range modes {
		sfi, err := os.Stat(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := cl.Stat(dst + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != m || fi.ModTime().Unix() != sfi.ModTime().Unix() {
			t.Errorf("%s: mode %v, mtime %v; want %v, %v", name, fi.Mode().Perm(), fi.ModTime(), m, sfi.ModTime())
		}
	}
}
