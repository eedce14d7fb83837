package lister

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// Publisher is where a lister records jobs and sends their work and
// events (internal/bus's Bus in the binaries, a fake in tests).
type Publisher interface {
	// CreateJob records a job's spec; an id recorded already fails.
	CreateJob(ctx context.Context, job *messages.Job) error
	// PublishEvent publishes ev; events with the same non-empty msgID
	// count once.
	PublishEvent(ctx context.Context, ev *messages.Event, msgID string) error
	// WorkQueue returns a publisher of job's work items.
	WorkQueue(job string) WorkQueue
	// RenewLease sends a heartbeat of job's listing (Job.ListingLease).
	RenewLease(job string) error
}

// WorkQueue publishes one job's work items, waiting while the work stream
// is full. It is an alias of an interface literal (internal/bus names the
// same literal), so that the bus satisfies Publisher without either
// package importing the other.
type WorkQueue = interface {
	// Add publishes item; it may return before the item is stored.
	Add(ctx context.Context, item *messages.WorkItem) error
	// Flush waits until every item added is stored.
	Flush(ctx context.Context) error
}

// Lister records jobs and streams their listings into the work stream.
type Lister struct {
	pub    Publisher
	reg    *fs.Registry
	log    zerolog.Logger
	onItem func(items, files, bytes int64)
	// threads lists this many directories at once (-numListstatusThreads).
	threads int
	// lease is the job's listing lease: the lister beats five times in it.
	lease time.Duration
	// cps keeps the listings' checkpoints (nil: none are kept), after
	// cpDirs directories or cpEvery (checkpoint.go).
	cps     Checkpoints
	cpDirs  int
	cpEvery time.Duration
}

// Option configures a Lister.
type Option func(*Lister)

// WithProgress makes the lister count every entry it enqueues with
// onItem (e.g. a jobclient.Progress's Listed), so a display shows the
// totals growing while the listing runs.
func WithProgress(onItem func(items, files, bytes int64)) Option {
	return func(l *Lister) { l.onItem = onItem }
}

// WithListThreads lists n directories at once (DistCp's
// -numListstatusThreads).
func WithListThreads(n int) Option { return func(l *Lister) { l.threads = n } }

// WithListingLease sets the listing lease (messages.Job.ListingLease):
// the committer fails a job whose lister sent no heartbeat for d.
func WithListingLease(d time.Duration) Option { return func(l *Lister) { l.lease = d } }

// New returns a lister that reads sources through reg and publishes to pub.
func New(pub Publisher, reg *fs.Registry, log zerolog.Logger, opts ...Option) *Lister {
	l := &Lister{pub: pub, reg: reg, log: log.With().Str("component", "lister").Logger(), lease: messages.DefaultListingLease,
		cpDirs: DefaultCheckpointDirs, cpEvery: DefaultCheckpointEvery}
	l.cps, _ = pub.(Checkpoints)
	for _, o := range opts {
		o(l)
	}
	return l
}

// Submit records the plan's job, walks its sources and publishes one work
// item per entry with a dense index, then closes the listing with the
// totals. The walk streams: only the chain of open directories is in memory.
// On error, a non-nil Listed means the listing was closed (with its Error
// set), so the job ends by itself; nil means it may not end without help.
func (l *Lister) Submit(ctx context.Context, p *Plan) (*messages.Listed, error) {
	job := p.Job
	log := l.log.With().Str("job", job.ID).Logger()
	job.ListingLease = max(l.lease, 0)
	if err := l.pub.CreateJob(ctx, job); err != nil {
		return nil, err
	}
	defer l.keepLease(ctx, job.ID, log)()
	if err := l.event(ctx, &messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job}); err != nil {
		return nil, err
	}
	log.Info().Str("plan", p.Describe()).Msg("job created; listing")

	listed := &messages.Listed{}
	e := &enqueuer{job: job, pub: l.pub.WorkQueue(job.ID), listed: listed, onItem: l.onItem, events: l.pub}
	e.manifest = l.loadManifest(ctx, job, log)
	e.track = l.startTracking(ctx, p, e, log)
	return l.listAndClose(ctx, p, e, 0, log)
}

// listAndClose lists the plan's roots from root from on and closes the
// listing (see Submit for what its results mean).
func (l *Lister) listAndClose(ctx context.Context, p *Plan, e *enqueuer, from int, log zerolog.Logger) (*messages.Listed, error) {
	err := l.list(ctx, p, e, from)
	var broke *brokeOff
	if errors.As(err, &broke) {
		if l.abort(ctx, e, broke.cause) {
			return e.listed, broke.cause
		}
		return nil, broke.cause
	}
	if err != nil {
		return nil, err
	}
	if err := l.close(ctx, e); err != nil {
		return nil, err
	}
	listed := e.listed
	log.Info().Int64("files", listed.Files).Int64("dirs", listed.Dirs).Int64("bytes", listed.Bytes).Msg("listing complete")
	return listed, nil
}

// keepLease sends the listing's heartbeats until the stop it returns is
// called (the listing is closed, or failed) or ctx ends: a lister that
// dies stops them, and the committer fails the job once the lease lapses.
func (l *Lister) keepLease(ctx context.Context, job string, log zerolog.Logger) (stop func()) {
	ctx, stop = context.WithCancel(ctx)
	if l.lease <= 0 {
		return stop // no lease taken
	}
	go func() {
		t := time.NewTicker(l.lease / 5)
		defer t.Stop()
		for {
			if err := l.pub.RenewLease(job); err != nil {
				log.Warn().Err(err).Msg("cannot renew the listing lease")
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return stop
}

// list enqueues the plan's entries: those its manifest names, else each
// root's tree.
// from: the roots before it are enqueued (a resumed listing).
func (l *Lister) list(ctx context.Context, p *Plan, e *enqueuer, from int) error {
	if p.fromManifest {
		return l.listManifest(ctx, p, e)
	}
	if p.diff != nil {
		return l.listDiff(ctx, p, e)
	}
	for i, r := range p.Roots[from:] {
		if e.track != nil && (i > 0 || e.track.root != from) {
			e.track.beginRoot(from + i)
		}
		if err := l.listRoot(ctx, p, r, e); err != nil {
			return err
		}
	}
	return nil
}

// startTracking checkpoints the listing from its start, when the
// publisher keeps checkpoints and the listing walks its roots (-diff and
// manifest listings are not resumed). A checkpoint that cannot be saved
// leaves the listing without one: it still runs.
func (l *Lister) startTracking(ctx context.Context, p *Plan, e *enqueuer, log zerolog.Logger) *tracker {
	if l.cps == nil || p.fromManifest || p.diff != nil {
		return nil
	}
	t := newTracker(l, e, l.cps, p)
	if err := t.save(ctx); err != nil || !t.saved {
		log.Warn().Err(err).Msg("cannot checkpoint the listing: it cannot be resumed if this lister dies")
		return nil
	}
	return t
}

// brokeOff is a walk that failed part way: the listing can still be
// closed with it, so the items enqueued are copied.
type brokeOff struct{ cause error }

func (b *brokeOff) Error() string { return b.cause.Error() }
func (b *brokeOff) Unwrap() error { return b.cause }

// listRoot enqueues one root of the plan: a file, or a directory and the
// tree below it. A failure of the walk comes back as a *brokeOff.
func (l *Lister) listRoot(ctx context.Context, p *Plan, r Root, e *enqueuer) error {
	e.root = r
	sfs, err := l.reg.FS(ctx, r.Src)
	if err != nil {
		return err
	}
	dfs, err := l.reg.FS(ctx, r.Dst)
	if err != nil {
		return err
	}
	// -filters test every path on its own (DistCp's SimpleCopyListing):
	// an excluded root or directory is not copied, its children are
	// listed and tested in turn.
	excluded := p.Filter.Excludes(r.Src)
	if !r.Info.IsDir() {
		if excluded || e.covered[r.Src.String()] {
			return nil
		}
		return e.file(ctx, r.Src, r.Dst, r.Info, true, false, dfs)
	}
	// Below a missing root target every target is missing (no lookups
	// while listing), and a copier that finds the root made knows this
	// job made it. The plan mostly knows; otherwise one lookup.
	rootMissing := r.DstMissing
	if !r.DstKnown {
		_, err := dfs.Stat(ctx, r.Dst.Path)
		rootMissing = errors.Is(err, fs.ErrNotExist)
	}
	if !excluded && !e.rootEnqueued(r) {
		if err := e.dir(ctx, r.Src, r.Dst, r.Info, true, true, rootMissing, false); err != nil {
			return err
		}
	}
	err = l.walkRoot(ctx, p, r, e, sfs, dfs, rootMissing)
	if err == nil {
		err = e.flush(ctx)
	}
	if err != nil {
		return &brokeOff{cause: fmt.Errorf("list %s: %w", r.Src.Display(), err)}
	}
	return nil
}

// walkRoot enqueues every entry below a directory root.
func (l *Lister) walkRoot(ctx context.Context, p *Plan, r Root, e *enqueuer, sfs, dfs fs.FS, rootMissing bool) error {
	job := p.Job
	// Preserving needs what only Stat tells on such backends.
	statEach := job.Options.Preserve.Any() && fs.ListOmitsAttrs(sfs)
	statted := statEach || !fs.ListOmitsAttrs(sfs)
	check := quickCheck(ctx, job.Options, p.Filter, r, dfs, statted && !statEach, e.manifest)
	return l.walk(ctx, sfs, r.Src.Path, rootMissing, check, e.track, func(fi fs.FileInfo, v verdict) error {
		if manifestsOf(r.Src, fi) {
			return fs.SkipDir
		}
		if e.track != nil && fi.IsDir() && e.track.skipDir(fi.Path) {
			return fs.SkipDir // its tree was enqueued before a resume
		}
		src := r.Src
		src.Path = fi.Path
		if p.Filter.Excludes(src) || e.enqueuedBefore(src, fi) {
			return nil // a directory's children are still walked
		}
		if statEach {
			full, err := sfs.Stat(ctx, fi.Path)
			if err != nil {
				return fmt.Errorf("stat %s: %w", src.Display(), err)
			}
			fi = full
		}
		// Join, not concatenation: a root target ("/") must not give "//x".
		dst := r.Dst.Join(strings.TrimPrefix(fi.Path, r.Src.Path))
		if v.skip {
			return e.skipped(ctx, src, dst, fi, v)
		}
		if fi.IsDir() {
			return e.dir(ctx, src, dst, fi, false, statted, v.missing, v.underMissing)
		}
		return e.file(ctx, src, dst, fi, statted, v.underMissing, dfs)
	})
}

// close flushes what is pending and closes the listing with its totals
// (and, when it broke off, its error).
func (l *Lister) close(ctx context.Context, e *enqueuer) error {
	if err := e.flush(ctx); err != nil {
		return err
	}
	if err := e.pub.Flush(ctx); err != nil {
		return err
	}
	if err := l.event(ctx, &messages.Event{Type: messages.EventListed, Job: e.job.ID, Listed: e.listed}); err != nil {
		return err
	}
	if e.track != nil {
		if err := l.cps.DeleteCheckpoint(ctx, e.job.ID); err != nil {
			l.log.Debug().Err(err).Msg("cannot drop the closed listing's checkpoint; it expires")
		}
	}
	return nil
}

// abort closes a listing that broke off, so the job still ends: the items
// already enqueued are copied and the job fails with the listing error. It
// reports whether the listing could be closed.
func (l *Lister) abort(ctx context.Context, e *enqueuer, cause error) bool {
	if ctx.Err() != nil {
		return false
	}
	e.listed.Error = cause.Error()
	if err := l.close(ctx, e); err != nil {
		l.log.Warn().Err(err).Msg("cannot close the broken-off listing")
		return false
	}
	return true
}

func (l *Lister) event(ctx context.Context, ev *messages.Event) error {
	ev.Time = time.Now().UTC()
	return l.pub.PublishEvent(ctx, ev, ev.Job+"/"+ev.Type)
}

func attrsOf(fi fs.FileInfo) messages.Attrs {
	return messages.Attrs{
		Size: fi.Size, Mode: uint32(fi.Mode & fs.ModeAttrBits), ModTime: fi.ModTime, AccessTime: fi.AccessTime, ChangeTime: fi.ChangeTime,
		Owner: fi.Owner, Group: fi.Group, BlockSize: fi.BlockSize, Replication: fi.Replication, Version: fi.Version,
	}
}

// manifestsOf tells whether fi is the manifest directory of a source
// root: a tree jetcp copied into keeps its manifests there, and they
// describe that tree, not data to copy with it.
func manifestsOf(root fs.URI, fi fs.FileInfo) bool {
	return fi.IsDir() && fi.Path == path.Join(root.Path, manifest.DirName)
}

// loadManifest reads the newest manifest of the job's target for an
// -update (manifest.Load), or returns nil: none, no -update, or one that
// cannot be read (then every file is checked as without one).
func (l *Lister) loadManifest(ctx context.Context, job *messages.Job, log zerolog.Logger) *manifest.Index {
	o := job.Options
	if o.Manifest == "" || !o.Update || o.Overwrite || o.Verify {
		return nil
	}
	u, err := fs.ParseURI(o.Manifest)
	if err != nil {
		return nil
	}
	fsys, err := l.reg.FS(ctx, u)
	if err != nil {
		log.Warn().Err(err).Msg("cannot open the manifest's file system; checking every file")
		return nil
	}
	ix, skipped, err := manifest.Load(ctx, fsys, u.Path)
	for _, why := range skipped {
		log.Warn().Str("why", why).Msg("passing over an unreadable manifest")
	}
	if err != nil {
		log.Warn().Err(err).Msg("cannot read the target's manifests; checking every file")
		return nil
	}
	if ix != nil {
		log.Info().Str("manifest_job", ix.Job).Int("files", ix.Len()).Msg("settling unchanged files from the manifest")
	}
	return ix
}
