package committer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/jetcp/jetcp/messages"
)

// maxDirsInMemory bounds the directories whose attributes a job holds in
// memory for its commit (-p); past it they are spooled to a file (about
// 200 bytes each in memory, so 16,384 take ~3 MiB).
const maxDirsInMemory = 16384

type dirAttr struct {
	path string
	attr messages.Attrs
}

// depth orders directories for the commit: deepest first.
func (d dirAttr) depth() int { return strings.Count(d.path, "/") }

// dirList keeps the directories whose attributes the commit applies: the
// first memMax in memory, the rest in a file in dir, read back once per
// depth (a tree is tens of levels deep, not thousands).
type dirList struct {
	dir, job string
	memMax   int
	mem      []dirAttr
	f        *os.File
	w        *bufio.Writer
	depths   map[int]int // the spooled directories per depth
	err      error       // the first spool error: the commit fails with it
}

// spooled is a directory's line in the spool.
type spooled struct {
	Path string         `json:"p"`
	Attr messages.Attrs `json:"a"`
}

func (l *dirList) add(d dirAttr) {
	if len(l.mem) < l.memMax {
		l.mem = append(l.mem, d)
		return
	}
	if l.err != nil {
		return
	}
	if l.f == nil {
		f, err := os.CreateTemp(l.dir, "jetcp-dirs-"+l.job+"-*")
		if err != nil {
			l.err = fmt.Errorf("spool directory attributes: %w", err)
			return
		}
		l.f, l.w, l.depths = f, bufio.NewWriter(f), map[int]int{}
	}
	b, err := json.Marshal(spooled{Path: d.path, Attr: d.attr})
	if err == nil {
		_, err = l.w.Write(append(b, '\n'))
	}
	if err != nil {
		l.err = fmt.Errorf("spool directory attributes in %s: %w", l.f.Name(), err)
		return
	}
	l.depths[d.depth()]++
}

// size counts the directories kept.
func (l *dirList) size() int {
	n := len(l.mem)
	for _, c := range l.depths {
		n += c
	}
	return n
}

// each calls fn with every directory, deepest first, until fn fails.
func (l *dirList) each(fn func(dirAttr) error) error {
	if l.err != nil {
		return l.err
	}
	slices.SortStableFunc(l.mem, func(a, b dirAttr) int { return b.depth() - a.depth() })
	depths := make([]int, 0, len(l.depths)+1)
	for d := range l.depths {
		depths = append(depths, d)
	}
	for _, d := range l.mem {
		if !slices.Contains(depths, d.depth()) {
			depths = append(depths, d.depth())
		}
	}
	slices.Sort(depths)
	slices.Reverse(depths)
	if l.w != nil {
		if err := l.w.Flush(); err != nil {
			return fmt.Errorf("spool directory attributes in %s: %w", l.f.Name(), err)
		}
	}
	next := 0 // into mem, sorted deepest first
	for _, depth := range depths {
		for ; next < len(l.mem) && l.mem[next].depth() == depth; next++ {
			if err := fn(l.mem[next]); err != nil {
				return err
			}
		}
		if l.depths[depth] > 0 {
			if err := l.eachSpooled(depth, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachSpooled calls fn with the spooled directories at depth.
func (l *dirList) eachSpooled(depth int, fn func(dirAttr) error) error {
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read spooled directory attributes: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReader(l.f))
	for {
		var s spooled
		err := dec.Decode(&s)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read spooled directory attributes from %s: %w", l.f.Name(), err)
		}
		if d := (dirAttr{path: s.Path, attr: s.Attr}); d.depth() == depth {
			if err := fn(d); err != nil {
				return err
			}
		}
	}
}

// close removes the spool, if there is one.
func (l *dirList) close() {
	if l.f != nil {
		_ = l.f.Close()
		_ = os.Remove(l.f.Name())
		l.f, l.w = nil, nil
	}
}
