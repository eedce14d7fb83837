package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

func startHDFS(t *testing.T) *hdfsemu.Cluster {
	t.Helper()
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	return c
}

// Local to HDFS and back, byte-identical with -pugpt (HDFS keeps whole
// seconds), and a second -update skipping everything from the stored
// CRC32C without reading block data.
func TestLocalToHDFSAndBack(t *testing.T) {
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	old := time.Date(2022, 5, 6, 7, 8, 9, 0, time.UTC)
	os.Chmod(filepath.Join(src, "a.txt"), 0o600)
	os.Chtimes(filepath.Join(src, "big/three-mib.bin"), old, old)
	remote := "hdfs://" + c.Addr() + "/warehouse/data"
	code, rep, out := runReport(t, "-pugpt", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("to HDFS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, "-pugpt", remote, back)
	if code != cli.ExitOK {
		t.Fatalf("from HDFS: exit %d\n%s", code, out)
	}
	sameTree(t, src, back)
	if m := lstat(t, filepath.Join(back, "a.txt")).Mode().Perm(); m != 0o600 {
		t.Errorf("mode %v", m)
	}
	if mt := lstat(t, filepath.Join(back, "big/three-mib.bin")).ModTime(); !mt.Equal(old) {
		t.Errorf("mtime %v, want %v", mt, old)
	}
	reads := c.BlockReads()
	code, rep, out = runReport(t, "--no-manifest", "-update", src, remote) // the manifest's read is a block read
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	if n := c.BlockReads() - reads; n != 0 {
		t.Fatalf("-update read %d blocks from HDFS", n)
	}
}

// HDFS to HDFS between two NameNodes, then -update -delete.
func TestHDFSToHDFS(t *testing.T) {
	a, b := startHDFS(t), startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	ua, ub := "hdfs://"+a.Addr()+"/data", "hdfs://"+b.Addr()+"/copy"
	if code, _, out := runReport(t, src, ua); code != cli.ExitOK {
		t.Fatalf("seed: %d\n%s", code, out)
	}
	code, rep, out := runReport(t, "-update", ua, ub)
	if code != cli.ExitOK {
		t.Fatalf("a->b: %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	// An extra file at b is deleted by -update -delete; nothing is copied.
	extra := filepath.Join(t.TempDir(), "extra")
	writeFile(t, filepath.Join(extra, "stray.txt"), []byte("stray"))
	if code, _, out := runReport(t, "-update", extra, ub); code != cli.ExitOK {
		t.Fatalf("stray: %d\n%s", code, out)
	}
	code, rep, out = runReport(t, "-update", "-delete", ua, ub)
	if code != cli.ExitOK || rep.FilesDeleted != 1 {
		t.Fatalf("-delete: exit %d deleted %d\n%s", code, rep.FilesDeleted, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	back := filepath.Join(t.TempDir(), "back")
	if code, _, out := runReport(t, ub, back); code != cli.ExitOK {
		t.Fatalf("b->local: %d\n%s", code, out)
	}
	sameTree(t, src, back)
}

// A DataNode that stores other bytes than it was sent, self-consistently
// (its block reads back without an error), is caught by comparing its
// block checksums with those of the bytes sent, without reading a block
// back: every file with data fails, none is left at the target, and a
// re-run on a healthy DataNode copies them.
func TestHDFSMisstoredBlocks(t *testing.T) {
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	remote := "hdfs://" + c.Addr() + "/misstored"
	c.SetFaults(hdfsemu.Faults{MisstoreRate: 1})
	code, rep, out := runReport(t, "--attempts", "1", src, remote)
	if code != cli.ExitFailed {
		t.Fatalf("to a DataNode storing wrong bytes: exit %d, want %d\n%s", code, cli.ExitFailed, out)
	}
	wantCounts(t, rep, 1, 0, int64(files-1)) // only the empty file has no block
	for _, f := range rep.Failures {
		if !strings.Contains(f.Error, "checksum") {
			t.Errorf("failure %s: %q, want a checksum mismatch", f.Src, f.Error)
		}
	}
	if n := c.BlockReads(); n != 0 {
		t.Errorf("verification read %d blocks back", n)
	}
	c.SetFaults(hdfsemu.Faults{})
	back := filepath.Join(t.TempDir(), "back")
	if code, rep, out = runReport(t, remote, back); code != cli.ExitOK {
		t.Fatalf("from HDFS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, 0, 0)
	if code, rep, out = runReport(t, "-update", src, remote); code != cli.ExitOK {
		t.Fatalf("-update on a healthy DataNode: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files-1), 1, 0)
	back = filepath.Join(t.TempDir(), "back2")
	if code, _, out = runReport(t, remote, back); code != cli.ExitOK {
		t.Fatalf("from HDFS: exit %d\n%s", code, out)
	}
	sameTree(t, src, back)
}

// -pug from HDFS to local files, where HDFS's owner or group is not a
// name on this machine (supergroup): the file fails at once, not after
// every attempt, saying which name and what to do.
func TestPreserveUnknownGroupFailsOnce(t *testing.T) {
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("data"))
	remote := "hdfs://" + c.Addr() + "/owned"
	if code, _, out := runReport(t, src, remote); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out := runReport(t, "-pg", "--attempts", "3", "--retry-backoff", "200ms", remote, back)
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitFailed, out)
	}
	wantCounts(t, rep, 0, 0, 1)
	if rep.Retries != 0 {
		t.Errorf("%d retries of a group that does not exist", rep.Retries)
	}
	if len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Error, `group "supergroup" does not exist here`) {
		t.Fatalf("failures %+v", rep.Failures)
	}
}
