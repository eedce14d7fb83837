// Package conformance is a test suite every fs.FS backend runs, the way
// testing/fstest checks read-only io/fs implementations, but for jetcp's
// read-write file systems:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, myfs, "/an/empty/dir")
//	}
//
// Run uses the fs.FS interface, every optional capability package fs
// defines (each tested when the backend or its Writer implements it, and
// skipped, saying so, otherwise) and the helpers fs.MkdirAll, fs.Walk and
// fs.Glob. Options describe what a backend legitimately lacks. A backend
// that is an fs.Closer is closed at the end of Run.
//
// Besides what package fs documents, the suite pins down behaviour jetcp
// relies on and fs.FS leaves implicit:
//
//   - Stat of a path below a file fails with ErrNotExist (not "not a
//     directory" or HDFS's ParentNotDirectoryException).
//   - Directories have Size 0; FileInfo.Path is the full path, also in List.
//   - Create over an existing directory fails (with ErrExist without
//     Overwrite); Abort leaves nothing behind in the directory, not even a
//     temporary name.
//   - Rename onto an existing directory fails; it neither merges nor moves
//     the source inside.
//   - Every call given a canceled context fails with an error wrapping
//     context.Canceled and changes nothing.
//   - A Checksummer's checksum is the whole-file CRC32C (fs.AlgCRC32C).
//   - SetAttrs leaves zero fields alone: setting only ModTime keeps the
//     access time, and the other way round.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// Option adapts the suite to a backend.
type Option func(*config)

type config struct {
	noAttrs    bool
	noPerms    bool
	noOwners   bool
	noAtime    bool
	mtimeRes   time.Duration
	otherOwner string
	otherGroup string
	uploadSize int64
}

// WithoutAttrs skips the SetAttrs tests even though the backend implements
// fs.AttrSetter (say, because the test account may not change attributes).
func WithoutAttrs() Option { return func(c *config) { c.noAttrs = true } }

// WithoutPermissions is for backends that store no permission bits (object
// stores): FileInfo.Mode's permission bits are not checked, nor set.
func WithoutPermissions() Option { return func(c *config) { c.noPerms = true } }

// WithoutOwners is for backends that report no owner and group, or whose
// test process cannot chown: owners are neither checked nor set.
func WithoutOwners() Option { return func(c *config) { c.noOwners = true } }

// WithoutAccessTime is for backends that do not keep access times (object
// stores, HDFS with dfs.namenode.accesstime.precision = 0).
func WithoutAccessTime() Option { return func(c *config) { c.noAtime = true } }

// WithModTimeResolution accepts times set by SetAttrs coming back up to d
// away from what was set (HDFS: time.Millisecond). The default is exact.
func WithModTimeResolution(d time.Duration) Option {
	return func(c *config) { c.mtimeRes = d }
}

// WithOtherOwner names an existing user and group, other than the test
// process's, that SetAttrs can give a file to (the test process must be
// allowed to, e.g. run as root or as the HDFS superuser). Without it the
// subtest "SetAttrs/OtherOwner" is skipped.
func WithOtherOwner(user, group string) Option {
	return func(c *config) { c.otherOwner, c.otherGroup = user, group }
}

// WithUploadSize is how many bytes make a Writer start a multipart
// upload (fs.UploadAborter's, fs.AtomicCreator's tests write that much
// and leave it open). The default is 2 MiB + 1.
func WithUploadSize(n int64) Option { return func(c *config) { c.uploadSize = n } }

// suite is one Run.
type suite struct {
	fsys   fs.FS
	root   string
	cfg    config
	prefix string // name of Run's test, stripped from subtest names
}

// Run checks fsys against the fs.FS contract. root must be an existing,
// empty directory of fsys that the suite may fill; every subtest works in a
// directory of its own below it and leaves its files there.
func Run(t *testing.T, fsys fs.FS, root string, opts ...Option) {
	t.Helper()
	s := &suite{fsys: fsys, root: root, prefix: t.Name() + "/", cfg: config{uploadSize: 2<<20 + 1}}
	for _, o := range opts {
		o(&s.cfg)
	}
	fi, err := fsys.Stat(t.Context(), root)
	if err != nil {
		t.Fatalf("Stat(root %s): %v", root, err)
	}
	if !fi.IsDir() {
		t.Fatalf("root %s is not a directory", root)
	}
	for fi, err := range fsys.List(t.Context(), root) {
		if err != nil {
			t.Fatalf("List(root %s): %v", root, err)
		}
		t.Fatalf("root %s is not empty: it holds %s", root, fi.Path)
	}

	t.Run("Stat", s.testStat)
	t.Run("Create", s.testCreate)
	t.Run("ReadBack", s.testReadBack)
	t.Run("Open", s.testOpen)
	t.Run("Names", s.testNames)
	t.Run("List", s.testList)
	t.Run("Mkdir", s.testMkdir)
	t.Run("MkdirAll", s.testMkdirAll)
	t.Run("Rename", s.testRename)
	t.Run("Remove", s.testRemove)
	t.Run("Walk", s.testWalk)
	t.Run("Glob", s.testGlob)
	t.Run("CanceledContext", s.testCanceled)
	t.Run("Checksum", s.testChecksum)
	t.Run("SetAttrs", s.testSetAttrs)
	// The optional capabilities (optional.go).
	t.Run("PartWriter", s.testParts)
	t.Run("OriginRecorder", s.testOrigin)
	t.Run("ReadBacker", s.testReadBacker)
	t.Run("StoreChecker", s.testStoreChecker)
	t.Run("ChecksummingWriter", s.testChecksummingWriter)
	t.Run("ChecksumStorer", s.testChecksumStorer)
	t.Run("UploadAborter", s.testUploadAborter)
	t.Run("AttrsAtCreate", s.testAttrsAtCreate)
	t.Run("AtomicCreator", s.testAtomicCreator)
	t.Run("ListAttrs", s.testListAttrs)
	t.Run("DirMarker", s.testDirMarker)
	t.Run("ServerChecksummer", s.testServerChecksummer)
	t.Run("SnapshotReader", s.testSnapshotReader)
	t.Run("ChecksumKeeper", s.testChecksumKeeper)
	t.Run("VersionedWriter", s.testVersionedWriter)
	t.Run("Snapshotter", s.testSnapshotter)
	t.Run("Appender", s.testAppender)
	t.Run("Closer", s.testCloser) // last: it closes fsys
}

// ---- helpers ----

// dir makes a fresh directory for the calling (sub)test.
func (s *suite) dir(t *testing.T) string {
	t.Helper()
	name := strings.TrimPrefix(t.Name(), s.prefix)
	name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
	d := join(s.root, name)
	if err := s.fsys.Mkdir(t.Context(), d, 0o755); err != nil {
		t.Fatalf("Mkdir(%s): %v", d, err)
	}
	return d
}

func join(dir string, elem ...string) string {
	p := dir
	for _, e := range elem {
		p = strings.TrimSuffix(p, "/") + "/" + e
	}
	return p
}

// write creates p with data, written in uneven chunks.
func (s *suite) write(t *testing.T, p string, data []byte, opts fs.CreateOptions) {
	t.Helper()
	w, err := s.fsys.Create(t.Context(), p, opts)
	if err != nil {
		t.Fatalf("Create(%s): %v", p, err)
	}
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 7919)
		m, err := w.Write(rest[:n])
		if err != nil || m != n {
			w.Abort()
			t.Fatalf("Write(%s): wrote %d of %d bytes: %v", p, m, n, err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close(%s): %v", p, err)
	}
}

func (s *suite) mkdir(t *testing.T, p string) {
	t.Helper()
	if err := s.fsys.Mkdir(t.Context(), p, 0o755); err != nil {
		t.Fatalf("Mkdir(%s): %v", p, err)
	}
}

// read returns p's bytes from offset on.
func (s *suite) read(t *testing.T, p string, offset int64) []byte {
	t.Helper()
	r, err := s.fsys.Open(t.Context(), p, offset)
	if err != nil {
		t.Fatalf("Open(%s, %d): %v", p, offset, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s from %d: %v", p, offset, err)
	}
	return b
}

func (s *suite) stat(t *testing.T, p string) fs.FileInfo {
	t.Helper()
	fi, err := s.fsys.Stat(t.Context(), p)
	if err != nil {
		t.Fatalf("Stat(%s): %v", p, err)
	}
	if fi.Path != p {
		t.Errorf("Stat(%s).Path = %q, want %q", p, fi.Path, p)
	}
	return fi
}

// list collects dir's entries by name, failing on errors and duplicates.
func (s *suite) list(t *testing.T, dir string) map[string]fs.FileInfo {
	t.Helper()
	m := map[string]fs.FileInfo{}
	for fi, err := range s.fsys.List(t.Context(), dir) {
		if err != nil {
			t.Fatalf("List(%s): %v", dir, err)
		}
		if _, dup := m[fi.Name()]; dup {
			t.Errorf("List(%s) yielded %q twice", dir, fi.Name())
		}
		m[fi.Name()] = fi
	}
	return m
}

// wantErr fails unless err wraps target.
func wantErr(t *testing.T, err, target error, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	if err == nil {
		t.Errorf("%s: succeeded, want an error wrapping %v", what, target)
	} else if !errors.Is(err, target) {
		t.Errorf("%s: error %q (%T) does not wrap %v", what, err, err, target)
	}
}

// wantMissing fails unless Stat(p) reports ErrNotExist.
func (s *suite) wantMissing(t *testing.T, p string) {
	t.Helper()
	_, err := s.fsys.Stat(t.Context(), p)
	wantErr(t, err, fs.ErrNotExist, "Stat(%s)", p)
}

func (s *suite) wantContent(t *testing.T, p string, want []byte) {
	t.Helper()
	got := s.read(t, p, 0)
	if string(got) != string(want) {
		t.Errorf("content of %s: got %d bytes %s, want %d bytes %s", p, len(got), abbrev(got), len(want), abbrev(want))
	}
	if fi := s.stat(t, p); fi.Size != int64(len(want)) {
		t.Errorf("Stat(%s).Size = %d, want %d", p, fi.Size, len(want))
	}
}

func abbrev(b []byte) string {
	if len(b) > 32 {
		return fmt.Sprintf("%q...", b[:32])
	}
	return fmt.Sprintf("%q", b)
}

func (s *suite) wantPerm(t *testing.T, fi fs.FileInfo, want iofs.FileMode) {
	t.Helper()
	if s.cfg.noPerms {
		return
	}
	if got := fi.Mode.Perm(); got != want {
		t.Errorf("%s: permission %v, want %v", fi.Path, got, want)
	}
}

func within(got, want time.Time, res time.Duration) bool {
	d := got.Sub(want)
	if d < 0 {
		d = -d
	}
	return d <= res
}

// canceled returns an already canceled context.
func canceled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
