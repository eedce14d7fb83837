package lister

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
)

// landing is an entry of a source that lands at some path below the
// target: a source root, or an entry of a directory source whose contents
// merge into the target.
type landing struct {
	fs   fs.FS
	src  fs.URI
	dir  bool
	root fs.URI // the source root it comes from, for the message
}

// checkDuplicates refuses sources that would put two entries at the same
// path below the target, as DistCp refuses a final listing with the same
// relative path twice (CopyListing.validateFinalListing): one would
// silently overwrite the other. Entries -filters exclude are not in the
// listing and do not count, but the children of an excluded directory do
// (each path is filtered on its own), so shared excluded directories are
// looked into. Only the top level of each source is listed otherwise:
// below two distinct names nothing can collide.
func checkDuplicates(ctx context.Context, reg *fs.Registry, roots []Root, writeRoot fs.URI, flt *filter.Filter) error {
	if len(roots) < 2 {
		return nil
	}
	level := map[string][]landing{}
	for _, r := range roots {
		rfs, err := reg.FS(ctx, r.Src)
		if err != nil {
			return usagef("source %s: %v", r.Src.Display(), err)
		}
		if r.Dst != writeRoot { // the root itself lands at writeRoot/base
			level[r.Src.Base()] = append(level[r.Src.Base()], landing{fs: rfs, src: r.Src, dir: r.Info.IsDir(), root: r.Src})
			continue
		}
		if err := addChildren(ctx, level, landing{fs: rfs, src: r.Src, dir: true, root: r.Src}); err != nil {
			return err
		}
	}
	return checkLevel(ctx, level, writeRoot, flt)
}

// addChildren adds the entries of directory d to level by name.
func addChildren(ctx context.Context, level map[string][]landing, d landing) error {
	for fi, err := range d.fs.List(ctx, d.src.Path) {
		if err != nil {
			return lookupErr("list "+d.src.Display(), err)
		}
		if d.src == d.root && manifestsOf(d.root, fi) {
			continue // not listed (walkRoot)
		}
		u := d.src
		u.Path = fi.Path
		level[fi.Name()] = append(level[fi.Name()], landing{fs: d.fs, src: u, dir: fi.IsDir(), root: d.root})
	}
	return nil
}

func checkLevel(ctx context.Context, level map[string][]landing, at fs.URI, flt *filter.Filter) error {
	for _, name := range slices.Sorted(maps.Keys(level)) {
		ls := level[name]
		if len(ls) < 2 {
			continue
		}
		var listed, dirs []landing
		for _, l := range ls {
			if !flt.Excludes(l.src) {
				listed = append(listed, l)
			}
			if l.dir {
				dirs = append(dirs, l)
			}
		}
		if len(listed) >= 2 {
			a, b := listed[0], listed[1]
			from := ""
			if a.src != a.root || b.src != b.root {
				from = fmt.Sprintf(" (from %s and %s)", a.src.Display(), b.src.Display())
			}
			return usagef("sources %s and %s would both land at %s%s; DistCp refuses duplicate paths too: copy them separately, or exclude one with -filters",
				a.root.Display(), b.root.Display(), at.Join(name).Display(), from)
		}
		if len(dirs) < 2 {
			continue
		}
		next := map[string][]landing{}
		for _, d := range dirs {
			if err := addChildren(ctx, next, d); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return err
			}
		}
		if err := checkLevel(ctx, next, at.Join(name), flt); err != nil {
			return err
		}
	}
	return nil
}
