package jobclient

import "time"

// Rate follows a job's pace for a live display: bytes and files per
// second as a moving average over the last RateWindow of snapshots, and
// an ETA that counts down.
//
// The window is short so that the pace follows the copy (a long one
// averages in the slow start and holds the ETA still while the rate
// climbs), and long enough to hold several of the copiers' reports
// (messages.InFlightEvery) so their steps do not make it jump. Still,
// bytes move in buffer-sized steps, so the estimate (what is left over
// the rate) wavers by a few percent, which on a 20 s ETA is a second
// either way: shown as is, the ETA stands still or goes back. So the
// ETA shown counts down with the clock, held within etaBand of the
// estimate: at a steady pace it falls by one second every second, and
// when the pace changes it follows the estimate.
type Rate struct {
	window  time.Duration
	samples []rateSample
	// shown is the last ETA shown and when (the snapshot's Elapsed).
	shown, shownAt time.Duration
	shownOK        bool
}

type rateSample struct {
	at           time.Duration
	bytes, files int64
}

// Pace is a job's rates and time left at one snapshot.
type Pace struct {
	BytesPerS, FilesPerS float64
	// ETA is the time left; ETAKnown is false while listing or before
	// anything moved.
	ETA      time.Duration
	ETAKnown bool
}

// RateWindow is how far back a Rate looks.
const RateWindow = 2 * time.Second

// NewRate returns a Rate over window (0: RateWindow).
func NewRate(window time.Duration) *Rate {
	if window <= 0 {
		window = RateWindow
	}
	return &Rate{window: window}
}

// Add takes a snapshot (snapshots come in time order) and returns the
// pace then.
func (r *Rate) Add(s Snapshot) Pace {
	bps, fps := r.rates(s)
	p := Pace{BytesPerS: bps, FilesPerS: fps}
	est, ok := Estimate(s, bps, fps)
	if !ok {
		r.shownOK = false
		return p
	}
	p.ETA, p.ETAKnown = r.countdown(s.Elapsed, est), true
	return p
}

// rates are bytes and files per second over the samples of the last
// window (at least the snapshot before: samples further apart than the
// window still give a rate). The first snapshot is measured from the
// job's start.
func (r *Rate) rates(s Snapshot) (bps, fps float64) {
	now := rateSample{at: s.Elapsed, bytes: s.BytesCopied, files: s.FilesDone}
	if n := len(r.samples); n > 0 && (now.bytes < r.samples[n-1].bytes || now.files < r.samples[n-1].files) {
		// Bytes in flight of an abandoned copy dropped out: the window's
		// samples no longer measure the same thing.
		r.samples = r.samples[:0]
	}
	r.samples = append(r.samples, now)
	for len(r.samples) > 2 && now.at-r.samples[1].at >= r.window {
		r.samples = r.samples[1:]
	}
	first := r.samples[0]
	if len(r.samples) == 1 {
		first = rateSample{}
	}
	dt := (now.at - first.at).Seconds()
	if dt <= 0 {
		return 0, 0
	}
	return float64(now.bytes-first.bytes) / dt, float64(now.files-first.files) / dt
}

// etaBand is how far the ETA shown may stray from the estimate: a
// twentieth of it, at least a second (the estimate's wavering).
func etaBand(est time.Duration) time.Duration { return max(time.Second, est/20) }

// countdown is the ETA to show at elapsed given the estimate est: the
// last one shown less the time since while that is within etaBand of est,
// else est itself. (Held at the band's edge instead, an ETA whose
// estimate rises as fast as the clock, as while a start-up burst leaves
// the average, would stand still.)
func (r *Rate) countdown(elapsed, est time.Duration) time.Duration {
	eta := est
	if r.shownOK && est > 0 {
		band := etaBand(est)
		if cd := r.shown - (elapsed - r.shownAt); cd >= est-band && cd <= est+band {
			eta = cd
		}
	}
	eta = max(eta, 0)
	r.shown, r.shownAt, r.shownOK = eta, elapsed, true
	return eta
}

// Estimate is the time left: the slower of the byte and the file estimate,
// since either can dominate (huge files, or millions of tiny ones). It is
// unknown while listing, or before anything moved.
func Estimate(s Snapshot, bps, fps float64) (time.Duration, bool) {
	if s.Listing {
		return 0, false
	}
	if s.FilesDone >= s.FilesTotal {
		return 0, true
	}
	var eta float64
	known := false
	if left := s.BytesTotal - s.BytesDone; left > 0 && bps > 0 {
		eta, known = float64(left)/bps, true
	}
	if left := s.FilesTotal - s.FilesDone; left > 0 && fps > 0 {
		eta, known = max(eta, float64(left)/fps), true
	}
	return time.Duration(eta * float64(time.Second)), known
}
