package lister

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// streams is a job's work and event streams and its checkpoint bucket in
// memory, in the order and with the sequences a server gives them: what
// Lister.Submit and Lister.Resume need of a bus.
type streams struct {
	mu      sync.Mutex
	seq     uint64
	work    []seqItem
	results []seqResult
	ids     map[string]bool
	listed  *messages.Listed
	cp      []byte
	// pending are items published and not stored yet: a publish is
	// asynchronous, and Flush waits until the server stored them.
	pending []*messages.WorkItem
}

type seqItem struct {
	seq  uint64
	item *messages.WorkItem
}

type seqResult struct {
	seq uint64
	r   *messages.Result
}

func (s *streams) CreateJob(context.Context, *messages.Job) error { return nil }
func (s *streams) RenewLease(string) error                        { return nil }
func (s *streams) WorkQueue(string) WorkQueue                     { return streamQueue{s} }

func (s *streams) PublishEvent(_ context.Context, ev *messages.Event, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.ids[id] {
		return nil
	}
	s.ids[id] = true
	s.seq++
	switch ev.Type {
	case messages.EventResult:
		s.results = append(s.results, seqResult{s.seq, ev.Result})
	case messages.EventListed:
		s.listed = ev.Listed
	}
	return nil
}

type streamQueue struct{ s *streams }

func (q streamQueue) Add(_ context.Context, item *messages.WorkItem) error {
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	q.s.pending = append(q.s.pending, item)
	return nil
}

func (q streamQueue) Flush(context.Context) error {
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	for _, it := range q.s.pending {
		q.s.store(it)
	}
	q.s.pending = nil
	return nil
}

func (s *streams) store(item *messages.WorkItem) {
	id := messages.WorkMsgID(item.Job, item.Index)
	if s.ids[id] {
		return
	}
	s.ids[id] = true
	s.seq++
	s.work = append(s.work, seqItem{s.seq, item})
}

// die is the lister's death: the items it had in flight are lost, all
// of them, or all but the last (the server stored a later one, as it may
// when an earlier publish met a full stream and waited for its retry).
func (s *streams) die(keepLast bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.pending); keepLast && n > 1 {
		s.store(s.pending[n-1])
	}
	s.pending = nil
}

func (s *streams) SaveCheckpoint(_ context.Context, _ string, data []byte) error {
	s.mu.Lock()
	s.cp = data
	s.mu.Unlock()
	return nil
}

func (s *streams) LoadCheckpoint(context.Context, string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cp == nil {
		return nil, errors.New("no checkpoint")
	}
	return s.cp, nil
}

func (s *streams) DeleteCheckpoint(context.Context, string) error {
	s.mu.Lock()
	s.cp = nil
	s.mu.Unlock()
	return nil
}

func (s *streams) StreamSeqs(context.Context) (uint64, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq, s.seq, nil
}

func (s *streams) ReadBack(_ context.Context, _ string, work, events uint64, item func(*messages.WorkItem), result func(*messages.Result)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.work {
		if w.seq > work {
			item(w.item)
		}
	}
	for _, r := range s.results {
		if r.seq > events {
			result(r.r)
		}
	}
	return nil
}

func (s *streams) checkpoint(t *testing.T) *Checkpoint {
	t.Helper()
	data, err := s.LoadCheckpoint(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := DecodeCheckpoint(data)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// copyHalf plays copiers: about half the items waiting get their result
// and leave the work stream, as an ack removes them.
func (s *streams) copyHalf(rnd *rand.Rand) {
	s.mu.Lock()
	var left []seqItem
	var done []*messages.WorkItem
	for _, w := range s.work {
		if rnd.IntN(2) == 0 {
			left = append(left, w)
		} else {
			done = append(done, w.item)
		}
	}
	s.work = left
	s.mu.Unlock()
	for _, it := range done {
		r := &messages.Result{Index: it.Index, Kind: it.Kind, Status: messages.StatusCopied, Src: it.Src, Dst: it.Dst, Size: it.Attr.Size, Attempt: 1}
		for _, f := range it.Files {
			r.Files = append(r.Files, messages.Result{Kind: messages.KindFile, Status: messages.StatusCopied, Src: f.Src, Dst: f.Dst, Size: f.Attr.Size})
		}
		_ = s.PublishEvent(context.Background(), &messages.Event{Type: messages.EventResult, Job: it.Job, Result: r}, messages.ResultMsgID(it.Job, it.Index))
	}
}

// entries counts, per index, the items and results stored, and per
// source, the times an item or a result names it.
func (s *streams) entries() (byIndex map[int64]int, bySrc map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byIndex, bySrc = map[int64]int{}, map[string]int{}
	for _, w := range s.work {
		byIndex[w.item.Index]++
		if w.item.Kind == messages.KindBundle {
			for _, f := range w.item.Files {
				bySrc[f.Src]++
			}
		} else {
			bySrc[w.item.Src]++
		}
	}
	for _, r := range s.results {
		byIndex[r.r.Index]++
		for e := range r.r.Entries() {
			bySrc[e.Src]++
		}
	}
	return byIndex, bySrc
}

// A listing killed three times at random points, with about half of what
// it enqueued copied (its items gone from the work stream, their results
// stored) and, once, an item lost in flight, and resumed each time from
// its last checkpoint, ends with a dense listing that names every source
// entry exactly once: in an item still waiting or in a result, never in
// both, never twice. Its totals are the tree's.
func TestResumeAfterKillsEnqueuesEachEntryOnce(t *testing.T) {
	src := t.TempDir()
	files, dirs := 0, 1 // the root's item
	for d := range 24 {
		for sub := range d % 4 {
			for f := range 5 + d%7 {
				p := filepath.Join(src, fmt.Sprintf("d%02d", d), fmt.Sprintf("s%d", sub), fmt.Sprintf("f%02d", f))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
					t.Fatal(err)
				}
				files++
			}
			dirs++
		}
		p := filepath.Join(src, fmt.Sprintf("d%02d", d), "top")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		files++
		dirs++
	}
	// Directories listed in several batches: their entries interleave
	// with others', and a checkpoint finds them part enqueued.
	for d := range 2 {
		for f := range 600 {
			p := filepath.Join(src, fmt.Sprintf("big%d", d), fmt.Sprintf("f%03d", f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			files++
		}
		dirs++
	}
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			resumeAfterKills(t, src, files, dirs, seed)
		})
	}
}

func resumeAfterKills(t *testing.T, src string, files, dirs int, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 7))
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	cfg, err := ParseArgs([]string{"-numListstatusThreads", "4", src, filepath.Join(t.TempDir(), "dst")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := &streams{ids: map[string]bool{}}
	// killAfter is a lister that dies after n more items are counted.
	killAfter := func(n int) (context.Context, Option) {
		kctx, kill := context.WithCancel(ctx)
		var seen int64
		return kctx, WithProgress(func(items, _, _ int64) {
			if seen += items; seen >= int64(n) {
				kill()
			}
		})
	}
	opts := func(more ...Option) []Option {
		return append([]Option{WithListThreads(4), WithCheckpoints(3, time.Hour)}, more...)
	}
	kctx, progress := killAfter(30 + rnd.IntN(60))
	if listed, err := New(s, reg, zerolog.Nop(), opts(progress)...).Submit(kctx, p); listed != nil || err == nil {
		t.Fatalf("the killed listing closed: %+v, %v", listed, err)
	}
	s.die(false)
	for round := range 3 {
		s.copyHalf(rnd)
		cp := s.checkpoint(t)
		t.Logf("round %d: checkpoint at %d, from %d, root %d, %d done, %d whole", round, cp.Listed.Items, cp.From.Index, cp.Root, len(cp.Done), len(cp.Whole))
		if round == 2 {
			if _, err := New(s, reg, zerolog.Nop(), opts()...).Resume(ctx, p.Job, cp); err != nil {
				t.Fatal(err)
			}
			break
		}
		rctx, progress := killAfter(10 + rnd.IntN(30))
		if listed, err := New(s, reg, zerolog.Nop(), opts(progress)...).Resume(rctx, p.Job, cp); listed != nil || err == nil {
			t.Logf("round %d: the listing ended before the kill", round)
			break
		}
		s.die(round == 0)
	}
	wantOnce(t, s, src, files, dirs)
}

// wantOnce checks a closed listing: each index stored once, each source
// entry named once, the totals the tree's.
func wantOnce(t *testing.T, s *streams, src string, files, dirs int) {
	t.Helper()
	if s.listed == nil {
		t.Fatal("the listing never closed")
	}
	byIndex, bySrc := s.entries()
	for i := range s.listed.Items {
		if byIndex[i] != 1 {
			t.Errorf("index %d stored %d times (item or result)", i, byIndex[i])
		}
	}
	if int64(len(byIndex)) != s.listed.Items {
		t.Errorf("%d indexes stored, the listing closed with %d", len(byIndex), s.listed.Items)
	}
	var twice []string
	n := 0
	for p, c := range bySrc {
		if p == "" {
			continue // empty results of lost indexes
		}
		n++
		if c != 1 {
			twice = append(twice, fmt.Sprintf("%s x%d", strings.TrimPrefix(p, "file://"+src), c))
		}
	}
	if len(twice) > 0 {
		t.Errorf("entries named more than once: %v", twice)
	}
	if n != files+dirs || s.listed.Files != int64(files) || s.listed.Dirs != int64(dirs) {
		t.Errorf("%d entries named, listed %+v; want %d files and %d dirs", n, s.listed, files, dirs)
	}
	if s.cp != nil {
		t.Error("the closed listing's checkpoint is still there")
	}
}
