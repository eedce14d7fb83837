package committer

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
)

// -xtrack (CopyCommitter.trackMissing): the target's entries missing at
// the sources are written to a file for another program to act on. The
// walk is -delete's (deleteMissing), so the list holds exactly what
// -delete would remove; with -delete it is what was removed.

// tracker writes the list as the walk finds entries.
type tracker struct {
	target fs.URI // scheme and host of the entries' URIs
	w      fs.Writer
	buf    *bufio.Writer
	at     fs.URI
	// only: list, do not delete (-xtrack without -delete).
	only bool
}

// tracking runs the delete walk with the -xtrack list open, when the job
// has one; only says the walk lists without deleting.
func (j *job) tracking(ctx context.Context, only bool) error {
	dir := j.spec.Options.XTrack
	if dir == "" {
		return j.deleteMissing(ctx)
	}
	tr, err := j.openTracker(ctx, dir)
	if err != nil {
		return err
	}
	tr.only = only
	j.track = tr
	err = j.deleteMissing(ctx)
	j.track = nil
	if err != nil {
		_ = tr.w.Abort()
		return err
	}
	if err := tr.buf.Flush(); err != nil {
		_ = tr.w.Abort()
		return fmt.Errorf("-xtrack %s: %w", tr.at.Display(), err)
	}
	if err := tr.w.Close(); err != nil {
		return fmt.Errorf("-xtrack %s: %w", tr.at.Display(), err)
	}
	j.log.Info().Str("xtrack", tr.at.String()).Msg("target entries missing at the source listed")
	return nil
}

func (j *job) openTracker(ctx context.Context, dir string) (*tracker, error) {
	target, err := fs.ParseURI(j.spec.Target)
	if err != nil {
		return nil, err
	}
	d, err := fs.ParseURI(dir)
	if err != nil {
		return nil, fmt.Errorf("-xtrack %s: %w", dir, err)
	}
	at := d.Join(distcp.XTrackFile)
	fsys, err := j.c.reg.FS(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("-xtrack %s: %w", at.Display(), err)
	}
	if _, err := fs.MkdirAll(ctx, fsys, d.Path, 0o755); err != nil {
		return nil, fmt.Errorf("-xtrack %s: %w", d.Display(), err)
	}
	w, err := fsys.Create(ctx, at.Path, fs.CreateOptions{Overwrite: true})
	if err != nil {
		return nil, fmt.Errorf("-xtrack %s: %w", at.Display(), err)
	}
	return &tracker{target: target, w: w, buf: bufio.NewWriter(w), at: at}, nil
}

// note lists the target entry fi, and everything in it when it is a
// directory.
func (tr *tracker) note(ctx context.Context, tfs fs.FS, fi fs.FileInfo) error {
	tr.line(fi)
	if !fi.IsDir() {
		return nil
	}
	err := fs.Walk(ctx, tfs, fi.Path, func(e fs.FileInfo) error {
		if e.Path != fi.Path {
			tr.line(e)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("-xtrack: %w", err)
	}
	return nil
}

func (tr *tracker) line(fi fs.FileInfo) {
	u := tr.target
	u.Path = fi.Path
	s := u.String()
	if fi.IsDir() {
		s += "/"
	}
	tr.buf.WriteString(s + "\n") // an error stays in buf and shows at Flush
}
