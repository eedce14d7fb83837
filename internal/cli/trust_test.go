package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// -update --trust-mtime skips what jetcp copied from an unchanged source
// by the record kept with the target, and still copies a source whose
// size or mtime moved; without the flag, a same-size change under an old
// mtime is found by its change time and checksum (TestUpdateByRecordReadsNoData).
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

// -update without flags decides an unchanged local tree by metadata alone
// (the job manifest's record, or without one the target's own record, of
// the source's size, mtime and change time), and a rewrite under a
// restored mtime still moves the change time, so it is read and copied.
func TestUpdateByRecordReadsNoData(t *testing.T) {
	for _, c := range []struct{ flag, by string }{{"with manifest", "(manifest)"}, {"--no-manifest", "(recorded)"}} {
		t.Run(c.flag, func(t *testing.T) {
			flags := []string{}
			if c.flag == "--no-manifest" {
				flags = append(flags, c.flag)
			}
			updateByRecord(t, flags, c.by)
		})
	}
}

func updateByRecord(t *testing.T, flags []string, by string) {
	src := filepath.Join(t.TempDir(), "src")
	files, _ := chunkTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")
	if code, _, out := run(t, append(flags, src, dst)...); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s", code, out)
	}
	logs := t.TempDir()
	code, rep, out := runReport(t, append(flags, "-update", "-log", logs, src, dst)...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	reasons := logReasons(t, logs)
	if len(reasons) != files {
		t.Fatalf("%d -log lines, want %d", len(reasons), files)
	}
	for dst, r := range reasons {
		if !strings.Contains(r, by) {
			t.Errorf("%s skipped for %q, want %s (no data read)", dst, r, by)
		}
	}

	p := filepath.Join(src, "big/three-mib.bin")
	fi, _ := os.Stat(p)
	data, _ := os.ReadFile(p)
	data[len(data)-1] ^= 0xff
	writeFile(t, p, data)
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	logs = t.TempDir()
	code, rep, out = runReport(t, append(flags, "-update", "-log", logs, src, dst)...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, int64(files-1), 0)
	sameTree(t, src, dst)
	if r := logReasons(t, logs)["file://"+filepath.Join(dst, "big/three-mib.bin")]; r != "checksum differs" {
		t.Fatalf("rewritten file copied for %q, want \"checksum differs\"", r)
	}
}

// logReasons reads a -log file: reason per destination.
func logReasons(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, l := range readLog(t, dir) {
		got[l.Dst] = l.Reason
	}
	return got
}
