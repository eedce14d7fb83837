package lister

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/manifest"
)

// The target's state at s1, which -diff builds on, is proven (docs/diff.md):
//
//   - where the target keeps snapshots (HDFS) and has a snapshot named s1,
//     as DistCp does: the target's own difference from s1 to now is empty;
//   - otherwise by the target's job manifests: some manifest records
//     copies from SRC's snapshots, and every entry the report changes on
//     the target (deleted, renamed, modified), named as in s1, is there:
//     a directory as a directory; a file as the newest manifest record of
//     that target path says jetcp left it (size, and version or mtime),
//     copied from the file as it is in s1 (the record's source version,
//     an HDFS inode id and mtime, equals the s1 file's; or, without one,
//     its source is SRC/.snapshot/s1/PATH).
//
// Anything else (no manifest, a record missing or not matching, a path
// gone) refuses the copy before anything is written, naming -update alone
// as the way to go on.

// diffTouch is a target path the report changes, named as in s1.
type diffTouch struct {
	path   string
	s1, at fs.FileInfo // in s1; at the target
}

func (d *diffPlan) refuse(why string) error {
	return usagef("%s %s %s: cannot show that %s holds snapshot %s of %s (%s); sync with -update alone, which compares every file",
		d.opt(), d.from, d.to, d.target.Display(), d.from, d.src.Display(), why)
}

// prove checks the target's state at s1; manifestDir is the job's
// (messages.Options.Manifest).
func (d *diffPlan) prove(ctx context.Context, reg *fs.Registry, manifestDir string) error {
	tfs, err := reg.FS(ctx, d.target)
	if err != nil {
		return err
	}
	if ok, err := d.proveBySnapshot(ctx, tfs); ok || err != nil {
		return err
	}
	if d.rdiff {
		return d.refuse("it has no snapshot " + d.from)
	}
	touched, err := d.touched(ctx, reg, tfs)
	if err != nil {
		return err
	}
	if manifestDir == "" {
		return d.refuse("no job manifest is kept (--no-manifest)")
	}
	mu, err := fs.ParseURI(manifestDir)
	if err != nil {
		return err
	}
	mfs, err := reg.FS(ctx, mu)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, t := range touched {
		if !t.s1.IsDir() {
			want[d.target.Join("/"+t.path).String()] = true
		}
	}
	recs, fromSnapshots, err := d.readRecords(ctx, mfs, mu.Path, want)
	if err != nil {
		return err
	}
	if !fromSnapshots {
		return d.refuse(fmt.Sprintf("no job manifest in %s records a copy from %s/.snapshot", mu.Display(), d.src.Display()))
	}
	for _, t := range touched {
		if why := d.holds(t, recs[d.target.Join("/"+t.path).String()]); why != "" {
			return d.refuse(why)
		}
	}
	return nil
}

// proveBySnapshot is DistCp's proof, where the target has snapshot s1.
func (d *diffPlan) proveBySnapshot(ctx context.Context, tfs fs.FS) (bool, error) {
	sn, ok := tfs.(fs.Snapshotter)
	if !ok {
		return false, nil
	}
	if _, err := tfs.Stat(ctx, snapshotPath(d.target, d.from).Path); err != nil {
		return false, nil
	}
	diff, err := sn.SnapshotDiff(ctx, d.target.Path, d.from, "")
	if err != nil {
		return false, fmt.Errorf("-diff: the target's difference since its snapshot %s: %w", d.from, err)
	}
	for _, e := range diff {
		if jetcpOwn(e) {
			continue
		}
		if e.Path != "" || e.Type != fs.DiffModify {
			return false, d.refuse(fmt.Sprintf("the target changed since its snapshot %s: %s", d.from, e))
		}
	}
	return true, nil
}

// touched stats, in s1 and at the target, every path the report deletes,
// renames or modifies.
func (d *diffPlan) touched(ctx context.Context, reg *fs.Registry, tfs fs.FS) ([]diffTouch, error) {
	var paths []string
	paths = append(paths, d.deletes...)
	for _, r := range d.renames {
		paths = append(paths, r.from)
	}
	for _, c := range d.copies {
		if !c.created {
			paths = append(paths, d.s1Name(c.path))
		}
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	sfs, err := reg.FS(ctx, d.s1)
	if err != nil {
		return nil, err
	}
	out := make([]diffTouch, 0, len(paths))
	for _, p := range paths {
		s1, err := sfs.Stat(ctx, d.s1.Join("/"+p).Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // created after s1 and changed again: nothing to prove
		}
		if err != nil {
			return nil, fmt.Errorf("-diff: stat %s in %s: %w", p, d.s1.Display(), err)
		}
		at, err := tfs.Stat(ctx, d.target.Join("/"+p).Path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, d.refuse(fmt.Sprintf("%s is missing at the target", p))
		}
		if err != nil {
			return nil, fmt.Errorf("-diff: stat %s: %w", d.target.Join("/"+p).Display(), err)
		}
		out = append(out, diffTouch{path: p, s1: s1, at: at})
	}
	return out, nil
}

// s1Name names a copy's path (as in s2) as in s1, undoing renamed.
func (d *diffPlan) s1Name(p string) string {
	return d.rebase(p, true, func(r diffRename) (string, string) { return r.to, r.from })
}

// holds says why the target entry t is not what the s1 copy left, or "".
func (d *diffPlan) holds(t diffTouch, rec *manifest.Line) string {
	switch {
	case t.s1.IsDir() != t.at.IsDir():
		return fmt.Sprintf("%s is not of the same type at the target as in %s", t.path, d.from)
	case t.s1.IsDir():
		return ""
	case rec == nil:
		return fmt.Sprintf("no job manifest records %s", t.path)
	case rec.DstSize != t.at.Size:
		return fmt.Sprintf("%s changed at the target since it was copied (size)", t.path)
	case rec.DstVersion != "" && rec.DstVersion != t.at.Version,
		rec.DstVersion == "" && (rec.DstMTime == 0 || rec.DstMTime != t.at.ModTime.UnixNano()):
		return fmt.Sprintf("%s changed at the target since it was copied", t.path)
	case rec.SrcVersion != "" && rec.SrcVersion != t.s1.Version,
		rec.SrcVersion == "" && rec.Src != d.s1.Join("/"+t.path).String():
		return fmt.Sprintf("%s at the target was not copied from %s as it is in %s", t.path, t.path, d.from)
	}
	return ""
}

// readRecords reads the complete manifests in dir, newest first, keeping
// the newest record of each target URI in want, and tells whether any
// records a copy from one of SRC's snapshots.
func (d *diffPlan) readRecords(ctx context.Context, mfs fs.FS, dir string, want map[string]bool) (map[string]*manifest.Line, bool, error) {
	names, err := manifest.Newest(ctx, mfs, dir)
	if err != nil {
		return nil, false, fmt.Errorf("-diff: %w", err)
	}
	found := map[string]*manifest.Line{}
	fromSnapshots := false
	snaps := d.src.Join("/.snapshot/").String()
	for _, n := range names {
		these := map[string]*manifest.Line{}
		anySnap := false
		err := manifest.ReadFile(ctx, mfs, n, func(r manifest.Line) error {
			anySnap = anySnap || strings.HasPrefix(r.Src, snaps)
			if want[r.Dst] {
				these[r.Dst] = &r
			}
			return nil
		})
		if err != nil {
			continue // incomplete or unreadable: it proves nothing
		}
		fromSnapshots = fromSnapshots || anySnap
		for k, r := range these {
			if found[k] == nil {
				found[k] = r
			}
		}
	}
	return found, fromSnapshots, nil
}
