package cli_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// -update --trust-mtime skips what jetcp copied from an unchanged source
// by the record kept with the target, and still copies a source whose
// size or mtime moved; without the flag, a same-size change under an old
// mtime is found by its checksum (TestCopyUpdateDeletePreserve).
func TestUpdateTrustMtime(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	files, _ := chunkTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")
	if code, _, out := run(t, src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, "")
	}
	logs := t.TempDir()
	code, rep, out := runReport(t, "-update", "--trust-mtime", "-log", logs, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)

	// Same size, new bytes, new mtime: copied.
	p := filepath.Join(src, "big/three-mib.bin")
	data, _ := os.ReadFile(p)
	data[7] ^= 0xff
	writeFile(t, p, data)
	later := time.Now().Add(time.Hour)
	os.Chtimes(p, later, later)
	code, rep, out = runReport(t, "-update", "--trust-mtime", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, int64(files-1), 0)
	sameTree(t, src, dst)

	// A target changed behind jetcp's back loses its record: compared again.
	q := filepath.Join(dst, "a.txt")
	writeFile(t, q, []byte("ALPHA\n"))
	code, rep, out = runReport(t, "-update", "--trust-mtime", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, int64(files-1), 0)
	sameTree(t, src, dst)

	if code, _, errs := run(t, "--trust-mtime", src, dst); code != cli.ExitUsage {
		t.Fatalf("--trust-mtime without -update: exit %d\n%s", code, errs)
	}
}
