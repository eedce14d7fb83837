package messages

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// NoteSlow keeps exactly the MaxReportSlowest longest copies, slowest first.
func TestNoteSlow(t *testing.T) {
	var r Report
	durs := rand.Perm(500)
	for _, d := range durs {
		r.NoteSlow(SlowFile{Src: "f", DurationMS: int64(d)})
	}
	if len(r.Slowest) != MaxReportSlowest {
		t.Fatalf("%d kept", len(r.Slowest))
	}
	for i, f := range r.Slowest {
		if f.DurationMS != int64(499-i) {
			t.Fatalf("slowest %v", r.Slowest)
		}
	}
	var few Report
	for _, d := range []int64{5, 9, 1} {
		few.NoteSlow(SlowFile{DurationMS: d})
	}
	got := []int64{}
	for _, f := range few.Slowest {
		got = append(got, f.DurationMS)
	}
	if !slices.Equal(got, []int64{9, 5, 1}) {
		t.Fatalf("got %v", got)
	}
}
