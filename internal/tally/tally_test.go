package tally_test

import (
	"testing"

	"github.com/jetcp/jetcp/internal/tally"
	"github.com/jetcp/jetcp/messages"
)

func file(i int64, status string, size int64, attempt int) *messages.Result {
	return &messages.Result{Index: i, Kind: messages.KindFile, Status: status, Size: size, Attempt: attempt}
}

func chunk(i, f int64, status string, length int64) *messages.Result {
	return &messages.Result{Index: i, Kind: messages.KindChunk, Status: status, Attempt: 1,
		Chunk: &messages.Chunk{File: f, Length: length}}
}

func assembled(f int64, status string, size int64) *messages.Result {
	r := file(f, status, size, 1)
	r.Chunk = &messages.Chunk{File: f}
	return r
}

func TestTally(t *testing.T) {
	for _, tc := range []struct {
		name    string
		listed  int64 // -1: no listed event
		results []*messages.Result
		want    tally.Counts
		bogus   int64
		done    bool
	}{
		{
			name:   "files and directories by outcome",
			listed: 5,
			results: []*messages.Result{file(0, messages.StatusCopied, 10, 1), file(1, messages.StatusSkipped, 20, 1),
				file(2, messages.StatusFailed, 30, 3), {Index: 3, Kind: messages.KindDir, Status: messages.StatusFailed, Attempt: 1},
				{Index: 4, Kind: messages.KindDir, Status: messages.StatusCopied, Attempt: 1}},
			want: tally.Counts{Items: 5, FilesCopied: 1, FilesSkipped: 1, FilesFailed: 1, DirsFailed: 1,
				BytesCopied: 10, BytesSkipped: 20, BytesFailed: 30, Retries: 2, FilesRetried: 1},
			done: true,
		},
		{
			name:    "a result published twice counts once",
			listed:  2,
			results: []*messages.Result{file(0, messages.StatusCopied, 10, 1), file(0, messages.StatusCopied, 10, 1), file(1, messages.StatusCopied, 5, 1)},
			want:    tally.Counts{Items: 2, FilesCopied: 2, BytesCopied: 15},
			done:    true,
		},
		{
			name:   "a bundle's files count as files; its redelivery is one retry",
			listed: 1,
			results: []*messages.Result{{Index: 0, Kind: messages.KindBundle, Attempt: 2, Files: []messages.Result{
				*file(-1, messages.StatusCopied, 1, 2), *file(-1, messages.StatusSkipped, 2, 2), *file(-1, messages.StatusCopied, 4, 3)}}},
			want: tally.Counts{Items: 1, FilesCopied: 2, FilesSkipped: 1, BytesCopied: 5, BytesSkipped: 2, Retries: 2, FilesRetried: 2},
			done: true,
		},
		{
			name:    "chunk bytes move while the file is not whole",
			listed:  4,
			results: []*messages.Result{chunk(1, 0, messages.StatusCopied, 100), chunk(2, 0, messages.StatusCopied, 50)},
			want:    tally.Counts{Items: 2, ChunkBytes: 150},
		},
		{
			name:   "an assembled file counts once, its bytes once",
			listed: 3,
			results: []*messages.Result{chunk(1, 0, messages.StatusCopied, 100), chunk(2, 0, messages.StatusCopied, 50),
				assembled(0, messages.StatusCopied, 150)},
			want: tally.Counts{Items: 3, FilesCopied: 1, BytesCopied: 150},
			done: true,
		},
		{
			name:   "a chunked file that failed: its copied chunks' bytes are not copied bytes",
			listed: 3,
			results: []*messages.Result{chunk(1, 0, messages.StatusCopied, 100), chunk(2, 0, messages.StatusFailed, 50),
				assembled(0, messages.StatusFailed, 150)},
			want: tally.Counts{Items: 3, FilesFailed: 1, BytesFailed: 150},
			done: true,
		},
		{
			name:   "results past the listing before it are bogus, after it refused",
			listed: -1,
			results: []*messages.Result{file(0, messages.StatusCopied, 1, 1), file(7, messages.StatusCopied, 1, 1),
				nil, file(-1, messages.StatusCopied, 1, 1)},
			want: tally.Counts{Items: 2, FilesCopied: 2, BytesCopied: 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := tally.New()
			if tc.listed >= 0 {
				ta.Listed(tc.listed)
			}
			for _, r := range tc.results {
				ta.Add(r)
			}
			if ta.Counts != tc.want {
				t.Errorf("counts\n got %+v\nwant %+v", ta.Counts, tc.want)
			}
			if ta.Bogus != tc.bogus || ta.Complete() != tc.done {
				t.Errorf("bogus %d complete %v, want %d %v", ta.Bogus, ta.Complete(), tc.bogus, tc.done)
			}
		})
	}
}

func TestListedAfterBogusResults(t *testing.T) {
	ta := tally.New()
	ta.Add(file(0, messages.StatusCopied, 1, 1))
	ta.Add(file(7, messages.StatusCopied, 1, 1))
	ta.Listed(2)
	if ta.Bogus != 1 || ta.Items != 1 || ta.Complete() {
		t.Fatalf("after Listed(2): bogus %d items %d complete %v, want 1 1 false", ta.Bogus, ta.Items, ta.Complete())
	}
	if ta.Add(file(9, messages.StatusCopied, 1, 1)) {
		t.Error("a result past the listing was counted")
	}
	ta.Listed(10) // only the first listed event counts
	if !ta.Add(file(1, messages.StatusCopied, 1, 1)) || !ta.Complete() {
		t.Errorf("items %d complete %v, want 2 true", ta.Items, ta.Complete())
	}
}

// The progress line and the report read the same tally: what Fill puts in
// the report is what the counts say.
func TestFill(t *testing.T) {
	ta := tally.New()
	ta.Add(file(0, messages.StatusCopied, 3, 2))
	ta.Add(file(1, messages.StatusFailed, 4, 1))
	var rep messages.Report
	ta.Fill(&rep)
	if rep.FilesCopied != 1 || rep.BytesCopied != 3 || rep.FilesFailed != 1 || rep.BytesFailed != 4 || rep.Retries != 1 || rep.FilesRetried != 1 {
		t.Errorf("report %+v", rep)
	}
	if ta.FilesDone() != 2 || ta.BytesMoved() != 3 {
		t.Errorf("FilesDone %d BytesMoved %d, want 2 3", ta.FilesDone(), ta.BytesMoved())
	}
}

// Verify results count by category (files and directories, the bytes of
// files) and by proof; a failed result is an error in the report, and so
// is a result without a category (a copier from before verify mode did
// a dry run of it).
func TestTallyVerify(t *testing.T) {
	tl := tally.New()
	v := func(i int64, kind, cat, proof string, size int64) *messages.Result {
		return &messages.Result{Index: i, Kind: kind, Status: messages.StatusSkipped, Size: size, Attempt: 1, Category: cat, Proof: proof}
	}
	tl.Add(v(0, messages.KindFile, messages.CategorySame, messages.ProofOrigin, 10))
	tl.Add(v(1, messages.KindDir, messages.CategorySame, messages.ProofMetadata, 0))
	tl.Add(&messages.Result{Index: 2, Kind: messages.KindBundle, Attempt: 1, Files: []messages.Result{
		*v(2, messages.KindFile, messages.CategoryMissing, messages.ProofMetadata, 5),
		*v(2, messages.KindFile, messages.CategorySame, messages.ProofKept, 7),
		{Index: 2, Kind: messages.KindFile, Status: messages.StatusFailed, Size: 3, Attempt: 1, Error: "boom"}}})
	tl.Add(file(3, messages.StatusCopied, 100, 1))
	tl.Listed(4)
	got := tl.Verified
	want := tally.Verified{}
	want.Categories[0] = messages.CategoryCount{Entries: 3, Bytes: 17}  // same
	want.Categories[1] = messages.CategoryCount{Entries: 1, Bytes: 5}   // missing
	want.Proofs[0], want.Proofs[1], want.Proofs[2] = 2, 1, 1            // metadata, origin, kept
	want.Uncategorized = messages.CategoryCount{Entries: 1, Bytes: 100} // the copy's result
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	var rep messages.Report
	tl.FillVerification(&rep)
	if rep.Verify == nil || rep.Verify.Categories[messages.CategorySame] != (messages.CategoryCount{Entries: 3, Bytes: 17}) ||
		rep.Verify.Categories[messages.CategoryError] != (messages.CategoryCount{Entries: 2, Bytes: 103}) || len(rep.Verify.Categories) != 3 ||
		rep.Verify.Proofs[messages.ProofOrigin] != 1 || len(rep.Verify.Proofs) != 3 {
		t.Fatalf("report %+v", rep.Verify)
	}
}
