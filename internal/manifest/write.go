package manifest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/jetcp/jetcp/fs"
)

// Spool collects a job's manifest lines in a local temp file, compressed
// as they come, so a job of any size costs the committer no memory for
// them; Publish writes it to the target when the job commits. A committer
// taking over a job replays its events and spools them again.
type Spool struct {
	job   string
	f     *os.File
	zw    *zstd.Encoder
	enc   *json.Encoder
	files int64
}

// NewSpool starts a spool in dir ("" for the system's temp directory).
func NewSpool(dir, job string) (*Spool, error) {
	f, err := os.CreateTemp(dir, "jetcp-manifest-"+job+"-*")
	if err != nil {
		return nil, fmt.Errorf("manifest spool: %w", err)
	}
	zw, err := zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("manifest spool: %w", err)
	}
	return &Spool{job: job, f: f, zw: zw, enc: json.NewEncoder(zw)}, nil
}

// Add appends one file's line.
func (s *Spool) Add(l Line) error {
	s.files++
	if err := s.enc.Encode(l); err != nil {
		return fmt.Errorf("manifest spool: %w", err)
	}
	return nil
}

// Files is how many lines were added.
func (s *Spool) Files() int64 { return s.files }

// Publish closes the manifest with its trailer and writes it as
// dir/FileName(job) on fsys, whole or not at all (a temp name renamed
// into place where files are visible while written), then removes the
// manifests there older than the one before it: the newest is what -update
// reads, the one before it stays for a reader that was opening it. The
// spool is gone afterwards, whatever the outcome.
func (s *Spool) Publish(ctx context.Context, fsys fs.FS, dir string) error {
	defer s.Discard()
	if err := s.finish(); err != nil {
		return err
	}
	if !fs.ImplicitDirs(fsys) { // on COS a key below a missing marker needs none
		if _, err := fs.MkdirAll(ctx, fsys, dir, 0o755); err != nil {
			return fmt.Errorf("manifest directory %s: %w", dir, err)
		}
	}
	final := path.Join(dir, FileName(s.job))
	if err := writeWhole(ctx, fsys, final, bufio.NewReaderSize(s.f, 1<<20)); err != nil {
		return err
	}
	return prune(ctx, fsys, dir)
}

// Discard removes the spool without publishing it.
func (s *Spool) Discard() {
	_ = s.zw.Close()
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

// writeWhole writes r to p so that p appears only complete.
func writeWhole(ctx context.Context, fsys fs.FS, p string, r io.Reader) error {
	// Where files appear whole, p is written in place, and nothing is
	// there to look for: the name holds the job's id, and one committer
	// at a time writes a job's manifest (COS: no HEADs before the PUT).
	tmp, missing := p, true
	if !fs.AtomicCreate(fsys) {
		tmp, missing = p+".partial", false
	}
	w, err := fsys.Create(ctx, tmp, fs.CreateOptions{Perm: 0o644, Overwrite: true, Missing: missing})
	if err != nil {
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		_ = w.Abort()
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	if tmp == p {
		return nil
	}
	if err := fsys.Remove(ctx, p, false); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	if err := fsys.Rename(ctx, tmp, p); err != nil {
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	return nil
}

// keep is how many manifests a target keeps.
const keep = 2

// prune removes all but the newest keep manifests in dir.
func prune(ctx context.Context, fsys fs.FS, dir string) error {
	names, err := manifests(ctx, fsys, dir)
	if err != nil || len(names) <= keep {
		return err
	}
	for _, n := range names[:len(names)-keep] {
		if err := fsys.Remove(ctx, path.Join(dir, n), false); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove old manifest %s: %w", n, err)
		}
	}
	return nil
}

// manifests lists the manifest names in dir, oldest first: by the second
// of their job's id, then (two jobs of the same second, the common case
// in tests and scripts, whose ids' random part orders nothing) by their
// modification time as listed, the later written the newer.
func manifests(ctx context.Context, fsys fs.FS, dir string) ([]string, error) {
	var found []fs.FileInfo
	for fi, err := range fsys.List(ctx, dir) {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list manifests in %s: %w", dir, err)
		}
		if !fi.IsDir() && isManifest(fi.Name()) {
			found = append(found, fi)
		}
	}
	slices.SortFunc(found, func(a, b fs.FileInfo) int {
		if c := strings.Compare(jobSecond(a.Name()), jobSecond(b.Name())); c != 0 {
			return c
		}
		if c := a.ModTime.Compare(b.ModTime); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	names := make([]string, len(found))
	for i, fi := range found {
		names[i] = fi.Name()
	}
	return names, nil
}

// jobSecond is the creation second in a manifest's name
// (messages.NewJobID: YYYYMMDD-HHMMSS-random), or the job id whole.
func jobSecond(name string) string {
	job := strings.TrimSuffix(strings.TrimPrefix(name, filePrefix), fileSuffix)
	if i := strings.LastIndexByte(job, '-'); i > 0 {
		return job[:i]
	}
	return job
}
