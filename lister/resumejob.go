package lister

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/messages"
)

// Resume continues the listing of job, whose lister died, from its last
// checkpoint: the same job id, the roots as placed when the job was made,
// its options. The caller makes sure that lister is dead (no heartbeat)
// and the job not ended. What was enqueued after the checkpoint is read
// back (work items still in the work stream, results of the others) and
// not enqueued again; the indexes the dead lister took without storing an
// item get an empty result, so the committer counts every file once.
func (l *Lister) Resume(ctx context.Context, job *messages.Job, cp *Checkpoint) (*messages.Listed, error) {
	if l.cps == nil {
		return nil, errors.New("resume: this lister keeps no checkpoints")
	}
	if cp.Job != job.ID {
		return nil, fmt.Errorf("resume job %s: the checkpoint is job %s's", job.ID, cp.Job)
	}
	log := l.log.With().Str("job", job.ID).Logger()
	l.lease = job.ListingLease
	defer l.keepLease(ctx, job.ID, log)()
	p, err := planOf(job, cp)
	if err != nil {
		return nil, err
	}
	rb := newReadBack(cp.Listed.Items)
	if err := l.cps.ReadBack(ctx, job.ID, cp.From.Work, cp.From.Events, rb.item, rb.result); err != nil {
		return nil, fmt.Errorf("resume job %s: %w", job.ID, err)
	}
	listed := cp.Listed
	e := &enqueuer{job: job, pub: l.pub.WorkQueue(job.ID), listed: &listed, onItem: l.onItem, events: l.pub, covered: rb.covered}
	holes, err := rb.settle(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("resume job %s: %w", job.ID, err)
	}
	log.Info().Int64("checkpoint_items", cp.Listed.Items).Int("read_back", len(rb.covered)).Int64("items", listed.Items).
		Int("empty_indexes", holes).Int("root", cp.Root).Msg("resuming the listing")
	e.manifest = l.loadManifest(ctx, job, log)
	t := newTracker(l, e, l.cps, p)
	t.beginRoot(cp.Root)
	if cp.RootStarted {
		t.carry(cp)
		t.skipRootItem = true
	}
	t.pinned, t.resumedFrom, t.seqs = rb.parents, cp.From, cp.From
	for d := range t.pinned {
		if t.skipDir(d) {
			delete(t.pinned, d) // not walked again: its tree is enqueued
		}
	}
	e.track = t
	return l.listAndClose(ctx, p, e, cp.Root, log)
}

// planOf is the plan a checkpoint kept.
func planOf(job *messages.Job, cp *Checkpoint) (*Plan, error) {
	flt, err := filter.Compile(job.Options.Filters)
	if err != nil {
		return nil, fmt.Errorf("resume job %s: its filters: %w", job.ID, err)
	}
	p := &Plan{Job: job, Filter: flt}
	for _, r := range cp.Roots {
		src, err := fs.ParseURI(r.Src)
		if err != nil {
			return nil, fmt.Errorf("resume job %s: %w", job.ID, err)
		}
		dst, err := fs.ParseURI(r.Dst)
		if err != nil {
			return nil, fmt.Errorf("resume job %s: %w", job.ID, err)
		}
		p.Roots = append(p.Roots, Root{Src: src, Dst: dst, Info: r.Info, DstMissing: r.DstMissing, DstKnown: r.DstKnown})
	}
	if cp.Root > len(p.Roots) {
		return nil, fmt.Errorf("resume job %s: the checkpoint names root %d of %d", job.ID, cp.Root, len(p.Roots))
	}
	return p, nil
}

// rootEnqueued: the root's own item is enqueued already (a resumed
// listing).
func (e *enqueuer) rootEnqueued(r Root) bool {
	return e.track != nil && e.track.skipRootItem || e.covered[r.Src.String()]
}

// enqueuedBefore: a resumed listing finds the entry enqueued already, as
// an entry of a directory whose entries all were, or read back.
func (e *enqueuer) enqueuedBefore(src fs.URI, fi fs.FileInfo) bool {
	return e.track != nil && e.track.published(path.Dir(fi.Path)) || e.covered[src.String()]
}

// readBack is what a resume learns of the items enqueued from the
// checkpoint's From on: the sources they name, and the totals of those at
// or past the checkpoint's index.
type readBack struct {
	from    int64 // the checkpoint's Listed.Items
	covered map[string]bool
	// parents are the directories (paths) of the sources covered.
	parents map[string]bool
	counts  map[int64]messages.Listed
	// chunkFiles are the file indexes of chunked files (no item of their
	// own), each with its first chunk's index.
	chunkFiles map[int64]bool
	chunks     map[int64]int64
	end        int64 // past the highest index seen
}

func newReadBack(from int64) *readBack {
	return &readBack{from: from, covered: map[string]bool{}, parents: map[string]bool{}, counts: map[int64]messages.Listed{},
		chunkFiles: map[int64]bool{}, chunks: map[int64]int64{}, end: from}
}

func (rb *readBack) cover(src string) {
	rb.covered[src] = true
	if u, err := fs.ParseURI(src); err == nil {
		rb.parents[path.Dir(u.Path)] = true
	}
}

func (rb *readBack) saw(index int64, c messages.Listed, chunk *messages.Chunk) {
	rb.end = max(rb.end, index+1)
	if chunk != nil {
		rb.chunkFiles[chunk.File] = true
		rb.chunks[chunk.File] = chunk.File - int64(chunk.Count)
		rb.end = max(rb.end, chunk.File+1)
	}
	if _, ok := rb.counts[index]; !ok && index >= rb.from {
		rb.counts[index] = c
	}
}

// item notes a work item read back; it counts as the lister counted it.
func (rb *readBack) item(it *messages.WorkItem) {
	var c messages.Listed
	switch it.Kind {
	case messages.KindBundle:
		for _, f := range it.Files {
			rb.cover(f.Src)
			c.Files++
			c.Bytes += f.Attr.Size
		}
	case messages.KindDir:
		rb.cover(it.Src)
		c.Dirs++
	case messages.KindChunk:
		rb.cover(it.Src)
		if it.Chunk != nil && it.Chunk.Seq == 0 {
			c.Files, c.Bytes = 1, it.Attr.Size
		}
	default:
		rb.cover(it.Src)
		c.Files, c.Bytes = 1, it.Attr.Size
	}
	rb.saw(it.Index, c, it.Chunk)
}

// result notes a result read back: an item a copier finished (or the
// lister's results of entries it found in place).
func (rb *readBack) result(r *messages.Result) {
	var c messages.Listed
	if r.Kind == messages.KindChunk {
		rb.cover(r.Src)
		if r.Chunk != nil && r.Chunk.Seq == 0 {
			c.Files, c.Bytes = 1, r.Size
		}
		rb.saw(r.Index, c, r.Chunk)
		return
	}
	for e := range r.Entries() {
		rb.cover(e.Src)
		if e.Kind == messages.KindDir {
			c.Dirs++
		} else {
			c.Files++
			c.Bytes += e.Size
		}
	}
	rb.saw(r.Index, c, nil)
}

// settle adds what was read back to e's totals and gives every index
// below the highest one read back that has neither item nor result (the
// dead lister took it, and its item was never stored) an empty result,
// so that the listing stays dense. A chunk's index is left to the
// committer, which fails a lost chunk's file. It returns how many.
func (rb *readBack) settle(ctx context.Context, e *enqueuer) (int, error) {
	holes := 0
	for i := rb.from; i < rb.end; i++ {
		if rb.chunkFiles[i] {
			continue // counted with its first chunk
		}
		if c, ok := rb.counts[i]; ok {
			e.listed.Files += c.Files
			e.listed.Dirs += c.Dirs
			e.listed.Bytes += c.Bytes
			continue
		}
		if rb.inChunks(i) {
			continue
		}
		holes++
		ev := &messages.Event{Type: messages.EventResult, Job: e.job.ID, Time: time.Now().UTC(), Result: &messages.Result{
			Index: i, Kind: messages.KindBundle, Status: messages.StatusSkipped, Attempt: 1, Copier: "lister",
			Reason: "index left empty by a lister that died"}}
		if err := e.events.PublishEvent(ctx, ev, messages.ResultMsgID(e.job.ID, i)); err != nil {
			return holes, err
		}
	}
	e.listed.Items = rb.end
	return holes, nil
}

func (rb *readBack) inChunks(i int64) bool {
	for file, first := range rb.chunks {
		if i >= first && i < file {
			return true
		}
	}
	return false
}
