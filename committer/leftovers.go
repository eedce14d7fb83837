package committer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// SweepLeftovers removes what a job that is no longer alive left under its
// write root: its temp files and chunk assemblies, whose names carry its
// id (distcp.TempPrefixFor). A job that ends sweeps its own (sweepTemps);
// this is for one that never ended, e.g. an embedded run that was killed
// with its store: it walks the whole tree, so it runs only where such a
// job is known. It returns how many entries it removed.
func SweepLeftovers(ctx context.Context, reg *fs.Registry, writeRoot, job string, log zerolog.Logger) (int, error) {
	root, err := fs.ParseURI(writeRoot)
	if err != nil {
		return 0, err
	}
	fsys, err := reg.FS(ctx, root)
	if err != nil {
		return 0, fmt.Errorf("sweep leftovers of job %s: %w", job, err)
	}
	prefix := distcp.TempPrefixFor(job)
	removed := 0
	err = fs.Walk(ctx, fsys, root.Path, func(fi fs.FileInfo) error {
		if !strings.HasPrefix(fi.Name(), prefix) {
			return nil
		}
		if err := fsys.Remove(ctx, fi.Path, false); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn().Err(err).Str("path", fi.Path).Msg("cannot remove a dead job's leftover")
			return nil
		}
		removed++
		log.Info().Str("path", fi.Path).Str("job", job).Msg("removed a dead job's leftover")
		return fs.SkipDir
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil // nothing was written there
	}
	if err != nil {
		return removed, fmt.Errorf("sweep leftovers of job %s under %s: %w", job, root.Display(), err)
	}
	return removed, nil
}

// sweepLeftover removes fi, an entry of a directory the commit lists, when
// it is a temp file or chunk assembly that no live job will finish
// (leftover).
func (j *job) sweepLeftover(ctx context.Context, fsys fs.FS, fi fs.FileInfo) {
	if !j.leftover(ctx, fi.Name()) {
		return
	}
	if err := fsys.Remove(ctx, fi.Path, false); err != nil && !errors.Is(err, fs.ErrNotExist) {
		j.log.Warn().Err(err).Str("path", fi.Path).Msg("cannot remove temp file")
		return
	}
	j.log.Info().Str("path", fi.Path).Msg("removed leftover temp file")
}

// leftover tells whether name is a temp file or assembly no live job will
// finish: this job's own (the commit comes after all its copies), or one
// of a job that is not alive: one the job bucket does not hold (e.g. an
// embedded run's: its store was private) or that has ended. A job that
// cannot be looked up counts as alive. Answers are kept per job.
func (j *job) leftover(ctx context.Context, name string) bool {
	id, ok := distcp.TempJob(name)
	switch {
	case !ok:
		return false
	case id == j.spec.ID:
		return true
	}
	if j.alive == nil {
		j.alive = map[string]bool{}
	}
	alive, known := j.alive[id]
	if !known {
		alive = j.jobAlive(ctx, id)
		j.alive[id] = alive
	}
	return !alive
}

// jobAlive tells whether job id is recorded and has not ended.
func (j *job) jobAlive(ctx context.Context, id string) bool {
	_, err := j.c.bus.LoadJob(ctx, id)
	if errors.Is(err, messages.ErrUnknownJob) {
		return false
	}
	if err != nil {
		return true
	}
	done, err := j.c.bus.LastEvent(ctx, id, messages.EventDone)
	return err != nil || done == nil
}
