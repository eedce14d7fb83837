package copier

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// verify compares the item's source entry with its target instead of
// copying it (a verify job, messages.Options.Verify): it writes nothing,
// and gets each piece of evidence only when the cheaper ones did not
// settle the comparison (distcp.Verify): the target's metadata, its
// recorded origin, the checksums both sides keep, then reads: the source
// when the target keeps a checksum, the target only with --read-both.
func (t *task) verify(ctx context.Context) (messages.Result, error) {
	var res messages.Result
	in := distcp.VerifyInput{Options: t.Job.Options, Src: t.Item.Attr, SrcIsDir: t.Item.Kind == messages.KindDir, Statted: t.Item.Statted,
		SrcID: fs.SourceID(t.Src)}
	dfi, err := t.DstFS.Stat(ctx, t.Dst.Path)
	switch {
	case err == nil:
		in.Target = &dfi
	case !errors.Is(err, fs.ErrNotExist):
		return res, fmt.Errorf("verify: stat target %s: %w", t.Dst.Display(), err)
	}
	v, err := t.gather(ctx, &in)
	if err != nil {
		return res, err
	}
	res.Status, res.Category, res.Proof, res.Reason = messages.StatusSkipped, v.Category, v.Proof, v.Reason
	return res, nil
}

// gather adds evidence to in until it settles the comparison.
func (t *task) gather(ctx context.Context, in *distcp.VerifyInput) (distcp.Verdict, error) {
	if v := distcp.Verify(*in); v.Settled() {
		return v, nil
	}
	if in.WantsOrigin() {
		o, ok, err := fs.OriginOf(ctx, t.DstFS, *in.Target)
		if err != nil {
			return distcp.Verdict{}, fmt.Errorf("verify: origin of %s: %w", t.Dst.Display(), err)
		}
		if ok {
			in.Origin = &o
			if v := distcp.Verify(*in); v.Settled() {
				return v, nil
			}
		}
	}
	if err := t.keptSums(ctx, in); err != nil {
		return distcp.Verdict{}, err
	}
	if v := distcp.Verify(*in); v.Settled() {
		return v, nil
	}
	if err := t.readSums(ctx, in); err != nil {
		return distcp.Verdict{}, err
	}
	in.Final = true
	return distcp.Verify(*in), nil
}

// keptSums gets the checksums both sides keep, the target's first: where
// it keeps none and the target may not be read, the source's is no use.
// Of several kinds (COS keeps a CRC32C and a CRC64) the first the source
// keeps too is compared; where it keeps none of them, the target's first,
// which reading the source then computes.
func (t *task) keptSums(ctx context.Context, in *distcp.VerifyInput) error {
	dst, err := fs.KeptChecksums(ctx, t.DstFS, *in.Target)
	if err != nil {
		return fmt.Errorf("verify: checksum of target %s: %w", t.Dst.Display(), err)
	}
	if len(dst) == 0 && !t.Job.Options.ReadBoth {
		return nil
	}
	a := t.Item.Attr
	sfi := fs.FileInfo{Path: t.Src.Path, Size: a.Size, ModTime: a.ModTime, ChangeTime: a.ChangeTime}
	src, err := fs.KeptChecksums(ctx, t.SrcFS, sfi)
	if err != nil {
		return fmt.Errorf("verify: checksum of source %s: %w", t.Src.Display(), err)
	}
	in.SrcSum, in.DstSum = pickSums(src, dst)
	return nil
}

// pickSums pairs checksums of a kind both sides keep; else the target's
// first alone (or, where the target keeps none, the source's first).
func pickSums(src, dst []fs.Checksum) (s, d fs.Checksum) {
	for _, d := range dst {
		for _, s := range src {
			if s.Algorithm == d.Algorithm {
				return s, d
			}
		}
	}
	switch {
	case len(dst) > 0:
		return fs.Checksum{}, dst[0]
	case len(src) > 0:
		return src[0], fs.Checksum{}
	}
	return fs.Checksum{}, fs.Checksum{}
}

// readSums reads what keeps no checksum, computing the kind the other
// side keeps: the source when the target keeps one (never downloading
// the target), the target only with --read-both.
func (t *task) readSums(ctx context.Context, in *distcp.VerifyInput) error {
	if in.DstSum.IsZero() && t.Job.Options.ReadBoth {
		sum, err := fs.ChecksumByReadingAs(ctx, t.DstFS, t.Dst.Path, in.Target.Size, kindOf(in.SrcSum))
		if err != nil {
			return fmt.Errorf("verify: read target %s: %w", t.Dst.Display(), err)
		}
		in.DstSum, in.DstRead = sum, true
	}
	if in.SrcSum.IsZero() && !in.DstSum.IsZero() {
		sum, err := fs.ChecksumByReadingAs(ctx, t.SrcFS, t.Src.Path, t.Item.Attr.Size, kindOf(in.DstSum))
		if err != nil {
			return fmt.Errorf("verify: read source %s: %w", t.Src.Display(), err)
		}
		in.SrcSum, in.SrcRead = sum, true
	}
	return nil
}

// kindOf is the algorithm to compute when reading to compare with c:
// c's, or CRC32C when there is none.
func kindOf(c fs.Checksum) string {
	if c.IsZero() {
		return fs.AlgCRC32C
	}
	return c.Algorithm
}
