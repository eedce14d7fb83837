package fs_test

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// FuzzParseURI checks ParseURI on arbitrary command-line locations, and the
// URI helpers on what it accepts, joined with an arbitrary name:
//
//	go test ./fs -run '^$' -fuzz FuzzParseURI
//
// Properties: ParseURI never panics; an accepted URI has a lower-case scheme,
// no host when local, and an absolute, cleaned path (so no ".." left); its
// String and Display parse back to the same URI (jobs carry URIs as strings
// between processes); Dir, Base and Contains agree with each other; Join
// keeps the file system and a clean path, stays under the base for a name
// without ".." segments (Join resolves "..", as TestURIHelpers expects), and
// its result also survives String and ParseURI.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"hdfs://nn:9000/a/b", "hdfs:///x", "hdfs://nn:9000", "hdfs://nn:9000/", "HDFS://NN:9000/X",
		"cosn://bucket-1250000000/p q/é", "cosn://bucket-1250000000/p%20q/%C3%A9", "cosn://bucket-1250000000",
		"file:///tmp/x", "file://localhost/x", "file://host/x", "file:", "file:rel", "file:/x", "file://", "FILE:///X",
		"/local/path", "relative/path", ".", "..", "./a/../../b", "/", "//", "///x", "/tmp/a:b", "/tmp/q?x=1#frag",
		"s3://b/x", "s3a://b/x", "webhdfs://nn:9870/x", "a+b.c-d://h/x", "1a://h/x", "-a://h", "C:\\x", "c:/x", ":x", "://x",
		"hdfs://nn:9000/a?x=1", "hdfs://nn:9000/a?", "hdfs://nn:9000/a#f", "hdfs://u@nn/x", "hdfs://u:p@nn/x",
		"hdfs://nn:9000/../../etc", "hdfs://nn:9000/a/%2E%2E/%2e%2e/etc", "hdfs://nn:9000/a%2Fb", "hdfs://nn:9000/a%2f..%2f..%2fb",
		"hdfs://nn/100%", "hdfs://nn/%zz", "hdfs://nn/%00", "hdfs://nn:port/x", "hdfs://nn:/x", "hdfs://[::1]:9000/x",
		"hdfs://[fe80::1%25eth0]:9000/x", "hdfs://[::1/x", "hdfs://n%C3%A9/x", "hdfs://né/x", "hdfs://a b/x",
		"hdfs:relative", "hdfs:/abs", "hdfs:", "hdfs:/nn:8020/x", "hdfs:/nn:8020", "cosn:/b-1250000000/x", "hdfs:/a:b/x", "hdfs://nn/logs/file%3F.txt", "hdfs://nn/a%23b", "hdfs://nn/a;b=c&d",
		"hdfs://nn/a\x00b", "/a\x00b", "file:///a\x00b", "hdfs://nn/a\x7fb", "hdfs://nn/\xff\xfe", "/\xff", "\x00",
		"hdfs://nn/a\nb", "/tmp/a\tb", " hdfs://nn/x", "hdfs://nn/x ", "hdfs://nn/ ", "hdfs://nn/.", "hdfs://nn/a/./b//c/",
	} {
		f.Add(s, "c")
	}
	for _, name := range []string{"", ".", "..", "../x", "a/../..", "a/b", "/abs", "x?y#z", "100%", "%2F", "é", "a\x00b", "\xff", "a:b", " ", "..."} {
		f.Add("hdfs://nn:9000/a/b", name)
		f.Add("/", name)
	}

	f.Fuzz(func(t *testing.T, s, name string) {
		u, err := fs.ParseURI(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseURI(%q): empty error", s)
			}
			return
		}
		checkURI(t, "ParseURI("+quote(s)+")", u)

		// Round trips: what String and Display render parses back.
		for _, r := range []struct{ how, s string }{{"String", u.String()}, {"Display", u.Display()}} {
			got, err := fs.ParseURI(r.s)
			if err != nil {
				t.Fatalf("ParseURI(%q) = %#v, but its %s %q does not parse: %v", s, u, r.how, r.s, err)
			}
			if got != u {
				t.Fatalf("ParseURI(%q) = %#v, but its %s %q parses as %#v", s, u, r.how, r.s, got)
			}
		}

		// Dir, Base and Contains.
		d := u.Dir()
		checkURI(t, quote(s)+".Dir()", d)
		if !u.Contains(u) || !d.Contains(u) {
			t.Fatalf("%#v: Contains(self) %v, Dir %#v Contains it %v", u, u.Contains(u), d, d.Contains(u))
		}
		if u.Path == "/" {
			if d != u {
				t.Fatalf("Dir of the root %#v is %#v", u, d)
			}
		} else {
			if b := u.Base(); b == "" || strings.Contains(b, "/") || b == "." || b == ".." {
				t.Fatalf("%#v: Base %q is not one path element", u, b)
			}
			if back := d.Join(u.Base()); back != u {
				t.Fatalf("%#v: Dir().Join(Base()) = %#v", u, back)
			}
			if u.Contains(d) {
				t.Fatalf("%#v contains its parent %#v", u, d)
			}
		}

		// Join: same file system, clean absolute path, under the base unless
		// the name climbs with "..", and the joined URI round-trips too.
		j := u.Join(name)
		checkURI(t, quote(s)+".Join("+quote(name)+")", j)
		if !u.SameFS(j) {
			t.Fatalf("%#v.Join(%q) = %#v left the file system", u, name, j)
		}
		if !slices.Contains(strings.Split(name, "/"), "..") {
			if !u.Contains(j) || !fs.IsWithin(u.Path, j.Path) {
				t.Fatalf("%#v.Join(%q) = %#v is not under the base", u, name, j)
			}
			if name != "" && name != "." && !strings.Contains(name, "/") {
				if j.Dir() != u || j.Base() != name {
					t.Fatalf("%#v.Join(%q) = %#v: Dir %#v, Base %q", u, name, j, j.Dir(), j.Base())
				}
			}
		}
		if got, err := fs.ParseURI(j.String()); err != nil || got != j {
			t.Fatalf("%#v.Join(%q) = %#v renders as %q, which parses as %#v, %v", u, name, j, j.String(), got, err)
		}
	})
}

// checkURI asserts what URI's doc comments promise of an accepted URI.
func checkURI(t *testing.T, what string, u fs.URI) {
	t.Helper()
	if u.Scheme == "" || u.Scheme != strings.ToLower(u.Scheme) {
		t.Fatalf("%s = %#v: scheme not lower-case", what, u)
	}
	if u.Scheme == "file" && u.Host != "" {
		t.Fatalf("%s = %#v: a local file with a host", what, u)
	}
	if !strings.HasPrefix(u.Path, "/") || path.Clean(u.Path) != u.Path {
		t.Fatalf("%s = %#v: path not absolute and clean", what, u)
	}
	if slices.Contains(strings.Split(u.Path, "/"), "..") {
		t.Fatalf("%s = %#v: path keeps a .. segment", what, u)
	}
}

func quote(s string) string { return strconv.Quote(s) }
