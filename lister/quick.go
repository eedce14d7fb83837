package lister

import (
	"context"
	"errors"
	"strings"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/internal/place"
	"github.com/jetcp/jetcp/messages"
)

// checker settles, on the listing goroutines, entries whose target is
// already as the job wants it (distcp.Decide: present, same size, a
// recorded origin matching the source) from metadata alone. Such entries
// get their skipped result from the lister and never become work items.
//
// Each source directory's target directory is listed once (a page per
// 1,000 entries on COS, a getListing per 1,000 on HDFS) and its entries
// are settled against that listing: a missing target costs no lookup,
// and where the job manifest has a record that still belongs to the
// listed target (its version or size and mtime as jetcp left it), an
// unchanged source is settled with no request at all. Only what neither
// settles costs what it always did: a Stat where the listing lacks what
// the decision needs, and the read of the target's origin record.
//
// Files are only settled without -p: a copier sets the preserved
// attributes on a skipped file too (DistCp does). Directories always are:
// their result carries the attributes, which the committer applies.
type checker struct {
	ctx context.Context
	o   messages.Options
	flt *filter.Filter
	r   Root
	dfs fs.FS
	// statted: the source entries carry what Stat tells (times).
	statted bool
	files   bool
	ix      *manifest.Index
}

// quickCheck returns the per-directory check of a root's entries, or nil
// when the job's options leave nothing to settle early. A verify job
// settles nothing early: each entry's comparison, with its category and
// proof, is a copier's. Without the source's times (COS sources) a file
// is settled only by what needs none: a missing or existing target, the
// manifest (by the source's version); under -overwrite none is, but a
// missing target is still known (no lookup by its copier). Directories
// always are, so a directory the job makes is known missing (its item
// then counts it made even if a file below got there first).
func quickCheck(ctx context.Context, o messages.Options, flt *filter.Filter, r Root, dfs fs.FS, statted bool, ix *manifest.Index) dirCheck {
	if o.Verify {
		return nil
	}
	c := &checker{ctx: ctx, o: o, flt: flt, r: r, dfs: dfs, statted: statted, files: !o.Preserve.Any(), ix: ix}
	return c.forDir
}

// forDir lists dir's target directory and returns the check of dir's
// entries against that listing. If the listing fails the check looks each
// target up instead.
func (c *checker) forDir(dir string) func(fs.FileInfo) verdict {
	dst := c.r.Dst.Join(strings.TrimPrefix(dir, c.r.Src.Path))
	listing, err := c.listTarget(dst.Path)
	if err != nil {
		listing = nil
	}
	return func(fi fs.FileInfo) verdict { return c.check(fi, listing) }
}

// targetListing is a target directory's entries by name; ambiguous names
// (an object and a prefix alike) map to ok=false and are looked up.
type targetListing map[string]targetEntry

type targetEntry struct {
	fi fs.FileInfo
	ok bool
}

func (c *checker) listTarget(dir string) (targetListing, error) {
	l := targetListing{}
	for fi, err := range c.dfs.List(c.ctx, dir) {
		if err != nil {
			return nil, err
		}
		name := fi.Name()
		if _, dup := l[name]; dup {
			l[name] = targetEntry{}
			continue
		}
		l[name] = targetEntry{fi: fi, ok: true}
	}
	return l, nil
}

// target is fi's target as the listing showed it, or as a Stat does.
func (c *checker) target(listing targetListing, dst string, name string) (fs.FileInfo, error) {
	if listing != nil {
		e, found := listing[name]
		switch {
		case !found:
			return fs.FileInfo{}, fs.ErrNotExist
		case e.ok:
			return e.fi, nil
		}
	}
	return c.dfs.Stat(c.ctx, dst)
}

func (c *checker) check(fi fs.FileInfo, listing targetListing) verdict {
	if !fi.IsDir() && !c.files {
		return verdict{}
	}
	src := c.r.Src
	src.Path = fi.Path
	if c.flt.Excludes(src) {
		return verdict{}
	}
	dst := c.r.Dst.Join(strings.TrimPrefix(fi.Path, c.r.Src.Path))
	dfi, err := c.target(listing, dst.Path, fi.Name())
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
	return c.settleFile(src, dst, fi, dfi, listing != nil)
}

// settleFile decides a file whose target exists: by the manifest's
// record where it still belongs to the listed target, else (with the
// source's times) by the target's own origin record, read with a Stat
// where the listing lacks it.
func (c *checker) settleFile(src, dst fs.URI, fi, dfi fs.FileInfo, listed bool) verdict {
	in := distcp.Input{Options: c.o, Src: attrsOf(fi), Statted: c.statted, Target: &dfi, SrcID: fs.SourceID(src)}
	if rec, ok := c.ix.Origin(src, fi.Version, dst, dfi); ok {
		in.Origin = &rec
		if d := distcp.Decide(in); d.Action == distcp.Skip {
			if d.Reason == distcp.ReasonUnchanged {
				d.Reason = distcp.ReasonUnchangedManifest
			}
			return verdict{skip: true, reason: d.Reason, record: place.RecordOf(in.Src, true, dfi)}
		}
		in.Origin = nil
	}
	if d := distcp.Decide(in); d.Action != distcp.NeedChecksum || !c.statted {
		return c.decided(d, in.Src, dfi) // an origin needs the source's times
	}
	if listed && fs.ListOmitsAttrs(c.dfs) {
		// The origin record comes with a Stat (COS: the HEAD's metadata).
		full, err := c.dfs.Stat(c.ctx, dfi.Path)
		if err != nil {
			return verdict{}
		}
		dfi, in.Target = full, &full
	}
	in = distcp.ReadOrigin(c.ctx, c.dfs, in)
	return c.decided(distcp.Decide(in), in.Src, dfi)
}

// decided is the verdict of a decision: skipped or left to a copier.
func (c *checker) decided(d distcp.Decision, src messages.Attrs, dfi fs.FileInfo) verdict {
	if d.Action != distcp.Skip {
		return verdict{}
	}
	v := verdict{skip: true, reason: d.Reason}
	if d.Reason == distcp.ReasonUnchanged {
		v.record = place.RecordOf(src, true, dfi)
	}
	return v
}
