package committer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/place"
	"github.com/jetcp/jetcp/messages"
)

// assembly is a chunked file whose chunks are all copied.
type assembly struct {
	// File is the file as one item (Kind file): Src, Dst, Attr, Statted.
	File     messages.WorkItem
	Index    int64 // the file's own result index (Chunk.File)
	Upload   string
	Receipts []string    // per part, in order
	Sum      fs.Checksum // the chunks' CRC32Cs combined
}

// assembleFile makes a chunked file whole, as a copier finishes a file it
// wrote alone (place.File.Finish): it completes the parts, checks length and checksum, sets
// attributes and the stored checksum, and renames the file into place.
// Trying again after a crash is safe: a file already in place and whole
// is found so.
func assembleFile(ctx context.Context, reg *fs.Registry, job *messages.Job, a assembly) error {
	t, err := place.Open(ctx, reg, job, place.ParsePaths(job), &a.File)
	if err != nil {
		return err
	}
	apath := distcp.AssemblyPath(t.DstFS, job, a.Index, t.Dst.Path)
	if err := fs.CompleteParts(ctx, t.DstFS, apath, a.Upload, a.Receipts); err != nil {
		if apath != t.Dst.Path && errors.Is(err, fs.ErrNotExist) && t.Verify(ctx, t.Dst.Path, a.Sum) == nil {
			return nil // renamed into place by an earlier try
		}
		_ = fs.AbortParts(context.WithoutCancel(ctx), t.DstFS, apath, a.Upload)
		return fmt.Errorf("assemble %s: %w", t.Dst.Display(), err)
	}
	return t.Finish(ctx, apath, a.Sum, false)
}

// abortAssembly discards the parts of a chunked file that cannot be made
// whole (a chunk failed, or the job was canceled).
func abortAssembly(ctx context.Context, reg *fs.Registry, job *messages.Job, a assembly) error {
	t, err := place.Open(ctx, reg, job, place.ParsePaths(job), &a.File)
	if err != nil {
		return err
	}
	return fs.AbortParts(ctx, t.DstFS, distcp.AssemblyPath(t.DstFS, job, a.Index, t.Dst.Path), a.Upload)
}
