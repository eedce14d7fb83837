package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// The printed report shows paths as users write them, not percent-encoded.
func TestReportPrintsPathsAsWritten(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "données", "f.txt"), []byte("f"))
	writeFile(t, filepath.Join(src, "données", "g.txt"), []byte("gg"))
	dst := filepath.Join(t.TempDir(), "dst")
	// A directory in the way of one file: that file fails.
	if err := os.MkdirAll(filepath.Join(dst, "données", "f.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, rep, out := runReport(t, "-update", src, dst)
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitFailed, out)
	}
	wantCounts(t, rep, 1, 0, 1)
	addsUp(t, rep, 2, 3)
	if rep.BytesFailed != 1 {
		t.Errorf("bytes failed %d, want 1", rep.BytesFailed)
	}
	want := filepath.Join(src, "données", "f.txt") + " -> " + filepath.Join(dst, "données", "f.txt") + ": "
	if out := printed(out); !strings.Contains(out, want) || strings.Contains(out, "%C3") {
		t.Fatalf("the report does not print the failed file's paths as written (%q):\n%s", want, out)
	}
}

// A dry run copies nothing: its report shows neither a throughput nor
// slowest copies.
func TestDryRunReportHasNoThroughput(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a"), randBytes(t, 1000))
	writeFile(t, filepath.Join(src, "d", "b"), randBytes(t, 2000))
	dst := filepath.Join(t.TempDir(), "dst")
	code, rep, out := runReport(t, "--dry-run", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 2, 0, 0)
	addsUp(t, rep, 2, 3000)
	// The report's rows, not the plan's paths (this test's temp dirs are
	// named after it, "Throughput" included).
	if out := printed(out); strings.Contains(out, "\tThroughput") || strings.Contains(out, "Slowest copies") {
		t.Fatalf("a dry run's report shows a throughput or slowest copies:\n%s", out)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("the dry run made the target: %v", err)
	}
}

// printed is the printed report in a run's output, without the JSON log
// lines.
func printed(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "{") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
