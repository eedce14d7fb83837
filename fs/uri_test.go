package fs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

func TestParseURI(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	wd = filepath.ToSlash(wd)
	for _, c := range []struct {
		in   string
		want fs.URI
	}{
		{"a/b", fs.URI{Scheme: "file", Path: wd + "/a/b"}},
		{"./a/../b/", fs.URI{Scheme: "file", Path: wd + "/b"}},
		{".", fs.URI{Scheme: "file", Path: wd}},
		{"/abs//x/./y/", fs.URI{Scheme: "file", Path: "/abs/x/y"}},
		{"/tmp/a:b", fs.URI{Scheme: "file", Path: "/tmp/a:b"}},
		{"/tmp/q?x=1#frag", fs.URI{Scheme: "file", Path: "/tmp/q?x=1#frag"}}, // plain paths are literal
		{"/tmp/a%20b", fs.URI{Scheme: "file", Path: "/tmp/a%20b"}},
		{"file:///x", fs.URI{Scheme: "file", Path: "/x"}},
		{"file:///x/../y", fs.URI{Scheme: "file", Path: "/y"}},
		{"FILE:///X", fs.URI{Scheme: "file", Path: "/X"}},
		{"file://localhost/x", fs.URI{Scheme: "file", Path: "/x"}},
		{"file://localhost", fs.URI{Scheme: "file", Path: "/"}},
		{"file:///", fs.URI{Scheme: "file", Path: "/"}},
		{"file:/x", fs.URI{Scheme: "file", Path: "/x"}},
		{"file:rel", fs.URI{Scheme: "file", Path: wd + "/rel"}},
		{"file:///a%20b/%C3%BC", fs.URI{Scheme: "file", Path: "/a b/ü"}},
		{"hdfs://nn:9000/a/../b", fs.URI{Scheme: "hdfs", Host: "nn:9000", Path: "/b"}},
		{"hdfs://nn:9000/a/b/", fs.URI{Scheme: "hdfs", Host: "nn:9000", Path: "/a/b"}},
		{"hdfs://nn:9000", fs.URI{Scheme: "hdfs", Host: "nn:9000", Path: "/"}},
		{"HDFS://nn:9000/x", fs.URI{Scheme: "hdfs", Host: "nn:9000", Path: "/x"}},
		{"hdfs:///x", fs.URI{Scheme: "hdfs", Path: "/x"}},
		{"hdfs://[::1]:9000/x", fs.URI{Scheme: "hdfs", Host: "[::1]:9000", Path: "/x"}},
		{"hdfs://nn/logs/file%3F.txt", fs.URI{Scheme: "hdfs", Host: "nn", Path: "/logs/file?.txt"}},
		{"cosn://bucket-1250000000/", fs.URI{Scheme: "cosn", Host: "bucket-1250000000", Path: "/"}},
		{"cosn://bucket-1250000000/dir/obj", fs.URI{Scheme: "cosn", Host: "bucket-1250000000", Path: "/dir/obj"}},
	} {
		got, err := fs.ParseURI(c.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseURI(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestParseURIRefuses(t *testing.T) {
	for _, c := range []struct{ in, mention string }{
		{"", "empty"},
		{"file://otherhost/x", "otherhost"},
		{"hdfs://user@nn:9000/x", "user"},
		{"hdfs://user:pw@nn:9000/x", "user"},
		{"hdfs://nn:9000/x?op=LIST", "query"},
		{"hdfs://nn:9000/x#frag", "fragment"},
		{"hdfs://nn:9000/logs/a?", "query"}, // a glob "?" must be written %3F
		{"file:///x?y", "query"},
		{"hdfs:relative", ""},
		{"hdfs://nn/100%", "escape"},
		{"hdfs://nn:port/x", ""},
	} {
		u, err := fs.ParseURI(c.in)
		if err == nil {
			t.Errorf("ParseURI(%q) = %#v, want an error", c.in, u)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("ParseURI(%q) error %q does not mention %q", c.in, err, c.mention)
		}
	}
}

func TestMustParseURIPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseURI of a bad URI did not panic")
		}
	}()
	fs.MustParseURI("hdfs://u@nn/x")
}

// URI.String's output must parse back to the same URI: jobs carry URIs as
// strings between processes.
func TestURIStringRoundTrip(t *testing.T) {
	for _, u := range []fs.URI{
		{Scheme: "file", Path: "/"},
		{Scheme: "file", Path: "/tmp/dir with space/файл ü.txt"},
		{Scheme: "file", Path: "/a?b#c%d+e;f=g&h"},
		{Scheme: "file", Path: "/a:b/c"},
		{Scheme: "hdfs", Host: "nn:9000", Path: "/x/y"},
		{Scheme: "hdfs", Host: "nn:9000", Path: "/100% sure?/#1"},
		{Scheme: "hdfs", Path: "/no/host"},
		{Scheme: "cosn", Host: "bucket-1250000000", Path: "/"},
		{Scheme: "cosn", Host: "bucket-1250000000", Path: "/日本/[1]"},
	} {
		s := u.String()
		got, err := fs.ParseURI(s)
		if err != nil {
			t.Errorf("ParseURI(%q) (from %#v): %v", s, u, err)
			continue
		}
		if got != u {
			t.Errorf("ParseURI(%q) = %#v, want %#v", s, got, u)
		}
	}
	if got := (fs.URI{Scheme: "file", Path: "/x"}).String(); got != "file:///x" {
		t.Errorf("String() = %q, want file:///x", got)
	}
}

func TestURIHelpers(t *testing.T) {
	u := fs.MustParseURI("hdfs://nn:9000/a/b")
	if got := u.Join("c", "d").Path; got != "/a/b/c/d" {
		t.Errorf("Join = %q", got)
	}
	if got := u.Join("..", "x").Path; got != "/a/x" {
		t.Errorf("Join(.., x) = %q", got)
	}
	if got := u.Dir(); got.Path != "/a" || got.Host != "nn:9000" {
		t.Errorf("Dir = %#v", got)
	}
	if got := fs.MustParseURI("hdfs://nn/").Dir().Path; got != "/" {
		t.Errorf("Dir of / = %q", got)
	}
	if u.Base() != "b" || fs.Base("/") != "/" {
		t.Errorf("Base = %q, Base(/) = %q", u.Base(), fs.Base("/"))
	}
	if got := u.Display(); got != "hdfs://nn:9000/a/b" {
		t.Errorf("Display = %q", got)
	}
	if got := fs.MustParseURI("/tmp/a b").Display(); got != "/tmp/a b" {
		t.Errorf("local Display = %q", got)
	}
}

func TestIsWithinAndContains(t *testing.T) {
	for _, c := range []struct {
		root, p string
		want    bool
	}{
		{"/a", "/a", true},
		{"/a", "/a/b", true},
		{"/a", "/a/b/c", true},
		{"/a", "/ab", false},
		{"/a", "/ab/c", false},
		{"/a/b", "/a", false},
		{"/a", "/", false},
		{"/", "/", true},
		{"/", "/x", true},
		{"/a b", "/a b/c", true},
		{"/a b", "/a", false},
	} {
		if got := fs.IsWithin(c.root, c.p); got != c.want {
			t.Errorf("IsWithin(%q, %q) = %v, want %v", c.root, c.p, got, c.want)
		}
	}
	h := fs.MustParseURI
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"hdfs://nn:9000/a", "hdfs://nn:9000/a/b", true},
		{"hdfs://nn:9000/a", "hdfs://nn:9000/ab", false},
		{"hdfs://nn:9000/a", "hdfs://other:9000/a/b", false},
		{"hdfs://nn:9000/a", "hdfs://nn:9001/a/b", false},
		{"hdfs://nn:9000/", "cosn://nn:9000/a", false},
		{"file:///a", "/a/b", true},
		{"file://localhost/a", "file:///a", true},
		{"/a/b", "/a", false},
	} {
		if got := h(c.a).Contains(h(c.b)); got != c.want {
			t.Errorf("%s.Contains(%s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// One slash where two belong: "hdfs:/nn:8020/p" and "cosn:/bucket/p" name
// the authority as a path's first segment. They are refused with the
// spelling meant; "hdfs:/p" (a path of fs.defaultFS, as Hadoop reads it)
// and "hdfs:/a:b/p" (no port) stay paths.
func TestParseURIOneSlash(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"hdfs:/nn:8020/data", `malformed URI "hdfs:/nn:8020/data": one slash after "hdfs:" makes "nn:8020" part of the path; write hdfs://nn:8020/data`},
		{"hdfs:/10.0.0.1:9000", `malformed URI "hdfs:/10.0.0.1:9000": one slash after "hdfs:" makes "10.0.0.1:9000" part of the path; write hdfs://10.0.0.1:9000/`},
		{"HDFS:/nn:8020/a/b", `malformed URI "HDFS:/nn:8020/a/b": one slash after "hdfs:" makes "nn:8020" part of the path; write hdfs://nn:8020/a/b`},
		{"cosn:/examplebucket-1250000000/p", `malformed URI "cosn:/examplebucket-1250000000/p": one slash after "cosn:" makes "examplebucket-1250000000" part of the path; write cosn://examplebucket-1250000000/p`},
	} {
		_, err := fs.ParseURI(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseURI(%q): %v\nwant %s", c.in, err, c.want)
		}
	}
	for in, want := range map[string]fs.URI{
		"hdfs:/data/x": {Scheme: "hdfs", Path: "/data/x"},
		"hdfs:/a:b/x":  {Scheme: "hdfs", Path: "/a:b/x"},
		"hdfs:/":       {Scheme: "hdfs", Path: "/"},
		"hdfs:/nn:/x":  {Scheme: "hdfs", Path: "/nn:/x"},
	} {
		if got, err := fs.ParseURI(in); err != nil || got != want {
			t.Errorf("ParseURI(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
}
