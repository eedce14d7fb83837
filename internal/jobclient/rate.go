package jobclient

import "time"

// Rate is bytes and files per second as a moving average over the last
// RateWindow of snapshots, for a live display's throughput and ETA. The
// window is short so that the ETA of a big file moves every second with
// its bytes (a long one would average in the slow start of the copy and
// hold the ETA still while the rate climbs), and long enough to hold
// several of the copiers' reports (messages.InFlightEvery) so their
// steps do not make it jump.
type Rate struct {
	window  time.Duration
	samples []rateSample
}

type rateSample struct {
	at           time.Duration
	bytes, files int64
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

// Add takes a snapshot and returns the rates over the samples of the last
// window (at least the snapshot before: samples further apart than the
// window still give a rate). The first snapshot is measured from the
// job's start.
func (r *Rate) Add(s Snapshot) (bps, fps float64) {
	now := rateSample{at: s.Elapsed, bytes: s.BytesCopied, files: s.FilesDone}
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
