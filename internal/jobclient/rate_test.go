package jobclient_test

import (
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/jobclient"
)

// The rate is the average over the last RateWindow: steady, it is the
// pace; after a change of pace, it is the new pace once the window has
// passed (the old pace does not linger).
func TestRateWindow(t *testing.T) {
	r := jobclient.NewRate(2 * time.Second)
	for i := range 60 { // 1 MiB and 10 files a second (500 ms samples), then 4x faster from 20 s
		at := time.Duration(i) * 500 * time.Millisecond
		b, f := int64(i)<<19, int64(i*5)
		if i > 40 {
			b, f = (20+4*int64(i-40)/2)<<20, int64(200+20*(i-40))
		}
		p := r.Add(jobclient.Snapshot{Elapsed: at, BytesCopied: b, BytesDone: b, FilesDone: f, FilesTotal: 10000, BytesTotal: 1 << 30})
		switch {
		case i == 30 && (p.BytesPerS != 1<<20 || p.FilesPerS != 10):
			t.Fatalf("at 15 s: %v B/s, %v files/s; want 1 MiB/s, 10/s", p.BytesPerS, p.FilesPerS)
		case i == 44 && p.FilesPerS != 40:
			t.Fatalf("at 22 s the window still shows the old pace: %v files/s, want 40", p.FilesPerS)
		}
	}
}

// Bytes counted while in flight drop out when their copy is abandoned (a
// canceled job): the rate then starts over from the job's start, never
// negative.
func TestRateNeverNegative(t *testing.T) {
	r := jobclient.NewRate(2 * time.Second)
	for i := range 10 {
		r.Add(jobclient.Snapshot{Elapsed: time.Duration(i) * 500 * time.Millisecond, BytesCopied: int64(i) << 20, FilesTotal: 1, BytesTotal: 40 << 20})
	}
	p := r.Add(jobclient.Snapshot{Elapsed: 5 * time.Second, FilesTotal: 1, BytesTotal: 40 << 20})
	if p.BytesPerS < 0 || p.FilesPerS < 0 {
		t.Fatalf("after the bytes in flight dropped out: %v B/s, %v files/s", p.BytesPerS, p.FilesPerS)
	}
}

// Bytes seen a little early or late (reports and samples are not in step)
// make the estimate waver by a few percent, a second either way on a
// 20 s ETA; the ETA shown still falls by the time passed at every sample
// while the pace holds, and follows the estimate when the pace changes.
func TestETACountsDown(t *testing.T) {
	r := jobclient.NewRate(0)
	const total = 40 << 20
	var last jobclient.Pace
	for i := 1; i < 40; i++ {
		at := time.Duration(i)*500*time.Millisecond + time.Duration(i%3)*20*time.Millisecond // jittered samples
		b := int64(2*at.Seconds()*(1<<20)) + int64((i*7)%5-2)<<15                            // 2 MiB/s, seen up to 64 KiB off
		if i > 24 {
			b = 25<<20 + int64(at.Seconds()-12.5)<<20 // from 12.5 s: 1 MiB/s
		}
		s := jobclient.Snapshot{Elapsed: at, BytesCopied: b, BytesDone: b, FilesTotal: 1, BytesTotal: total}
		p := r.Add(s)
		if !p.ETAKnown {
			t.Fatalf("at %s: no ETA", at)
		}
		est, _ := jobclient.Estimate(s, p.BytesPerS, p.FilesPerS)
		band := max(time.Second, est/20)
		if p.ETA < est-band || p.ETA > est+band {
			t.Fatalf("at %s: ETA %s, more than %s from the estimate %s", at, p.ETA, band, est)
		}
		if i > 5 && i <= 24 && last.ETA-p.ETA < 400*time.Millisecond {
			t.Fatalf("at %s at a steady pace the ETA went from %s to %s", at, last.ETA, p.ETA)
		}
		if i == 39 && p.ETA < 6*time.Second { // 8 MiB left: 8 s at the new pace, 4 s at the old
			t.Fatalf("at half the pace, with %d MiB left, the ETA is still %s", (total-b)>>20, p.ETA)
		}
		last = p
	}
}

// The ETA is the slower of the byte and the file estimates.
func TestEstimateSlowerWins(t *testing.T) {
	s := jobclient.Snapshot{FilesTotal: 20000, FilesDone: 12345, BytesTotal: 2 << 30, BytesDone: 1 << 30}
	// Bytes: 1 GiB left at 100 MiB/s = 10.24 s; files: 7655 left at 1000/s = 7.7 s.
	if eta, ok := jobclient.Estimate(s, 100<<20, 1000); !ok || eta != 10240*time.Millisecond {
		t.Fatalf("ETA %s, %v; want 10.24s", eta, ok)
	}
	if _, ok := jobclient.Estimate(jobclient.Snapshot{Listing: true, FilesTotal: 5}, 1, 1); ok {
		t.Fatal("an ETA while listing")
	}
}
