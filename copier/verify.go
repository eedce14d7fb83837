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
// recorded origin, the checksums both sides keep, those their servers
// compute without sending data (HDFS's COMPOSITE_CRC), then reads: the
// source when the target has a checksum, the target only with --read-both.
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
	var k keptSums
	for _, step := range []func(context.Context, *distcp.VerifyInput, *keptSums) error{t.keptSums, t.serverSums, t.readSums} {
		if err := step(ctx, in, &k); err != nil {
			return distcp.Verdict{}, err
		}
		if v := distcp.Verify(*in); v.Settled() {
			return v, nil
		}
	}
	in.Final = true
	return distcp.Verify(*in), nil
}

// keptSums are the checksums each side gave without reading data, every
// kind of them, and whether the source was asked yet.
type keptSums struct {
	src, dst  []fs.Checksum
	srcAsked  bool
	srcServer bool // src ends with the CRC32C its servers computed
	dstServer bool
}

// keptSums gets the checksums both sides keep, the target's first: where
// it keeps none and the target may not be read, the source's is no use
// (unless the target's servers compute one: serverSums asks then).
// Of several kinds (COS keeps a CRC32C and a CRC64) the first the source
// keeps too is compared; where it keeps none of them, the target's first,
// which reading the source then computes.
func (t *task) keptSums(ctx context.Context, in *distcp.VerifyInput, k *keptSums) error {
	dst, err := fs.KeptChecksums(ctx, t.DstFS, *in.Target)
	if err != nil {
		return fmt.Errorf("verify: checksum of target %s: %w", t.Dst.Display(), err)
	}
	k.dst = dst
	if len(dst) > 0 || t.Job.Options.ReadBoth {
		if err := t.srcKept(ctx, k); err != nil {
			return err
		}
	}
	in.SrcSum, in.DstSum = pickSums(k.src, k.dst)
	return nil
}

// srcKept asks the source for the checksums it keeps, once.
func (t *task) srcKept(ctx context.Context, k *keptSums) error {
	if k.srcAsked {
		return nil
	}
	k.srcAsked = true
	src, err := fs.KeptChecksums(ctx, t.SrcFS, t.srcInfo())
	if err != nil {
		return fmt.Errorf("verify: checksum of source %s: %w", t.Src.Display(), err)
	}
	k.src = src
	return nil
}

// srcInfo is the source file as the work item describes it.
func (t *task) srcInfo() fs.FileInfo {
	a := t.Item.Attr
	return fs.FileInfo{Path: t.Src.Path, Size: a.Size, ModTime: a.ModTime, ChangeTime: a.ChangeTime}
}

// serverSums adds, where the kept checksums did not pair, the CRC32C a
// side's servers compute without sending data (HDFS's COMPOSITE_CRC):
// the target's when it keeps no CRC32C, then the source's when it keeps
// none and the target has one (or will be read, --read-both). A request
// per block each: dearer than a kept checksum, but no data moves.
func (t *task) serverSums(ctx context.Context, in *distcp.VerifyInput, k *keptSums) error {
	if !hasCRC32C(k.dst) {
		sum, ok, err := fs.ServerChecksum(ctx, t.DstFS, *in.Target)
		if err != nil {
			return fmt.Errorf("verify: composite CRC of target %s: %w", t.Dst.Display(), err)
		}
		if ok {
			k.dst, k.dstServer = append(k.dst, sum), true
		} else if !t.Job.Options.ReadBoth {
			return nil // the source's is no use: the target is not read
		}
	}
	if err := t.srcKept(ctx, k); err != nil {
		return err
	}
	if !hasCRC32C(k.src) {
		sum, ok, err := fs.ServerChecksum(ctx, t.SrcFS, t.srcInfo())
		if err != nil {
			return fmt.Errorf("verify: composite CRC of source %s: %w", t.Src.Display(), err)
		}
		if ok {
			k.src, k.srcServer = append(k.src, sum), true
		}
	}
	in.SrcSum, in.DstSum = pickSums(k.src, k.dst)
	// A side holds one CRC32C at most: its servers' only where none was kept.
	in.SrcServer = k.srcServer && in.SrcSum.Algorithm == fs.AlgCRC32C
	in.DstServer = k.dstServer && in.DstSum.Algorithm == fs.AlgCRC32C
	return nil
}

func hasCRC32C(sums []fs.Checksum) bool {
	for _, s := range sums {
		if s.Algorithm == fs.AlgCRC32C {
			return true
		}
	}
	return false
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
func (t *task) readSums(ctx context.Context, in *distcp.VerifyInput, _ *keptSums) error {
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
