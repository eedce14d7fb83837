package lister

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// walk visits the tree below root like fs.Walk, with l.threads directory
// listings running at once (DistCp's -numListstatusThreads): on object
// stores and HDFS a listing is a round trip per page, so one at a time
// leaves the lister waiting. fn still runs on this goroutine only, parents
// before children, and entries stream through a bounded channel: memory
// holds the directories waiting to be listed, never a whole listing.
// check, when not nil, is asked on the listing goroutines for each
// directory's check of its entries (which may list the directory's target
// once), so their lookups run in parallel too; fn gets each verdict.
// Below a directory whose target is missing (rootMissing: root's) check
// is not asked: every entry's target is missing too (its verdict says
// so, whether or not there is a check), and a fresh copy costs no target
// lookups. t, when not nil (its methods do nothing on nil), learns which directories are enqueued, and
// checkpoints the listing between directories.
func (l *Lister) walk(ctx context.Context, fsys fs.FS, root string, rootMissing bool, check dirCheck, t *tracker, fn func(fs.FileInfo, verdict) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := &dirQueue{dirs: []queued{{path: root, missing: rootMissing}}}
	q.cond = sync.NewCond(&q.mu)
	out := make(chan listed, 4*max(l.threads, 1))
	var wg sync.WaitGroup
	defer func() {
		q.close()
		cancel()
		// Workers blocked sending must see the cancel; drain until they stop.
		go func() {
			for range out {
			}
		}()
		wg.Wait()
		close(out)
	}()
	for range max(l.threads, 1) {
		wg.Go(func() { q.work(ctx, fsys, check, out) })
	}
	pending := 1 // directories queued or being listed
	t.open(root, "")
	for pending > 0 {
		var b listed
		select {
		case b = <-out:
		case <-ctx.Done():
			return ctx.Err()
		}
		t.entries(b.dir)
		for i, fi := range b.entries {
			var v verdict
			if b.verdicts != nil {
				v = b.verdicts[i]
			}
			err := fn(fi, v)
			if fi.IsDir() {
				if errors.Is(err, fs.SkipDir) {
					continue
				}
				if err == nil {
					pending++
					t.open(fi.Path, b.dir)
					q.push(queued{path: fi.Path, missing: v.missing && !v.blocked, blocked: v.blocked})
				}
			}
			if err != nil && !errors.Is(err, fs.SkipDir) {
				return err
			}
		}
		if b.done {
			if b.err != nil {
				return fmt.Errorf("list %s: %w", b.dir, b.err)
			}
			pending--
			t.finished(b.dir)
			if err := t.maybeSave(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// listed is a batch of one directory's entries (with their verdicts when
// there is a check); done marks its last.
type listed struct {
	dir      string
	entries  []fs.FileInfo
	verdicts []verdict
	done     bool
	err      error
}

// dirCheck gives the check of one source directory's entries (see
// quickCheck).
type dirCheck func(dir string) func(fs.FileInfo) verdict

// verdict is what a listing goroutine settled about an entry ahead of the
// enqueuer: nothing (the zero verdict: enqueue it), that its target is
// already as it should be, and why, or that its target is missing.
type verdict struct {
	skip   bool
	reason string
	// record is a skipped file's manifest record (messages.Result.Record).
	record  *messages.Record
	missing bool
	// underMissing: the entry's parent directory's target was missing
	// when listed (so is the entry's, unlooked at).
	underMissing bool
	// blocked: the target of the entry (a directory) or of a directory
	// above it is a file. Nothing below is settled or missing as far as
	// the listing can promise: on an object store a path below a file
	// looks missing, but its items must fail as DistCp's do, not be put
	// beside the file.
	blocked bool
}

// queued is a directory waiting to be listed; missing: its target is;
// blocked: its target or one above it is a file (verdict.blocked).
type queued struct {
	path    string
	missing bool
	blocked bool
}

const listBatch = 256

type dirQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	dirs   []queued
	closed bool
}

func (q *dirQueue) push(d queued) {
	q.mu.Lock()
	q.dirs = append(q.dirs, d)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *dirQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *dirQueue) pop() (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.dirs) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return queued{}, false
	}
	d := q.dirs[len(q.dirs)-1] // depth first keeps the queue short
	q.dirs = q.dirs[:len(q.dirs)-1]
	return d, true
}

// work lists directories until the queue closes.
func (q *dirQueue) work(ctx context.Context, fsys fs.FS, check dirCheck, out chan<- listed) {
	send := func(b listed) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		d, ok := q.pop()
		if !ok {
			return
		}
		dir := d.path
		b := listed{dir: dir}
		var entryCheck func(fs.FileInfo) verdict
		if check != nil && !d.blocked && !d.missing {
			entryCheck = check(dir)
		}
		var lerr error
		for fi, err := range fsys.List(ctx, dir) {
			if err != nil {
				lerr = err
				break
			}
			b.entries = append(b.entries, fi)
			switch {
			case d.blocked:
				b.verdicts = append(b.verdicts, verdict{blocked: true})
			case d.missing:
				b.verdicts = append(b.verdicts, verdict{missing: true, underMissing: true})
			case entryCheck == nil:
			default:
				b.verdicts = append(b.verdicts, entryCheck(fi))
			}
			if len(b.entries) == listBatch {
				if !send(b) {
					return
				}
				b = listed{dir: dir}
			}
		}
		b.done, b.err = true, lerr
		if !send(b) {
			return
		}
	}
}
