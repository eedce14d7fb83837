package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// -update compares a same-size HDFS file that another client wrote (no
// record of jetcp's) by its DataNodes' COMPOSITE_CRC, without reading a
// block: to HDFS, a rewrite with the same bytes is skipped and a same-size
// change copied; from HDFS, a local target that holds the same bytes is
// skipped and one that does not is copied over.
func TestUpdateByCompositeCRC(t *testing.T) {
	c := startHDFS(t)
	src, files := verifyTree(t, false)
	dst := "hdfs://" + c.Addr() + "/update/dst"
	if code, out, errs := run(t, "--no-progress", src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	pl := fsPlanter(t, dst)
	pl.put("foreign.txt", files["foreign.txt"])
	changed := bytes.Clone(files["changed.bin"])
	changed[100] ^= 0xff
	pl.put("changed.bin", changed)
	before := c.Stats()
	code, rep, out := runReport(t, "--no-progress", "--no-manifest", "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update to HDFS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, int64(len(files)-1), 0) // changed.bin only
	d := c.Stats().Sub(before)
	if d.DataNode["READ_BLOCK"] != 0 || d.DataNode["BLOCK_CHECKSUM"] < 2 {
		t.Errorf("-update to HDFS: DataNode ops %v, want BLOCK_CHECKSUM for foreign.txt and changed.bin, no READ_BLOCK", d.DataNode)
	}

	// From HDFS: a source file another client wrote, to local targets.
	hsrc := "hdfs://" + c.Addr() + "/update/src"
	up := fsPlanter(t, "hdfs://"+c.Addr()+"/update")
	up.mkdir("src")
	up.put("src/f.bin", files["changed.bin"])
	local := filepath.Join(t.TempDir(), "local")
	writeFile(t, filepath.Join(local, "f.bin"), files["changed.bin"])
	before = c.Stats()
	if code, rep, out = runReport(t, "--no-progress", "--no-manifest", "-update", hsrc, local); code != cli.ExitOK {
		t.Fatalf("-update from HDFS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, 1, 0)
	writeFile(t, filepath.Join(local, "f.bin"), changed)
	if code, rep, out = runReport(t, "--no-progress", "--no-manifest", "-update", hsrc, local); code != cli.ExitOK {
		t.Fatalf("-update from HDFS over a change: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, 0, 0)
	if got, _ := os.ReadFile(filepath.Join(local, "f.bin")); !bytes.Equal(got, files["changed.bin"]) {
		t.Errorf("-update from HDFS left the changed local file")
	}
	if d := c.Stats().Sub(before); d.DataNode["READ_BLOCK"] != 1 || d.DataNode["BLOCK_CHECKSUM"] != 2 {
		t.Errorf("-update from HDFS: DataNode ops %v, want 2 BLOCK_CHECKSUM (one per run) and 1 READ_BLOCK (the copy)", d.DataNode)
	}
}
