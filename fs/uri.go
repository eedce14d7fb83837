package fs

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// URI names a file in some file system: scheme://host/path. Local files use
// scheme "file" and an empty host.
type URI struct {
	Scheme string // "file", "hdfs", "cosn"
	Host   string // authority: "namenode:9000", "bucket-appid"; empty for local
	Path   string // absolute, cleaned, slash-separated
}

// String renders the URI; local files render as file:///path.
func (u URI) String() string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// Display renders the URI for people: local files as plain paths.
func (u URI) Display() string {
	if u.Scheme == "file" {
		return u.Path
	}
	return u.String()
}

// Join appends slash-separated elements to the path.
func (u URI) Join(elem ...string) URI {
	u.Path = path.Join(append([]string{u.Path}, elem...)...)
	return u
}

// Dir is the URI of the parent directory.
func (u URI) Dir() URI {
	u.Path = path.Dir(u.Path)
	return u
}

// SameFS reports whether both URIs live in the same file system.
func (u URI) SameFS(o URI) bool { return u.Scheme == o.Scheme && u.Host == o.Host }

// Contains reports whether o is u or lies below it.
func (u URI) Contains(o URI) bool {
	return u.SameFS(o) && IsWithin(u.Path, o.Path)
}

// IsWithin reports whether p is root or a path below root.
func IsWithin(root, p string) bool {
	if root == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == root || strings.HasPrefix(p, root+"/")
}

// Base is the last element of a slash-separated path.
func Base(p string) string { return path.Base(p) }

// ParseURI parses a command-line location. A string without "scheme://" is a
// local path, made absolute against the working directory.
func ParseURI(s string) (URI, error) {
	if s == "" {
		return URI{}, fmt.Errorf("empty path: give a local path or a URI such as hdfs://namenode:9000/dir")
	}
	i := strings.Index(s, ":")
	if i <= 0 || !isScheme(s[:i]) || (i == 1 && filepath.VolumeName(s) != "") {
		return localURI(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return URI{}, fmt.Errorf("malformed URI %q: %w", s, err)
	}
	// A bare trailing "?" (ForceQuery) counts as a query too: dropping it
	// would silently turn the glob "dir/a?" into the path "dir/a".
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil || u.Opaque != "" && u.Scheme != "file" {
		return URI{}, fmt.Errorf("malformed URI %q: want scheme://host/path without user, query or fragment (write a literal or glob ? as %%3F, # as %%23)", s)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "file" {
		return fileURI(s, i, u)
	}
	if err := oneSlash(s, i, scheme, u); err != nil {
		return URI{}, err
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") {
		return URI{}, fmt.Errorf("malformed URI %q: the path must be absolute", s)
	}
	return URI{Scheme: scheme, Host: u.Host, Path: path.Clean(p)}, nil
}

// fileURI is the local path a file: URI names (file:///p, file://localhost/p,
// file:relative); s is the URI as given, its scheme's colon at colon.
func fileURI(s string, colon int, u *url.URL) (URI, error) {
	if u.Host != "" && u.Host != "localhost" {
		return URI{}, fmt.Errorf("malformed URI %q: file URIs name local files (file:///path), not host %q", s, u.Host)
	}
	p := u.Path
	if u.Opaque != "" { // file:relative
		p = u.Opaque
	} else if p == "" && strings.HasPrefix(s[colon:], "://") {
		p = "/" // file:// and file://localhost name the root, not the working directory
	}
	return localURI(p)
}

// oneSlash refuses "hdfs:/nn:8020/p" and "cosn:/bucket/p": one slash
// where "//" was meant, which would silently make the authority the first
// directory of a path. It cannot refuse every "scheme:/path": Hadoop reads
// "hdfs:/data" as /data on fs.defaultFS, so an hdfs path is refused only
// when its first segment looks like host:port (a name, a colon and a port
// number), which no sane directory name does. COS has no default bucket
// (cosn://bucket-appid/ is always needed), so there any first segment is
// the bucket meant.
func oneSlash(s string, colon int, scheme string, u *url.URL) error {
	after := s[colon+1:]
	if u.Host != "" || !strings.HasPrefix(after, "/") || strings.HasPrefix(after, "//") {
		return nil
	}
	seg, rest, _ := strings.Cut(after[1:], "/")
	if seg == "" || scheme != "cosn" && !looksHostPort(seg) {
		return nil
	}
	return fmt.Errorf("malformed URI %q: one slash after %q makes %q part of the path; write %s://%s/%s", s, scheme+":", seg, scheme, seg, rest)
}

// looksHostPort reports whether s is host:port with a numeric port.
func looksHostPort(s string) bool {
	i := strings.LastIndex(s, ":")
	if i <= 0 || i == len(s)-1 || len(s)-i-1 > 5 {
		return false
	}
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// MustParseURI is ParseURI for tests and constants; it panics on error.
func MustParseURI(s string) URI {
	u, err := ParseURI(s)
	if err != nil {
		panic(err)
	}
	return u
}

func localURI(p string) (URI, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return URI{}, fmt.Errorf("local path %q: %w", p, err)
	}
	return URI{Scheme: "file", Path: path.Clean(filepath.ToSlash(abs))}, nil
}

func isScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// Base is the last element of the URI's path.
func (u URI) Base() string { return Base(u.Path) }
