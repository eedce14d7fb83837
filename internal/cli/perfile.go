package cli

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync"

	"github.com/jetcp/jetcp/fs"
)

// perFileLog is -log's file, jetcp-<job>.jsonl in the -log directory.
// DistCp's -log is a Hadoop path on any file system, so it is written
// through the fs layer: a local path, hdfs://... or cosn://.... On COS the
// object appears only complete, at Close; on HDFS, where a file being
// written is visible, it is written under a hidden name and renamed at
// Close; a local log is written in place, line by line, as it always was.
// Writes come from the goroutine following the job's results, Close from
// the lister when the job has ended (also failed or interrupted).
type perFileLog struct {
	mu         sync.Mutex
	ctx        context.Context
	fsys       fs.FS
	w          fs.Writer
	tmp, final string // the same when written in place
	closed     bool
}

// openLog creates the log of job in dir (made if missing). A directory
// that cannot be written is an error now, before anything is copied.
func openLog(ctx context.Context, reg *fs.Registry, dir, job string) (*perFileLog, error) {
	// The log outlives an interrupt: it is closed after the job stops.
	ctx = context.WithoutCancel(ctx)
	u, err := fs.ParseURI(dir)
	if err != nil {
		return nil, err
	}
	fsys, err := reg.FS(ctx, u)
	if err != nil {
		return nil, err
	}
	if _, err := fs.MkdirAll(ctx, fsys, u.Path, 0o755); err != nil {
		return nil, err
	}
	// An object store's Create asks nothing of the store: look at the
	// directory, so that a missing bucket is found now.
	for _, err := range fsys.List(ctx, u.Path) {
		if err != nil {
			return nil, err
		}
		break
	}
	final := path.Join(u.Path, "jetcp-"+job+".jsonl")
	tmp := final
	if ac, ok := fsys.(fs.AtomicCreator); u.Scheme != "file" && (!ok || !ac.AtomicCreate()) {
		tmp = path.Join(u.Path, ".jetcp-"+job+".jsonl.writing")
	}
	w, err := fsys.Create(ctx, tmp, fs.CreateOptions{Perm: 0o644, Overwrite: true})
	if err != nil {
		return nil, err
	}
	return &perFileLog{ctx: ctx, fsys: fsys, w: w, tmp: tmp, final: final}, nil
}

func (l *perFileLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, errors.New("the -log file is closed")
	}
	return l.w.Write(p)
}

// Close completes the log and puts it in place; a second Close does nothing.
func (l *perFileLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if err := l.w.Close(); err != nil {
		if l.tmp != l.final {
			_ = l.fsys.Remove(l.ctx, l.tmp, false)
		}
		return fmt.Errorf("close %s: %w", l.final, err)
	}
	if l.tmp != l.final {
		if err := l.fsys.Rename(l.ctx, l.tmp, l.final); err != nil {
			return fmt.Errorf("rename %s to %s: %w", l.tmp, l.final, err)
		}
	}
	return nil
}
