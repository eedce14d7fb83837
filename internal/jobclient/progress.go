package jobclient

import (
	"fmt"
	"sync"
	"time"

	"github.com/jetcp/jetcp/internal/bitset"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/messages"
)

// Progress counts a job's results as copiers publish them, for a live
// display while the job runs. It listens with a watch (a core
// subscription), which needs no consumer and costs the server nothing to
// keep; a result
// published twice (a retried publish) is counted once. The committer's
// report stays the account of record: a message missed while reconnecting
// only makes the display lag.
type Progress struct {
	mu      sync.Mutex
	seen    bitset.Set
	snap    Snapshot
	stops   []func()
	started time.Time
}

// Snapshot is a job's progress at one moment.
type Snapshot struct {
	Listing      bool  // the listing is still running: the totals grow
	FilesTotal   int64 // files listed so far (all, once Listing is false)
	BytesTotal   int64
	ItemsTotal   int64
	ItemsDone    int64 // work items with a result (files and directories)
	FilesDone    int64 // files copied, skipped or failed
	FilesCopied  int64
	FilesSkipped int64
	FilesFailed  int64
	DirsFailed   int64 // listed directories that could not be made
	BytesDone    int64 // bytes of files copied or skipped
	BytesCopied  int64
	Elapsed      time.Duration
}

// WatchProgress starts counting job's results on b. Start it before the
// job's listing is submitted, or the first results are missed.
func WatchProgress(b *bus.Bus, job string) (*Progress, error) {
	p := &Progress{started: time.Now(), snap: Snapshot{Listing: true}}
	for typ, fn := range map[string]func([]byte){messages.EventResult: p.onResult, messages.EventListed: p.onListed} {
		stop, err := b.Watch(messages.EventSubjectFor(job, typ), func(_ string, data []byte) { fn(data) })
		if err != nil {
			p.Stop()
			return nil, fmt.Errorf("watch progress of job %s: %w", job, err)
		}
		p.stops = append(p.stops, stop)
	}
	return p, nil
}

// Stop ends the watches.
func (p *Progress) Stop() {
	for _, stop := range p.stops {
		stop()
	}
}

// Listed counts work items, files and bytes the listing enqueued (give it
// to lister.WithProgress).
func (p *Progress) Listed(items, files, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.snap.Listing { // the listed event's totals are final
		return
	}
	p.snap.ItemsTotal += items
	p.snap.FilesTotal += files
	p.snap.BytesTotal += bytes
}

func (p *Progress) onListed(data []byte) {
	ev, err := messages.Decode[messages.Event](data)
	if err != nil || ev.Listed == nil {
		return
	}
	p.setListed(ev.Listed)
}

func (p *Progress) setListed(l *messages.Listed) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap.Listing = false
	p.snap.FilesTotal, p.snap.BytesTotal, p.snap.ItemsTotal = l.Files, l.Bytes, l.Items
}

func (p *Progress) onResult(data []byte) {
	ev, err := messages.Decode[messages.Event](data)
	if err != nil || ev.Result == nil || ev.Result.Index < 0 {
		return
	}
	r := ev.Result
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen.TestAndSet(r.Index) {
		return
	}
	p.snap.ItemsDone++
	if r.Kind == messages.KindChunk {
		if r.Status != messages.StatusFailed && r.Chunk != nil {
			p.snap.BytesDone += r.Chunk.Length
			p.snap.BytesCopied += r.Chunk.Length
		}
		return
	}
	for e := range r.Entries() {
		p.countEntry(e)
	}
}

func (p *Progress) countEntry(r *messages.Result) {
	if r.Kind != messages.KindFile {
		if r.Status == messages.StatusFailed {
			p.snap.DirsFailed++
		}
		return
	}
	p.snap.FilesDone++
	if r.Chunk != nil {
		// An assembled file: its bytes were counted chunk by chunk.
		if r.Status == messages.StatusFailed {
			p.snap.FilesFailed++
		} else {
			p.snap.FilesCopied++
		}
		return
	}
	switch r.Status {
	case messages.StatusCopied:
		p.snap.FilesCopied++
		p.snap.BytesDone += r.Size
		p.snap.BytesCopied += r.Size
	case messages.StatusSkipped:
		p.snap.FilesSkipped++
		p.snap.BytesDone += r.Size
	default:
		p.snap.FilesFailed++
	}
}

// Snapshot returns the counts now.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.snap
	s.Elapsed = time.Since(p.started)
	return s
}
