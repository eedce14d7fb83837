package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// planBlock is the "Plan" section of lister config's or --dry-run's
// output: from its heading to the first line that is not indented.
func planBlock(t *testing.T, out string) string {
	t.Helper()
	_, after, ok := strings.Cut(out, "\nPlan\n")
	if !ok && strings.HasPrefix(out, "Plan\n") {
		after, ok = strings.TrimPrefix(out, "Plan\n"), true
	}
	if !ok {
		t.Fatalf("no Plan in:\n%s", out)
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(after, "\n") {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		b.WriteString(l)
	}
	return b.String()
}

// lister config shows where each source lands and by which of DistCp's
// rules, for each of the rules' cases; --print-config and --dry-run show
// the same.
func TestConfigPrintsPlan(t *testing.T) {
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, filepath.Join(a, "f"), []byte("f"))
	writeFile(t, filepath.Join(b, "g"), []byte("g"))
	file := filepath.Join(dir, "file.txt")
	writeFile(t, file, []byte("new"))
	existingDir := filepath.Join(dir, "existing")
	writeFile(t, filepath.Join(existingDir, "old"), []byte("old"))
	existingFile := filepath.Join(dir, "old.txt")
	writeFile(t, existingFile, []byte("old"))
	missing := filepath.Join(dir, "missing")

	const (
		becomes = "    one source to a missing path: it becomes the target (a directory's contents land there)\n"
		under   = "    the target is an existing directory: the source lands under it by its name\n"
		side    = "    several sources: each lands under the target by its name, side by side\n"
		merge   = "    -update/-overwrite: the directory's contents merge into the target itself\n"
		onto    = "    a file onto an existing file: it replaces the file (with -update, only if they differ)\n"
	)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a directory into a missing target", []string{a, missing},
			"  target " + missing + " (missing)\n  " + a + " (directory) -> " + missing + "\n" + becomes},
		{"a directory into an existing directory", []string{a, existingDir},
			"  target " + existingDir + " (an existing directory)\n  " + a + " (directory) -> " + existingDir + "/a\n" + under},
		{"several sources", []string{a, b, file, missing},
			"  target " + missing + " (missing)\n" +
				"  " + a + " (directory) -> " + missing + "/a\n" + side +
				"  " + b + " (directory) -> " + missing + "/b\n" + side +
				"  " + file + " (file) -> " + missing + "/file.txt\n" + side},
		{"-update: the contents land in the target", []string{"-update", a, existingDir},
			"  target " + existingDir + " (an existing directory)\n  " + a + " (directory) -> " + existingDir + "\n" + merge},
		{"a file into an existing file", []string{file, existingFile},
			"  target " + existingFile + " (an existing file)\n  " + file + " (file) -> " + existingFile + "\n" + onto +
				"  note: target " + existingFile + " is an existing file: it is overwritten, as DistCp does\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, append([]string{"config"}, tc.args...)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			if got := planBlock(t, out); got != tc.want {
				t.Fatalf("lister config %s: plan\n%s\nwant\n%s", strings.Join(tc.args, " "), got, tc.want)
			}
			_, out, _ = run(t, append([]string{"--print-config"}, tc.args...)...)
			if got := planBlock(t, out); got != tc.want {
				t.Fatalf("--print-config: plan\n%s\nwant\n%s", got, tc.want)
			}
			code, out, errs = run(t, append([]string{"--dry-run"}, tc.args...)...)
			if code != cli.ExitOK || !strings.HasPrefix(out, "Plan\n") || planBlock(t, out) != tc.want {
				t.Fatalf("--dry-run: exit %d, plan\n%s\nwant\n%s\n%s", code, out, tc.want, errs)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("config or --dry-run wrote the target")
	}

	// --json carries the same plan.
	code, out, errs := run(t, "config", "--json", "-update", a, existingDir)
	var r cli.Resolved
	if err := json.Unmarshal([]byte(out), &r); code != cli.ExitOK || err != nil || r.Plan == nil {
		t.Fatalf("config --json: exit %d, %v\n%s%s", code, err, out, errs)
	}
	want := cli.PlanRoot{Src: a, Kind: "directory", Dst: existingDir, Rule: strings.TrimSpace(merge)}
	if len(r.Plan.Sources) != 1 || r.Plan.Sources[0] != want || r.Plan.TargetState != "an existing directory" {
		t.Fatalf("plan %+v, want %+v", r.Plan, want)
	}

	// A plan the copy would refuse shows why; the configuration is still
	// shown (exit 0).
	code, out, _ = run(t, "config", filepath.Join(dir, "nope"), missing)
	if code != cli.ExitOK || planBlock(t, out) != "  none: source "+filepath.Join(dir, "nope")+" does not exist: check the path\n" {
		t.Fatalf("config of a missing source: exit %d\n%s", code, out)
	}
}
