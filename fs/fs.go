// Package fs is jetcp's portable file-system interface. Every backend (local
// files, HDFS, COS) implements FS; richer abilities are optional interfaces
// discovered by type assertion, the way io/fs does it.
//
// Paths handed to an FS are absolute, slash-separated and cleaned ("/a/b").
// Errors wrap io/fs's sentinel errors (ErrNotExist, ErrExist, ErrPermission)
// so callers can test them with errors.Is whatever the backend.
package fs

import (
	"context"
	"errors"
	"hash/fnv"
	"io"
	iofs "io/fs"
	"iter"
	"strconv"
	"time"
)

// Sentinel errors, shared with io/fs so that os errors match too.
var (
	ErrNotExist   = iofs.ErrNotExist
	ErrExist      = iofs.ErrExist
	ErrPermission = iofs.ErrPermission
	// ErrNoFileSystem is a URI whose file system itself does not exist (a
	// COS bucket): bad input, unlike a path missing from a file system.
	ErrNoFileSystem = errors.New("no such file system")
)

// FileInfo describes one entry. Fields a backend cannot know are left zero.
type FileInfo struct {
	Path       string        // absolute path inside the FS
	Size       int64         // bytes; 0 for directories
	Mode       iofs.FileMode // permission bits, plus iofs.ModeDir for directories
	ModTime    time.Time
	AccessTime time.Time
	// ChangeTime is the inode's change time (local files): every write,
	// chmod or utimes moves it and nobody can set it back, so an equal
	// ChangeTime means the file was not touched, even if its mtime was
	// restored. Zero where the file system has none (HDFS, COS).
	ChangeTime  time.Time
	Owner       string // user name
	Group       string // group name
	BlockSize   int64  // HDFS block size; 0 where meaningless
	Replication int16  // HDFS replication; 0 where meaningless
	// Origin, when not nil, is the file's origin record as the backend
	// read it with the rest of the entry (COS: from the same HEAD, kept
	// there by CreateOptions.Source), already found valid for the file:
	// it counts as an OriginRecorder's record would, for no request.
	Origin *Origin
	// Version is a token the store changes whenever it stores new content
	// at the path (COS: the object's ETag; HDFS: the inode id and mtime),
	// listed with it; empty where there is none. Equal versions mean the same stored bytes, so a
	// record of what was written there (a job manifest) can be trusted
	// from a listing alone.
	Version string
}

// IsDir reports whether the entry is a directory.
func (fi FileInfo) IsDir() bool { return fi.Mode.IsDir() }

// Name is the last element of Path.
func (fi FileInfo) Name() string { return Base(fi.Path) }

// CreateOptions tune Create. Zero values mean the backend's defaults.
type CreateOptions struct {
	Perm        iofs.FileMode // permission of the new file; 0 means 0644
	Overwrite   bool          // replace an existing file instead of failing with ErrExist
	BlockSize   int64         // HDFS: block size to create the file with
	Replication int16         // HDFS: replication to create the file with
	// Attrs are stored with the data by backends implementing AttrsAtCreate
	// (object metadata, where changing it later costs a server-side copy);
	// other backends ignore them and the caller uses SetAttrs after Close.
	Attrs Attrs
	// Missing says the caller knows nothing is at path, neither a file nor
	// a directory (a listing of its parent showed none, and only this
	// caller writes there): a backend may skip its own look before
	// writing (on COS, up to three requests).
	Missing bool
	// Source, when not nil, is the origin to record with the file (its
	// Checksum left zero: the writer takes that of the bytes it is given)
	// by backends that record it as they write, where a record made after
	// Close would cost a copy of the file (COS: object metadata sent with
	// the PUT, read back by Stat as FileInfo.Origin). Others ignore it (an
	// OriginRecorder records after Close).
	Source *Origin
}

// Writer receives a new file's bytes. Close makes the file complete (for
// object stores: visible); Abort discards whatever was written. After
// either, the Writer must not be used again; Abort after Close is a no-op.
type Writer interface {
	io.Writer
	Close() error
	Abort() error
}

// ReadBacker is implemented by Writers that can read back what they wrote
// through the open handle, before Close (local files). Verifying a copy
// then costs a read, where verifying by path costs a Stat, an open, a read
// and a close. ReadBack returns the length and CRC32C of what is stored of
// the bytes written (it reads no further: a short file shows in the length);
// an error wrapping errors.ErrUnsupported says this handle cannot, and
// the caller verifies by path instead.
type ReadBacker interface {
	ReadBack(ctx context.Context, buf []byte) (size int64, sum Checksum, err error)
}

// VersionedWriter is implemented by Writers whose store answers the
// request that makes the file visible with the new content's version
// (COS: the ETag of the PUT or of Complete): after Close, Version is the
// FileInfo.Version a listing will show for the file, learnt for no
// request, where a Stat to learn it would cost one per file.
type VersionedWriter interface {
	Writer
	Version() string
}

// ChecksummingWriter is implemented by Writers that checksum what they
// are given anyway (HDFS keeps a CRC32C per 512-byte chunk for the
// DataNodes' block checksums and derives the file's from them). Checksum,
// after the last Write, is the CRC32C of all bytes written; a copier takes
// it instead of hashing the same bytes a second time.
type ChecksummingWriter interface {
	Writer
	Checksum() Checksum
}

// StoreChecker is implemented by Writers whose store can confirm, after
// Close, what it holds without the data being read back (HDFS: the
// DataNodes' block checksums, made from the chunk CRCs they checked on
// receipt, against those of the bytes sent). CheckStored returns the
// stored length and the CRC32C of the whole file as the confirmed chunk
// checksums make it; a failed confirmation is an error. An error wrapping
// errors.ErrUnsupported says it cannot, and the caller verifies by path.
type StoreChecker interface {
	CheckStored(ctx context.Context) (size int64, sum Checksum, err error)
}

// SnapshotReader is implemented by the readers Open returns on stores that
// serve a whole file as one version fixed when the read began (object
// stores: a GET of an object being replaced goes on with the version it
// began with). Info describes that version as Stat would have, from the
// answer that began the read: a copier that read the whole file checks
// the source unchanged against it instead of asking again. A reader from
// an offset other than 0 need not implement it.
type SnapshotReader interface {
	Info() FileInfo
}

// Appender is implemented by backends that can add bytes to the end of
// an existing file in place (HDFS's append, a local file opened to
// append): -append then writes only the tail a shorter target lacks,
// where a copy would write the whole file again. Object stores cannot (an
// object is replaced whole), and do not implement it.
//
// Append opens path for appending, and fails unless it is a file of
// exactly size bytes (the length whose prefix the caller compared), so
// that a file changed since is never extended. The Writer's bytes go
// after the existing ones; Close makes the longer file complete. Abort
// stops: the file keeps at least its first size bytes, and what was
// appended may stay where the store cannot take it back (HDFS; local
// files are cut back to size).
type Appender interface {
	Append(ctx context.Context, path string, size int64) (Writer, error)
}

// DirMarker is implemented by backends where a directory exists by the
// files below it alone (object stores: a prefix with objects under it), so
// that creating a file needs no parent directory made first, and a
// directory is made by one write that looks at nothing (a "key/" marker).
// MarkDir makes path a directory that way: for a path known missing whose
// parents are made by others (or need not be).
type DirMarker interface {
	MarkDir(ctx context.Context, path string, perm iofs.FileMode) error
}

// FS is the small core every backend implements.
type FS interface {
	// Stat describes path, or fails with an error wrapping ErrNotExist.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// List yields the entries of directory dir in no promised order. It
	// streams: a directory of millions of entries is never held in memory by
	// the caller. A failure is yielded once, as the last pair.
	List(ctx context.Context, dir string) iter.Seq2[FileInfo, error]
	// Open reads path starting at byte offset.
	Open(ctx context.Context, path string, offset int64) (io.ReadCloser, error)
	// Create starts writing a new file; its parent directory must exist.
	Create(ctx context.Context, path string, opts CreateOptions) (Writer, error)
	// Mkdir creates one directory. It fails with ErrExist when path exists
	// and with ErrNotExist when the parent is missing.
	Mkdir(ctx context.Context, path string, perm iofs.FileMode) error
	// Rename moves oldpath to newpath, replacing a file at newpath.
	Rename(ctx context.Context, oldpath, newpath string) error
	// Remove deletes a file or an empty directory; with recursive, a whole
	// tree. Removing a missing path fails with ErrNotExist.
	Remove(ctx context.Context, path string, recursive bool) error
}

// ModeAttrBits are the mode bits -pp preserves: permissions plus setuid,
// setgid and sticky.
const ModeAttrBits = iofs.ModePerm | iofs.ModeSetuid | iofs.ModeSetgid | iofs.ModeSticky

// Attrs are the attributes SetAttrs applies; zero fields are left as they are.
type Attrs struct {
	Mode        *iofs.FileMode // permission bits
	Owner       string
	Group       string
	ModTime     time.Time
	AccessTime  time.Time
	Replication int16
}

// AttrSetter is implemented by backends that can change attributes
// (DistCp's -p letters u, g, p, t and r).
type AttrSetter interface {
	SetAttrs(ctx context.Context, path string, a Attrs) error
}

// Checksummer is implemented by backends that can produce a file's content
// checksum, ideally without reading it (HDFS, COS) and otherwise by reading.
type Checksummer interface {
	Checksum(ctx context.Context, path string) (Checksum, error)
}

// ChecksumKeeper is implemented by backends that can tell a file's CRC32C
// without reading its data: one they keep with it (a valid origin record
// for local files and HDFS, the object's own checksum header for COS).
// KeptChecksum takes the file as Stat just described it; ok is false when
// no checksum is kept for it as it is now. It never reads the file.
type ChecksumKeeper interface {
	KeptChecksum(ctx context.Context, fi FileInfo) (sum Checksum, ok bool, err error)
}

// ChecksumsKeeper is implemented by backends that keep more than one
// kind of checksum of a file (COS: its CRC32C, when it has one, and the
// CRC64-ECMA it keeps of every object): all of them, from one lookup and
// without reading data, so a comparison can pick a kind both sides have
// or read the other side for the kind this one keeps. Like KeptChecksum,
// only checksums of the file as fi describes it.
type ChecksumsKeeper interface {
	KeptChecksums(ctx context.Context, fi FileInfo) ([]Checksum, error)
}

// ServerChecksummer is implemented by backends whose servers compute a
// file's whole-file CRC32C from what they keep next to its data, without
// sending the data (HDFS DataNodes' COMPOSITE_CRC): dearer than a kept
// checksum (a request per block), far cheaper than reading the file.
// ServerChecksum takes the file as Stat just described it; ok is false
// where the store can give none for it (erasure-coded or encrypted HDFS
// files, old DataNodes, Kerberos). It never reads the file's data.
type ServerChecksummer interface {
	ServerChecksum(ctx context.Context, fi FileInfo) (sum Checksum, ok bool, err error)
}

// ChecksumStorer is implemented by backends that can keep the CRC32C a
// copy computed next to the file (an HDFS xattr), tied to the file's size
// and mtime, so that a later -update compares without reading data. Call it
// after the file's final attributes are set.
type ChecksumStorer interface {
	StoreChecksum(ctx context.Context, path string, c Checksum) error
}

// AttrsAtCreate is implemented by backends that store CreateOptions.Attrs
// with a new file, so callers need no SetAttrs afterwards.
type AttrsAtCreate interface {
	StoresAttrsAtCreate() bool
}

// AtomicCreator is implemented by backends whose Writer makes a file
// visible only complete, at Close (object stores): there a temp file plus
// rename would only double the cost (rename is copy + delete), so copiers
// write in place.
type AtomicCreator interface {
	AtomicCreate() bool
}

// PartialLister is implemented by backends whose List omits attributes
// that Stat returns (object stores list no metadata, and list the store's
// own modification time). Callers that need owners, permissions or
// preserved times Stat each entry.
type PartialLister interface {
	ListOmitsAttrs() bool
}

// ListOmitsAttrs reports whether fsys's listings lack what Stat returns.
func ListOmitsAttrs(fsys FS) bool {
	pl, ok := fsys.(PartialLister)
	return ok && pl.ListOmitsAttrs()
}

// UploadAborter is implemented by object stores whose large writes are
// multipart uploads, which outlive a writer killed before Close or Abort
// (and cost storage until aborted). AbortUploads aborts the open uploads to
// files directly in dir that match accepts and that were initiated at or
// after since, and says how many: one listing serves a whole directory.
type UploadAborter interface {
	AbortUploads(ctx context.Context, dir string, since time.Time, match func(p string) bool) (int, error)
}

// Closer is implemented by backends holding connections.
type Closer interface {
	Close() error
}

// Origin is what a copied file remembers of the source it was copied from:
// the bytes' CRC32C and the source's size, modification and change times
// then.
type Origin struct {
	Checksum      Checksum
	SrcSize       int64
	SrcModTime    time.Time // zero when the source's time was not known
	SrcChangeTime time.Time // zero when the source has none (see FileInfo.ChangeTime)
	// SrcVersion is the source's FileInfo.Version when recorded (only a
	// job manifest keeps it): where a source has one, an equal version
	// and size say it is unchanged as surely as a change time does.
	SrcVersion string
	// SrcID names the source the record was made from (SourceID), so that
	// another file landing at the same target with the same size and
	// times is not taken for it; empty in records older than it.
	SrcID string
	// Job is the job that copied the file, "" when not recorded (records
	// of earlier versions). A delivery of an item again after its copier
	// died finds by it that the file in place is this job's own copy.
	Job string
}

// SourceID is the short name of a source file kept in origin records: an
// FNV-1a hash of its URI, in hex.
func SourceID(u URI) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(u.String()))
	return strconv.FormatUint(h.Sum64(), 16)
}

// OriginRecorder is implemented by backends that can keep an Origin with a
// file (an extended attribute), valid while the file's own size and mtime
// are unchanged. A later -update then knows an unchanged source's target
// is the same without reading either side. Call RecordOrigin after the
// file's final attributes are set. Origin takes the file as Stat just
// described it (so a caller that has it stats once) and says ok=false when
// there is no record valid for it.
type OriginRecorder interface {
	RecordOrigin(ctx context.Context, path string, o Origin) error
	Origin(ctx context.Context, fi FileInfo) (o Origin, ok bool, err error)
}

// Snapshotter is implemented by backends with directory snapshots (HDFS):
// a snapshot is a read-only view of a directory's tree at DIR/.snapshot/NAME
// (readable through Stat, List and Open like any path), and the difference
// between two snapshots is read from the store without listing either
// tree. It is what -diff s1 s2 needs: work in proportion to the change.
type Snapshotter interface {
	// CreateSnapshot makes snapshot name of directory dir, allowing
	// snapshots on dir first where it needs that and may.
	CreateSnapshot(ctx context.Context, dir, name string) error
	// DeleteSnapshot deletes snapshot name of dir.
	DeleteSnapshot(ctx context.Context, dir, name string) error
	// SnapshotDiff is the difference from snapshot from to snapshot to of
	// dir ("" names dir's current state), as HDFS's SnapshotDiffReport
	// gives it: paths relative to dir, slash-separated, "" for dir itself.
	// The paths of modify and create entries, and the source of a rename,
	// are named as in from; a rename's Target as in to. Children of created
	// or deleted directories are not listed.
	SnapshotDiff(ctx context.Context, dir, from, to string) ([]DiffEntry, error)
}

// DiffType is the kind of a DiffEntry, with HDFS's report letters.
type DiffType byte

const (
	DiffModify DiffType = 'M'
	DiffCreate DiffType = '+'
	DiffDelete DiffType = '-'
	DiffRename DiffType = 'R'
)

// DiffEntry is one line of a snapshot difference report.
type DiffEntry struct {
	Type   DiffType
	Path   string
	Target string // for DiffRename
}

// String is the line as `hdfs snapshotDiff` prints it.
func (e DiffEntry) String() string {
	s := string(e.Type) + "\t./" + e.Path
	if e.Type == DiffRename {
		s += " -> ./" + e.Target
	}
	return s
}
