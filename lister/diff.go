package lister

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/internal/manifest"
)

// -update -diff s1 s2 SRC DST: an incremental sync from an HDFS source's
// snapshot difference report, as DistCp's DistCpSync does it. The target
// is brought from SRC's snapshot s1 to s2 by the report's renames, then
// its deletes (target operations, done by the lister before anything is
// enqueued, as DistCp does them before its copy listing), then its
// created and modified entries, copied from SRC/.snapshot/s2 (a view that
// nothing changes under the copy) as ordinary work items. The lister
// reads the report and stats the paths it names: the work is in
// proportion to the change, with no listing of the tree (a created
// directory's own tree is listed, being all new).
//
// DistCp requires the target to be HDFS with the same snapshot s1 and no
// change since. jetcp proves the target's state at s1 that way where the
// target has a snapshot s1 (Snapshotter), and otherwise from the target's
// job manifests (prove in diffproof.go), so that COS targets can be synced
// too. Where the proof fails, the copy is refused, naming -update alone as
// the way to go on (DistCp falls back to it by itself).

func init() {
	for _, name := range []string{"diff", "rdiff"} {
		argSpecs[name] = argSpec{kind: argPair, set2: func(c *Config, a, b string) error {
			c.bothDiffs = c.bothDiffs || (c.DiffFrom != "" && c.RDiff != (name == "rdiff"))
			c.DiffFrom, c.DiffTo, c.RDiff = a, b, name == "rdiff"
			return nil
		}}
	}
}

// pair takes an argPair option's two values (-diff s1 s2, or -diff=s1
// s2) from args after args[i] and returns the index of the last.
func (c *Config) pair(spec argSpec, args []string, i int, name, value string, hasValue bool) (int, error) {
	if !hasValue {
		if i+1 >= len(args) {
			return i, usagef("option -%s needs two values", name)
		}
		i++
		value = args[i]
	}
	if i+1 >= len(args) {
		return i, usagef("option -%s needs two values", name)
	}
	i++
	return i, spec.set2(c, value, args[i])
}

// checkDiff refuses what DistCp refuses with -diff (DistCpOptions'
// validate and DistCpSync's preSyncCheck) and what jetcp cannot do with
// it yet.
func (c *Config) checkDiff() error {
	if c.DiffFrom == "" && c.DiffTo == "" {
		return nil
	}
	o, opt := c.Options, c.diffOption()
	switch {
	case c.bothDiffs:
		return usagef("-diff and -rdiff exclude each other (DistCp): give one of them")
	case !o.Update:
		return usagef("%s is valid only with -update (DistCp): add -update", opt)
	case o.Delete:
		return usagef("%s and -delete exclude each other (DistCp): the snapshot diff deletes what was deleted at the source; drop -delete", opt)
	case c.CopyFromManifest != "":
		return usagef("%s with --copy-from-manifest: the snapshot diff names what to copy; drop one of them", opt)
	case c.SourceList != "" || len(c.Sources) != 1:
		return usagef("%s needs exactly one source, the snapshottable directory (DistCp): give SRC DST", opt)
	case c.DiffFrom == "" || c.DiffFrom == "." || strings.Contains(c.DiffFrom, "/"):
		return usagef("%s %s %s: the first value must name a snapshot (made by the copy to sync from)", opt, c.DiffFrom, c.DiffTo)
	case c.DiffTo == "" || strings.Contains(c.DiffTo, "/") || (c.RDiff && c.DiffTo == "."):
		return usagef("%s %s %s: the second value must name a snapshot", opt, c.DiffFrom, c.DiffTo)
	}
	return nil
}

// diffOption is the option given: -diff or -rdiff.
func (c *Config) diffOption() string {
	if c.RDiff {
		return "-rdiff"
	}
	return "-diff"
}

// diffPlan is what -diff does, decided before anything is written.
type diffPlan struct {
	src      fs.URI // SRC, the snapshottable directory
	target   fs.URI // where SRC's tree lands (the job's only root's Dst)
	from, to string
	// s1 and s2 are SRC/.snapshot/from and SRC/.snapshot/to (SRC for ".").
	s1, s2 fs.URI
	// rdiff: -rdiff's plan (rdiff.go): from and to are the target's
	// snapshots s2 and s1, and s1 is SRC/.snapshot/to.
	rdiff bool
	// renames and deletes are target operations, relative paths: a
	// rename's source and a delete are named as in s1, a rename's target
	// as in s2.
	renames []diffRename
	deletes []string
	// copies are the created and modified entries, named as in s2.
	copies []diffCopy
	// flt is the job's -filters (filtered).
	flt *filter.Filter
}

type diffRename struct{ from, to string }

type diffCopy struct {
	path    string
	created bool // a created directory is copied with its tree
}

// snapshotPath is dir/.snapshot/name, or dir itself for ".".
func snapshotPath(dir fs.URI, name string) fs.URI {
	if name == "." {
		return dir
	}
	return dir.Join("/.snapshot/" + name)
}

// diffSource checks -diff's source and returns the source to copy from:
// SRC/.snapshot/s2.
func diffSource(ctx context.Context, reg *fs.Registry, cfg Config, names []string) ([]string, *diffPlan, error) {
	if cfg.DiffFrom == "" {
		return names, nil, nil
	}
	if len(names) != 1 {
		return nil, nil, usagef("-diff needs exactly one source, the snapshottable directory (DistCp): give SRC DST")
	}
	src, err := parse(names[0], "source")
	if err != nil {
		return nil, nil, err
	}
	fsys, err := reg.FS(ctx, src)
	if err != nil {
		return nil, nil, usagef("source %s: %v", src.Display(), err)
	}
	if _, ok := fsys.(fs.Snapshotter); !ok {
		return nil, nil, usagef("%s needs an HDFS source (a snapshottable directory); %s is not HDFS: sync it with -update alone", cfg.diffOption(), src.Display())
	}
	if cfg.RDiff {
		return rdiffSource(ctx, reg, cfg, src, fsys)
	}
	d := &diffPlan{src: src, from: cfg.DiffFrom, to: cfg.DiffTo,
		s1: snapshotPath(src, cfg.DiffFrom), s2: snapshotPath(src, cfg.DiffTo)}
	fi1, err := fsys.Stat(ctx, d.s1.Path)
	if err != nil {
		return nil, nil, snapshotMissing(d, d.from, err)
	}
	fi2, err := fsys.Stat(ctx, d.s2.Path)
	if err != nil {
		return nil, nil, snapshotMissing(d, d.to, err)
	}
	if d.to != "." && fi1.ModTime.After(fi2.ModTime) {
		return nil, nil, usagef("-diff %s %s: snapshot %s should be newer than %s (DistCp); give the older snapshot first", d.from, d.to, d.to, d.from)
	}
	return []string{d.s2.String()}, d, nil
}

func snapshotMissing(d *diffPlan, name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("-diff %s %s: %s has no snapshot %s: make it (hdfs dfs -createSnapshot %s %s) or name another", d.from, d.to, d.src.Display(), name, d.src.Path, name)
	}
	return fmt.Errorf("-diff: snapshot %s of %s: %w", name, d.src.Display(), err)
}

// planDiff reads the report, proves the target's state at s1 and fills
// the plan's target operations and copies.
func (p *Plan) planDiff(ctx context.Context, reg *fs.Registry, cfg Config, d *diffPlan) error {
	if d == nil {
		return nil
	}
	if len(p.Roots) != 1 || !p.Roots[0].Info.IsDir() {
		return usagef("-diff needs a directory source: %s", d.src.Display())
	}
	d.target, d.flt = p.Roots[0].Dst, p.Filter
	if err := d.readReport(ctx, reg); err != nil {
		return err
	}
	mdir := p.Job.Options.Manifest
	if p.Job.Options.DryRun {
		// A dry run writes no manifest but proves from those there are.
		dry := p.Job.Options
		dry.DryRun = false
		job := *p.Job
		job.Options = dry
		t, err := fs.ParseURI(p.Job.Target)
		if err != nil {
			return err
		}
		if mdir, err = manifestDir(cfg, t, &job); err != nil {
			return err
		}
	}
	if err := d.prove(ctx, reg, mdir); err != nil {
		return err
	}
	if err := d.carryTo(p.Job); err != nil {
		return err
	}
	p.diff = d
	p.Notes = append(p.Notes, fmt.Sprintf("%s %s %s: %d renames, %d deletes, %d entries to copy from %s", d.opt(), d.from, d.to,
		len(d.renames), len(d.deletes), len(d.copies), p.Roots[0].Src.Display()))
	return nil
}

// readReport reads the difference (-diff: SRC's from s1 to s2; -rdiff:
// the target's from s2 to s1) into the plan.
func (d *diffPlan) readReport(ctx context.Context, reg *fs.Registry) error {
	at, from, to := d.src, d.from, d.to
	if d.rdiff {
		at = d.target
	}
	if to == "." {
		to = ""
	}
	fsys, err := reg.FS(ctx, at)
	if err != nil {
		return err
	}
	report, err := fs.SnapshotDiff(ctx, fsys, at.Path, from, to)
	if err != nil {
		return fmt.Errorf("%s %s %s: read the snapshot difference of %s: %w", d.opt(), d.from, d.to, at.Display(), err)
	}
	report = d.filtered(slices.DeleteFunc(report, jetcpOwn))
	if d.rdiff {
		d.fromReverseReport(report)
	} else {
		d.fromReport(report)
	}
	return nil
}

// filtered applies -filters to the report as DistCp's DistCpSync
// (getAllDiffs) does, each entry's path tested relative to the snapshot
// root with a leading slash ("/a/b"): a created, modified or deleted
// entry that a filter matches is dropped; a rename is kept where both
// its names pass, becomes a delete of its old name where only that one
// passes (renamed into the filtered set: gone from what is copied) and a
// creation of its new name where only that one passes (renamed out of
// it: copied as new). The copies are filtered again by their whole path
// when listed, as DistCp's copy listing does.
func (d *diffPlan) filtered(report []fs.DiffEntry) []fs.DiffEntry {
	out := make([]fs.DiffEntry, 0, len(report))
	for _, e := range report {
		if e.Path == "" {
			out = append(out, e)
			continue
		}
		from := !d.flt.Excludes(fs.URI{Path: "/" + e.Path})
		if e.Type != fs.DiffRename {
			if from {
				out = append(out, e)
			}
			continue
		}
		to := !d.flt.Excludes(fs.URI{Path: "/" + e.Target})
		switch {
		case from && to:
			out = append(out, e)
		case from:
			out = append(out, fs.DiffEntry{Type: fs.DiffDelete, Path: e.Path})
		case to:
			out = append(out, fs.DiffEntry{Type: fs.DiffCreate, Path: e.Target})
		}
	}
	return out
}

// jetcpOwn reports whether e is about jetcp's manifest directory at the
// root: not a copied entry (a walk passes over it too), and a target's
// changes there are jetcp's own records.
func jetcpOwn(e fs.DiffEntry) bool {
	return related(e.Path, manifest.DirName) || (e.Type == fs.DiffRename && related(e.Target, manifest.DirName))
}

// fromReport sorts the report's entries into renames, deletes and copies,
// naming each copy as in s2 (DistCpSync's prepareDiffListForCopyListing).
func (d *diffPlan) fromReport(report []fs.DiffEntry) {
	seen := map[string]bool{}
	for _, e := range d.targetOps(report) {
		p := d.renamed(e.Path, e.Type == fs.DiffModify)
		if seen[p] {
			continue
		}
		seen[p] = true
		d.copies = append(d.copies, diffCopy{path: p, created: e.Type == fs.DiffCreate})
	}
}

// targetOps takes the report's renames and deletes into the plan and
// returns its created and modified entries (the snapshot root's own
// "M ." is nothing to do).
func (d *diffPlan) targetOps(report []fs.DiffEntry) (changed []fs.DiffEntry) {
	for _, e := range report {
		switch {
		case e.Path == "":
		case e.Type == fs.DiffRename:
			d.renames = append(d.renames, diffRename{from: e.Path, to: e.Target})
		case e.Type == fs.DiffDelete:
			d.deletes = append(d.deletes, e.Path)
		default:
			changed = append(changed, e)
		}
	}
	return changed
}

// renamed names p (named as in s1) as in s2: below the deepest renamed
// directory that holds it, or, for a modified entry, as the rename of p
// itself. (DistCp takes the first rename in source order that holds p,
// which names a path below two nested renames wrongly; the deepest is
// the one that applies last.)
func (d *diffPlan) renamed(p string, modified bool) string {
	return d.rebase(p, modified, func(r diffRename) (string, string) { return r.from, r.to })
}

// rebase renames p by the rename whose old name (as ends gives it, with
// the new) is the deepest that holds p, or is p where self.
func (d *diffPlan) rebase(p string, self bool, ends func(diffRename) (old, new string)) string {
	best, bestNew := "", ""
	for _, r := range d.renames {
		old, new := ends(r)
		if ((self && old == p) || isBelow(p, old)) && len(old) > len(best) {
			best, bestNew = old, new
		}
	}
	if best == "" {
		return p
	}
	return bestNew + strings.TrimPrefix(p, best)
}

// isBelow reports whether p is strictly below dir (relative paths).
func isBelow(p, dir string) bool {
	return strings.HasPrefix(p, dir+"/")
}

// related reports whether a and b are the same path or one holds the other.
func related(a, b string) bool {
	return a == b || isBelow(a, b) || isBelow(b, a)
}

// depth is how many names p has.
func depth(p string) int { return strings.Count(p, "/") + 1 }

// applyTargetOps does the report's deletes, then its renames, on the
// target: deletes deepest first (their paths name s1's tree, which the
// renames then change); a rename whose paths touch another rename's goes
// through a temporary directory as all of DistCp's do (so chains and
// swaps work), the others straight to their place (on COS a rename
// copies every object server-side, and going through a temporary
// directory would copy them twice).
func (d *diffPlan) applyTargetOps(ctx context.Context, tfs fs.FS, jobID string) error {
	deletes := slices.Clone(d.deletes)
	slices.SortFunc(deletes, func(a, b string) int { return depth(b) - depth(a) })
	for _, p := range deletes {
		t := d.target.Join("/" + p).Path
		if err := tfs.Remove(ctx, t, true); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-diff: delete %s: %w", t, err)
		}
	}
	var direct, viaTmp []diffRename
	for i, r := range d.renames {
		clash := slices.ContainsFunc(d.renames, func(o diffRename) bool {
			return o != d.renames[i] && (related(r.from, o.from) || related(r.from, o.to) || related(r.to, o.from) || related(r.to, o.to))
		})
		if clash {
			viaTmp = append(viaTmp, r)
		} else {
			direct = append(direct, r)
		}
	}
	for _, r := range direct {
		if err := d.move(ctx, tfs, d.target.Join("/"+r.from).Path, d.target.Join("/"+r.to).Path); err != nil {
			return err
		}
	}
	return d.renameViaTmp(ctx, tfs, viaTmp, jobID)
}

// renameViaTmp moves each rename's source into a temporary directory
// (deepest first, so a child leaves before its parent), then each to its
// target (shallowest first, so a parent arrives before its children).
func (d *diffPlan) renameViaTmp(ctx context.Context, tfs fs.FS, renames []diffRename, jobID string) error {
	if len(renames) == 0 {
		return nil
	}
	tmp := d.target.Join("/.distcp.diff.tmp" + jobID).Path
	if err := tfs.Mkdir(ctx, tmp, 0o700); err != nil {
		return fmt.Errorf("-diff: make %s: %w", tmp, err)
	}
	byDepth := slices.Clone(renames)
	slices.SortFunc(byDepth, func(a, b diffRename) int { return depth(b.from) - depth(a.from) })
	held := map[diffRename]string{}
	for i, r := range byDepth {
		held[r] = fmt.Sprintf("%s/%d", tmp, i)
		if err := tfs.Rename(ctx, d.target.Join("/"+r.from).Path, held[r]); err != nil {
			return fmt.Errorf("-diff: rename %s: %w", r.from, err)
		}
	}
	slices.SortFunc(byDepth, func(a, b diffRename) int { return depth(a.to) - depth(b.to) })
	for _, r := range byDepth {
		if err := d.move(ctx, tfs, held[r], d.target.Join("/"+r.to).Path); err != nil {
			return err
		}
	}
	if err := tfs.Remove(ctx, tmp, true); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("-diff: remove %s: %w", tmp, err)
	}
	return nil
}

// move renames from to to, making to's parent first.
func (d *diffPlan) move(ctx context.Context, tfs fs.FS, from, to string) error {
	if _, err := fs.MkdirAll(ctx, tfs, path.Dir(to), 0o755); err != nil {
		return fmt.Errorf("-diff: make %s: %w", path.Dir(to), err)
	}
	if err := tfs.Rename(ctx, from, to); err != nil {
		return fmt.Errorf("-diff: rename %s to %s: %w", from, to, err)
	}
	return nil
}

// listDiff applies the target operations (not in a dry run) and enqueues
// the created and modified entries from s2: a file or a modified
// directory as one item, a created directory with its tree.
func (l *Lister) listDiff(ctx context.Context, p *Plan, e *enqueuer) error {
	d := p.diff
	root := p.Roots[0]
	tfs, err := l.reg.FS(ctx, root.Dst)
	if err != nil {
		return err
	}
	sfs, err := l.reg.FS(ctx, root.Src)
	if err != nil {
		return err
	}
	if p.Job.Options.ManifestCarry != "" {
		if err := d.writeCarry(ctx, l.reg, p.Job); err != nil {
			l.log.Warn().Str("job", p.Job.ID).Msg(carryFailed(err))
		}
	}
	if !p.Job.Options.DryRun {
		if err := d.applyTargetOps(ctx, tfs, p.Job.ID); err != nil {
			return err
		}
		l.log.Info().Str("job", p.Job.ID).Int("renamed", len(d.renames)).Int("deleted", len(d.deletes)).
			Int("to_copy", len(d.copies)).Msg("-diff: renames and deletes applied to the target")
	}
	for _, c := range d.copies {
		src, dst := root.Src.Join("/"+c.path), root.Dst.Join("/"+c.path)
		fi, err := sfs.Stat(ctx, src.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone again by s2 under another name: its rename moved it
		}
		if err != nil {
			return &brokeOff{cause: fmt.Errorf("-diff: stat %s: %w", src.Display(), err)}
		}
		e.root = root
		switch {
		case fi.IsDir() && c.created:
			err = l.listCreated(ctx, p, e, src, dst, fi, tfs)
		case p.Filter.Excludes(src):
		case fi.IsDir():
			err = e.dir(ctx, src, dst, fi, false, true, false, false)
		default:
			err = e.file(ctx, src, dst, fi, true, false, tfs)
		}
		if err != nil {
			return err
		}
	}
	if err := e.flush(ctx); err != nil {
		return &brokeOff{cause: err}
	}
	return nil
}

// listCreated enqueues a created directory and its tree. It is walked
// as part of the job's root (e.root stays the diff's), not as a root of
// its own, so that below a directory whose target is missing the files'
// items say their parent is this job's (messages.WorkItem.ParentInJob):
// on COS the directory's own item then puts its marker, and a file's
// copier that ran first no longer puts it too (TestDiffSync's extra PUT,
// one run in four).
func (l *Lister) listCreated(ctx context.Context, p *Plan, e *enqueuer, src, dst fs.URI, fi fs.FileInfo, tfs fs.FS) error {
	sfs, err := l.reg.FS(ctx, src)
	if err != nil {
		return err
	}
	_, err = tfs.Stat(ctx, dst.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &brokeOff{cause: fmt.Errorf("-diff: stat %s: %w", dst.Display(), err)}
	}
	missing := err != nil
	if !p.Filter.Excludes(src) {
		if err := e.dir(ctx, src, dst, fi, false, true, missing, false); err != nil {
			return err
		}
	}
	if err := l.walkRoot(ctx, p, Root{Src: src, Dst: dst, Info: fi}, e, sfs, tfs, missing); err != nil {
		return &brokeOff{cause: fmt.Errorf("list %s: %w", src.Display(), err)}
	}
	return nil
}
