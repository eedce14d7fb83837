package messages

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Preserve lists the attributes DistCp's -p letters ask to keep.
type Preserve struct {
	Replication  bool `json:"replication,omitempty"`   // r
	BlockSize    bool `json:"block_size,omitempty"`    // b
	User         bool `json:"user,omitempty"`          // u
	Group        bool `json:"group,omitempty"`         // g
	Permission   bool `json:"permission,omitempty"`    // p
	ChecksumType bool `json:"checksum_type,omitempty"` // c
	ACL          bool `json:"acl,omitempty"`           // a
	XAttr        bool `json:"xattr,omitempty"`         // x
	Times        bool `json:"times,omitempty"`         // t
}

// Any reports whether any attribute is preserved.
func (p Preserve) Any() bool { return p != Preserve{} }

// Options are the job-wide choices every service needs. They carry no
// secrets: each service takes credentials from its own environment.
type Options struct {
	Update         bool     `json:"update,omitempty"`
	Overwrite      bool     `json:"overwrite,omitempty"`
	Delete         bool     `json:"delete,omitempty"`
	IgnoreFailures bool     `json:"ignore_failures,omitempty"`
	SkipCRC        bool     `json:"skip_crc,omitempty"`
	Direct         bool     `json:"direct,omitempty"`
	Atomic         bool     `json:"atomic,omitempty"`
	DryRun         bool     `json:"dry_run,omitempty"`
	Preserve       Preserve `json:"preserve"`
	// BandwidthMBps throttles each copier worker (MB/s, 1 MB = 2^20 bytes); 0 = unlimited.
	BandwidthMBps float64 `json:"bandwidth_mbps,omitempty"`
	// CopyBufferSize is the read/write buffer per worker in bytes.
	CopyBufferSize int `json:"copy_buffer_size,omitempty"`
	// Filters are regular expressions; source paths matching any are excluded.
	Filters []string `json:"filters,omitempty"`
	// Attempts is how many times a copier tries a file before failing it.
	Attempts int `json:"attempts,omitempty"`
	// RetryBackoff is the first retry's delay; later ones double it.
	RetryBackoff time.Duration `json:"retry_backoff,omitempty"`
	// Verbose asks services to log every file.
	Verbose bool `json:"verbose,omitempty"`
	// TrustMtime lets -update skip a file whose target records that it was
	// copied from the source at its current size and mtime, reading
	// neither (rsync's and rclone's quick check). Without it the record
	// must match the source's change time too (local sources), or the
	// source's checksum is compared.
	TrustMtime bool `json:"trust_mtime,omitempty"`
	// ChunkSize splits files larger than it into chunks copied in
	// parallel and assembled at the target; 0 copies every file whole.
	ChunkSize int64 `json:"chunk_size,omitempty"`
	// BlocksPerChunk (DistCp's -blocksperchunk) sizes chunks in the source
	// file's blocks instead; it wins over ChunkSize.
	BlocksPerChunk int `json:"blocks_per_chunk,omitempty"`
	// BundleFiles and BundleBytes bound a bundle: small files (under
	// BundleBytes/8) go many to a work item. BundleFiles <= 1 turns
	// bundling off.
	BundleFiles int   `json:"bundle_files,omitempty"`
	BundleBytes int64 `json:"bundle_bytes,omitempty"`
	// Verify makes the job a comparison (lister verify): copiers compare
	// each source with its target instead of copying, and nothing is
	// written at the target. A verify job also sets DryRun, so that a
	// copier from before verify mode, which ignores this field, does a
	// dry run and still writes nothing.
	Verify bool `json:"verify,omitempty"`
	// ReadBoth lets a verify job read files on both sides when no kept
	// checksum settles a comparison (--read-both).
	ReadBoth bool `json:"read_both,omitempty"`
	// Manifest is the directory (a URI) where the committer writes the
	// job's manifest, and from which -update reads the last one
	// (docs/job-manifest.md); empty: no manifest.
	Manifest string `json:"manifest,omitempty"`
	// Append (DistCp's -append, with -update): a target shorter than its
	// source that holds the source's first bytes gets only the missing
	// tail, where its file system can append (fs.Appender).
	Append bool `json:"append,omitempty"`
	// UpdateRoot (-updateRoot): under -update or -overwrite the target
	// root takes the source root's preserved attributes too.
	UpdateRoot bool `json:"update_root,omitempty"`
	// XTrack (-xtrack) is a directory URI where the committer writes the
	// target's entries missing at the sources; empty: none.
	XTrack string `json:"xtrack,omitempty"`
	// ManifestCarry (a URI) is a -diff job's carry file: the previous
	// manifest's lines of the files the diff leaves alone, which the
	// committer writes into the job's manifest before its own lines and
	// then removes (internal/manifest, carry.go).
	ManifestCarry string `json:"manifest_carry,omitempty"`
}

// Job is a job's spec as the lister records it before enqueuing work.
type Job struct {
	V       int       `json:"v"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Sources are the source roots after glob and -f expansion.
	Sources []string `json:"sources"`
	// Target is where the user asked the data to go.
	Target string `json:"target"`
	// WriteRoot is the tree copiers may write under: Target, or the -atomic
	// work directory that the committer renames to Target.
	WriteRoot string `json:"write_root"`
	// TargetIsDir says whether the target is (or becomes) a directory; -delete
	// only ever runs on a directory target.
	TargetIsDir bool    `json:"target_is_dir"`
	Options     Options `json:"options"`
	// ListingLease, when set, is how long the listing may go without a
	// heartbeat of its lister (a core message on jetcp.lease.<job>)
	// before the committer fails the job: the lister stopped while
	// listing. A job recorded without it is never failed so.
	ListingLease time.Duration `json:"listing_lease,omitempty"`
}

// Defaults DistCp users expect, and the retry budget the work consumer backs up.
const (
	DefaultAttempts       = 3
	MaxAttempts           = MaxDeliver - 1
	DefaultRetryBackoff   = 500 * time.Millisecond
	DefaultCopyBufferSize = 1 << 20
	DefaultWorkers        = 20
	DefaultChunkSize      = 256 << 20
	DefaultBundleFiles    = 32
	DefaultBundleBytes    = 8 << 20
	// DefaultBlockSize is HDFS's, for -blocksperchunk when a source has none.
	DefaultBlockSize = 128 << 20
)

// NewJobID returns a sortable id that is also a valid subject token.
func NewJobID(now time.Time) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Errorf("crypto/rand: %w", err))
	}
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// ValidJobID reports whether id can be used as a subject token.
func ValidJobID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
