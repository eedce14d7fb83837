package lister

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/fs"
)

// -update -rdiff s2 s1 SRC DST rolls an HDFS target back, as DistCp does:
// the target, synced to SRC's snapshot s2 and snapshotted s2 (after an
// earlier s1), unchanged since its snapshot s2, is brought back to SRC's
// snapshot s1 by the target's own difference from s2 to s1 applied to it
// (renames back, deletes of what came after s1) and the entries it names
// as modified or created copied from SRC/.snapshot/s1.

// opt is the option the plan is for, for messages.
func (d *diffPlan) opt() string {
	if d.rdiff {
		return "-rdiff"
	}
	return "-diff"
}

// rdiffSource checks -rdiff's target snapshots and SRC's s1, and returns
// the source to copy from: SRC/.snapshot/s1.
func rdiffSource(ctx context.Context, reg *fs.Registry, cfg Config, src fs.URI, sfs fs.FS) ([]string, *diffPlan, error) {
	d := &diffPlan{src: src, from: cfg.DiffFrom, to: cfg.DiffTo, rdiff: true, s1: snapshotPath(src, cfg.DiffTo)}
	tu, err := parse(cfg.Target, "target")
	if err != nil {
		return nil, nil, err
	}
	tfs, err := reg.FS(ctx, tu)
	if err != nil {
		return nil, nil, usagef("target %s: %v", tu.Display(), err)
	}
	if _, ok := tfs.(fs.Snapshotter); !ok {
		return nil, nil, usagef("-rdiff rolls an HDFS target back by its own snapshots; %s is not HDFS", tu.Display())
	}
	newer, err := tfs.Stat(ctx, snapshotPath(tu, d.from).Path)
	if err != nil {
		return nil, nil, rdiffMissing(d, tu, d.from, err)
	}
	older, err := tfs.Stat(ctx, snapshotPath(tu, d.to).Path)
	if err != nil {
		return nil, nil, rdiffMissing(d, tu, d.to, err)
	}
	if newer.ModTime.Before(older.ModTime) {
		return nil, nil, usagef("-rdiff %s %s: snapshot %s should be newer than %s (DistCp); give the newer snapshot first", d.from, d.to, d.from, d.to)
	}
	if _, err := sfs.Stat(ctx, d.s1.Path); err != nil {
		return nil, nil, snapshotMissing(d, d.to, err)
	}
	return []string{d.s1.String()}, d, nil
}

func rdiffMissing(d *diffPlan, target fs.URI, name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("-rdiff %s %s: the target %s has no snapshot %s: -rdiff needs the target's snapshots of both syncs", d.from, d.to, target.Display(), name)
	}
	return fmt.Errorf("-rdiff: snapshot %s of %s: %w", name, target.Display(), err)
}

// fromReverseReport sorts the target's report from s2 to s1 (HDFS gives
// it with renames from their s2 name to their s1 name, what was created
// after s1 as deleted, what was deleted as created) into the plan. Its
// deletes name their parents as in s1 while the target is at s2: they are
// named as in s2 through the renames (DistCp's
// getRenameAndDeleteDiffsRdiff); its copies are named as in s1, the
// state the target is brought to.
func (d *diffPlan) fromReverseReport(report []fs.DiffEntry) {
	for _, e := range d.targetOps(report) {
		d.copies = append(d.copies, diffCopy{path: e.Path, created: e.Type == fs.DiffCreate})
	}
	for i, p := range d.deletes {
		d.deletes[i] = d.rebase(p, false, func(r diffRename) (string, string) { return r.to, r.from })
	}
}
