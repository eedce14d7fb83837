package jobclient

import (
	"testing"

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
