package jobrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/retry"
)

// FileLog is -log's file, jetcp-<job>.jsonl in the -log directory.
// DistCp's -log is a Hadoop path on any file system, so it is written
// through the fs layer: a local path, hdfs://... or cosn://.... A local log
// is written in place, line by line, as it always was. Elsewhere the lines
// go to a local spool file and the log is uploaded when the job has ended
// (also failed or interrupted), with retries: a job of hours must not lose
// its log to one cut connection, nor hold an HDFS lease or an upload open
// all along. On HDFS, where a file being written is visible, the upload
// goes to a hidden name and is renamed into place; on COS the object
// appears only complete. Writes come from the goroutine following the
// job's results (Run), Close from the command line once Run has returned.
type FileLog struct {
	mu         sync.Mutex
	ctx        context.Context
	fsys       fs.FS
	w          io.Writer // the local log, or the spool
	local      fs.Writer // a local log written in place
	spool      *os.File  // the lines of a log uploaded at Close
	tmp, final string    // the same when the upload appears only complete
	closed     bool
}

// logRetry is how a remote -log is created and uploaded: more patient
// than a file's copy, since one log holds a whole job's account.
func logRetry() retry.Policy {
	return retry.Policy{Attempts: 8, Backoff: 100 * time.Millisecond, Permanent: func(err error) bool {
		return errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNoFileSystem) || errors.Is(err, fs.ErrExist)
	}}
}

// OpenLog creates the log of job in dir (made if missing). A directory
// that cannot be written is an error now, before anything is copied.
func OpenLog(ctx context.Context, reg *fs.Registry, dir, job string) (*FileLog, error) {
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
	final := path.Join(u.Path, "jetcp-"+job+".jsonl")
	l := &FileLog{ctx: ctx, fsys: fsys, tmp: final, final: final}
	if u.Scheme == "file" {
		if _, err := fs.MkdirAll(ctx, fsys, u.Path, 0o755); err != nil {
			return nil, err
		}
		if l.local, err = fsys.Create(ctx, final, fs.CreateOptions{Perm: 0o644, Overwrite: true}); err != nil {
			return nil, err
		}
		l.w = l.local
		return l, nil
	}
	if !fs.AtomicCreate(fsys) {
		l.tmp = path.Join(u.Path, ".jetcp-"+job+".jsonl.writing")
	}
	if err := logRetry().Do(ctx, l.probe); err != nil {
		return nil, err
	}
	if l.spool, err = os.CreateTemp("", "jetcp-log-*.jsonl"); err != nil {
		return nil, fmt.Errorf("spool for the -log: %w", err)
	}
	l.w = l.spool
	return l, nil
}

// probe makes the log's directory and shows it can be written: a missing
// bucket or a refused directory is found before anything is copied.
func (l *FileLog) probe(ctx context.Context) error {
	dir := path.Dir(l.final)
	if _, err := fs.MkdirAll(ctx, l.fsys, dir, 0o755); err != nil {
		return err
	}
	// An object store's Create asks nothing of the store: look at the
	// directory too.
	for _, err := range l.fsys.List(ctx, dir) {
		if err != nil {
			return err
		}
		break
	}
	w, err := l.fsys.Create(ctx, l.tmp, fs.CreateOptions{Perm: 0o644, Overwrite: true})
	if err != nil {
		return err
	}
	return w.Abort()
}

// Write appends result lines (Run's follower calls it); after Close it
// fails rather than lose lines silently.
func (l *FileLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, errors.New("the -log file is closed")
	}
	return l.w.Write(p)
}

// Close completes the log and puts it in place; a second Close does nothing.
func (l *FileLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.local != nil {
		if err := l.local.Close(); err != nil {
			return fmt.Errorf("close %s: %w", l.final, err)
		}
		return nil
	}
	defer os.Remove(l.spool.Name())
	defer l.spool.Close()
	if err := logRetry().Do(l.ctx, l.upload); err != nil {
		return fmt.Errorf("write %s (its lines are in %s): %w", l.final, l.keep(), err)
	}
	return nil
}

// upload writes the spooled lines to the log's place.
func (l *FileLog) upload(ctx context.Context) error {
	if _, err := l.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w, err := l.fsys.Create(ctx, l.tmp, fs.CreateOptions{Perm: 0o644, Overwrite: true})
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, l.spool); err != nil {
		_ = w.Abort()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if l.tmp != l.final {
		return l.fsys.Rename(ctx, l.tmp, l.final)
	}
	return nil
}

// keep saves the spool of a log that could not be uploaded where the user
// can find it, and names it.
func (l *FileLog) keep() string {
	kept := filepath.Join(os.TempDir(), path.Base(l.final))
	if err := os.Link(l.spool.Name(), kept); err != nil {
		return l.spool.Name() + " (removed)"
	}
	return kept
}
