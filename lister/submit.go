package lister

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// Lister records jobs and streams their listings into the work stream.
type Lister struct {
	js     jetstream.JetStream
	reg    *fs.Registry
	log    zerolog.Logger
	onItem func(items, files, bytes int64)
	// threads lists this many directories at once (-numListstatusThreads).
	threads int
}

// Option configures a Lister.
type Option func(*Lister)

// WithProgress makes the lister count every entry it enqueues into p, so
// a display shows the totals growing while the listing runs.
func WithProgress(p *Progress) Option {
	return func(l *Lister) { l.onItem = p.Listed }
}

// WithListThreads lists n directories at once (DistCp's
// -numListstatusThreads).
func WithListThreads(n int) Option { return func(l *Lister) { l.threads = n } }

// New returns a lister.
func New(js jetstream.JetStream, reg *fs.Registry, log zerolog.Logger, opts ...Option) *Lister {
	l := &Lister{js: js, reg: reg, log: log.With().Str("component", "lister").Logger()}
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
	kv, err := l.js.KeyValue(ctx, messages.JobBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", messages.JobBucket, err)
	}
	spec, err := messages.Encode(job)
	if err != nil {
		return nil, err
	}
	if _, err := kv.Create(ctx, job.ID, spec); err != nil {
		return nil, fmt.Errorf("record job %s: %w", job.ID, err)
	}
	if err := l.event(ctx, &messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job}); err != nil {
		return nil, err
	}
	log.Info().Str("plan", p.Describe()).Msg("job created; listing")

	pub := newPublisher(l.js, job.ID)
	listed := &messages.Listed{}
	e := &enqueuer{job: job, pub: pub, listed: listed, onItem: l.onItem, js: l.js}
	for _, r := range p.Roots {
		e.root = r
		sfs, err := l.reg.FS(ctx, r.Src)
		if err != nil {
			return nil, err
		}
		dfs, err := l.reg.FS(ctx, r.Dst)
		if err != nil {
			return nil, err
		}
		// -filters test every path on its own (DistCp's SimpleCopyListing):
		// an excluded root or directory is not copied, its children are
		// listed and tested in turn.
		excluded := p.Filter.Excludes(r.Src)
		if !r.Info.IsDir() {
			if excluded {
				continue
			}
			if err := e.file(ctx, r.Src, r.Dst, r.Info, true, false, dfs); err != nil {
				return nil, err
			}
			continue
		}
		// Below a missing root target every target is missing (no lookups
		// while listing), and a copier that finds the root made knows this
		// job made it. The plan mostly knows; otherwise one lookup.
		rootMissing := r.DstMissing
		if !r.DstKnown {
			_, err := dfs.Stat(ctx, r.Dst.Path)
			rootMissing = errors.Is(err, fs.ErrNotExist)
		}
		if !excluded {
			if err := e.dir(ctx, r.Src, r.Dst, r.Info, true, true, rootMissing, false); err != nil {
				return nil, err
			}
		}
		// Preserving needs what only Stat tells on such backends.
		statEach := job.Options.Preserve.Any() && fs.ListOmitsAttrs(sfs)
		statted := statEach || !fs.ListOmitsAttrs(sfs)
		check := quickCheck(ctx, job.Options, p.Filter, r, dfs, statted && !statEach)
		err = l.walk(ctx, sfs, r.Src.Path, rootMissing, check, func(fi fs.FileInfo, v verdict) error {
			src := r.Src
			src.Path = fi.Path
			if p.Filter.Excludes(src) {
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
				return e.skipped(ctx, src, dst, fi, v.reason)
			}
			if fi.IsDir() {
				return e.dir(ctx, src, dst, fi, false, statted, v.missing, v.underMissing)
			}
			return e.file(ctx, src, dst, fi, statted, v.underMissing, dfs)
		})
		if err == nil {
			err = e.flush(ctx)
		}
		if err != nil {
			cause := fmt.Errorf("list %s: %w", r.Src.Display(), err)
			if l.abort(ctx, e, cause) {
				return listed, cause
			}
			return nil, cause
		}
	}
	if err := e.flush(ctx); err != nil {
		return nil, err
	}
	if err := pub.flush(ctx); err != nil {
		return nil, err
	}
	if err := l.event(ctx, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: listed}); err != nil {
		return nil, err
	}
	log.Info().Int64("files", listed.Files).Int64("dirs", listed.Dirs).Int64("bytes", listed.Bytes).Msg("listing complete")
	return listed, nil
}

// abort closes a listing that broke off, so the job still ends: the items
// already enqueued are copied and the job fails with the listing error. It
// reports whether the listing could be closed.
func (l *Lister) abort(ctx context.Context, e *enqueuer, cause error) bool {
	if ctx.Err() != nil {
		return false
	}
	pub, listed := e.pub, e.listed
	if err := e.flush(ctx); err != nil {
		l.log.Warn().Err(err).Msg("cannot close the broken-off listing")
		return false
	}
	if err := pub.flush(ctx); err != nil {
		l.log.Warn().Err(err).Msg("cannot close the broken-off listing")
		return false
	}
	listed.Error = cause.Error()
	if err := l.event(ctx, &messages.Event{Type: messages.EventListed, Job: pub.job, Listed: listed}); err != nil {
		l.log.Warn().Err(err).Msg("cannot close the broken-off listing")
		return false
	}
	return true
}

func (l *Lister) event(ctx context.Context, ev *messages.Event) error {
	ev.Time = time.Now().UTC()
	return messages.PublishEvent(ctx, l.js, ev, ev.Job+"/"+ev.Type)
}

func attrsOf(fi fs.FileInfo) messages.Attrs {
	return messages.Attrs{
		Size: fi.Size, Mode: uint32(fi.Mode & fs.ModeAttrBits), ModTime: fi.ModTime, AccessTime: fi.AccessTime, ChangeTime: fi.ChangeTime,
		Owner: fi.Owner, Group: fi.Group, BlockSize: fi.BlockSize, Replication: fi.Replication,
	}
}

// publisher publishes work items asynchronously with a bounded window,
// waiting and retrying when the work stream pushes back (DiscardNew).
type publisher struct {
	js      jetstream.JetStream
	subject string
	job     string
	pending []pending
}

type pending struct {
	id   string
	data []byte
	ack  jetstream.PubAckFuture
}

const publishWindow = 1024

func newPublisher(js jetstream.JetStream, job string) *publisher {
	return &publisher{js: js, job: job, subject: messages.WorkSubjectFor(job)}
}

func (p *publisher) add(ctx context.Context, item *messages.WorkItem) error {
	data, err := messages.Encode(item)
	if err != nil {
		return err
	}
	// The msg id makes re-listing the same index idempotent.
	id := p.job + "/" + strconv.FormatInt(item.Index, 10)
	f, err := p.js.PublishAsync(p.subject, data, jetstream.WithMsgID(id))
	if err != nil {
		return fmt.Errorf("publish work item: %w", err)
	}
	p.pending = append(p.pending, pending{id: id, data: data, ack: f})
	if len(p.pending) >= publishWindow {
		return p.flush(ctx)
	}
	return nil
}

func (p *publisher) flush(ctx context.Context) error {
	for _, pm := range p.pending {
		select {
		case <-pm.ack.Ok():
		case err := <-pm.ack.Err():
			if err := p.retry(ctx, pm, err); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.pending = p.pending[:0]
	return nil
}

// republish retries a publish while the stream is full or does not answer.
var republish = retry.Policy{Attempts: retry.Forever, Backoff: 50 * time.Millisecond, Max: 2 * time.Second,
	Permanent: func(err error) bool {
		return !messages.IsBackPressure(err) && !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, context.DeadlineExceeded)
	}}

// retry republishes one item synchronously until the stream takes it; err
// is its asynchronous publish's failure, the first try.
func (p *publisher) retry(ctx context.Context, pm pending, err error) error {
	last, tried := err, false
	err = republish.Do(ctx, func(ctx context.Context) error {
		if tried {
			_, last = p.js.Publish(ctx, p.subject, pm.data, jetstream.WithMsgID(pm.id))
		}
		tried = true
		return last
	})
	if err != nil && err == last {
		return fmt.Errorf("publish work item %s: %w", pm.id, messages.ExplainStoreError(err))
	}
	return err // nil, or ctx's
}
