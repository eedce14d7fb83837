package conformance_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"iter"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/conformance"
	"github.com/jetcp/jetcp/fs/local"
)

// The suite proves itself by failing on broken backends: each mutant is
// the local backend with one bug, and must fail the named subtest.

// mutant embeds the local FS (keeping its AttrSetter and Checksummer) and
// overrides one method through the hook fields.
type mutant struct {
	*local.FS
	stat   func(m mutant, ctx context.Context, p string) (fs.FileInfo, error)
	list   func(m mutant, ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error]
	open   func(m mutant, ctx context.Context, p string, off int64) (io.ReadCloser, error)
	create func(m mutant, ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error)
	remove func(m mutant, ctx context.Context, p string, recursive bool) error
	sum    func(m mutant, ctx context.Context, p string) (fs.Checksum, error)
	attrs  func(m mutant, ctx context.Context, p string, a fs.Attrs) error
}

func (m mutant) Stat(ctx context.Context, p string) (fs.FileInfo, error) {
	if m.stat != nil {
		return m.stat(m, ctx, p)
	}
	return m.FS.Stat(ctx, p)
}

func (m mutant) List(ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
	if m.list != nil {
		return m.list(m, ctx, dir)
	}
	return m.FS.List(ctx, dir)
}

func (m mutant) Open(ctx context.Context, p string, off int64) (io.ReadCloser, error) {
	if m.open != nil {
		return m.open(m, ctx, p, off)
	}
	return m.FS.Open(ctx, p, off)
}

func (m mutant) Create(ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
	if m.create != nil {
		return m.create(m, ctx, p, o)
	}
	return m.FS.Create(ctx, p, o)
}

func (m mutant) Remove(ctx context.Context, p string, recursive bool) error {
	if m.remove != nil {
		return m.remove(m, ctx, p, recursive)
	}
	return m.FS.Remove(ctx, p, recursive)
}

func (m mutant) Checksum(ctx context.Context, p string) (fs.Checksum, error) {
	if m.sum != nil {
		return m.sum(m, ctx, p)
	}
	return m.FS.Checksum(ctx, p)
}

func (m mutant) SetAttrs(ctx context.Context, p string, a fs.Attrs) error {
	if m.attrs != nil {
		return m.attrs(m, ctx, p, a)
	}
	return m.FS.SetAttrs(ctx, p, a)
}

// mapList rewrites or drops (ok false) listed entries.
func mapList(f func(i int, fi fs.FileInfo) (fs.FileInfo, bool)) func(m mutant, ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
	return func(m mutant, ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
		return func(yield func(fs.FileInfo, error) bool) {
			i := 0
			for fi, err := range m.FS.List(ctx, dir) {
				if err == nil {
					var ok bool
					if fi, ok = f(i, fi); !ok {
						continue
					}
					i++
				}
				if !yield(fi, err) {
					return
				}
			}
		}
	}
}

type abortIsClose struct{ fs.Writer }

func (w abortIsClose) Abort() error { return w.Close() }

type dropTail struct {
	fs.Writer
	n int
}

func (w *dropTail) Write(b []byte) (int, error) {
	w.n += len(b)
	if w.n > 1<<20 {
		return len(b), nil // "written"
	}
	return w.Writer.Write(b)
}

var mutants = map[string]struct {
	subtest string // the subtest that must fail
	m       mutant
	// wrap, if set, gives the mutant a capability the local FS lacks
	// (or overrides one of its own) through a type of its own.
	wrap func(mutant) fs.FS
}{
	"stat-plain-error": {"Stat/Missing", mutant{stat: func(m mutant, ctx context.Context, p string) (fs.FileInfo, error) {
		fi, err := m.FS.Stat(ctx, p)
		if err != nil {
			return fi, errors.New(err.Error()) // loses ErrNotExist
		}
		return fi, nil
	}}, nil},
	"list-drops-after-1000": {"List/Large", mutant{list: mapList(func(i int, fi fs.FileInfo) (fs.FileInfo, bool) {
		return fi, i < 1000
	})}, nil},
	"list-dir-size": {"List/Entries", mutant{list: mapList(func(_ int, fi fs.FileInfo) (fs.FileInfo, bool) {
		if fi.IsDir() {
			fi.Size = 4096
		}
		return fi, true
	})}, nil},
	"list-relative-path": {"List/Entries", mutant{list: mapList(func(_ int, fi fs.FileInfo) (fs.FileInfo, bool) {
		fi.Path = fi.Name()
		return fi, true
	})}, nil},
	"create-always-overwrites": {"Create/Exclusive", mutant{create: func(m mutant, ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
		if fi, err := m.FS.Stat(ctx, p); err == nil && !fi.IsDir() {
			o.Overwrite = true
		}
		return m.FS.Create(ctx, p, o)
	}}, nil},
	"abort-keeps-file": {"Create/Abort", mutant{create: func(m mutant, ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
		w, err := m.FS.Create(ctx, p, o)
		if err != nil {
			return nil, err
		}
		return abortIsClose{w}, nil
	}}, nil},
	"writer-drops-past-1MiB": {"ReadBack", mutant{create: func(m mutant, ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
		w, err := m.FS.Create(ctx, p, o)
		if err != nil {
			return nil, err
		}
		return &dropTail{Writer: w}, nil
	}}, nil},
	"open-ignores-offset": {"Open", mutant{open: func(m mutant, ctx context.Context, p string, off int64) (io.ReadCloser, error) {
		return m.FS.Open(ctx, p, 0)
	}}, nil},
	"remove-always-recursive": {"Remove/NonEmptyDir", mutant{remove: func(m mutant, ctx context.Context, p string, _ bool) error {
		return m.FS.Remove(ctx, p, true)
	}}, nil},
	"checksum-ieee": {"Checksum", mutant{sum: func(m mutant, ctx context.Context, p string) (fs.Checksum, error) {
		r, err := m.FS.Open(ctx, p, 0)
		if err != nil {
			return fs.Checksum{}, err
		}
		defer r.Close()
		h := crc32.NewIEEE()
		io.Copy(h, r)
		return fs.CRC32C(h.Sum32()), nil
	}}, nil},
	"setattrs-mtime-clobbers-atime": {"SetAttrs/Times", mutant{attrs: func(m mutant, ctx context.Context, p string, a fs.Attrs) error {
		if a.AccessTime.IsZero() {
			a.AccessTime = a.ModTime
		}
		return m.FS.SetAttrs(ctx, p, a)
	}}, nil},
	"setattrs-ignores-mode": {"SetAttrs/Mode", mutant{attrs: func(m mutant, ctx context.Context, p string, a fs.Attrs) error {
		a.Mode = nil
		return m.FS.SetAttrs(ctx, p, a)
	}}, nil},
	// The optional capabilities (mutants_test.go).
	"parts-written-at-0":            {"PartWriter/Assemble", mutant{}, func(m mutant) fs.FS { return partsAtZero{m} }},
	"abortparts-keeps-file":         {"PartWriter/Abort", mutant{}, func(m mutant) fs.FS { return partsKept{m} }},
	"origin-outlives-change":        {"OriginRecorder/Stale", mutant{}, func(m mutant) fs.FS { return &originCache{mutant: m} }},
	"origin-drops-ctime":            {"OriginRecorder/RoundTrip", mutant{}, func(m mutant) fs.FS { return originNoCtime{m} }},
	"readback-one-buffer":           {"ReadBacker", mutant{create: wrapWriter(func(w fs.Writer) fs.Writer { return &oneBufferReadBack{Writer: w} })}, nil},
	"checkstored-trusts-writes":     {"StoreChecker", mutant{create: wrapWriter(func(w fs.Writer) fs.Writer { return &trustingStoreCheck{dropTail: dropTail{Writer: w}} })}, nil},
	"checksummingwriter-ieee":       {"ChecksummingWriter", mutant{create: wrapWriter(func(w fs.Writer) fs.Writer { return &ieeeWriter{Writer: w, h: crc32.NewIEEE()} })}, nil},
	"checksumstorer-outlives-write": {"ChecksumStorer", mutant{}, func(m mutant) fs.FS { return &sumStore{mutant: m} }},
	"abortuploads-ignores-match":    {"UploadAborter", mutant{}, func(m mutant) fs.FS { return uploadsIgnoreMatch{m} }},
	"claims-attrs-at-create":        {"AttrsAtCreate", mutant{}, func(m mutant) fs.FS { return claimsAttrsAtCreate{m} }},
	"claims-atomic-create":          {"AtomicCreator", mutant{}, func(m mutant) fs.FS { return claimsAtomic{m} }},
	"server-checksum-stale":         {"ServerChecksummer", mutant{}, func(m mutant) fs.FS { return &serverStale{mutant: m} }},
	"list-omits-owner": {"ListAttrs", mutant{list: mapList(func(_ int, fi fs.FileInfo) (fs.FileInfo, bool) {
		fi.Owner = ""
		return fi, true
	})}, nil},
	"close-fails-twice":             {"Closer", mutant{}, func(m mutant) fs.FS { return &closeOnce{mutant: m} }},
	"claims-dir-marker":             {"DirMarker", mutant{}, func(m mutant) fs.FS { return markNothing{m} }},
	"snapshot-info-is-a-stat":       {"SnapshotReader", mutant{}, func(m mutant) fs.FS { return lazySnapshot{m} }},
	"kept-checksum-outlives-change": {"ChecksumKeeper", mutant{}, func(m mutant) fs.FS { return &keptStale{mutant: m} }},
	"snapshot-diff-empty":           {"Snapshotter", mutant{}, func(m mutant) fs.FS { return noDiff{m} }},
	"append-rewrites":               {"Appender/Tail", mutant{}, func(m mutant) fs.FS { return appendRewrites{m} }},
	"append-any-size":               {"Appender/WrongSize", mutant{}, func(m mutant) fs.FS { return appendAnySize{m} }},
	"version-not-listed":            {"VersionedWriter", mutant{create: wrapWriter(func(w fs.Writer) fs.Writer { return &sizeVersion{Writer: w} })}, nil},
	"version-by-size": {"VersionedWriter", mutant{create: wrapWriter(func(w fs.Writer) fs.Writer { return &sizeVersion{Writer: w} }),
		stat: func(m mutant, ctx context.Context, p string) (fs.FileInfo, error) {
			fi, err := m.FS.Stat(ctx, p)
			fi.Version = versionOfSize(fi.Size)
			return fi, err
		},
		list: mapList(func(_ int, fi fs.FileInfo) (fs.FileInfo, bool) {
			fi.Version = versionOfSize(fi.Size)
			return fi, true
		})}, nil},
}

const mutantEnv = "JETCP_CONFORMANCE_MUTANT"

// TestMutant runs the suite against the mutant named in the environment.
func TestMutant(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("run by TestMutantsFail")
	}
	mu, ok := mutants[name]
	if !ok {
		t.Fatalf("no mutant %q", name)
	}
	m := mu.m
	m.FS = local.New()
	var fsys fs.FS = m
	if mu.wrap != nil {
		fsys = mu.wrap(m)
	}
	conformance.Run(t, fsys, t.TempDir())
}

func TestMutantsFail(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if os.Getenv(mutantEnv) != "" {
		t.Skip("inside a mutant run")
	}
	for name, mu := range mutants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := "^TestMutant$"
			for _, e := range strings.Split(mu.subtest, "/") {
				run += "/^" + e + "$"
			}
			cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the mutant passed %s:\n%s", mu.subtest, out)
			}
			if want := "--- FAIL: TestMutant/" + mu.subtest; !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		})
	}
}

// TestSkipsMissingCapabilities runs the suite on a backend with only the
// core interface: the capability subtests must skip, not fail.
func TestSkipsMissingCapabilities(t *testing.T) {
	type core struct{ fs.FS }
	conformance.Run(t, core{local.New()}, t.TempDir())
}
