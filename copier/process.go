package copier

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"sync/atomic"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/place"
	"github.com/jetcp/jetcp/messages"
)

// process brings one item to its target. The returned Result carries the
// status and reason; an error means the item failed (maybe retriably).
func (c *Copier) process(ctx context.Context, job *messages.Job, item *messages.WorkItem, attempt int, moved *atomic.Int64) (messages.Result, error) {
	var res messages.Result
	t, err := c.newTask(ctx, job, item, attempt)
	if err != nil {
		return res, err
	}
	t.moved = moved
	switch item.Kind {
	case messages.KindDir:
		if job.Options.Verify {
			return t.verify(ctx)
		}
		return t.dir(ctx)
	case messages.KindFile:
		return t.file(ctx)
	case messages.KindChunk:
		return t.chunk(ctx)
	default:
		return res, place.Permanent(fmt.Errorf("unknown work item kind %q", item.Kind))
	}
}

// newTask checks an item's paths and opens its file systems.
func (c *Copier) newTask(ctx context.Context, job *messages.Job, item *messages.WorkItem, attempt int) (*task, error) {
	f, err := place.Open(ctx, c.reg, job, c.pathsOf(job), item)
	if err != nil {
		return nil, err
	}
	return &task{File: f, c: c, attempt: attempt, tempID: strconv.FormatInt(item.Index, 10)}, nil
}

// pathsOf parses a job's write root and sources once per job spec (specs
// never change; the job cache keeps one per job).
func (c *Copier) pathsOf(job *messages.Job) *place.Paths {
	if jp, ok := c.paths.Load(job); ok {
		return jp.(*place.Paths)
	}
	jp, _ := c.paths.LoadOrStore(job, place.ParsePaths(job))
	return jp.(*place.Paths)
}

// dirResult starts the result of a directory with source attributes a: it
// echoes them for the committer to apply, except on a target root that
// keeps its own (distcp.KeepsRootAttrs).
func dirResult(o messages.Options, a *messages.Attrs, root bool) messages.Result {
	if root && distcp.KeepsRootAttrs(o) {
		return messages.Result{}
	}
	return messages.Result{Attr: a}
}

// task is one item being worked on.
type task struct {
	*place.File
	c       *Copier
	attempt int
	// tempID names the item in temp file names (a bundle's files add
	// their position to the bundle's index).
	tempID string
	// dirs, when set, remembers target directories known to exist, so a
	// bundle's files in one directory look it up once.
	dirs map[string]bool
	// moved, when set, counts the bytes this item's copy wrote so far (its
	// bytes in flight).
	moved *atomic.Int64
	// prefix is the CRC32C of the source's first bytes that -append found
	// the target to hold (appendDecision).
	prefix fs.Checksum
}

func (t *task) dir(ctx context.Context) (messages.Result, error) {
	res := dirResult(t.Job.Options, &t.Item.Attr, t.Item.Root)
	if fs.ImplicitDirs(t.DstFS) && t.Item.TargetMissing && !t.Job.Options.DryRun {
		return t.markDir(ctx, res)
	}
	fi, err := t.DstFS.Stat(ctx, t.Dst.Path)
	switch {
	case err == nil && !fi.IsDir():
		return res, place.Permanent(fmt.Errorf("cannot replace file %s with directory %s", t.Dst.Display(), t.Src.Display()))
	case err == nil && t.Item.TargetMissing && !t.Job.Options.DryRun:
		res.Status, res.Reason, res.DirsCreated = messages.StatusCopied, "directory created (by this job: missing when listed)", 1
		return res, nil
	case err == nil:
		res.Status, res.Reason = messages.StatusSkipped, distcp.DirExists
		return res, nil
	case !errors.Is(err, fs.ErrNotExist):
		return res, err
	}
	if t.Job.Options.DryRun {
		missing, err := missingParents(ctx, t.DstFS, t.Dst.Path)
		if err != nil {
			return res, err
		}
		res.Status, res.Reason, res.DirsCreated = messages.StatusCopied, "dry run: would create directory", 1+missing
		return res, nil
	}
	n, err := fs.MkdirAllLevels(ctx, t.DstFS, t.Dst.Path, 0o755)
	res.DirsCreated = n
	if err != nil {
		return res, err
	}
	res.Status, res.Reason = messages.StatusCopied, "directory created"
	return res, nil
}

// markDir makes a directory the lister saw missing on a store where
// directories need no parents (fs.DirMarker): its marker, put without a
// look, since a look could not tell this job's making from an older
// directory anyway (files already copied below make it seem to exist),
// and, unless its parent is this job's item too (ParentInJob), the
// parents missing above it.
func (t *task) markDir(ctx context.Context, res messages.Result) (messages.Result, error) {
	if !t.Item.ParentInJob {
		if parent := path.Dir(t.Dst.Path); parent != t.Dst.Path {
			n, err := fs.MkdirAllLevels(ctx, t.DstFS, parent, 0o755)
			res.DirsCreated = n
			if err != nil {
				return res, err
			}
		}
	}
	if err := fs.MarkDir(ctx, t.DstFS, t.Dst.Path, 0o755); err != nil {
		return res, err
	}
	res.Status, res.Reason = messages.StatusCopied, "directory created"
	res.DirsCreated++
	return res, nil
}

// missingParents counts the missing directories above the missing path p
// that a copy to p would make, and fails, as the copy would, when one of
// them is a file. Only dry runs look: a run finds out as it makes them.
func missingParents(ctx context.Context, fsys fs.FS, p string) (int, error) {
	dirs, err := fs.MissingDirs(ctx, fsys, path.Dir(p))
	if errors.Is(err, fs.ErrExist) {
		return 0, place.Permanent(fmt.Errorf("cannot create %s: %w", p, err))
	}
	return len(dirs), err
}
