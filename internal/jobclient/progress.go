package jobclient

import (
	"fmt"
	"sync"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/tally"
	"github.com/jetcp/jetcp/messages"
)

// Progress counts a job's results as copiers publish them, for a live
// display while the job runs. It listens with a watch (a core
// subscription), which needs no consumer and costs the server nothing to
// keep. It counts as the committer does (internal/tally): a result
// published twice (a retried publish) once, a chunked file's bytes as
// its chunks move and the file once when whole. The committer's
// report stays the account of record: a message missed while reconnecting
// only makes the display lag.
type Progress struct {
	mu      sync.Mutex
	tally   *tally.Tally // the committer's rules: the line ends where the report does
	snap    Snapshot     // the listing's totals
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
	p := &Progress{started: time.Now(), snap: Snapshot{Listing: true}, tally: tally.New()}
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
	p.tally.Listed(l.Items)
}

func (p *Progress) onResult(data []byte) {
	ev, err := messages.Decode[messages.Event](data)
	if err != nil || ev.Result == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tally.Add(ev.Result)
}

// Snapshot returns the counts now.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.snap
	c := p.tally.Counts
	s.ItemsDone, s.FilesDone, s.DirsFailed = c.Items, c.FilesDone(), c.DirsFailed
	s.FilesCopied, s.FilesSkipped, s.FilesFailed = c.FilesCopied, c.FilesSkipped, c.FilesFailed
	s.BytesCopied = c.BytesMoved()
	s.BytesDone = c.BytesMoved() + c.BytesSkipped
	s.Elapsed = time.Since(p.started)
	return s
}
