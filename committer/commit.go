package committer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

func parseDst(s string) (string, error) {
	u, err := fs.ParseURI(s)
	return u.Path, err
}

// commit runs DistCp's commit phase once every item has a result, then
// publishes the report. Steps after the copies only run when the copies
// succeeded (or -i forgave the failures), as in DistCp.
func (j *job) commit(ctx context.Context) error {
	// A committer taking over a job whose created event was not acked
	// replays every result before it reaches the done event: look first,
	// since the commit steps (-atomic rename, -delete) must run once.
	if done, err := j.c.bus.LastEvent(ctx, j.spec.ID, messages.EventDone); err != nil {
		return err
	} else if done != nil {
		j.log.Info().Msg("job was committed already")
		return nil
	}
	rep := &j.report
	j.tally.Fill(rep) // the counts, as the tally kept them
	ok := j.noteFailures()
	commitErr := j.commitSteps(ctx, ok)
	j.publishManifest(ctx)
	rep.State = messages.StateSucceeded
	if !ok || commitErr != nil {
		rep.State = messages.StateFailed
	}
	if j.canceled != nil && !j.canceled.Failed {
		rep.State = messages.StateCanceled
	}
	if commitErr != nil {
		rep.Failures = append(rep.Failures, messages.Failure{Dst: j.spec.Target, Error: "commit: " + commitErr.Error()})
	}
	rep.DurationSeconds = time.Since(j.spec.Created).Seconds()
	ev := &messages.Event{Type: messages.EventDone, Job: j.spec.ID, Time: time.Now().UTC(), Report: rep}
	if err := j.c.bus.PublishEvent(ctx, ev, j.spec.ID+"/done"); err != nil {
		return err
	}
	j.ended = true
	j.log.Info().Str("state", rep.State).Int64("copied", rep.FilesCopied).Int64("skipped", rep.FilesSkipped).
		Int64("failed", rep.FilesFailed).Int64("dirs_failed", rep.DirsFailed).Int64("deleted", rep.FilesDeleted).Msg("job committed")
	return nil
}

// noteFailures adds the job-wide failures to the report (a cancel, forged
// results, a listing that broke off) and reports whether the job may
// commit: none of them, and no item failed unless -i forgives it.
func (j *job) noteFailures() bool {
	o := j.spec.Options
	rep := &j.report
	listErr := ""
	if j.listed != nil {
		listErr = j.listed.Error
	}
	canceled := j.canceled != nil
	ok := !canceled && (rep.FilesFailed+rep.DirsFailed == 0 || o.IgnoreFailures) && listErr == "" && j.tally.Bogus == 0
	if canceled {
		msg := "canceled by " + j.canceled.By
		if j.canceled.Reason != "" {
			msg += ": " + j.canceled.Reason
		}
		if j.canceled.Failed { // the job stopped itself: the reason is its failure
			msg = j.canceled.Reason
		}
		rep.Failures = append(rep.Failures, messages.Failure{Error: msg})
	}
	if j.tally.Bogus > 0 {
		rep.Failures = append(rep.Failures, messages.Failure{Error: fmt.Sprintf(
			"%d results arrived for work items the listing never made (forged or corrupt messages); the counts include them and cannot be trusted", j.tally.Bogus)})
	}
	if listErr != "" {
		rep.Failures = append(rep.Failures, messages.Failure{Error: "listing: " + listErr})
	}
	return ok
}

// commitSteps runs the steps after the copies: clean up assemblies and
// temp files, then (when ok) -atomic's rename or -delete, and directory
// attributes.
func (j *job) commitSteps(ctx context.Context, ok bool) error {
	o := j.spec.Options
	if o.Verify {
		return j.verifyCommit(ctx)
	}
	var commitErr error
	j.assemblies.Wait()
	j.abortAssemblies(ctx)
	if !o.DryRun {
		j.sweepTemps(ctx)
	}
	switch {
	case o.Atomic && !o.DryRun:
		commitErr = j.atomicCommit(ctx, ok)
	case o.Delete && ok:
		commitErr = j.tracking(ctx, false)
	case o.XTrack != "" && ok:
		commitErr = j.tracking(ctx, true)
	}
	if ok && commitErr == nil && j.dirs.size() > 0 {
		commitErr = j.applyDirAttrs(ctx)
	}
	return commitErr
}

// sweepTemps removes temp files this job may have left: only next to items
// that were retried or failed, since a clean first attempt removes its own.
// abortUploads aborts the multipart uploads this job's copiers left open
// (a killed copier's), directory by directory; a target without such
// uploads has none to abort.
func (j *job) abortUploads(ctx context.Context, fsys fs.FS) {
	byDir := map[string]bool{}
	for p := range j.sweepFiles {
		byDir[path.Dir(p)] = true
	}
	for dir := range byDir {
		n, err := fs.AbortUploads(ctx, fsys, dir, j.spec.Created, func(p string) bool { return j.sweepFiles[p] })
		if err != nil {
			j.log.Warn().Err(err).Str("dir", dir).Msg("cannot abort leftover uploads")
		} else if n > 0 {
			j.log.Info().Str("dir", dir).Int("uploads", n).Msg("aborted leftover multipart uploads")
		}
	}
}

func (j *job) sweepTemps(ctx context.Context) {
	root, err := fs.ParseURI(j.spec.WriteRoot)
	if err != nil {
		return
	}
	fsys, err := j.c.reg.FS(ctx, root)
	if err != nil {
		j.log.Warn().Err(err).Msg("temp sweep: cannot open target")
		return
	}
	j.abortUploads(ctx, fsys)
	if j.sweepAll {
		j.sweepTree(ctx, fsys, root)
		return
	}
	for dir := range j.sweepIn {
		for fi, err := range fsys.List(ctx, dir) {
			if err != nil {
				break // a directory that does not exist holds no temp files
			}
			j.sweepLeftover(ctx, fsys, fi)
		}
	}
}

// sweepTree sweeps the temp files of the whole write root: for a job
// whose retried or failed items were in more directories than it keeps
// (maxSweepDirs).
func (j *job) sweepTree(ctx context.Context, fsys fs.FS, root fs.URI) {
	j.log.Info().Str("root", root.Display()).Msg("temp sweep: retries in too many directories to keep; walking the write root")
	err := fs.Walk(ctx, fsys, root.Path, func(fi fs.FileInfo) error {
		if !strings.HasPrefix(fi.Name(), distcp.TempPrefix) {
			return nil
		}
		j.sweepLeftover(ctx, fsys, fi)
		return fs.SkipDir // a chunk assembly's parts are its own
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		j.log.Warn().Err(err).Msg("temp sweep of the write root failed")
	}
}

// atomicCommit renames the work tree to the target, or removes it when the
// copies failed, so the target appears complete or not at all.
func (j *job) atomicCommit(ctx context.Context, ok bool) error {
	work, err := fs.ParseURI(j.spec.WriteRoot)
	if err != nil {
		return err
	}
	target, err := fs.ParseURI(j.spec.Target)
	if err != nil {
		return err
	}
	fsys, err := j.c.reg.FS(ctx, work)
	if err != nil {
		return err
	}
	if !ok {
		if err := fsys.Remove(ctx, work.Path, true); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove work tree %s: %w", work.Display(), err)
		}
		return nil
	}
	if _, err := fsys.Stat(ctx, target.Path); err == nil {
		return fmt.Errorf("target %s appeared during the job; the copy is left at %s", target.Display(), work.Display())
	}
	if _, err := fsys.Stat(ctx, work.Path); errors.Is(err, fs.ErrNotExist) {
		return nil // nothing was listed, so nothing was written
	}
	if _, err := fs.MkdirAll(ctx, fsys, target.Dir().Path, 0o755); err != nil {
		return err
	}
	if err := fsys.Rename(ctx, work.Path, target.Path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", work.Display(), target.Display(), err)
	}
	return nil
}

// applyDirAttrs sets preserved directory attributes deepest first, after
// all files are in (writing a file changes its directory's mtime).
func (j *job) applyDirAttrs(ctx context.Context) error {
	// Under -atomic the directories were recorded in the work tree, which
	// has been renamed to the target since.
	work, err1 := fs.ParseURI(j.spec.WriteRoot)
	target, err2 := fs.ParseURI(j.spec.Target)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	var first error
	err := j.dirs.each(func(d dirAttr) error {
		stop, err := j.applyDirAttr(ctx, work, target, d)
		if stop {
			return err
		}
		if err != nil && first == nil {
			first = err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return first
}

// applyDirAttr sets one directory's preserved attributes; stop says the
// error ends them all (the others are noted, and the rest go on).
func (j *job) applyDirAttr(ctx context.Context, work, target fs.URI, d dirAttr) (stop bool, err error) {
	u, err := fs.ParseURI(d.path)
	if err != nil {
		return true, err
	}
	if j.spec.Options.Atomic && work.Contains(u) {
		u.Path = target.Path + strings.TrimPrefix(u.Path, work.Path)
	}
	fsys, err := j.c.reg.FS(ctx, u)
	if err != nil {
		return true, err
	}
	a := distcp.AttrsFor(j.spec.Options.Preserve, d.attr)
	if a == (fs.Attrs{}) {
		return false, nil // only letters no backend applies to directories (-pr, -pb)
	}
	err = fs.SetAttrs(ctx, fsys, u.Path, a)
	if errors.Is(err, errors.ErrUnsupported) {
		// DistCp fails the job when it cannot preserve what -p asks
		// for, and so does the copier for files.
		return true, fmt.Errorf("preserve attributes of directory %s: %s cannot store owners, permissions or times (drop -p): %w",
			u.Display(), u.Scheme, err)
	}
	if err != nil {
		return false, fmt.Errorf("preserve attributes of directory %s: %w", u.Display(), err)
	}
	return false, nil
}
