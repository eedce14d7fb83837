package place

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
)

// CheckWritten compares what was written at p (size bytes, checksum got,
// zero when not known) with the source's length and the checksum of the
// bytes read from it.
func (t *File) CheckWritten(p string, size int64, got, sum fs.Checksum) error {
	if size != t.Item.Attr.Size {
		return fmt.Errorf("verify %s: wrote %d bytes, source has %d", p, size, t.Item.Attr.Size)
	}
	if same, err := got.Equal(sum); err == nil && !same {
		return fmt.Errorf("verify %s: checksum %s, source bytes had %s", p, got, sum)
	}
	return nil
}

// Finish takes a complete file written at tmp (the target itself when
// tmp is the target's path) into place: it checks length and checksum
// (unless verified already), sets the preserved attributes and the stored
// checksum, and renames it. A failure removes what was written.
func (t *File) Finish(ctx context.Context, tmp string, sum fs.Checksum, verified bool) error {
	fail := func(err error) error {
		_ = t.DstFS.Remove(context.WithoutCancel(ctx), tmp, false)
		return err
	}
	if !verified {
		if err := t.Verify(ctx, tmp, sum); err != nil {
			return fail(err)
		}
	}
	if t.Job.Options.Preserve.Any() && !fs.StoresAttrsAtCreate(t.DstFS) {
		if err := t.ApplyAttrs(ctx, tmp); err != nil {
			return fail(err)
		}
	}
	o := fs.Origin{Checksum: sum, SrcSize: t.Item.Attr.Size, SrcID: fs.SourceID(t.Src), Job: t.Job.ID}
	if t.Item.Statted {
		o.SrcModTime, o.SrcChangeTime = t.Item.Attr.ModTime, t.Item.Attr.ChangeTime
	}
	if err := fs.RecordOrigin(ctx, t.DstFS, tmp, o); err != nil {
		return fail(fmt.Errorf("record origin of %s: %w", tmp, err))
	}
	if tmp != t.Dst.Path {
		if err := t.DstFS.Rename(ctx, tmp, t.Dst.Path); err != nil {
			return fail(fmt.Errorf("rename %s into place: %w", tmp, err))
		}
	}
	return nil
}

// Verify checks the written length and, unless -skipcrccheck or the file is
// empty, that the target's checksum equals that of the bytes read.
func (t *File) Verify(ctx context.Context, p string, sum fs.Checksum) error {
	fi, err := t.DstFS.Stat(ctx, p)
	if err != nil {
		return fmt.Errorf("verify %s: %w", p, err)
	}
	if err := t.CheckWritten(p, fi.Size, fs.Checksum{}, sum); err != nil {
		return err // the length first: no need to read a short file
	}
	if !fs.KeepsChecksums(t.DstFS) || t.Job.Options.SkipCRC || fi.Size == 0 {
		return nil // length is all such a target can tell
	}
	got, err := fs.FileChecksum(ctx, t.DstFS, p)
	if err != nil {
		return fmt.Errorf("verify %s: %w", p, err)
	}
	return t.CheckWritten(p, fi.Size, got, sum)
}

// ApplyAttrs sets the preserved attributes (-p letters) on p.
func (t *File) ApplyAttrs(ctx context.Context, p string) error {
	err := fs.SetAttrs(ctx, t.DstFS, p, distcp.AttrsFor(t.Job.Options.Preserve, t.Item.Attr))
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return Permanent(fmt.Errorf("%s cannot store owners, permissions or times: drop -p", t.Dst.Scheme))
	case err != nil:
		return fmt.Errorf("preserve attributes on %s: %w", p, err)
	}
	return nil
}
