package manifest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/jetcp/jetcp/fs"
)

// Index is a loaded manifest: the records by target path. It holds a
// compact entry per file (about 100 bytes plus the path); sharding it by
// directory, read in step with the walk, is the way to bound it for tens
// of millions of files.
type Index struct {
	Job     string
	entries map[string]entry
}

type entry struct {
	// src is a hash of the source URI the target was copied from: a
	// record settles nothing for another source landing there.
	src                      uint64
	size, srcMTime, srcCTime int64
	srcVersion               string
	dstSize, dstMTime        int64
	dstCTime                 int64
	dstVersion               string
}

// Len is how many files the index records.
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.entries)
}

// Origin is the recorded origin of the target file the listing showed as
// dst (at URI dstURI), copied from src, when the manifest has a record of
// that copy that still belongs to the target: the listed version equals
// the recorded one (where the store has versions), else the listed size
// and mtime (and change time, where recorded) do. ok is false otherwise, and the caller falls back to its
// per-file checks.
func (ix *Index) Origin(src, dstURI fs.URI, dst fs.FileInfo) (fs.Origin, bool) {
	if ix == nil {
		return fs.Origin{}, false
	}
	e, ok := ix.entries[dstURI.String()]
	if !ok || e.dstSize != dst.Size || e.src != hash(src.String()) {
		return fs.Origin{}, false
	}
	if e.dstVersion != "" || dst.Version != "" {
		ok = e.dstVersion == dst.Version
	} else {
		ok = e.dstMTime != 0 && e.dstMTime == unixNano(dst.ModTime) && (e.dstCTime == 0 || e.dstCTime == unixNano(dst.ChangeTime))
	}
	if !ok {
		return fs.Origin{}, false
	}
	return fs.Origin{SrcSize: e.size, SrcModTime: fromNano(e.srcMTime), SrcChangeTime: fromNano(e.srcCTime), SrcVersion: e.srcVersion}, true
}

// Load reads the newest complete manifest in dir on fsys. It returns nil
// and no error when there is none; a manifest that cannot be read whole is
// passed over with the reason in skipped, so -update falls back to its
// per-file checks rather than fail.
func Load(ctx context.Context, fsys fs.FS, dir string) (ix *Index, skipped []string, err error) {
	names, err := manifests(ctx, fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	for i := len(names) - 1; i >= 0; i-- {
		ix, err := read(ctx, fsys, path.Join(dir, names[i]))
		if err == nil {
			return ix, skipped, nil
		}
		if ctx.Err() != nil {
			return nil, skipped, ctx.Err()
		}
		skipped = append(skipped, err.Error())
	}
	return nil, skipped, nil
}

// read loads one manifest; it fails unless the file ends with its trailer.
func read(ctx context.Context, fsys fs.FS, p string) (*Index, error) {
	rc, err := fsys.Open(ctx, p, 0)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", p, err)
	}
	defer rc.Close()
	zr, err := zstd.NewReader(bufio.NewReaderSize(rc, 1<<20), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", p, err)
	}
	defer zr.Close()
	ix := &Index{entries: map[string]entry{}}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var end *trailer
	lines := int64(0)
	for sc.Scan() {
		if end != nil {
			return nil, fmt.Errorf("manifest %s: lines after its trailer", p)
		}
		if end, err = ix.add(sc.Bytes()); err != nil {
			return nil, fmt.Errorf("manifest %s: %w", p, err)
		}
		if end == nil {
			lines++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", p, err)
	}
	if end == nil || end.Files != lines {
		return nil, fmt.Errorf("manifest %s: incomplete (no trailer, or fewer lines than it counts)", p)
	}
	ix.Job = end.Job
	return ix, nil
}

// add takes one line: a file's record, or the trailer (returned).
func (ix *Index) add(b []byte) (*trailer, error) {
	var l struct {
		Line
		trailer
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	if l.End {
		return &l.trailer, nil
	}
	dst, err := fs.ParseURI(l.Dst)
	if err != nil {
		return nil, err
	}
	src, err := fs.ParseURI(l.Src)
	if err != nil {
		return nil, err
	}
	ix.entries[dst.String()] = entry{src: hash(src.String()), size: l.Size, srcMTime: l.SrcMTime, srcCTime: l.SrcCTime, srcVersion: l.SrcVersion,
		dstSize: l.DstSize, dstMTime: l.DstMTime, dstCTime: l.DstCTime, dstVersion: l.DstVersion}
	return nil, nil
}

// hash is FNV-1a of a URI: stable across processes, and 8 bytes where
// the URI would be tens.
func hash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
