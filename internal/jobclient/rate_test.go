package jobclient_test

import (
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/jobclient"
)

// The rate is the average over the last RateWindow: steady, it is the
// pace; after a change of pace, it is the new pace once the window has
// passed (the old pace does not linger), and the ETA it gives falls by
// about a second every second at a steady pace.
func TestRateWindow(t *testing.T) {
	r := jobclient.NewRate(2 * time.Second)
	var lastETA time.Duration
	for i := range 60 { // 1 MiB and 10 files a second (500 ms samples), then 4x faster from 20 s
		at := time.Duration(i) * 500 * time.Millisecond
		b, f := int64(i)<<19, int64(i*5)
		if i > 40 {
			b, f = (20+4*int64(i-40)/2)<<20, int64(200+20*(i-40))
		}
		s := jobclient.Snapshot{Elapsed: at, BytesCopied: b, BytesDone: b, FilesDone: f, FilesTotal: 10000, BytesTotal: 1 << 30}
		bps, fps := r.Add(s)
		switch {
		case i == 30 && (bps != 1<<20 || fps != 10):
			t.Fatalf("at 15 s: %v B/s, %v files/s; want 1 MiB/s, 10/s", bps, fps)
		case i == 44 && fps != 40:
			t.Fatalf("at 22 s the window still shows the old pace: %v files/s, want 40", fps)
		}
		eta, ok := jobclient.Estimate(s, bps, fps)
		if !ok && i > 0 {
			t.Fatalf("at %s: no ETA", at)
		}
		if i >= 6 && i <= 40 && i%2 == 0 {
			if d := lastETA - eta; d < 900*time.Millisecond || d > 1100*time.Millisecond {
				t.Fatalf("at %s the ETA went from %s to %s in a second at a steady pace", at, lastETA, eta)
			}
		}
		if i%2 == 0 {
			lastETA = eta
		}
	}
}
