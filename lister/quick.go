package lister

import (
	"context"
	"errors"
	"strings"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/messages"
)

// quickCheck returns the check by which listing goroutines settle, from
// metadata alone, entries whose target is already as the job wants it
// (distcp.Decide: present, same size, a recorded origin matching the
// source), or nil when the job's options leave nothing to settle early.
// Such entries get their skipped result from the lister and never become
// work items: an -update of a tree that barely changed costs a Stat per
// file, not a trip through the work stream and a copier each.
//
// Files are only settled without -p: a copier sets the preserved
// attributes on a skipped file too (DistCp does). Directories always are:
// their result carries the attributes, which the committer applies.
//
// A verify job settles nothing early: each entry's comparison, with its
// category and proof, is a copier's.
func quickCheck(ctx context.Context, o messages.Options, flt *filter.Filter, r Root, dfs fs.FS, statted bool) func(fs.FileInfo) verdict {
	if o.Overwrite || !statted || o.Verify {
		return nil
	}
	files := !o.Preserve.Any()
	return func(fi fs.FileInfo) verdict {
		if !fi.IsDir() && !files {
			return verdict{}
		}
		src := r.Src
		src.Path = fi.Path
		if flt.Excludes(src) {
			return verdict{}
		}
		dst := r.Dst.Join(strings.TrimPrefix(fi.Path, r.Src.Path))
		dfi, err := dfs.Stat(ctx, dst.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return verdict{missing: true}
		}
		if err != nil || dfi.IsDir() != fi.IsDir() {
			// A conflict the copier reports; below a directory whose
			// target is a file, nothing is what it seems.
			return verdict{blocked: err == nil && fi.IsDir()}
		}
		if fi.IsDir() {
			return verdict{skip: true, reason: distcp.DirExists}
		}
		in := distcp.ReadOrigin(ctx, dfs, distcp.Input{Options: o, Src: attrsOf(fi), Statted: true, Target: &dfi})
		if d := distcp.Decide(in); d.Action == distcp.Skip {
			return verdict{skip: true, reason: d.Reason}
		}
		return verdict{}
	}
}
