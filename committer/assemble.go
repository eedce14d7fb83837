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
// is found so. It returns the file's manifest record, if the job keeps a
// manifest (one Stat of the whole file).
func assembleFile(ctx context.Context, reg *fs.Registry, job *messages.Job, a assembly) (*messages.Record, error) {
	t, err := place.Open(ctx, reg, job, place.ParsePaths(job), &a.File)
	if err != nil {
		return nil, err
	}
	apath := distcp.AssemblyPath(t.DstFS, job, a.Index, t.Dst.Path)
	if err := fs.CompleteParts(ctx, t.DstFS, apath, a.Upload, a.Receipts); err != nil {
		if apath != t.Dst.Path && errors.Is(err, fs.ErrNotExist) && t.Verify(ctx, t.Dst.Path, a.Sum) == nil {
			return record(ctx, t), nil // renamed into place by an earlier try
		}
		_ = fs.AbortParts(context.WithoutCancel(ctx), t.DstFS, apath, a.Upload)
		return nil, fmt.Errorf("assemble %s: %w", t.Dst.Display(), err)
	}
	if err := t.Finish(ctx, apath, a.Sum, false); err != nil {
		return nil, err
	}
	return record(ctx, t), nil
}

// record is the manifest record of an assembled file, nil without a
// manifest or if the file cannot be looked at (the next -update then
// checks it as without one).
func record(ctx context.Context, t *place.File) *messages.Record {
	if t.Job.Options.Manifest == "" {
		return nil
	}
	fi, err := t.DstFS.Stat(ctx, t.Dst.Path)
	if err != nil {
		return nil
	}
	return place.RecordOf(t.Item.Attr, t.Item.Statted, fi)
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
