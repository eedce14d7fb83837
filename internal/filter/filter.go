// Package filter implements DistCp's -filters: a file of regular
// expressions, one per line; a source path that any of them matches is not
// copied (and, with -delete, a target path they match is never deleted).
package filter

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/jetcp/jetcp/fs"
)

// Filter excludes paths. The zero value excludes nothing.
type Filter struct {
	res []*regexp.Regexp
}

// Compile builds a filter from expressions. Like Java's Matcher.matches in
// DistCp, an expression must match a whole path: ".*\.tmp", not "\.tmp".
func Compile(exprs []string) (*Filter, error) {
	f := &Filter{}
	for _, e := range exprs {
		re, err := regexp.Compile(`^(?:` + e + `)$`)
		if err != nil {
			return nil, fmt.Errorf("invalid regular expression %q: %w", e, err)
		}
		f.res = append(f.res, re)
	}
	return f, nil
}

// Read reads one expression per line; blank lines are ignored.
func Read(r io.Reader) ([]string, error) {
	var exprs []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			exprs = append(exprs, line)
		}
	}
	return exprs, sc.Err()
}

// Excludes reports whether u is filtered out. Expressions are tried on the
// path ("/data/x.tmp") and on the full URI ("hdfs://nn:9000/data/x.tmp"), so
// both DistCp-style and path-style expressions work.
func (f *Filter) Excludes(u fs.URI) bool {
	if f == nil || len(f.res) == 0 {
		return false
	}
	s := u.String()
	for _, re := range f.res {
		if re.MatchString(u.Path) || re.MatchString(s) {
			return true
		}
	}
	return false
}
