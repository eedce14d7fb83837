package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"time"
)

// Helpers over the optional capabilities, the way io/fs's ReadFile and
// Stat hide their type assertions: each uses the capability where fsys
// (or a Writer) has it and otherwise does the documented fallback, so
// callers need no type assertion of their own. A capability missing
// where there is no sensible fallback is an error wrapping
// errors.ErrUnsupported.

func unsupported(fsys any, what string) error {
	return fmt.Errorf("%T cannot %s: %w", fsys, what, errors.ErrUnsupported)
}

// FileChecksum is path's content checksum through fsys's Checksummer.
// Without one it fails with an error wrapping both ErrIncomparable and
// errors.ErrUnsupported; a caller that may read uses ChecksumByReading.
func FileChecksum(ctx context.Context, fsys FS, path string) (Checksum, error) {
	c, ok := fsys.(Checksummer)
	if !ok {
		return Checksum{}, fmt.Errorf("%T keeps no checksums: %w (%w)", fsys, ErrIncomparable, errors.ErrUnsupported)
	}
	return c.Checksum(ctx, path)
}

// KeepsChecksums reports whether fsys can give a file's checksum
// (Checksummer): asked before comparing two files, so that neither side's
// checksum is computed when the other cannot give one.
func KeepsChecksums(fsys FS) bool {
	_, ok := fsys.(Checksummer)
	return ok
}

// KeptChecksum is fi's checksum where fsys keeps one (ChecksumKeeper),
// without reading data; ok is false where it keeps none. Unlike
// FileChecksum it never falls back to reading the file.
func KeptChecksum(ctx context.Context, fsys FS, fi FileInfo) (Checksum, bool, error) {
	k, ok := fsys.(ChecksumKeeper)
	if !ok {
		return Checksum{}, false, nil
	}
	return k.KeptChecksum(ctx, fi)
}

// ServerChecksum is fi's whole-file CRC32C as fsys's servers compute it
// without sending data (ServerChecksummer); ok is false where fsys has
// none to give. Ask KeptChecksums first: a kept checksum costs less.
func ServerChecksum(ctx context.Context, fsys FS, fi FileInfo) (Checksum, bool, error) {
	s, ok := fsys.(ServerChecksummer)
	if !ok {
		return Checksum{}, false, nil
	}
	return s.ServerChecksum(ctx, fi)
}

// WrittenVersion is the version a closed Writer's file got
// (VersionedWriter), or "" where the writer cannot tell without a request.
func WrittenVersion(w Writer) string {
	if v, ok := w.(VersionedWriter); ok {
		return v.Version()
	}
	return ""
}

// KeptChecksums are the checksums fsys keeps of fi, of every kind it
// keeps (ChecksumsKeeper), else its one kept CRC32C (KeptChecksum), else
// none; CRC32C comes first where there is one. It never reads data.
func KeptChecksums(ctx context.Context, fsys FS, fi FileInfo) ([]Checksum, error) {
	if k, ok := fsys.(ChecksumsKeeper); ok {
		return k.KeptChecksums(ctx, fi)
	}
	sum, ok, err := KeptChecksum(ctx, fsys, fi)
	if err != nil || !ok {
		return nil, err
	}
	return []Checksum{sum}, nil
}

// SetAttrs applies a through fsys's AttrSetter. Zero attributes need
// none; otherwise a backend without one fails with an error wrapping
// errors.ErrUnsupported (the caller decides whether that matters).
func SetAttrs(ctx context.Context, fsys FS, path string, a Attrs) error {
	if a == (Attrs{}) {
		return nil
	}
	s, ok := fsys.(AttrSetter)
	if !ok {
		return unsupported(fsys, "set owners, permissions or times")
	}
	return s.SetAttrs(ctx, path, a)
}

// RecordOrigin keeps o with path: as an origin record where fsys is an
// OriginRecorder, else as a stored checksum where it is a ChecksumStorer,
// else not at all (nil). Call it after path's final attributes are set.
func RecordOrigin(ctx context.Context, fsys FS, path string, o Origin) error {
	if o.Checksum.IsZero() {
		return nil
	}
	if r, ok := fsys.(OriginRecorder); ok {
		return r.RecordOrigin(ctx, path, o)
	}
	if s, ok := fsys.(ChecksumStorer); ok {
		return s.StoreChecksum(ctx, path, o.Checksum)
	}
	return nil
}

// OriginOf is the origin recorded for the file fi describes (as Stat
// returned it); ok is false where there is none valid or fsys records
// none.
func OriginOf(ctx context.Context, fsys FS, fi FileInfo) (o Origin, ok bool, err error) {
	if fi.Origin != nil {
		return *fi.Origin, true, nil // read with fi (FileInfo.Origin)
	}
	r, ok := fsys.(OriginRecorder)
	if !ok {
		return Origin{}, false, nil
	}
	return r.Origin(ctx, fi)
}

// ImplicitDirs reports whether a file can be created on fsys without its
// parent directory made first (DirMarker).
func ImplicitDirs(fsys FS) bool {
	_, ok := fsys.(DirMarker)
	return ok
}

// MarkDir makes path a directory with one write that looks at nothing
// (DirMarker.MarkDir); a backend whose directories must be made fails
// with an error wrapping errors.ErrUnsupported (ask ImplicitDirs first).
func MarkDir(ctx context.Context, fsys FS, path string, perm iofs.FileMode) error {
	dm, ok := fsys.(DirMarker)
	if !ok {
		return unsupported(fsys, "mark a directory without making it")
	}
	return dm.MarkDir(ctx, path, perm)
}

// SnapshotInfo describes the version of a file that r, a reader Open
// returned, reads where the store serves a whole file as one version
// (SnapshotReader); ok is false where the caller must Stat.
func SnapshotInfo(r io.Reader) (fi FileInfo, ok bool) {
	sr, ok := r.(SnapshotReader)
	if !ok {
		return FileInfo{}, false
	}
	return sr.Info(), true
}

// AtomicCreate reports whether fsys's Writers make a file visible only
// complete (AtomicCreator).
func AtomicCreate(fsys FS) bool {
	a, ok := fsys.(AtomicCreator)
	return ok && a.AtomicCreate()
}

// StoresAttrsAtCreate reports whether fsys stores CreateOptions.Attrs
// with a new file (AttrsAtCreate).
func StoresAttrsAtCreate(fsys FS) bool {
	a, ok := fsys.(AttrsAtCreate)
	return ok && a.StoresAttrsAtCreate()
}

// CanWriteParts reports whether fsys builds files from parts (PartWriter).
func CanWriteParts(fsys FS) bool {
	_, ok := fsys.(PartWriter)
	return ok
}

// StartParts begins assembling path through fsys's PartWriter; without
// one it fails with an error wrapping errors.ErrUnsupported.
func StartParts(ctx context.Context, fsys FS, path string, opts CreateOptions) (string, error) {
	pw, ok := fsys.(PartWriter)
	if !ok {
		return "", unsupported(fsys, "assemble a file from parts")
	}
	return pw.StartParts(ctx, path, opts)
}

// CreatePart starts writing part n of an assembly (PartWriter.CreatePart);
// without a PartWriter it fails with an error wrapping errors.ErrUnsupported.
func CreatePart(ctx context.Context, fsys FS, path, upload string, n int, offset, size int64) (Part, error) {
	pw, ok := fsys.(PartWriter)
	if !ok {
		return nil, unsupported(fsys, "assemble a file from parts")
	}
	return pw.CreatePart(ctx, path, upload, n, offset, size)
}

// CompleteParts makes an assembly whole (PartWriter.CompleteParts);
// without a PartWriter it fails with an error wrapping errors.ErrUnsupported.
func CompleteParts(ctx context.Context, fsys FS, path, upload string, receipts []string) error {
	pw, ok := fsys.(PartWriter)
	if !ok {
		return unsupported(fsys, "assemble a file from parts")
	}
	return pw.CompleteParts(ctx, path, upload, receipts)
}

// AbortParts discards an assembly (PartWriter.AbortParts); where fsys
// has no PartWriter there is none, and it returns nil.
func AbortParts(ctx context.Context, fsys FS, path, upload string) error {
	pw, ok := fsys.(PartWriter)
	if !ok {
		return nil
	}
	return pw.AbortParts(ctx, path, upload)
}

// AbortUploads aborts the open uploads to files directly in dir that
// match accepts and began at or after since (UploadAborter), and says how
// many; where fsys has no such uploads it returns 0 and nil.
func AbortUploads(ctx context.Context, fsys FS, dir string, since time.Time, match func(p string) bool) (int, error) {
	ua, ok := fsys.(UploadAborter)
	if !ok {
		return 0, nil
	}
	return ua.AbortUploads(ctx, dir, since, match)
}

// CanReadBack reports whether w can read back what it wrote
// (ReadBacker): asked before taking a buffer for it.
func CanReadBack(w Writer) bool {
	_, ok := w.(ReadBacker)
	return ok
}

// ReadBack reads back what w wrote, before Close (ReadBacker); a Writer
// that cannot fails with an error wrapping errors.ErrUnsupported, and the
// caller verifies by path.
func ReadBack(ctx context.Context, w Writer, buf []byte) (size int64, sum Checksum, err error) {
	rb, ok := w.(ReadBacker)
	if !ok {
		return 0, Checksum{}, unsupported(w, "read back")
	}
	return rb.ReadBack(ctx, buf)
}

// CheckStored has w's store confirm the closed file (StoreChecker); a
// Writer whose store cannot fails with an error wrapping
// errors.ErrUnsupported, and the caller verifies by path.
func CheckStored(ctx context.Context, w Writer) (size int64, sum Checksum, err error) {
	sc, ok := w.(StoreChecker)
	if !ok {
		return 0, Checksum{}, unsupported(w, "check what is stored")
	}
	return sc.CheckStored(ctx)
}

// WriterChecksum is the CRC32C of the bytes written to w where w keeps
// one (ChecksummingWriter); ok is false where the caller must hash them.
// It takes any io.Writer, as a file's Writer and an assembly's Part both
// may keep one.
func WriterChecksum(w io.Writer) (sum Checksum, ok bool) {
	cw, ok := w.(ChecksummingWriter)
	if !ok {
		return Checksum{}, false
	}
	return cw.Checksum(), true
}

// Close closes fsys where it holds connections (Closer); otherwise there
// is nothing to close and it returns nil.
func Close(fsys FS) error {
	c, ok := fsys.(Closer)
	if !ok {
		return nil
	}
	return c.Close()
}

// SnapshotDiff is the difference between snapshots from and to of dir
// through fsys's Snapshotter; without one it fails with an error wrapping
// errors.ErrUnsupported (only HDFS keeps snapshots).
func SnapshotDiff(ctx context.Context, fsys FS, dir, from, to string) ([]DiffEntry, error) {
	s, ok := fsys.(Snapshotter)
	if !ok {
		return nil, unsupported(fsys, "report snapshot differences (only HDFS keeps snapshots)")
	}
	return s.SnapshotDiff(ctx, dir, from, to)
}

// CanAppend reports whether fsys can add bytes to an existing file in
// place (Appender).
func CanAppend(fsys FS) bool {
	_, ok := fsys.(Appender)
	return ok
}

// Append opens path, a file of size bytes, to add bytes at its end
// (Appender); a backend that cannot fails with an error wrapping
// errors.ErrUnsupported (ask CanAppend first).
func Append(ctx context.Context, fsys FS, path string, size int64) (Writer, error) {
	a, ok := fsys.(Appender)
	if !ok {
		return nil, unsupported(fsys, "append to a file")
	}
	return a.Append(ctx, path, size)
}
