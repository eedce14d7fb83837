package lister

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// A -diff job's manifest must prove the whole target at s2, not only what
// the job copied, or the next -diff (s2 s3) finds no record of a file the
// job renamed, and after two more syncs none of a file left alone since
// the first copy. The lister, which holds the difference, writes the
// target's newest manifest's lines of the files the diff leaves alone,
// named as in s2, to a carry file (messages.Options.ManifestCarry); the
// committer writes them into the job's manifest before the job's own.

// carryTo names the job's carry file, next to its manifest, when the job
// writes one: a -diff (not -rdiff, not a dry run) with a manifest.
func (d *diffPlan) carryTo(job *messages.Job) error {
	if d.rdiff || job.Options.Manifest == "" || job.Options.DryRun {
		return nil
	}
	dir, err := fs.ParseURI(job.Options.Manifest)
	if err != nil {
		return err
	}
	job.Options.ManifestCarry = dir.Join("/" + manifest.CarryName(job.ID)).String()
	return nil
}

// writeCarry writes the carry file from the newest complete manifest
// (empty when there is none: the committer then writes the job's lines
// alone).
func (d *diffPlan) writeCarry(ctx context.Context, reg *fs.Registry, job *messages.Job) error {
	to, err := fs.ParseURI(job.Options.ManifestCarry)
	if err != nil {
		return err
	}
	mfs, err := reg.FS(ctx, to)
	if err != nil {
		return err
	}
	names, err := manifest.Newest(ctx, mfs, path.Dir(to.Path))
	if err != nil {
		return err
	}
	keep := d.carryIndex()
	for _, n := range names {
		s, err := manifest.NewSpool("", job.ID)
		if err != nil {
			return err
		}
		err = manifest.ReadFile(ctx, mfs, n, func(l manifest.Line) error {
			if c, ok := keep.carried(l); ok {
				return s.Add(c)
			}
			return nil
		})
		if err == nil {
			return s.PublishAt(ctx, mfs, to.Path)
		}
		s.Discard() // incomplete or unreadable: the next older
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	s, err := manifest.NewSpool("", job.ID)
	if err != nil {
		return err
	}
	return s.PublishAt(ctx, mfs, to.Path)
}

// carryIndex is what decides the carried lines, with the report's
// deletes and copies in sets (a manifest has a line per file of the tree).
type carryIndex struct {
	d       *diffPlan
	target  string // the target root's URI and "/"
	src     string // SRC's URI and "/"
	deleted map[string]bool
	copied  map[string]bool // copies, as in s2
	created map[string]bool // created copies, below which all is copied
}

func (d *diffPlan) carryIndex() *carryIndex {
	x := &carryIndex{d: d, target: d.target.String() + "/", src: d.src.String() + "/",
		deleted: map[string]bool{}, copied: map[string]bool{}, created: map[string]bool{}}
	for _, p := range d.deletes {
		x.deleted[p] = true
	}
	for _, c := range d.copies {
		x.copied[c.path] = true
		x.created[c.path] = x.created[c.path] || c.created
	}
	return x
}

// carried is l named as in s2 (its target and its source, SRC/.snapshot/s2
// or SRC for "."), when l is a record of the target's copy of the same
// path of SRC (in some snapshot, or live) that the diff neither deletes
// nor copies again; false otherwise (another source's record proves
// nothing of SRC).
func (x *carryIndex) carried(l manifest.Line) (manifest.Line, bool) {
	rel, ok := strings.CutPrefix(l.Dst, x.target)
	if !ok {
		return l, false
	}
	srel, ok := strings.CutPrefix(l.Src, x.src)
	if !ok {
		return l, false
	}
	if snap, ok := strings.CutPrefix(srel, ".snapshot/"); ok {
		if _, srel, ok = strings.Cut(snap, "/"); !ok {
			return l, false
		}
	}
	if srel != rel || x.holds(x.deleted, false, rel) {
		return l, false
	}
	now := x.d.renamed(rel, true)
	if x.copied[now] || x.holds(x.created, true, now) {
		return l, false
	}
	l.Src, l.Dst = x.d.s2.Join("/"+now).String(), x.d.target.Join("/"+now).String()
	return l, true
}

// holds reports whether set has p (unless strict) or a directory above it
// (with strict, only where set says true).
func (x *carryIndex) holds(set map[string]bool, strict bool, p string) bool {
	if !strict && set[p] {
		return true
	}
	for i := strings.LastIndexByte(p, '/'); i > 0; i = strings.LastIndexByte(p[:i], '/') {
		if set[p[:i]] {
			return true
		}
	}
	return false
}

// carryFailed is the warning when the carry file cannot be written: the
// copy goes on, and the job's manifest holds its own files only.
func carryFailed(err error) string {
	return fmt.Sprintf("-diff: cannot write the manifest carry file (%v); the job's manifest records only the files it copies, and a later -diff may need -update alone", err)
}
