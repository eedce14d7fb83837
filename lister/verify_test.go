package lister

import (
	"strings"
	"testing"
)

func TestParseVerifyArgs(t *testing.T) {
	c, err := ParseVerifyArgs([]string{"-update", "--read-both", "--differences", "d.jsonl", "-delete", "-pugp", "--chunk-size", "1MiB", "/a", "/b"})
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options
	if !o.Verify || !o.DryRun || !o.ReadBoth || !o.Update || o.Delete || o.Preserve.Any() || o.ChunkSize != 0 || c.Differences != "d.jsonl" {
		t.Fatalf("config %+v", c)
	}
	if len(c.Warnings) != 3 || !strings.Contains(strings.Join(c.Warnings, "\n"), "-delete ignored") {
		t.Fatalf("warnings %q", c.Warnings)
	}
	if c.Sources[0] != "/a" || c.Target != "/b" {
		t.Fatalf("sources %q target %q", c.Sources, c.Target)
	}
	c, err = ParseVerifyArgs([]string{"--differences=x", "/a", "/b"})
	if err != nil || c.Differences != "x" || c.Options.ReadBoth {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-atomic", "/a", "/b"}, "-atomic"},
		{[]string{"--dry-run", "/a", "/b"}, "--dry-run"},
		{[]string{"/a", "/b", "--differences"}, "--differences needs a file"},
		{[]string{"-update", "-overwrite", "/a", "/b"}, "exclude each other"},
		{[]string{"/a"}, "missing source"},
		{[]string{"--nope", "/a", "/b"}, "unknown option"},
	} {
		_, err := ParseVerifyArgs(bad.args)
		if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want a usage error with %q", bad.args, err, bad.want)
		}
	}
}
