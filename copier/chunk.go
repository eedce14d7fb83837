package copier

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// AssemblyPath is where a chunked file's parts are written: the target
// itself where files appear only complete (object stores) or with -direct,
// else a temp file next to it that is renamed into place once whole.
func AssemblyPath(fsys fs.FS, job *messages.Job, file int64, dst string) string {
	if inPlace(fsys, job.Options) {
		return dst
	}
	return path.Join(path.Dir(dst), TempName(job.ID, strconv.FormatInt(file, 10), 0, "chunks"))
}

// chunk copies one byte range of a large file into its assembly.
func (t *task) chunk(ctx context.Context) (messages.Result, error) {
	ch := t.item.Chunk
	res := messages.Result{Chunk: ch}
	if ch == nil || ch.Count < 1 || ch.Seq < 0 || ch.Seq >= ch.Count || ch.Offset < 0 || ch.Length <= 0 ||
		ch.Offset+ch.Length > t.item.Attr.Size {
		return res, permanent(fmt.Errorf("malformed chunk of %s: refused", t.src.Display()))
	}
	pw, ok := t.dstFS.(fs.PartWriter)
	if !ok {
		return res, permanent(fmt.Errorf("%s cannot assemble a file from chunks: copy %s whole (--chunk-size 0)", t.dst.Scheme, t.src.Display()))
	}
	if err := t.mkParent(ctx, &res); err != nil {
		return res, err
	}
	apath := AssemblyPath(t.dstFS, t.job, ch.File, t.dst.Path)
	part, err := pw.CreatePart(ctx, apath, ch.Upload, ch.Seq+1, ch.Offset, ch.Length)
	if err != nil {
		return res, fmt.Errorf("chunk %d/%d of %s: %w", ch.Seq+1, ch.Count, t.dst.Display(), err)
	}
	sum, err := t.streamRange(ctx, part, ch.Offset, ch.Length)
	if err != nil {
		_ = part.Abort()
		return res, err
	}
	if err := part.Close(); err != nil {
		return res, fmt.Errorf("chunk %d/%d of %s: %w", ch.Seq+1, ch.Count, t.dst.Display(), err)
	}
	res.Status, res.Checksum, res.Part = messages.StatusCopied, sum.String(), part.Receipt()
	res.Attr = &t.item.Attr // the committer preserves it on the whole file
	res.Reason = fmt.Sprintf("chunk %d of %d", ch.Seq+1, ch.Count)
	return res, nil
}

// Assembly is a chunked file whose chunks are all copied.
type Assembly struct {
	// File is the file as one item (Kind file): Src, Dst, Attr, Statted.
	File     messages.WorkItem
	Index    int64 // the file's own result index (Chunk.File)
	Upload   string
	Receipts []string    // per part, in order
	Sum      fs.Checksum // the chunks' CRC32Cs combined
}

// Assemble makes a chunked file whole, as a copier finishes a file it
// wrote alone: it completes the parts, checks length and checksum, sets
// attributes and the stored checksum, and renames the file into place.
// Trying again after a crash is safe: a file already in place and whole
// is found so.
func Assemble(ctx context.Context, reg *fs.Registry, job *messages.Job, a Assembly) error {
	t, err := openTask(ctx, reg, job, &a.File)
	if err != nil {
		return err
	}
	pw, ok := t.dstFS.(fs.PartWriter)
	if !ok {
		return fmt.Errorf("%s cannot assemble a file from chunks", t.dst.Scheme)
	}
	apath := AssemblyPath(t.dstFS, job, a.Index, t.dst.Path)
	if err := pw.CompleteParts(ctx, apath, a.Upload, a.Receipts); err != nil {
		if apath != t.dst.Path && errors.Is(err, fs.ErrNotExist) && t.verify(ctx, t.dst.Path, a.Sum) == nil {
			return nil // renamed into place by an earlier try
		}
		_ = pw.AbortParts(context.WithoutCancel(ctx), apath, a.Upload)
		return fmt.Errorf("assemble %s: %w", t.dst.Display(), err)
	}
	return t.finish(ctx, apath, a.Sum, false)
}

// AbortAssembly discards the parts of a chunked file that cannot be made
// whole (a chunk failed, or the job was canceled).
func AbortAssembly(ctx context.Context, reg *fs.Registry, job *messages.Job, a Assembly) error {
	t, err := openTask(ctx, reg, job, &a.File)
	if err != nil {
		return err
	}
	pw, ok := t.dstFS.(fs.PartWriter)
	if !ok {
		return nil
	}
	return pw.AbortParts(ctx, AssemblyPath(t.dstFS, job, a.Index, t.dst.Path), a.Upload)
}
