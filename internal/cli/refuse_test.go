package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// Bad input is refused before anything is copied: exit status 2, one line
// naming the problem, and the target untouched.
func TestRefusals(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	file := filepath.Join(base, "plain-file")
	writeFile(t, file, []byte("p"))
	emptyList := filepath.Join(base, "empty-list")
	writeFile(t, emptyList, []byte("\n\n"))
	badFilters := filepath.Join(base, "bad-filters")
	writeFile(t, badFilters, []byte("ok.*\n(unclosed\n"))
	existing := filepath.Join(base, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(base, "dst") // must never be created

	cases := []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"atomic with update", []string{"-atomic", "-update", src, dst}, "-atomic cannot be combined"},
		{"delete alone", []string{"-delete", src, dst}, "-delete needs -update or -overwrite"},
		{"update and overwrite", []string{"-update", "-overwrite", src, dst}, "exclude each other"},
		{"append with skipcrccheck", []string{"-update", "-append", "-skipcrccheck", src, dst}, "-append cannot be used with -skipcrccheck"},
		{"append without update", []string{"-append", src, dst}, "-append is only valid with -update"},
		{"xtrack without update", []string{"-xtrack", base, src, dst}, "-xtrack is only valid with -update"},
		{"tmp without atomic", []string{"-tmp", base, src, dst}, "-tmp is only valid with -atomic"},
		{"atomic and direct", []string{"-atomic", "-direct", src, dst}, "-atomic cannot be combined with -direct"},
		{"preserve acl", []string{"-pa", src, dst}, "ACLs"},
		{"bad preserve letter", []string{"-pz", src, dst}, "unknown option -pz"},
		{"unknown option", []string{"-frobnicate", src, dst}, "unknown option -frobnicate"},
		{"missing value", []string{src, dst, "-m"}, "-m needs a value"},
		{"bad -m", []string{"-m", "many", src, dst}, "-m \"many\""},
		{"misspelt option", []string{"-updat", src, dst}, "unknown option -updat: did you mean -update?"},
		{"bad bandwidth", []string{"-bandwidth", "fast", src, dst}, "-bandwidth"},
		{"bad strategy", []string{"-strategy", "random", src, dst}, "-strategy"},
		{"snapshot diff of a local source", []string{"-update", "-diff", "s1", "s2", src, dst}, "-diff needs an HDFS source"},
		{"no arguments", []string{}, "missing source and target"},
		{"no target", []string{src}, "missing source"},
		{"missing source", []string{filepath.Join(base, "nope"), dst}, "does not exist"},
		{"glob matches nothing", []string{filepath.Join(base, "zz*"), dst}, "matches nothing"},
		{"target inside source", []string{src, filepath.Join(src, "sub")}, "inside source"},
		{"target is the source", []string{"-update", src, src}, "inside source"},
		{"unknown scheme", []string{"s3://bucket/x", dst}, "unknown URI scheme \"s3\""},
		{"malformed URI", []string{"hdfs://nn:9000/a?x=1", dst}, "malformed URI"},
		{"file URI with a host", []string{"file://otherhost/x", dst}, "not host"},
		{"-f and sources", []string{"-f", emptyList, src, dst}, "not both"},
		{"-f empty", []string{"-f", emptyList, dst}, "lists no sources"},
		{"-f unreadable", []string{"-f", filepath.Join(base, "no-list"), dst}, "cannot read it"},
		{"-filters invalid", []string{"-filters", badFilters, src, dst}, "invalid regular expression"},
		{"-filters unreadable", []string{"-filters", filepath.Join(base, "none"), src, dst}, "cannot read it"},
		{"dir into a file", []string{src, file}, "is a file"},
		{"atomic onto existing", []string{"-atomic", src, existing}, "-atomic needs a target that does not exist"},
		{"two sources same name", []string{src, filepath.Join(existing, "..", "src"), dst}, "would both land"},
		{"tmp elsewhere", []string{"-atomic", "-tmp", "hdfs://nn:9000/tmp", src, dst}, "must be on the target's file system"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, c.args...)
			if code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, cli.ExitUsage, out, errs)
			}
			if lines := strings.Split(strings.TrimSpace(errs), "\n"); len(lines) != 1 {
				t.Fatalf("want one error line, got:\n%s", errs)
			}
			if !strings.Contains(errs, c.want) {
				t.Fatalf("error %q does not mention %q", errs, c.want)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Fatalf("target was created")
			}
			if got := files(t, existing); len(got) != 0 {
				t.Fatalf("existing target changed: %v", got)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := run(t, "-h")
	if code != cli.ExitOK || !strings.Contains(out, "usage: lister") || !strings.Contains(out, "-update") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
