package copier

import (
	"context"
	"fmt"
	"io"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// -append (DistCp's CopyMapper.checkUpdate and the append path of
// RetriableFileCopyCommand): a target shorter than its source whose bytes
// are the source's first ones gets only the missing tail, written in
// place; the whole file is then verified as a copy is.

// appendDecision settles a TryAppend decision for the target dfi: where
// its file system can append, by comparing the CRC32C of the source's
// first dfi.Size bytes with the target's. The prefix's CRC32C is kept
// (t.prefix) for the whole-file checksum after the append.
func (t *task) appendDecision(ctx context.Context, dfi fs.FileInfo) (distcp.Decision, error) {
	if !fs.CanAppend(t.DstFS) {
		return distcp.AppendDecision(false, false), nil
	}
	if dfi.Size == 0 {
		t.prefix = fs.CRC32C(0)
		return distcp.AppendDecision(true, true), nil
	}
	dsum, err := t.targetCRC32C(ctx, dfi)
	if err != nil {
		return distcp.Decision{}, fmt.Errorf("-append: checksum of target %s: %w", t.Dst.Display(), err)
	}
	ssum, err := t.sourcePrefixCRC32C(ctx, dfi.Size)
	if err != nil {
		return distcp.Decision{}, err
	}
	same, err := ssum.Equal(dsum)
	if err != nil {
		return distcp.Decision{}, fmt.Errorf("-append: compare %s with %s: %w", t.Src.Display(), t.Dst.Display(), err)
	}
	if same {
		t.prefix = ssum
	}
	return distcp.AppendDecision(true, same), nil
}

// targetCRC32C is the target's whole-file CRC32C: one its file system
// keeps, else one its servers compute, else read.
func (t *task) targetCRC32C(ctx context.Context, dfi fs.FileInfo) (fs.Checksum, error) {
	kept, err := fs.KeptChecksums(ctx, t.DstFS, dfi)
	if err != nil {
		return fs.Checksum{}, err
	}
	for _, s := range kept {
		if s.Algorithm == fs.AlgCRC32C {
			return s, nil
		}
	}
	if s, ok, err := fs.ServerChecksum(ctx, t.DstFS, dfi); err != nil || ok {
		return s, err
	}
	return fs.ChecksumByReading(ctx, t.DstFS, dfi.Path, dfi.Size)
}

// sourcePrefixCRC32C reads the source's first n bytes and returns their
// CRC32C; a source shorter than n fails the item (it changed since it
// was listed).
func (t *task) sourcePrefixCRC32C(ctx context.Context, n int64) (fs.Checksum, error) {
	r, err := t.SrcFS.Open(ctx, t.Src.Path, 0)
	if err != nil {
		return fs.Checksum{}, fmt.Errorf("open source %s: %w", t.Src.Display(), err)
	}
	defer r.Close()
	bp := t.c.bufs.Get(bufferSize(t.Job.Options.CopyBufferSize, n))
	defer t.c.bufs.Put(bp)
	h := fs.NewCRC32C()
	got, err := io.CopyBuffer(h, io.LimitReader(r, n), *bp)
	switch {
	case err != nil:
		return fs.Checksum{}, fmt.Errorf("read source %s: %w", t.Src.Display(), err)
	case got != n:
		return fs.Checksum{}, fmt.Errorf("source %s changed: %d bytes, listed %d: re-run with -update", t.Src.Display(), got, t.Item.Attr.Size)
	}
	return fs.CRC32C(h.Sum32()), nil
}

// appendTail writes the source's bytes past the target's dfi.Size at the
// target's end, then verifies, preserves and records the whole file as
// a copy's Finish does. A verification that fails removes the target
// (the next -update copies it whole).
func (t *task) appendTail(ctx context.Context, dfi fs.FileInfo, res *messages.Result) (fs.Checksum, error) {
	w, err := fs.Append(ctx, t.DstFS, t.Dst.Path, dfi.Size)
	if err != nil {
		return fs.Checksum{}, fmt.Errorf("-append: %w", err)
	}
	n := t.Item.Attr.Size - dfi.Size
	tail, err := t.streamRange(ctx, w, dfi.Size, n)
	if err != nil {
		_ = w.Abort()
		return fs.Checksum{}, err
	}
	if err := w.Close(); err != nil {
		return fs.Checksum{}, fmt.Errorf("close %s after appending: %w", t.Dst.Display(), err)
	}
	p, _ := t.prefix.Uint32()
	q, _ := tail.Uint32()
	sum := fs.CRC32C(fs.CombineCRC32C(p, q, n))
	if err := t.Finish(ctx, t.Dst.Path, sum, false); err != nil {
		return sum, err
	}
	res.Record = t.recordWritten(ctx, "")
	return sum, nil
}
