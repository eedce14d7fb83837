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
	var missing []string
	for p := dir; ; p = path.Dir(p) {
		fi, err := fsys.Stat(ctx, p)
		if err == nil {
			if !fi.IsDir() {
				return 0, fmt.Errorf("mkdir %s: %s is a file, not a directory: %w", dir, p, ErrExist)
			}
			break
		}
		if !errors.Is(err, ErrNotExist) {
			return 0, err
		}
		missing = append(missing, p)
		if p == "/" {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		err := fsys.Mkdir(ctx, missing[i], perm)
		switch {
		case err == nil:
			created++
		case errors.Is(err, ErrExist):
			fi, serr := fsys.Stat(ctx, missing[i])
			if serr != nil || !fi.IsDir() {
				return created, fmt.Errorf("mkdir %s: %s exists and is not a directory: %w", dir, missing[i], ErrExist)
			}
		default:
			return created, err
		}
	}
	return created, nil
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
	matches := []string{"/"}
	for i, part := range parts {
		var next []string
		for _, dir := range matches {
			if !HasMeta(part) {
				p := path.Join(dir, part)
				if _, err := fsys.Stat(ctx, p); err == nil {
					next = append(next, p)
				} else if !errors.Is(err, ErrNotExist) {
					return nil, err
				}
				continue
			}
			if i > 0 {
				if fi, err := fsys.Stat(ctx, dir); err != nil || !fi.IsDir() {
					continue
				}
			}
			for fi, err := range fsys.List(ctx, dir) {
				if err != nil {
					return nil, fmt.Errorf("glob %s: list %s: %w", pattern, dir, err)
				}
				if ok, _ := path.Match(part, fi.Name()); ok {
					next = append(next, fi.Path)
				}
			}
		}
		matches = next
		if len(matches) == 0 {
			return nil, nil
		}
	}
	slices.Sort(matches)
	return matches, nil
}
