package jobweb

import (
	"context"
	"sync"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
)

// tracker follows one job: its progress from the first event, and a
// sample of its rates every sampleEvery for the chart.
type tracker struct {
	progress *jobclient.Progress
	stop     context.CancelFunc
	used     time.Time // last asked for: the least recently used go first

	mu      sync.Mutex
	rate    *jobclient.Rate
	last    jobclient.Snapshot
	pace    jobclient.Pace
	history []Point
	every   time.Duration // between history points: doubles as it fills
	done    bool          // the last sample was taken after the job's report
}

// Point is one sample of a job's progress for the chart.
type Point struct {
	// T is when it was taken, in seconds since 1970 (Unix time).
	T          float64 `json:"t"`
	BytesDone  int64   `json:"bytes_done"`
	FilesDone  int64   `json:"files_done"`
	BytesPerS  float64 `json:"bytes_per_s"`
	FilesPerS  float64 `json:"files_per_s"`
	BytesTotal int64   `json:"bytes_total"`
}

const (
	sampleEvery = time.Second
	// maxPoints bounds a job's history: when full, every other point goes
	// and the spacing doubles, so a job of any length keeps a whole chart.
	maxPoints = 600
)

func startTracker(ctx context.Context, b *bus.Bus, job string) (*tracker, error) {
	ctx, stop := context.WithCancel(ctx)
	p, err := jobclient.FollowProgress(ctx, b, job)
	if err != nil {
		stop()
		return nil, err
	}
	t := &tracker{progress: p, stop: stop, used: time.Now(), rate: jobclient.NewRate(0), every: sampleEvery}
	t.sample()
	go t.run(ctx)
	return t, nil
}

func (t *tracker) close() {
	t.stop()
	t.progress.Stop()
}

// run samples until ctx ends or the job is done (its last sample taken).
func (t *tracker) run(ctx context.Context) {
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if t.sample() {
				return
			}
		}
	}
}

// sample takes a snapshot and adds it to the history; it reports whether
// the job is done.
func (t *tracker) sample() bool {
	s := t.progress.Snapshot()
	done := t.progress.Report() != nil
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pace = t.rate.Add(s)
	t.last = s
	pt := Point{T: float64(time.Now().UnixMilli()) / 1000, BytesDone: s.BytesDone, FilesDone: s.FilesDone,
		BytesPerS: t.pace.BytesPerS, FilesPerS: t.pace.FilesPerS, BytesTotal: s.BytesTotal}
	if n := len(t.history); n > 0 && pt.T-t.history[n-1].T < t.every.Seconds()*0.9 && !done {
		return false
	}
	t.history = append(t.history, pt)
	t.done = done
	if len(t.history) > maxPoints {
		thinned := t.history[:0]
		for i, p := range t.history {
			if i%2 == 1 || i == len(t.history)-1 {
				thinned = append(thinned, p)
			}
		}
		t.history, t.every = thinned, 2*t.every
	}
	return done
}

func (t *tracker) final() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// view is the job's live part as the API shows it.
func (t *tracker) view() (jobclient.Snapshot, jobclient.Pace, []Point) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, t.pace, append([]Point(nil), t.history...)
}
