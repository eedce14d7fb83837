package messages

import (
	"iter"
	"time"
)

// Event types, the last token of an event's subject.
const (
	EventCreated  = "created"  // the job spec was recorded
	EventListed   = "listed"   // listing is complete; carries the totals
	EventResult   = "result"   // one work item reached its terminal result
	EventCanceled = "canceled" // someone asked the job to stop; carries who and why
	EventDone     = "done"     // the job was committed, failed or canceled; carries the report
)

// Result statuses: every work item ends in exactly one.
const (
	StatusCopied  = "copied"
	StatusSkipped = "skipped"
	StatusFailed  = "failed"
)

// Event is the envelope of everything on the events stream. Exactly one of
// the payload pointers is set, matching Type.
type Event struct {
	V        int       `json:"v"`
	Type     string    `json:"type"`
	Job      string    `json:"job"`
	Time     time.Time `json:"time"`
	Spec     *Job      `json:"spec,omitempty"`
	Listed   *Listed   `json:"listed,omitempty"`
	Result   *Result   `json:"result,omitempty"`
	Report   *Report   `json:"report,omitempty"`
	Canceled *Canceled `json:"canceled,omitempty"`
}

// Canceled records a request to stop a job: no new copies start, copies in
// flight are abandoned (their temp files removed), and the committer ends
// the job with state "canceled" without its commit steps.
type Canceled struct {
	By     string `json:"by"` // user@host of whoever asked
	Reason string `json:"reason,omitempty"`
	// Failed: the job stopped itself, since it could not go on (its
	// listing could not be stored); it ends "failed" with Reason as its
	// failure, not "canceled".
	Failed bool `json:"failed,omitempty"`
}

// Listed closes the listing: the job has exactly Items work items.
type Listed struct {
	Items int64 `json:"items"`
	Files int64 `json:"files"`
	Dirs  int64 `json:"dirs"`
	Bytes int64 `json:"bytes"`
	// Error says the listing broke off: the items listed so far still run,
	// and the job fails with this error.
	Error string `json:"error,omitempty"`
}

// Result is one work item's terminal outcome. On the wire it is in the
// compact form (compact_result.go): a new field needs its place there, and
// TestCompactResultEveryField fails until it has one.
type Result struct {
	Index    int64  `json:"index"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	Size     int64  `json:"size"`
	Checksum string `json:"checksum,omitempty"` // "CRC32C:<hex>" of the copied bytes
	// DirsCreated counts the levels of the item's path (the directory
	// itself, or a file's or chunk's parent, then up) that were missing
	// when its copy looked and that it or a racing copy made
	// (fs.MkdirAllLevels). Racing copies may both count a directory; the
	// committer counts each once.
	DirsCreated int    `json:"dirs_created,omitempty"`
	Reason      string `json:"reason,omitempty"` // why skipped or copied
	Error       string `json:"error,omitempty"`
	Attempt     int    `json:"attempt"` // delivery number that produced it (a bundled file: plus its own tries beyond the first)
	DurationMS  int64  `json:"duration_ms"`
	// Attr echoes a directory's source attributes so the committer can apply
	// them after all files are in.
	Attr *Attrs `json:"attr,omitempty"`
	// Statted says a chunk's Attr times are the source's as Stat gives
	// them (WorkItem.Statted): the assembled file's origin record and
	// manifest line keep them only then.
	Statted bool `json:"statted,omitempty"`
	// Copier names the worker, for audits.
	Copier string `json:"copier,omitempty"`
	// Files are a bundle's per-file results, in the bundle's order.
	Files []Result `json:"files,omitempty"`
	// Chunk echoes a chunk item's place; Checksum is then the chunk's own
	// CRC32C and Part what the target needs to assemble it (an ETag).
	Chunk *Chunk `json:"chunk,omitempty"`
	Part  string `json:"part,omitempty"`
	// Category and Proof are a verify job's outcome for the entry (see
	// Categories, Proof*); Reason then says why, for what is not the same.
	Category string `json:"category,omitempty"`
	Proof    string `json:"proof,omitempty"`
	// Record ties the target as this result left it to the source it
	// holds, for the job manifest (docs/job-manifest.md): set on a file
	// whose target is known to hold the source's bytes (copied and
	// verified, or skipped on a checksum or a recorded origin).
	Record *Record `json:"rec,omitempty"`
}

// Record is what a job manifest line keeps of a file beyond the result's
// paths, size (the source's) and checksum: the source's times and
// version as copied, and the target's size, mtime and version as the
// job left it, so that a later -update can tell from two listings alone
// that neither side changed. Times are Unix nanoseconds, 0 when unknown;
// the short names keep a result event small.
type Record struct {
	SrcModTime    int64  `json:"sm,omitempty"`
	SrcChangeTime int64  `json:"sc,omitempty"`
	SrcVersion    string `json:"sv,omitempty"`
	DstSize       int64  `json:"ds"`
	DstModTime    int64  `json:"dm,omitempty"`
	// DstChangeTime is the target's change time where it has one (local
	// files): a rewrite under a restored mtime still moves it.
	DstChangeTime int64  `json:"dc,omitempty"`
	DstVersion    string `json:"dv,omitempty"`
}

// Entries yields the results of single entries this item result carries:
// itself for a file or a directory, each file of a bundle, and nothing for
// a chunk (its file's result comes when the committer assembles it).
func (r *Result) Entries() iter.Seq[*Result] {
	return func(yield func(*Result) bool) {
		switch r.Kind {
		case KindBundle:
			for i := range r.Files {
				if !yield(&r.Files[i]) {
					return
				}
			}
		case KindChunk:
		default:
			yield(r)
		}
	}
}

// Job states in reports.
const (
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
	StateCanceled  = "canceled"
)

// MaxReportFailures caps the failures listed in a report.
const MaxReportFailures = 100

// Failure is one failed file in a report.
type Failure struct {
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	Error string `json:"error"`
}

// MaxReportSlowest caps the slowest files listed in a report.
const MaxReportSlowest = 10

// SlowFile is one of a job's slowest file copies.
type SlowFile struct {
	Src        string `json:"src"`
	Dst        string `json:"dst"`
	Size       int64  `json:"size"`
	DurationMS int64  `json:"duration_ms"`
	Attempt    int    `json:"attempt"`
}

// Report is a finished job's account. Its JSON form is --report-json's:
// one flat object with exactly these keys.
type Report struct {
	Job          string `json:"job"`
	State        string `json:"state"`
	FilesCopied  int64  `json:"files_copied"`
	FilesSkipped int64  `json:"files_skipped"`
	FilesFailed  int64  `json:"files_failed"`
	// DirsCreated counts the directories the job made at the target, each
	// once: the target root and those below it that did not exist before
	// (not the target's missing parents).
	DirsCreated int64 `json:"dirs_created"`
	// DirsFailed counts listed directories that could not be made (a file
	// in the way): failures of the job like failed files, kept apart so
	// that the files copied, skipped and failed add up to the files listed.
	DirsFailed      int64   `json:"dirs_failed"`
	FilesDeleted    int64   `json:"files_deleted"`
	BytesCopied     int64   `json:"bytes_copied"`
	BytesSkipped    int64   `json:"bytes_skipped"`
	BytesFailed     int64   `json:"bytes_failed"`
	BytesExpected   int64   `json:"bytes_expected"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Retries counts attempts beyond the first: deliveries of a work item
	// beyond its first (retried after an error, or redelivered after its
	// copier stopped or was lost; a bundle once per redelivery), and the
	// tries of a bundle's file beyond its first.
	Retries int64 `json:"retries"`
	// FilesRetried counts the files (and directories) that needed more
	// than one attempt: tried again after an error, or delivered again
	// after their copier stopped or was lost. A bundle delivered again
	// counts one file, the one its earlier delivery was copying, not all
	// of its files.
	FilesRetried int64 `json:"files_retried"`
	// Failures are the first MaxReportFailures failed items, with errors.
	Failures []Failure `json:"failures"`
	// Slowest are the MaxReportSlowest longest file copies, slowest first.
	Slowest []SlowFile `json:"slowest"`
	// Verify is a verify job's account (Options.Verify); absent otherwise.
	Verify *Verification `json:"verify,omitempty"`
}

// NoteSlow keeps f if it is among the report's slowest copies.
func (r *Report) NoteSlow(f SlowFile) {
	n := len(r.Slowest)
	if n == MaxReportSlowest && f.DurationMS <= r.Slowest[n-1].DurationMS {
		return
	}
	i := n
	for i > 0 && r.Slowest[i-1].DurationMS < f.DurationMS {
		i--
	}
	r.Slowest = append(r.Slowest, SlowFile{})
	copy(r.Slowest[i+1:], r.Slowest[i:])
	r.Slowest[i] = f
	if len(r.Slowest) > MaxReportSlowest {
		r.Slowest = r.Slowest[:MaxReportSlowest]
	}
}
