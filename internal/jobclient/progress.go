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
//
// Bytes also count while they move: copiers report their copies' bytes
// so far (messages.InFlight, on jetcp.progress.<job>) every half second,
// and a snapshot adds those of items without a result yet, so a big file
// shows progress before it is whole. While the job runs its bytes never
// go back (a copy that fails or starts again holds them) nor past the
// totals; once every item has its result they are the results' alone.
type Progress struct {
	mu      sync.Mutex
	tally   *tally.Tally // the committer's rules: the line ends where the report does
	snap    Snapshot     // the listing's totals
	stops   []func()
	started time.Time
	// flying are the latest bytes in flight reported by each copier.
	flying map[string]flight
	// shownDone and shownCopied are the bytes the last snapshot showed.
	shownDone, shownCopied int64
	// ended is set by the job's done event: copies still reported in
	// flight were abandoned (a canceled job), and the line ends where the
	// report does.
	ended bool
	// failures and report are kept by FollowProgress (a job page).
	failures []ItemFailure
	report   *messages.Report
}

// flight is one copier's latest report: bytes so far by item index.
type flight struct {
	at    time.Time
	bytes map[int64]int64
}

// inFlightStale is how long a copier's report counts without a newer one
// (it reports every messages.InFlightEvery while it copies): a copier that
// stopped has its items delivered again, maybe to another.
const inFlightStale = 10 * messages.InFlightEvery

func newProgress() *Progress {
	return &Progress{started: time.Now(), snap: Snapshot{Listing: true}, tally: tally.New(), flying: map[string]flight{}}
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
	BytesDone    int64 // bytes of files copied or skipped, and of copies in flight
	BytesCopied  int64 // bytes copied, those of copies in flight included
	Elapsed      time.Duration
}

// WatchProgress starts counting job's results on b. Start it before the
// job's listing is submitted, or the first results are missed.
func WatchProgress(b *bus.Bus, job string) (*Progress, error) {
	p := newProgress()
	watches := map[string]func([]byte){
		messages.EventSubjectFor(job, messages.EventResult): p.onResult,
		messages.EventSubjectFor(job, messages.EventListed): p.onListed,
		messages.EventSubjectFor(job, messages.EventDone):   p.onDone,
		messages.ProgressSubjectFor(job):                    p.onInFlight,
	}
	for subject, fn := range watches {
		stop, err := b.Watch(subject, func(_ string, data []byte) { fn(data) })
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

func (p *Progress) onDone([]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
}

// onInFlight keeps a copier's latest bytes in flight (an empty report:
// it has none).
func (p *Progress) onInFlight(data []byte) {
	f, err := messages.Decode[messages.InFlight](data)
	if err != nil || f.Copier == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(f.Bytes) == 0 {
		delete(p.flying, f.Copier)
		return
	}
	p.flying[f.Copier] = flight{at: time.Now(), bytes: f.Bytes}
}

// inFlight sums the bytes in flight of items without a result, each
// once (an item delivered again to another copier counts at the most
// either reported), from reports newer than inFlightStale.
func (p *Progress) inFlight(now time.Time) int64 {
	items := map[int64]int64{}
	for name, f := range p.flying {
		if now.Sub(f.at) > inFlightStale {
			delete(p.flying, name)
			continue
		}
		for index, n := range f.bytes {
			if n > 0 && !p.tally.Seen(index) {
				items[index] = max(items[index], n)
			}
		}
	}
	var sum int64
	for _, n := range items {
		sum += n
	}
	return sum
}

// Snapshot returns the counts now.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	s := p.snap
	c := p.tally.Counts
	s.ItemsDone, s.FilesDone, s.DirsFailed = c.Items, c.FilesDone(), c.DirsFailed
	s.FilesCopied, s.FilesSkipped, s.FilesFailed = c.FilesCopied, c.FilesSkipped, c.FilesFailed
	s.BytesCopied = c.BytesMoved()
	s.BytesDone = c.BytesMoved() + c.BytesSkipped
	s.Elapsed = now.Sub(p.started)
	if p.ended || p.tally.Complete() {
		return s // the report's figures
	}
	flying := p.inFlight(now)
	s.BytesCopied = rising(s.BytesCopied, flying, p.shownCopied, s.BytesTotal)
	s.BytesDone = rising(s.BytesDone, flying, p.shownDone, s.BytesTotal)
	p.shownCopied, p.shownDone = s.BytesCopied, s.BytesDone
	return s
}

// rising is a byte count to show: the results' count plus the bytes in
// flight, never below what was shown, nor (unless the results' count
// is) above the total.
func rising(counted, flying, shown, total int64) int64 {
	return min(max(counted+flying, shown), max(total, counted))
}
