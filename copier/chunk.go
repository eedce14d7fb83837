package copier

import (
	"context"
	"fmt"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/place"
	"github.com/jetcp/jetcp/messages"
)

// chunk copies one byte range of a large file into its assembly.
func (t *task) chunk(ctx context.Context) (messages.Result, error) {
	ch := t.Item.Chunk
	res := messages.Result{Chunk: ch}
	if ch == nil || ch.Count < 1 || ch.Seq < 0 || ch.Seq >= ch.Count || ch.Offset < 0 || ch.Length <= 0 ||
		ch.Offset+ch.Length > t.Item.Attr.Size {
		return res, place.Permanent(fmt.Errorf("malformed chunk of %s: refused", t.Src.Display()))
	}
	if !fs.CanWriteParts(t.DstFS) {
		return res, place.Permanent(fmt.Errorf("%s cannot assemble a file from chunks: copy %s whole (--chunk-size 0)", t.Dst.Scheme, t.Src.Display()))
	}
	if err := t.mkParent(ctx, &res); err != nil {
		return res, err
	}
	apath := distcp.AssemblyPath(t.DstFS, t.Job, ch.File, t.Dst.Path)
	part, err := fs.CreatePart(ctx, t.DstFS, apath, ch.Upload, ch.Seq+1, ch.Offset, ch.Length)
	if err != nil {
		return res, fmt.Errorf("chunk %d/%d of %s: %w", ch.Seq+1, ch.Count, t.Dst.Display(), err)
	}
	sum, err := t.streamRange(ctx, part, ch.Offset, ch.Length)
	if err != nil {
		_ = part.Abort()
		return res, err
	}
	if err := part.Close(); err != nil {
		return res, fmt.Errorf("chunk %d/%d of %s: %w", ch.Seq+1, ch.Count, t.Dst.Display(), err)
	}
	res.Status, res.Checksum, res.Part = messages.StatusCopied, sum.String(), part.Receipt()
	res.Attr = &t.Item.Attr // the committer preserves it on the whole file
	res.Statted = t.Item.Statted
	res.Reason = fmt.Sprintf("chunk %d of %d", ch.Seq+1, ch.Count)
	return res, nil
}
