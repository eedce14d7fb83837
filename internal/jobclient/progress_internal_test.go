package jobclient

import (
	"testing"
	"time"

	"github.com/jetcp/jetcp/messages"
)

func resultEvent(t *testing.T, r *messages.Result) []byte {
	t.Helper()
	data, err := messages.Encode(&messages.Event{Type: messages.EventResult, Job: "j", Result: r})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The progress line counts as the committer's report does: a chunked file
// that failed moved no bytes in the end, though some of its chunks did
// while it ran; a redelivered result counts once.
func TestProgressCountsAsTheReport(t *testing.T) {
	p := newProgress()
	p.setListed(&messages.Listed{Items: 4, Files: 2, Bytes: 300})
	chunk := func(i int64, status string) *messages.Result {
		return &messages.Result{Index: i, Kind: messages.KindChunk, Status: status, Attempt: 1,
			Chunk: &messages.Chunk{File: 0, Seq: int(i - 1), Count: 2, Length: 100}}
	}
	p.onResult(resultEvent(t, chunk(1, messages.StatusCopied)))
	p.onResult(resultEvent(t, chunk(1, messages.StatusCopied))) // published twice
	if s := p.Snapshot(); s.BytesCopied != 100 || s.BytesDone != 100 || s.FilesDone != 0 {
		t.Fatalf("after one chunk: %+v", s)
	}
	p.onResult(resultEvent(t, chunk(2, messages.StatusFailed)))
	p.onResult(resultEvent(t, &messages.Result{Index: 0, Kind: messages.KindFile, Status: messages.StatusFailed, Size: 200, Attempt: 1,
		Chunk: &messages.Chunk{File: 0, Count: 2}}))
	p.onResult(resultEvent(t, &messages.Result{Index: 3, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 100, Attempt: 1}))
	s := p.Snapshot()
	want := Snapshot{FilesTotal: 2, BytesTotal: 300, ItemsTotal: 4, ItemsDone: 4, FilesDone: 2, FilesCopied: 1, FilesFailed: 1,
		BytesDone: 100, BytesCopied: 100, Elapsed: s.Elapsed}
	if s != want {
		t.Errorf("at the end\n got %+v\nwant %+v", s, want)
	}
	var rep messages.Report
	p.tally.Fill(&rep)
	if rep.BytesCopied != s.BytesCopied || rep.FilesCopied+rep.FilesSkipped+rep.FilesFailed != s.FilesDone {
		t.Errorf("the line and the report disagree: report %+v, line %+v", rep, s)
	}
}

func inFlightReport(t *testing.T, copier string, bytes map[int64]int64) []byte {
	t.Helper()
	data, err := messages.Encode(&messages.InFlight{Job: "j", Copier: copier, Bytes: bytes})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A copier's report replaces its last; one with no items, or none for
// longer than inFlightStale, takes its bytes away; the bytes shown hold
// rather than go back until the results catch up.
func TestProgressBytesInFlightHold(t *testing.T) {
	p := newProgress()
	p.setListed(&messages.Listed{Items: 3, Files: 3, Bytes: 300})
	check := func(step string, done, copied int64) {
		t.Helper()
		if s := p.Snapshot(); s.BytesDone != done || s.BytesCopied != copied {
			t.Fatalf("%s: bytes done %d, copied %d; want %d, %d", step, s.BytesDone, s.BytesCopied, done, copied)
		}
	}
	p.onInFlight(inFlightReport(t, "a", map[int64]int64{0: 40, 1: 20}))
	p.onInFlight(inFlightReport(t, "b", map[int64]int64{2: 5}))
	check("a and b copy", 65, 65)
	p.onInFlight(inFlightReport(t, "a", map[int64]int64{0: 60}))
	check("a's 1 is gone, 0 moved on", 65, 65)
	p.onInFlight(inFlightReport(t, "a", map[int64]int64{0: 90}))
	check("a's 0 moved on", 95, 95)
	p.onInFlight(inFlightReport(t, "a", nil))
	check("a stopped", 95, 95)
	if _, ok := p.flying["a"]; ok {
		t.Error("the stopped copier's report is still kept")
	}
	p.onResult(resultEvent(t, &messages.Result{Index: 0, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 100, Attempt: 1}))
	check("0 copied", 105, 105)
	p.mu.Lock()
	f := p.flying["b"]
	f.at = f.at.Add(-inFlightStale - time.Second)
	p.flying["b"] = f
	p.mu.Unlock()
	p.onResult(resultEvent(t, &messages.Result{Index: 1, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 100, Attempt: 1}))
	check("b went quiet; 1 copied", 200, 200)
	if _, ok := p.flying["b"]; ok {
		t.Error("the quiet copier's report is still kept")
	}
}
