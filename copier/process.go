package copier

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// process brings one item to its target. The returned Result carries the
// status and reason; an error means the item failed (maybe retriably).
func (c *Copier) process(ctx context.Context, job *messages.Job, item *messages.WorkItem, attempt int) (messages.Result, error) {
	var res messages.Result
	t, err := c.newTask(ctx, job, item, attempt)
	if err != nil {
		return res, err
	}
	switch item.Kind {
	case messages.KindDir:
		return t.dir(ctx)
	case messages.KindFile:
		return t.file(ctx)
	case messages.KindChunk:
		return t.chunk(ctx)
	default:
		return res, permanent(fmt.Errorf("unknown work item kind %q", item.Kind))
	}
}

// newTask checks an item's paths and opens its file systems.
func (c *Copier) newTask(ctx context.Context, job *messages.Job, item *messages.WorkItem, attempt int) (*task, error) {
	t, err := openTaskIn(ctx, c.reg, job, c.pathsOf(job), item)
	if err != nil {
		return nil, err
	}
	t.c, t.attempt, t.tempID = c, attempt, strconv.FormatInt(item.Index, 10)
	return t, nil
}

// pathsOf parses a job's write root and sources once per job spec (specs
// never change; the job cache keeps one per job).
func (c *Copier) pathsOf(job *messages.Job) *jobPaths {
	if jp, ok := c.paths.Load(job); ok {
		return jp.(*jobPaths)
	}
	jp, _ := c.paths.LoadOrStore(job, parseJobPaths(job))
	return jp.(*jobPaths)
}

// openTask checks an item's paths (a refusal is permanent) and opens its
// file systems.
func openTask(ctx context.Context, reg *fs.Registry, job *messages.Job, item *messages.WorkItem) (*task, error) {
	return openTaskIn(ctx, reg, job, parseJobPaths(job), item)
}

func openTaskIn(ctx context.Context, reg *fs.Registry, job *messages.Job, jp *jobPaths, item *messages.WorkItem) (*task, error) {
	src, dst, err := jp.check(item)
	if err != nil {
		return nil, permanent(err)
	}
	srcFS, err := reg.FS(ctx, src)
	if err != nil {
		return nil, err
	}
	dstFS, err := reg.FS(ctx, dst)
	if err != nil {
		return nil, err
	}
	return &task{job: job, item: item, src: src, dst: dst, srcFS: srcFS, dstFS: dstFS}, nil
}

// jobPaths are a job's write root and sources, parsed.
type jobPaths struct {
	writeRoot string
	root      fs.URI
	rootErr   error
	sources   []fs.URI // those that parse
}

func parseJobPaths(job *messages.Job) *jobPaths {
	jp := &jobPaths{writeRoot: job.WriteRoot}
	jp.root, jp.rootErr = fs.ParseURI(job.WriteRoot)
	for _, s := range job.Sources {
		if su, err := fs.ParseURI(s); err == nil {
			jp.sources = append(jp.sources, su)
		}
	}
	return jp
}

// check parses the item's URIs and refuses any that escape the job: a
// copier only ever writes under the job's write root and reads its sources.
func (jp *jobPaths) check(item *messages.WorkItem) (src, dst fs.URI, err error) {
	if src, err = fs.ParseURI(item.Src); err != nil {
		return src, dst, err
	}
	if dst, err = fs.ParseURI(item.Dst); err != nil {
		return src, dst, err
	}
	if jp.rootErr != nil {
		return src, dst, fmt.Errorf("job write root: %w", jp.rootErr)
	}
	if !jp.root.Contains(dst) || item.Dst != dst.String() {
		return src, dst, fmt.Errorf("target %s is outside the job's target %s: refused", item.Dst, jp.writeRoot)
	}
	inSource := false
	for _, su := range jp.sources {
		if su.Contains(src) {
			inSource = true
			break
		}
	}
	if !inSource || item.Src != src.String() {
		return src, dst, fmt.Errorf("source %s is not under the job's sources: refused", item.Src)
	}
	return src, dst, nil
}

// DirExists is the reason a directory item whose target exists gives.
const DirExists = "directory exists"

// DirResult starts the result of a directory with source attributes a: it
// echoes them for the committer to apply, except on the target root under
// -update or -overwrite, which keeps its own (DistCp without -updateRoot).
func DirResult(o messages.Options, a *messages.Attrs, root bool) messages.Result {
	if root && (o.Update || o.Overwrite) {
		return messages.Result{}
	}
	return messages.Result{Attr: a}
}

// task is one item being worked on.
type task struct {
	c        *Copier
	job      *messages.Job
	item     *messages.WorkItem
	attempt  int
	src, dst fs.URI
	srcFS    fs.FS
	dstFS    fs.FS
	// tempID names the item in temp file names (a bundle's files add
	// their position to the bundle's index).
	tempID string
	// dirs, when set, remembers target directories known to exist, so a
	// bundle's files in one directory look it up once.
	dirs map[string]bool
}

func (t *task) dir(ctx context.Context) (messages.Result, error) {
	res := DirResult(t.job.Options, &t.item.Attr, t.item.Root)
	fi, err := t.dstFS.Stat(ctx, t.dst.Path)
	switch {
	case err == nil && !fi.IsDir():
		return res, permanent(fmt.Errorf("cannot replace file %s with directory %s", t.dst.Display(), t.src.Display()))
	case err == nil && t.item.TargetMissing && !t.job.Options.DryRun:
		res.Status, res.Reason, res.DirsCreated = messages.StatusCopied, "directory created (by this job: missing when listed)", 1
		return res, nil
	case err == nil:
		res.Status, res.Reason = messages.StatusSkipped, DirExists
		return res, nil
	case !errors.Is(err, fs.ErrNotExist):
		return res, err
	}
	if t.job.Options.DryRun {
		missing, err := missingParents(ctx, t.dstFS, t.dst.Path)
		if err != nil {
			return res, err
		}
		res.Status, res.Reason, res.DirsCreated = messages.StatusCopied, "dry run: would create directory", 1+missing
		return res, nil
	}
	n, err := fs.MkdirAllLevels(ctx, t.dstFS, t.dst.Path, 0o755)
	res.DirsCreated = n
	if err != nil {
		return res, err
	}
	res.Status, res.Reason = messages.StatusCopied, "directory created"
	return res, nil
}

// missingParents counts the missing directories above the missing path p
// that a copy to p would make, and fails, as the copy would, when one of
// them is a file. Only dry runs look: a run finds out as it makes them.
func missingParents(ctx context.Context, fsys fs.FS, p string) (int, error) {
	n := 0
	for d := path.Dir(p); ; d = path.Dir(d) {
		fi, err := fsys.Stat(ctx, d)
		switch {
		case err == nil && !fi.IsDir():
			return n, permanent(fmt.Errorf("cannot create %s: %s is a file, not a directory", p, d))
		case err == nil:
			return n, nil
		case !errors.Is(err, fs.ErrNotExist):
			return n, err
		}
		if d == "/" {
			return n, nil
		}
		n++
	}
}
