package lister

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// Checkpoints keep a listing's progress, so that another lister can
// resume it (Lister.Resume) when its own dies (internal/bus's Bus in the
// binaries). A Publisher that is also Checkpoints gets its listings
// checkpointed.
type Checkpoints interface {
	// SaveCheckpoint stores job's checkpoint, replacing the last.
	SaveCheckpoint(ctx context.Context, job string, data []byte) error
	// LoadCheckpoint is job's last checkpoint.
	LoadCheckpoint(ctx context.Context, job string) ([]byte, error)
	// DeleteCheckpoint drops job's checkpoint: its listing closed.
	DeleteCheckpoint(ctx context.Context, job string) error
	// StreamSeqs are the work and event streams' last sequences.
	StreamSeqs(ctx context.Context) (work, events uint64, err error)
	// ReadBack calls item with each of job's work items in the work stream
	// past sequence work, then result with each of its results past
	// sequence events.
	ReadBack(ctx context.Context, job string, work, events uint64, item func(*messages.WorkItem), result func(*messages.Result)) error
}

// Checkpoint is a listing's progress as a resume needs it. What it says
// is published is stored: the lister flushes its items before it saves
// one. Items at or past From.Index may be anywhere in the tree not Done
// or Whole; a resume reads them back (from the work stream, or their
// results) rather than trust the checkpoint for them.
type Checkpoint struct {
	V   int    `json:"v"`
	Job string `json:"job"`
	// Roots are the plan's roots as placed when the job was made: a
	// resume must not place them again, since the copy changed the target.
	Roots   []CheckpointRoot `json:"roots"`
	Threads int              `json:"threads,omitempty"`
	// Root is the root being walked: those before it are published; its
	// own item is when RootStarted.
	Root        int  `json:"root"`
	RootStarted bool `json:"root_started,omitempty"`
	// Listed are the listing's totals of the items below Listed.Items.
	Listed messages.Listed `json:"listed"`
	From   Mark            `json:"from"`
	// Done are directories of root Root whose whole tree is published;
	// Whole, directories whose own entries are (not yet all below them).
	Done  []string  `json:"done,omitempty"`
	Whole []string  `json:"whole,omitempty"`
	Saved time.Time `json:"saved"`
}

// CheckpointRoot is a Root as a checkpoint keeps it.
type CheckpointRoot struct {
	Src        string      `json:"src"`
	Dst        string      `json:"dst"`
	Info       fs.FileInfo `json:"info"`
	DstMissing bool        `json:"dst_missing,omitempty"`
	DstKnown   bool        `json:"dst_known,omitempty"`
}

// Mark is a point of the listing: an item index, and the work and event
// streams' sequences before that item was published.
type Mark struct {
	Index  int64  `json:"index"`
	Work   uint64 `json:"work"`
	Events uint64 `json:"events"`
}

// DecodeCheckpoint reads a stored checkpoint.
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	var cp Checkpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("listing checkpoint: %w", err)
	}
	return &cp, nil
}

// maxCheckpointBytes keeps a checkpoint within a NATS message: a listing
// with more open directories than that holds skips checkpoints until it
// has fewer (a resume then starts from an older one).
const maxCheckpointBytes = 768 << 10

// Checkpoint periods: a listing saves its progress after this many
// directories or this long, whichever comes first.
const (
	DefaultCheckpointDirs  = 10000
	DefaultCheckpointEvery = 2 * time.Second
)

// WithCheckpoints sets how often a listing saves its progress; zero or
// less keeps the defaults.
func WithCheckpoints(dirs int, every time.Duration) Option {
	return func(l *Lister) {
		if dirs > 0 {
			l.cpDirs = dirs
		}
		if every > 0 {
			l.cpEvery = every
		}
	}
}

// tracker follows which directories of the root being walked are
// published, whole or with their trees, and saves checkpoints. It runs on
// the walk's goroutine (the enqueuer's).
type tracker struct {
	l     *Lister
	e     *enqueuer
	store Checkpoints
	base  Checkpoint // the job's part: roots, threads
	root  int
	nodes map[string]*dirNode
	// done: parent -> its subtrees published in full (the topmost ones:
	// a directory done takes its children's place).
	done map[string]map[string]bool
	// whole: directories whose own entries are all published.
	whole map[string]bool
	// pinned are directories a resume found entries of in its read-back:
	// while any is not whole again, From stays at the read-back's start
	// (resumedFrom), since a resume after this one must skip those
	// entries too.
	pinned      map[string]bool
	resumedFrom Mark
	// started: root's own item is enqueued and its walk begun; rootDone:
	// its whole tree is enqueued.
	started, rootDone bool
	// skipRootItem: a resumed listing's root whose item is enqueued.
	skipRootItem bool
	seqs         Mark // the streams' sequences at the last checkpoint
	dirs         int  // directories finished since
	last         time.Time
	tooBig       bool
	// saved: a checkpoint was saved; failing: the last save failed.
	saved, failing bool
}

type dirNode struct {
	path    string
	parent  *dirNode
	pending int   // its own listing, and each child walked and not done
	first   *Mark // set once an entry of it was enqueued, until it is whole
}

func newTracker(l *Lister, e *enqueuer, store Checkpoints, p *Plan) *tracker {
	t := &tracker{l: l, e: e, store: store, last: time.Now(), pinned: map[string]bool{}}
	t.base = Checkpoint{V: 1, Job: p.Job.ID, Threads: l.threads}
	for _, r := range p.Roots {
		t.base.Roots = append(t.base.Roots, CheckpointRoot{Src: r.Src.String(), Dst: r.Dst.String(), Info: r.Info,
			DstMissing: r.DstMissing, DstKnown: r.DstKnown})
	}
	t.beginRoot(0)
	return t
}

// beginRoot starts tracking root i: the roots before it are enqueued.
func (t *tracker) beginRoot(i int) {
	t.root, t.started, t.rootDone = i, false, false
	t.nodes, t.done, t.whole = map[string]*dirNode{}, map[string]map[string]bool{}, map[string]bool{}
	t.skipRootItem = false
}

// carry takes over a checkpoint's directories of its root.
func (t *tracker) carry(cp *Checkpoint) {
	for _, d := range cp.Done {
		t.addDone(d)
	}
	for _, d := range cp.Whole {
		t.whole[d] = true
	}
}

// skipDir: dir's tree was published in full before.
func (t *tracker) skipDir(dir string) bool { return t.done[path.Dir(dir)][dir] }

func (t *tracker) addDone(dir string) {
	parent := path.Dir(dir)
	if t.done[parent] == nil {
		t.done[parent] = map[string]bool{}
	}
	t.done[parent][dir] = true
}

// published: the entries of dir were all published before.
func (t *tracker) published(dir string) bool { return t.whole[dir] }

// open starts a directory's node: the root (parent "") or a child the
// walk queued.
func (t *tracker) open(dir, parent string) {
	if t == nil {
		return
	}
	n := &dirNode{path: dir, parent: t.nodes[parent], pending: 1}
	if n.parent != nil {
		n.parent.pending++
	} else {
		t.started = true
	}
	t.nodes[dir] = n
}

// entries notes that entries of dir are about to be enqueued.
func (t *tracker) entries(dir string) {
	if t == nil {
		return
	}
	n := t.nodes[dir]
	if n == nil || n.first != nil || t.whole[dir] {
		return
	}
	n.first = &Mark{Index: t.e.listed.Items, Work: t.seqs.Work, Events: t.seqs.Events}
}

// finished notes that every entry of dir was enqueued.
func (t *tracker) finished(dir string) {
	if t == nil {
		return
	}
	n := t.nodes[dir]
	if n == nil {
		return
	}
	t.whole[dir], n.first = true, nil
	delete(t.pinned, dir)
	t.dirs++
	t.settle(n)
}

// settle closes n when its tree is enqueued, and its parents in turn.
func (t *tracker) settle(n *dirNode) {
	for n != nil {
		n.pending--
		if n.pending > 0 {
			return
		}
		delete(t.nodes, n.path)
		delete(t.pinned, n.path)
		delete(t.whole, n.path)
		delete(t.done, n.path)
		if n.parent == nil {
			t.rootDone = true
			return
		}
		t.addDone(n.path)
		n = n.parent
	}
}

// maybeSave saves a checkpoint when one is due.
func (t *tracker) maybeSave(ctx context.Context) error {
	if t == nil || t.dirs < t.l.cpDirs && time.Since(t.last) < t.l.cpEvery {
		return nil
	}
	return t.save(ctx)
}

// save flushes what is enqueued, so that the checkpoint says only what
// is stored, and saves it. Only a flush's failure is the listing's: a
// checkpoint that cannot be saved leaves the last one.
func (t *tracker) save(ctx context.Context) error {
	t.dirs, t.last = 0, time.Now()
	if err := t.e.flush(ctx); err != nil {
		return err
	}
	if err := t.e.pub.Flush(ctx); err != nil {
		return err
	}
	work, events, err := t.store.StreamSeqs(ctx)
	if err != nil {
		t.failed(err)
		return nil
	}
	t.seqs = Mark{Index: t.e.listed.Items, Work: work, Events: events}
	cp := t.base
	cp.Root, cp.RootStarted, cp.Listed, cp.From, cp.Saved = t.root, t.started, *t.e.listed, t.seqs, time.Now().UTC()
	if t.rootDone {
		cp.Root, cp.RootStarted = t.root+1, false
	} else if t.started {
		for _, n := range t.nodes {
			if n.first != nil && n.first.Index < cp.From.Index {
				cp.From = *n.first
			}
		}
		for _, ds := range t.done {
			cp.Done = slices.AppendSeq(cp.Done, maps.Keys(ds))
		}
		cp.Whole = slices.Collect(maps.Keys(t.whole))
	}
	if len(t.pinned) > 0 && t.resumedFrom.Index < cp.From.Index {
		cp.From = t.resumedFrom
	}
	data, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if len(data) > maxCheckpointBytes {
		if !t.tooBig {
			t.l.log.Warn().Int("bytes", len(data)).Msg("the listing's progress is too large to checkpoint for now (many open directories); a resume starts from the last one")
		}
		t.tooBig = true
		return nil
	}
	t.tooBig = false
	if err := t.store.SaveCheckpoint(ctx, cp.Job, data); err != nil {
		t.failed(err) // the listing goes on: only a resume needs it
		return nil
	}
	t.saved, t.failing = true, false
	return nil
}

// failed logs a checkpoint that could not be saved, once until one is.
func (t *tracker) failed(err error) {
	if !t.failing {
		t.l.log.Warn().Err(err).Msg("cannot checkpoint the listing; a resume would start from the last checkpoint")
	}
	t.failing = true
}
