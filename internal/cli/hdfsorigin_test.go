package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// HDFS targets keep the same origin record as local ones: after local ->
// HDFS, an -update of the unchanged source skips every file by the record
// (the source's size, mtime and change time), reading no HDFS block.
func TestUpdateToHDFSByRecordReadsNoBlocks(t *testing.T) {
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	remote := "hdfs://" + c.Addr() + "/recorded"
	if code, _, out := run(t, src, remote); code != cli.ExitOK {
		t.Fatalf("to HDFS: exit %d\n%s", code, out)
	}
	reads := c.BlockReads()
	logs := t.TempDir()
	code, rep, out := runReport(t, "--no-manifest", "-update", "-log", logs, src, remote)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	reasons := logReasons(t, logs)
	if len(reasons) != files {
		t.Fatalf("%d -log lines, want %d", len(reasons), files)
	}
	for dst, r := range reasons {
		if !strings.Contains(r, "unchanged since copied (recorded)") {
			t.Errorf("%s skipped for %q, want by the recorded origin", dst, r)
		}
	}
	if n := c.BlockReads() - reads; n != 0 {
		t.Errorf("-update read %d HDFS blocks", n)
	}
}
