package fs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"path"
	"slices"
	"strings"
)

// MkdirAll creates dir and any missing parents, returning how many
// directories this call created. Concurrent callers never both count the
// same directory: whoever loses a Mkdir race sees ErrExist and moves on.
func MkdirAll(ctx context.Context, fsys FS, dir string, perm iofs.FileMode) (created int, err error) {
	created, _, err = mkdirAll(ctx, fsys, dir, perm)
	return created, err
}

// MkdirAllLevels is MkdirAll returning, instead of the directories this
// call created, how many levels of dir, counted up from dir itself, were
// missing when it looked (and exist once it returns without an error).
// Racing callers report the same directory, so only the union of their
// levels counts the new directories, each once; but none is missed, also
// where a caller's Mkdir was retried after its reply was lost (the retry
// says the directory exists, and a count of what each made misses it).
func MkdirAllLevels(ctx context.Context, fsys FS, dir string, perm iofs.FileMode) (levels int, err error) {
	_, levels, err = mkdirAll(ctx, fsys, dir, perm)
	return levels, err
}

// MissingDirs returns dir and those of its parents that do not exist,
// dir first, as MkdirAll would make them; it fails with an error wrapping
// ErrExist when dir or a parent is a file. It makes nothing (a dry run
// asks it what a copy would make).
func MissingDirs(ctx context.Context, fsys FS, dir string) ([]string, error) {
	if !strings.HasPrefix(dir, "/") {
		// path.Dir of a relative path ends at ".", never at "/": without this
		// check a backend reporting "." missing would loop forever.
		return nil, fmt.Errorf("mkdir %s: path is not absolute: %w", dir, iofs.ErrInvalid)
	}
	dir = path.Clean(dir)
	var missing []string
	for p := dir; ; p = path.Dir(p) {
		fi, err := fsys.Stat(ctx, p)
		if err == nil {
			if !fi.IsDir() {
				return nil, fmt.Errorf("mkdir %s: %s is a file, not a directory: %w", dir, p, ErrExist)
			}
			return missing, nil
		}
		if !errors.Is(err, ErrNotExist) {
			return nil, err
		}
		missing = append(missing, p)
		if p == "/" {
			return missing, nil
		}
	}
}

func mkdirAll(ctx context.Context, fsys FS, dir string, perm iofs.FileMode) (created, levels int, err error) {
	missing, err := MissingDirs(ctx, fsys, dir)
	if err != nil {
		return 0, 0, err
	}
	// Where a directory is one write that looks at nothing (DirMarker),
	// the look just made settles what Mkdir would look up again.
	mkdir := fsys.Mkdir
	if dm, ok := fsys.(DirMarker); ok {
		mkdir = dm.MarkDir
	}
	for i := len(missing) - 1; i >= 0; i-- {
		err := mkdir(ctx, missing[i], perm)
		switch {
		case err == nil:
			created++
		case errors.Is(err, ErrExist):
			fi, serr := fsys.Stat(ctx, missing[i])
			if serr != nil || !fi.IsDir() {
				return created, 0, fmt.Errorf("mkdir %s: %s exists and is not a directory: %w", dir, missing[i], ErrExist)
			}
		default:
			return created, 0, err
		}
	}
	return created, len(missing), nil
}

// WalkFunc is called for every entry below the walk's root, parents before
// children. Returning SkipDir for a directory skips its contents.
type WalkFunc func(fi FileInfo) error

// SkipDir tells Walk not to descend into a directory.
var SkipDir = iofs.SkipDir

// Walk visits the tree below root depth first, streaming each directory's
// listing. Only the chain of open directories is held in memory, not the tree.
func Walk(ctx context.Context, fsys FS, root string, fn WalkFunc) error {
	for fi, err := range fsys.List(ctx, root) {
		if err != nil {
			return fmt.Errorf("list %s: %w", root, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn(fi)
		if fi.IsDir() {
			if errors.Is(err, SkipDir) {
				continue
			}
			if err != nil {
				return err
			}
			if err := Walk(ctx, fsys, fi.Path, fn); err != nil {
				return err
			}
			continue
		}
		if err != nil && !errors.Is(err, SkipDir) {
			return err
		}
	}
	return nil
}

// HasMeta reports whether p contains glob metacharacters.
func HasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// Glob expands a pattern in path.Match syntax, one path element at a time,
// listing only the directories the pattern reaches. Matches are returned in
// lexical order; no match is not an error.
func Glob(ctx context.Context, fsys FS, pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad glob pattern %q: %w", pattern, err)
	}
	parts := strings.Split(strings.TrimPrefix(path.Clean(pattern), "/"), "/")
	// Each match remembers whether it is a directory: nothing lies below a
	// file, and asking a backend to Stat "file/child" may fail with an error
	// other than ErrNotExist (ENOTDIR locally, ParentNotDirectory on HDFS).
	type match struct {
		path string
		dir  bool
	}
	matches := []match{{"/", true}}
	for _, part := range parts {
		var next []match
		for _, m := range matches {
			if !m.dir {
				continue
			}
			if !HasMeta(part) {
				p := path.Join(m.path, part)
				fi, err := fsys.Stat(ctx, p)
				if err == nil {
					next = append(next, match{p, fi.IsDir()})
				} else if !errors.Is(err, ErrNotExist) {
					return nil, err
				}
				continue
			}
			for fi, err := range fsys.List(ctx, m.path) {
				if err != nil {
					return nil, fmt.Errorf("glob %s: list %s: %w", pattern, m.path, err)
				}
				if ok, _ := path.Match(part, fi.Name()); ok {
					next = append(next, match{fi.Path, fi.IsDir()})
				}
			}
		}
		matches = next
		if len(matches) == 0 {
			return nil, nil
		}
	}
	paths := make([]string, len(matches))
	for i, m := range matches {
		paths[i] = m.path
	}
	slices.Sort(paths)
	return paths, nil
}
