package manifest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"path"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/jetcp/jetcp/fs"
)

// Index is a loaded manifest: the records by target URI. It holds about
// 120 bytes a file, whatever the paths' length: URIs and versions are kept
// as 64-bit hashes (a record whose hashes collide with another file's
// still has to match its sizes, times and source). Sharding it by
// directory, read in step with the walk, is the way to bound it for
// hundreds of millions of files.
type Index struct {
	Job     string
	entries map[uint64]entry // by hash of the target URI
}

type entry struct {
	// src is a hash of the source URI the target was copied from: a
	// record settles nothing for another source landing there.
	src                      uint64
	size, srcMTime, srcCTime int64
	srcVersion               uint64 // hash; 0: none
	dstSize, dstMTime        int64
	dstCTime                 int64
	dstVersion               uint64 // hash; 0: none
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
//
// The origin's SrcVersion is srcVersion (the source's listed version) when
// the recorded one is the same, else a token no listed version equals.
func (ix *Index) Origin(src fs.URI, srcVersion string, dstURI fs.URI, dst fs.FileInfo) (fs.Origin, bool) {
	if ix == nil {
		return fs.Origin{}, false
	}
	e, ok := ix.entries[hash(dstURI.String())]
	if !ok || e.dstSize != dst.Size || e.src != hash(src.String()) {
		return fs.Origin{}, false
	}
	if e.dstVersion != 0 || dst.Version != "" {
		ok = e.dstVersion == hash(dst.Version)
	} else {
		ok = e.dstMTime != 0 && e.dstMTime == unixNano(dst.ModTime) && (e.dstCTime == 0 || e.dstCTime == unixNano(dst.ChangeTime))
	}
	if !ok {
		return fs.Origin{}, false
	}
	o := fs.Origin{SrcSize: e.size, SrcModTime: fromNano(e.srcMTime), SrcChangeTime: fromNano(e.srcCTime)}
	if e.srcVersion != 0 {
		o.SrcVersion = "recorded:" + strconv.FormatUint(e.srcVersion, 16)
		if hash(srcVersion) == e.srcVersion {
			o.SrcVersion = srcVersion
		}
	}
	return o, true
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
	ix := &Index{entries: map[uint64]entry{}}
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
	ix.entries[hash(dst.String())] = entry{src: hash(src.String()), size: l.Size, srcMTime: l.SrcMTime, srcCTime: l.SrcCTime,
		srcVersion: hash(l.SrcVersion), dstSize: l.DstSize, dstMTime: l.DstMTime, dstCTime: l.DstCTime, dstVersion: hash(l.DstVersion)}
	return nil, nil
}

// hash is FNV-1a of a URI or version: stable across processes, and 8
// bytes where the string would be tens; 0 for "".
func hash(s string) uint64 {
	if s == "" {
		return 0
	}
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

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// Lines gives the text of r, decompressed when it is zstd (a job
// manifest as written), as is otherwise (a differences file, a path
// list): readers of line files take both. Call done when finished.
func Lines(r io.Reader) (text io.Reader, done func(), err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := br.Peek(len(zstdMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	if !bytes.Equal(head, zstdMagic) {
		return br, func() {}, nil
	}
	zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, nil, err
	}
	return zr, zr.Close, nil
}
