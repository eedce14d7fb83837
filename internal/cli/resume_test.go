package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// After a job with failed files, the advice names the command that
// finishes it. A plain copy into an existing directory landed at DST/src,
// and `-update src DST` would put the contents into DST itself: the
// printed command gives DST/src, and running it copies only the failed
// file, into the earlier copy.
func TestResumeCommandNamesWhereTheCopyLanded(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	writeFile(t, filepath.Join(src, "a"), []byte("a"))
	writeFile(t, filepath.Join(src, "b"), []byte("b"))
	dst := filepath.Join(base, "dst")
	// A directory where the file b lands: that copy fails.
	if err := os.MkdirAll(filepath.Join(dst, "src", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "--no-progress", "-m", "2", src, dst)
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitFailed, errs)
	}
	want := "lister -update --no-progress -m 2 " + src + " " + filepath.Join(dst, "src")
	if !strings.Contains(errs, want) {
		t.Fatalf("no resume command %q in:\n%s", want, lastLines(errs, 5))
	}
	os.Remove(filepath.Join(dst, "src", "b"))
	args := strings.Fields(strings.TrimPrefix(want, "lister "))
	code, rep, out := runReport(t, args...)
	if code != cli.ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, 1, 0)
	sameTree(t, src, filepath.Join(dst, "src"))
	if _, err := os.Stat(filepath.Join(dst, "a")); err == nil {
		t.Fatal("the resume copied into DST itself")
	}
}

// -update -delete into a directory holding an earlier plain copy DST/src
// warns that the copy would be deleted, and how to update it instead.
func TestUpdateDeleteWarnsOfLandingRule(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	writeFile(t, filepath.Join(src, "a"), []byte("a"))
	dst := filepath.Join(base, "dst")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, src, dst); code != cli.ExitOK { // lands at dst/src
		t.Fatalf("exit %d\n%s", code, errs)
	}
	code, _, errs := run(t, "-update", "-delete", "--dry-run", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, filepath.Join(dst, "src")+", which the source does not have, will be deleted") ||
		!strings.Contains(errs, "give "+filepath.Join(dst, "src")+" as the target") {
		t.Fatalf("no landing warning in:\n%s", errs)
	}
	// Without the earlier copy there is nothing to warn of.
	code, _, errs = run(t, "-update", "-delete", "--dry-run", src, filepath.Join(dst, "src"))
	if code != cli.ExitOK || strings.Contains(errs, "will be deleted") {
		t.Fatalf("exit %d, unexpected warning:\n%s", code, errs)
	}
}
