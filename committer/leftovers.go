package committer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
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
