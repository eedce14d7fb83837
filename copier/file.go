package copier

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/place"
	"github.com/jetcp/jetcp/messages"
)

func (t *task) file(ctx context.Context) (messages.Result, error) {
	if t.Job.Options.Verify {
		return t.verify(ctx)
	}
	var res messages.Result
	o := t.Job.Options
	dfi, exists, err := t.target(ctx)
	if err != nil {
		return res, err
	}
	if exists && dfi.IsDir() {
		return res, place.Permanent(fmt.Errorf("cannot replace directory %s with file %s: remove the directory or exclude the file", t.Dst.Display(), t.Src.Display()))
	}
	copyIt, reason, err := t.decide(ctx, exists, dfi)
	if err != nil {
		return res, err
	}
	res.Reason = reason
	if exists && t.Job.Options.Manifest != "" && provesSame(reason) {
		res.Record = place.RecordOf(t.Item.Attr, t.Item.Statted, dfi)
	}
	if o.DryRun {
		if !exists {
			missing, err := missingParents(ctx, t.DstFS, t.Dst.Path)
			if err != nil {
				return res, err
			}
			res.DirsCreated = missing
		}
		res.Status = messages.StatusSkipped
		if copyIt {
			res.Status, res.Reason = messages.StatusCopied, "dry run: would copy ("+reason+")"
		}
		return res, nil
	}
	if !copyIt {
		return res, t.notCopied(ctx, dfi, &res)
	}
	if reason == distcp.ReasonAppended {
		sum, err := t.appendTail(ctx, dfi, &res)
		if err != nil {
			return res, err
		}
		res.Status, res.Checksum = messages.StatusCopied, sum.String()
		return res, nil
	}
	sum, err := t.copy(ctx, &res)
	if err != nil {
		return res, err
	}
	res.Status, res.Checksum = messages.StatusCopied, sum.String()
	return res, nil
}

// notCopied settles a file the rules do not copy: this job's own copy
// already in place (ownCopy) counts copied; any other is skipped, with
// the preserved attributes set.
func (t *task) notCopied(ctx context.Context, dfi fs.FileInfo, res *messages.Result) error {
	if o, own := t.ownCopy(ctx, dfi); own {
		res.Status, res.Reason, res.Checksum = messages.StatusCopied, ReasonOwnCopy, o.Checksum.String()
		if t.Job.Options.Manifest != "" { // the earlier delivery's result, with its record, was lost
			res.Record = place.RecordOf(t.Item.Attr, t.Item.Statted, dfi)
		}
		return nil
	}
	res.Status = messages.StatusSkipped
	if t.Job.Options.Preserve.Any() {
		return t.ApplyAttrs(ctx, t.Dst.Path)
	}
	return nil
}

// target looks the target up, unless the lister saw it missing below a
// directory this job makes (messages.WorkItem.ParentInJob): then nothing
// but this job's own items writes there, and a copy of a new file costs no
// lookup (on COS, three requests). A delivery again after a lost result
// copies the file again, onto the same bytes.
func (t *task) target(ctx context.Context) (fs.FileInfo, bool, error) {
	if t.Item.ParentInJob && !t.Job.Options.DryRun {
		return fs.FileInfo{}, false, nil
	}
	dfi, err := t.DstFS.Stat(ctx, t.Dst.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dfi, false, err
	}
	return dfi, err == nil, nil
}

// ReasonOwnCopy is the reason of a file found in place as this job's own
// copy: "copied" means the job wrote the file, whichever delivery did.
const ReasonOwnCopy = "copied by an earlier delivery of this item"

// ownCopy reports whether the existing target is this job's own copy, with
// its origin: an earlier delivery of the item renamed it into place, and
// its copier died (or its result was lost) before the ack. The origin
// record names the job. It comes with the Stat where the store keeps it
// there (COS); else it is read only on a delivery again (attempt > 1),
// where such a copy can be, so that a first look at an existing target
// costs no extra request.
func (t *task) ownCopy(ctx context.Context, dfi fs.FileInfo) (fs.Origin, bool) {
	if dfi.Origin == nil && t.attempt <= 1 {
		return fs.Origin{}, false
	}
	o, ok, err := fs.OriginOf(ctx, t.DstFS, dfi)
	return o, err == nil && ok && o.Job == t.Job.ID
}

// decide applies DistCp's per-file rules (CopyMapper) to an existing or
// missing target, comparing checksums where metadata cannot tell.
func (t *task) decide(ctx context.Context, exists bool, dfi fs.FileInfo) (bool, string, error) {
	in := distcp.Input{Options: t.Job.Options, Src: t.Item.Attr, Statted: t.Item.Statted, SrcID: fs.SourceID(t.Src)}
	if exists {
		in.Target = &dfi
	}
	in = distcp.ReadOrigin(ctx, t.DstFS, in)
	d := distcp.Decide(in)
	if d.Action == distcp.TryAppend {
		var err error
		if d, err = t.appendDecision(ctx, dfi); err != nil {
			return false, "", err
		}
	}
	if d.Action == distcp.NeedChecksum {
		same, err := t.sameChecksum(ctx)
		incomparable := errors.Is(err, fs.ErrIncomparable)
		if err != nil && !incomparable {
			return false, "", err
		}
		d = distcp.ChecksumDecision(in, same, incomparable)
	}
	return d.Action == distcp.Copy, d.Reason, nil
}

// provesSame tells whether a decision's reason shows the target holds the
// source's bytes, so that its skip goes into the manifest.
func provesSame(reason string) bool {
	return reason == distcp.ReasonUnchanged || reason == distcp.ReasonSameChecksum
}

func (t *task) sameChecksum(ctx context.Context) (bool, error) {
	if !fs.KeepsChecksums(t.SrcFS) || !fs.KeepsChecksums(t.DstFS) {
		return false, fmt.Errorf("a side has no checksum: %w", fs.ErrIncomparable)
	}
	s, err := fs.FileChecksum(ctx, t.SrcFS, t.Src.Path)
	if err != nil {
		return false, fmt.Errorf("checksum of source %s: %w", t.Src.Display(), err)
	}
	d, err := fs.FileChecksum(ctx, t.DstFS, t.Dst.Path)
	if err != nil {
		return false, fmt.Errorf("checksum of target %s: %w", t.Dst.Display(), err)
	}
	return s.Equal(d)
}

// copy writes the source into a temp file next to the target (or straight
// to the target with -direct), verifies it and renames it into place. Only a
// complete, verified file ever appears at the final path.
func (t *task) copy(ctx context.Context, res *messages.Result) (fs.Checksum, error) {
	o := t.Job.Options
	if err := t.mkParent(ctx, res); err != nil {
		return fs.Checksum{}, err
	}
	tmp := t.Dst.Path
	if !distcp.InPlace(t.DstFS, o) {
		tmp = path.Join(path.Dir(t.Dst.Path), distcp.TempName(t.Job.ID, t.tempID, t.attempt, t.c.token))
	}
	co := distcp.CreateOptionsFor(t.DstFS, o, t.Item.Attr)
	co.Overwrite = true // -direct replaces; a temp name is ours alone
	co.Missing = t.Item.ParentInJob && tmp == t.Dst.Path
	co.Source = &fs.Origin{SrcSize: t.Item.Attr.Size, SrcID: fs.SourceID(t.Src), Job: t.Job.ID}
	if t.Item.Statted {
		co.Source.SrcModTime, co.Source.SrcChangeTime = t.Item.Attr.ModTime, t.Item.Attr.ChangeTime
	}
	w, err := t.DstFS.Create(ctx, tmp, co)
	if err != nil {
		return fs.Checksum{}, fmt.Errorf("create %s: %w", tmp, err)
	}
	closed := false
	defer func() {
		if p := recover(); p != nil {
			// A bug: take away what this copy wrote, then pass the panic on
			// (the worker's guard fails the item).
			if closed {
				_ = t.DstFS.Remove(context.WithoutCancel(ctx), tmp, false)
			} else {
				_ = w.Abort()
			}
			panic(p)
		}
	}()
	sum, err := t.stream(ctx, w)
	if err != nil {
		_ = w.Abort()
		return sum, err
	}
	verified, err := t.readBack(ctx, w, tmp, sum)
	if err != nil {
		_ = w.Abort()
		return sum, err
	}
	closed = true
	if err := w.Close(); err != nil {
		_ = t.DstFS.Remove(context.WithoutCancel(ctx), tmp, false)
		return sum, fmt.Errorf("close %s: %w", tmp, err)
	}
	if !verified {
		if verified, err = t.checkStored(ctx, w, tmp, sum); err != nil {
			_ = t.DstFS.Remove(context.WithoutCancel(ctx), tmp, false)
			return sum, err
		}
	}
	if err := t.Finish(ctx, tmp, sum, verified); err != nil {
		return sum, err
	}
	res.Record = t.recordWritten(ctx, fs.WrittenVersion(w))
	return sum, nil
}

// recordWritten is the manifest record of the file just copied into
// place (messages.Result.Record): the source as listed, the target with
// the version the store answered (no request), else as a Stat finds it
// (a system call locally, a getFileInfo on HDFS). None without a
// manifest, or if the Stat fails: the next -update then checks the file
// as without one.
func (t *task) recordWritten(ctx context.Context, version string) *messages.Record {
	if t.Job.Options.Manifest == "" {
		return nil
	}
	dst := fs.FileInfo{Size: t.Item.Attr.Size, Version: version}
	if version == "" {
		fi, err := t.DstFS.Stat(ctx, t.Dst.Path)
		if err != nil {
			return nil
		}
		dst = fi
	}
	return place.RecordOf(t.Item.Attr, t.Item.Statted, dst)
}

// checkStored verifies, after Close, a file whose store can confirm it
// without a read (fs.StoreChecker). It says whether it did; if not, finish
// verifies by path.
func (t *task) checkStored(ctx context.Context, w fs.Writer, p string, sum fs.Checksum) (bool, error) {
	if t.Job.Options.SkipCRC || sum.IsZero() {
		return false, nil
	}
	return t.checkVia(p, sum, func() (int64, fs.Checksum, error) { return fs.CheckStored(ctx, w) })
}

// readBack verifies, before Close, a file whose Writer can read it back
// (fs.ReadBacker): its length and checksum against the source's. It says
// whether it did; if not, finish verifies by path.
func (t *task) readBack(ctx context.Context, w fs.Writer, p string, sum fs.Checksum) (bool, error) {
	if t.Job.Options.SkipCRC || sum.IsZero() || !fs.CanReadBack(w) {
		return false, nil
	}
	bp := t.c.bufs.Get(bufferSize(t.Job.Options.CopyBufferSize, t.Item.Attr.Size))
	defer t.c.bufs.Put(bp)
	return t.checkVia(p, sum, func() (int64, fs.Checksum, error) { return fs.ReadBack(ctx, w, *bp) })
}

// checkVia verifies p by what a writer's own check reports; an
// ErrUnsupported answer leaves it to the check by path.
func (t *task) checkVia(p string, sum fs.Checksum, check func() (int64, fs.Checksum, error)) (bool, error) {
	size, got, err := check()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("verify %s: %w", p, err)
	}
	return true, t.CheckWritten(p, size, got, sum)
}

// mkParent makes sure the target's directory exists, unless the parent's
// own item makes it and files need no parent (fs.ImplicitDirs: on COS a
// file under a missing marker is in a directory all the same).
func (t *task) mkParent(ctx context.Context, res *messages.Result) error {
	dir := path.Dir(t.Dst.Path)
	if t.dirs[dir] || t.Item.ParentInJob && fs.ImplicitDirs(t.DstFS) {
		return nil
	}
	n, err := fs.MkdirAllLevels(ctx, t.DstFS, dir, 0o755)
	res.DirsCreated = n
	if err != nil {
		return err
	}
	if t.dirs != nil {
		t.dirs[dir] = true
	}
	return nil
}
