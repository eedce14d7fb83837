// Package tally counts a job's results one way for every reader. The
// committer's report (the account of record) and a live progress line add
// up the same result events, so they share the rules: a result published
// twice counts once, a bundle's entries count as files, a chunked file
// counts once as a file when it is whole, and its bytes count as they are
// copied (chunk by chunk) but only once. Two tallies that saw the same
// events agree to the byte; the progress line ends where the report does.
package tally

import (
	"slices"

	"github.com/jetcp/jetcp/internal/bitset"
	"github.com/jetcp/jetcp/messages"
)

// Counts are a job's results so far.
type Counts struct {
	// Items are the work items with a result (files, directories, bundles
	// and chunks), each once.
	Items int64
	// Files and directories by outcome; a bundle's entries count one by
	// one, a chunked file once when assembled (or failed).
	FilesCopied, FilesSkipped, FilesFailed, DirsFailed int64
	BytesCopied, BytesSkipped, BytesFailed             int64
	// ChunkBytes are the bytes of copied chunks whose file is not whole
	// yet: they move to BytesCopied (or BytesFailed) with the file.
	ChunkBytes int64
	// Retries and FilesRetried as the report defines them.
	Retries, FilesRetried int64
}

// Verified counts a verify job's results: files and directories by
// category (in messages.Categories' order; bytes are files' sizes) and by
// proof (in messages.Proofs' order).
type Verified struct {
	Categories [8]messages.CategoryCount
	Proofs     [8]int64
	// Uncategorized are entries that came back neither failed nor with a
	// category: in a verify job, a copier from before verify mode did a
	// dry run of them (the job's DryRun) and compared nothing.
	Uncategorized messages.CategoryCount
}

// add counts one verify result by its category and proof. A failed one
// has none: it counts as failed, and FillVerification makes the failures
// a verify job's errors.
func (v *Verified) add(r *messages.Result) {
	if i := slices.Index(messages.Categories, r.Category); i >= 0 {
		v.Categories[i].Entries++
		v.Categories[i].Bytes += r.Size
	} else if r.Status != messages.StatusFailed {
		v.Uncategorized.Entries++
		v.Uncategorized.Bytes += r.Size
	}
	if i := slices.Index(messages.Proofs, r.Proof); i >= 0 {
		v.Proofs[i]++
	}
}

// FilesDone are the files with a final outcome.
func (c Counts) FilesDone() int64 { return c.FilesCopied + c.FilesSkipped + c.FilesFailed }

// BytesMoved are the bytes copied so far, chunks of unfinished files
// included: what a progress line shows moving.
func (c Counts) BytesMoved() int64 { return c.BytesCopied + c.ChunkBytes }

// Tally adds up results. The zero value is not ready: use New.
type Tally struct {
	Counts
	// Verified counts a verify job's entries (messages.Options.Verify).
	Verified Verified
	// Bogus counts results for indexes the listing never made (forged or
	// corrupt messages) that were added before the listing's total was
	// known: the counts include them and cannot be trusted.
	Bogus  int64
	items  int64 // the listing's total, -1 until known
	seen   bitset.Set
	chunks map[int64]int64 // copied chunk bytes per chunked file
}

// New is an empty tally of a job whose listing total is not known yet.
func New() *Tally { return &Tally{items: -1, chunks: map[int64]int64{}} }

// Listed sets the listing's total of work items; results at or past it
// are refused from now on, and those already added are Bogus. Only the
// first call counts.
func (t *Tally) Listed(items int64) {
	if t.items >= 0 {
		return
	}
	t.items = items
	if bogus := t.seen.CountFrom(items); bogus > 0 {
		t.Items -= bogus
		t.Bogus = bogus
	}
}

// Seen reports whether the item at index has a result.
func (t *Tally) Seen(index int64) bool { return t.seen.Test(index) }

// Complete reports whether every listed item has a result.
func (t *Tally) Complete() bool { return t.items >= 0 && t.Items == t.items }

// Add counts r unless its index was counted before or lies outside the
// listing; it reports whether r was counted (callers act on new results
// only).
func (t *Tally) Add(r *messages.Result) bool {
	if r == nil || r.Index < 0 || t.items >= 0 && r.Index >= t.items || t.seen.TestAndSet(r.Index) {
		return false
	}
	t.Items++
	switch r.Kind {
	case messages.KindChunk:
		t.addChunk(r)
	case messages.KindBundle:
		t.addBundle(r)
	default:
		t.addEntry(r, 1)
	}
	return true
}

// addChunk counts a chunk's bytes towards its file; the file itself
// counts when its assembled result comes.
func (t *Tally) addChunk(r *messages.Result) {
	if r.Status == messages.StatusFailed || r.Chunk == nil {
		return
	}
	t.ChunkBytes += r.Chunk.Length
	t.chunks[r.Chunk.File] += r.Chunk.Length
}

// addBundle counts a bundle's files. A bundle delivered again (its copier
// stopped or was lost during it) is one retry, and one file needed another
// attempt: the one the earlier delivery was copying (which one cannot be
// told, the count can). Its files' Attempt is the bundle's delivery plus
// their own tries.
func (t *Tally) addBundle(r *messages.Result) {
	if r.Attempt > 1 && len(r.Files) > 0 {
		t.Retries += int64(r.Attempt - 1)
		t.FilesRetried++
	}
	first := max(r.Attempt, 1)
	for e := range r.Entries() {
		t.addEntry(e, first)
	}
}

// addEntry counts one file or directory; first is the attempt its item's
// delivery started at.
func (t *Tally) addEntry(r *messages.Result, first int) {
	if r.Attempt > first {
		t.Retries += int64(r.Attempt - first)
		t.FilesRetried++
	}
	t.Verified.add(r)
	if r.Kind == messages.KindDir {
		if r.Status == messages.StatusFailed {
			t.DirsFailed++
		}
		return
	}
	if r.Chunk != nil { // an assembled file: its chunks' bytes move with it
		t.ChunkBytes -= t.chunks[r.Chunk.File]
		delete(t.chunks, r.Chunk.File)
	}
	switch r.Status {
	case messages.StatusCopied:
		t.FilesCopied++
		t.BytesCopied += r.Size
	case messages.StatusSkipped:
		t.FilesSkipped++
		t.BytesSkipped += r.Size
	default:
		t.FilesFailed++
		t.BytesFailed += r.Size
	}
}

// Fill writes the counts into a report's fields.
func (t *Tally) Fill(rep *messages.Report) {
	rep.FilesCopied, rep.FilesSkipped, rep.FilesFailed = t.FilesCopied, t.FilesSkipped, t.FilesFailed
	rep.DirsFailed = t.DirsFailed
	rep.BytesCopied, rep.BytesSkipped, rep.BytesFailed = t.BytesCopied, t.BytesSkipped, t.BytesFailed
	rep.Retries, rep.FilesRetried = t.Retries, t.FilesRetried
}

// FillVerification writes a verify job's counts into a report: the
// categories and proofs that have any, the failed and the uncategorized
// entries as errors (extras are the committer's, kept).
func (t *Tally) FillVerification(rep *messages.Report) {
	if rep.Verify == nil {
		rep.Verify = &messages.Verification{}
	}
	v := rep.Verify
	v.Categories, v.Proofs = map[string]messages.CategoryCount{}, map[string]int64{}
	cats := t.Verified.Categories
	errs := &cats[slices.Index(messages.Categories, messages.CategoryError)]
	errs.Entries += t.FilesFailed + t.DirsFailed + t.Verified.Uncategorized.Entries
	errs.Bytes += t.BytesFailed + t.Verified.Uncategorized.Bytes
	for i, c := range cats {
		if c.Entries > 0 {
			v.Categories[messages.Categories[i]] = c
		}
	}
	for i, n := range t.Verified.Proofs {
		if n > 0 {
			v.Proofs[messages.Proofs[i]] = n
		}
	}
}
