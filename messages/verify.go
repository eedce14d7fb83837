package messages

// Verify categories: where a verify job (Options.Verify) puts each source
// entry, and the one it puts target entries no source has.
const (
	CategorySame            = "same"
	CategoryMissing         = "missing"      // the target has no entry there
	CategoryExtra           = "extra"        // at the target only, where -delete would look
	CategorySizeDiffers     = "size-differs" // both files, of different sizes
	CategoryChecksumDiffers = "checksum-differs"
	CategoryTypeDiffers     = "type-differs" // a file on one side, a directory on the other
	CategoryUnverifiable    = "unverifiable" // no proof could be had without reading (Reason says why)
	CategoryError           = "error"        // the comparison failed (Error says why)
)

// Categories are the verify categories in the order reports show them.
var Categories = []string{CategorySame, CategoryMissing, CategoryExtra, CategorySizeDiffers,
	CategoryChecksumDiffers, CategoryTypeDiffers, CategoryUnverifiable, CategoryError}

// Proofs: how a verify result settled its comparison, cheapest first.
const (
	ProofMetadata   = "metadata"    // existence, type or size settled it: nothing more was read
	ProofOrigin     = "origin"      // the target's recorded origin names the source as it is: no data read
	ProofKept       = "kept"        // checksums both sides keep: no data read
	ProofReadSource = "read-source" // the target's kept checksum against the source's, read
	ProofCRC64      = "crc64"       // COS's CRC64 of an object (no CRC32C kept) against the source's, read: no GET
	ProofReadTarget = "read-target" // the source's kept checksum against the target's, read (--read-both)
	ProofReadBoth   = "read-both"   // both sides read (--read-both)
)

// ProofComposite: an HDFS side's CRC32C as its DataNodes compute it
// (COMPOSITE_CRC) against the other side's: no data transferred. It comes
// after ProofKept in Proofs.
const ProofComposite = "composite-crc"

// Proofs are the proofs in the order reports show them.
var Proofs = []string{ProofMetadata, ProofOrigin, ProofKept, ProofComposite, ProofReadSource, ProofCRC64, ProofReadTarget, ProofReadBoth}

// CategoryCount is one verify category's entries and their bytes (the
// source's size; an extra's the target's).
type CategoryCount struct {
	Entries int64 `json:"entries"`
	Bytes   int64 `json:"bytes"`
}

// MaxReportExtras caps the extra entries a verify report lists (they are
// all counted).
const MaxReportExtras = 10000

// Difference is one entry a verify job did not find the same: a line of
// the differences file (--differences).
type Difference struct {
	Src      string `json:"src,omitempty"` // empty for an extra
	Dst      string `json:"dst"`
	Category string `json:"category"`
	Reason   string `json:"reason,omitempty"`
	Size     int64  `json:"size"`
	Dir      bool   `json:"dir,omitempty"`
}

// Verification is a verify job's account, in its report.
type Verification struct {
	// Categories counts the entries (files and directories; bytes of
	// files) of each category that has any.
	Categories map[string]CategoryCount `json:"categories"`
	// Proofs counts the entries of each proof that settled them.
	Proofs map[string]int64 `json:"proofs"`
	// Extras are the first MaxReportExtras extra entries.
	Extras []Difference `json:"extras,omitempty"`
}
