package lister

import (
	"io/fs"
	"slices"
	"testing"

	jfs "github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

func TestResumeCommands(t *testing.T) {
	dir := jfs.FileInfo{Mode: fs.ModeDir | 0o755}
	file := jfs.FileInfo{Mode: 0o644}
	root := func(src, dst string, fi jfs.FileInfo) Root {
		return Root{Src: jfs.MustParseURI(src), Dst: jfs.MustParseURI(dst), Info: fi}
	}
	for _, tc := range []struct {
		name  string
		args  []string
		roots []Root
		want  []string
	}{
		{"contents landed in the target", []string{"-m", "4", "/s", "/t"},
			[]Root{root("/s", "/t", dir)}, []string{"lister -update -m 4 /s /t"}},
		{"landed below an existing target", []string{"-pugp", "/s", "/t"},
			[]Root{root("/s", "/t/s", dir)}, []string{"lister -update -pugp /s /t/s"}},
		{"-overwrite becomes -update", []string{"-overwrite", "-delete", "/a", "/b", "/t"},
			[]Root{root("/a", "/t", dir), root("/b", "/t", dir)}, []string{"lister -update -delete /a /b /t"}},
		{"several sources, each at its own path", []string{"--src", "/a", "--src=/b", "-log", "/l", "--dst", "/t"},
			[]Root{root("/a", "/t/a", dir), root("/b", "/t/b", dir)},
			[]string{"lister -update -log /l /a /t/a", "lister -update -log /l /b /t/b"}},
		{"files stay with the target", []string{"/f", "/s", "/t"},
			[]Root{root("/f", "/t/f", file), root("/s", "/t/s", dir)},
			[]string{"lister -update /f /t", "lister -update /s /t/s"}},
		{"-f names the roots", []string{"-f", "hdfs://nn/list", "/t"},
			[]Root{root("hdfs://nn/a", "/t", dir), root("/s p", "/t", dir)}, []string{"lister -update hdfs://nn/a '/s p' /t"}},
		{"-update already", []string{"-update", "-D", "k=v", "/s", "/t"},
			[]Root{root("/s", "/t", dir)}, []string{"lister -update -D k=v /s /t"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			p := &Plan{Job: &messages.Job{WriteRoot: "file:///t"}, Roots: tc.roots}
			if got := ResumeCommands(tc.args, cfg, p); !slices.Equal(got, tc.want) {
				t.Errorf("ResumeCommands(%q) =\n%q\nwant\n%q", tc.args, got, tc.want)
			}
		})
	}
}
