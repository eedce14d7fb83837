package jobclient

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/messages"
)

// FollowProgress counts a job's progress as WatchProgress does, but from
// the job's first event (a replay of the events stream, then live), so it
// can start at any time: a job page opened mid-run counts the results
// published before it. It also keeps the failures with their errors and
// the report once done. Stop ends it.
func FollowProgress(ctx context.Context, b *bus.Bus, job string) (*Progress, error) {
	p := newProgress()
	stop, err := b.Watch(messages.ProgressSubjectFor(job), func(_ string, data []byte) { p.onInFlight(data) })
	if err != nil {
		return nil, fmt.Errorf("watch progress of job %s: %w", job, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	p.stops = append(p.stops, stop, cancel)
	go func() {
		// An error is the end of ctx or a lost server: what was counted
		// stays, and a new Progress follows again.
		_, _ = Follow(ctx, b, job, func(ev *messages.Event) error { p.onEvent(ev); return nil })
	}()
	return p, nil
}

func (p *Progress) onEvent(ev *messages.Event) {
	switch ev.Type {
	case messages.EventListed:
		if ev.Listed != nil {
			p.setListed(ev.Listed)
		}
	case messages.EventResult:
		p.mu.Lock()
		defer p.mu.Unlock()
		if ev.Result != nil && p.tally.Add(ev.Result) {
			p.noteFailures(ev.Result)
		}
	case messages.EventDone:
		p.mu.Lock()
		defer p.mu.Unlock()
		p.ended, p.report = true, ev.Report
	}
}

// noteFailures keeps the first messages.MaxReportFailures failed files
// and directories of a new result, as the report would list them.
func (p *Progress) noteFailures(r *messages.Result) {
	for e := range r.Entries() {
		if e.Status == messages.StatusFailed && len(p.failures) < messages.MaxReportFailures {
			p.failures = append(p.failures, ItemFailure{Src: e.Src, Dst: e.Dst, Kind: e.Kind, Error: e.Error, Attempt: e.Attempt})
		}
	}
}

// ItemFailure is one failed file or directory, with why.
type ItemFailure struct {
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	Kind    string `json:"kind"`
	Error   string `json:"error"`
	Attempt int    `json:"attempt"`
}

// Failures are the failed items counted so far (the first
// messages.MaxReportFailures; FollowProgress only).
func (p *Progress) Failures() []ItemFailure {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.failures)
}

// Report is the job's report once its done event was counted
// (FollowProgress only), else nil.
func (p *Progress) Report() *messages.Report {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.report
}

// CopierFlight is one copier's copies in flight of the job, by its latest
// report.
type CopierFlight struct {
	Name string    `json:"name"`
	Seen time.Time `json:"seen"`
	// Items are the work items it copies, by index, with the bytes copied
	// of each so far.
	Items []ItemFlight `json:"items"`
}

// ItemFlight is a work item in flight.
type ItemFlight struct {
	Index int64 `json:"index"`
	Bytes int64 `json:"bytes"`
}

// Copiers are the copiers that reported copies of the job in flight
// within the last inFlightStale, by name.
func (p *Progress) Copiers() []CopierFlight {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	var out []CopierFlight
	for _, name := range slices.Sorted(maps.Keys(p.flying)) {
		f := p.flying[name]
		if now.Sub(f.at) > inFlightStale {
			continue
		}
		c := CopierFlight{Name: name, Seen: f.at}
		for _, index := range slices.Sorted(maps.Keys(f.bytes)) {
			if !p.tally.Seen(index) {
				c.Items = append(c.Items, ItemFlight{Index: index, Bytes: f.bytes[index]})
			}
		}
		if len(c.Items) > 0 {
			out = append(out, c)
		}
	}
	return out
}
