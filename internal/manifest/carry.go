package manifest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"

	"github.com/klauspost/compress/zstd"

	"github.com/jetcp/jetcp/fs"
)

// A -diff job copies only what changed between two snapshots, so its own
// lines record only those files. For the next -diff to be proven from the
// newest manifest alone (docs/diff.md), the lister writes the previous
// manifest's lines of the files the diff leaves alone, named as after it
// (renames applied, deletes dropped), to a carry file next to the
// manifests; the committer puts them before the job's own lines (a reader
// takes a path's last line) and removes the file.

const carryPrefix = "carry-"

// CarryName is the name of job's carry file in the manifest directory;
// manifest readers pass over it (it is not a manifest).
func CarryName(job string) string { return carryPrefix + job + fileSuffix }

// Newest lists the manifests in dir on fsys, newest first, as paths.
func Newest(ctx context.Context, fsys fs.FS, dir string) ([]string, error) {
	names, err := manifests(ctx, fsys, dir)
	if err != nil {
		return nil, err
	}
	slices.Reverse(names)
	for i, n := range names {
		names[i] = path.Join(dir, n)
	}
	return names, nil
}

// PublishAt closes the spool with its trailer and writes it as p on fsys,
// whole or not at all, pruning nothing: a carry file. The spool is gone
// afterwards.
func (s *Spool) PublishAt(ctx context.Context, fsys fs.FS, p string) error {
	defer s.Discard()
	if err := s.finish(); err != nil {
		return err
	}
	if !fs.ImplicitDirs(fsys) {
		if _, err := fs.MkdirAll(ctx, fsys, path.Dir(p), 0o755); err != nil {
			return fmt.Errorf("manifest directory %s: %w", path.Dir(p), err)
		}
	}
	return writeWhole(ctx, fsys, p, bufio.NewReaderSize(s.f, 1<<20))
}

// finish writes the trailer, closes the compression and rewinds the
// spool's file for reading.
func (s *Spool) finish() error {
	if err := s.enc.Encode(trailer{End: true, Job: s.job, Files: s.files}); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if err := s.zw.Close(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// AppendTo adds the spool's lines to dst, in their order, and discards
// the spool.
func (s *Spool) AppendTo(dst *Spool) error {
	defer s.Discard()
	if err := s.finish(); err != nil {
		return err
	}
	return readLines(s.f, dst.Add)
}

// ReadFile streams the lines of the manifest (or carry file) p on fsys to
// fn. It fails unless the file ends with its trailer counting its lines:
// fn has then seen every line, and the caller trusts them only then.
func ReadFile(ctx context.Context, fsys fs.FS, p string, fn func(Line) error) error {
	r, err := fsys.Open(ctx, p, 0)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	defer r.Close()
	if err := readLines(r, fn); err != nil {
		return fmt.Errorf("manifest %s: %w", p, err)
	}
	return nil
}

func readLines(r io.Reader, fn func(Line) error) error {
	zr, err := zstd.NewReader(bufio.NewReaderSize(r, 1<<20), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return err
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var lines int64
	for sc.Scan() {
		var l struct {
			Line
			trailer
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return err
		}
		if l.End {
			if l.Files != lines {
				return errors.New("incomplete (fewer lines than its trailer counts)")
			}
			return nil
		}
		lines++
		if err := fn(l.Line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("incomplete (no trailer)")
}
