package distcp

import (
	"strconv"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// VerifyInput is what a verify comparison of one source entry with its
// target has learned so far. A copier fills it in cheapest first and asks
// Verify after each step: metadata, then the target's recorded origin,
// then the checksums both sides keep, then checksums by reading.
type VerifyInput struct {
	Options messages.Options
	// Src is the source entry's attributes; Statted says they are as Stat
	// reports them (times included), which a recorded origin needs.
	Src      messages.Attrs
	SrcIsDir bool
	Statted  bool
	// Target is the target entry, nil when it is missing.
	Target *fs.FileInfo
	// Origin is the target's recorded origin (valid for the target), nil
	// when it has none or it was not read.
	Origin *fs.Origin
	// SrcID is the source's fs.SourceID: a record of another source's
	// copy proves nothing (Input.SrcID).
	SrcID string
	// SrcSum and DstSum are the checksums had so far (zero: none), and
	// SrcRead and DstRead whether getting them read the data.
	SrcSum, DstSum   fs.Checksum
	SrcRead, DstRead bool
	// Final says no further evidence will come: an unsettled comparison is
	// then unverifiable.
	Final bool
}

// Verdict is a verify comparison's outcome: a category of
// messages.Categories with the proof that settled it and, for what is not
// the same, why. An empty Category means the evidence does not settle it
// yet.
type Verdict struct {
	Category string
	Proof    string
	Reason   string
}

// Settled reports whether the verdict has a category.
func (v Verdict) Settled() bool { return v.Category != "" }

// Verify applies lister verify's rule to one source entry and its target:
// what is missing or of the other type, or of another size, differs by
// metadata alone; a recorded origin naming the source as it is now proves
// the same without reading (the rule -update skips by, see Decide); else
// the two checksums decide, and without both the entry is unverifiable
// (once Final), saying which side lacks one.
func Verify(in VerifyInput) Verdict {
	t := in.Target
	switch {
	case t == nil:
		return Verdict{messages.CategoryMissing, messages.ProofMetadata, "the target has no entry here"}
	case in.SrcIsDir && !t.IsDir():
		return Verdict{messages.CategoryTypeDiffers, messages.ProofMetadata, "the source is a directory, the target a file"}
	case !in.SrcIsDir && t.IsDir():
		return Verdict{messages.CategoryTypeDiffers, messages.ProofMetadata, "the source is a file, the target a directory"}
	case in.SrcIsDir:
		return Verdict{messages.CategorySame, messages.ProofMetadata, ""}
	case t.Size != in.Src.Size:
		return Verdict{messages.CategorySizeDiffers, messages.ProofMetadata, sizes(in.Src.Size, t.Size)}
	case in.Options.SkipCRC:
		return Verdict{messages.CategorySame, messages.ProofMetadata, ""}
	case in.Origin != nil && in.WantsOrigin() && in.input().sameSource(*in.Origin) && sameOrigin(in.Options, in.Src, *in.Origin):
		return Verdict{messages.CategorySame, messages.ProofOrigin, ""}
	case !in.SrcSum.IsZero() && !in.DstSum.IsZero():
		return bySums(in)
	case !in.Final:
		return Verdict{}
	}
	return Verdict{messages.CategoryUnverifiable, "", unverifiableWhy(in)}
}

// WantsOrigin tells whether the target's recorded origin could settle the
// comparison (Input.WantsOrigin): worth reading once metadata has not.
func (in VerifyInput) WantsOrigin() bool { return in.input().WantsOrigin() }

// input is the copy decision's view of the comparison.
func (in VerifyInput) input() Input {
	return Input{Options: in.Options, Src: in.Src, Statted: in.Statted, SrcID: in.SrcID}
}

func bySums(in VerifyInput) Verdict {
	proof := messages.ProofKept
	switch {
	case in.SrcRead && in.DstRead:
		proof = messages.ProofReadBoth
	case in.SrcRead && in.DstSum.Algorithm == fs.AlgCRC64ECMA:
		proof = messages.ProofCRC64
	case in.SrcRead:
		proof = messages.ProofReadSource
	case in.DstRead:
		proof = messages.ProofReadTarget
	}
	same, err := in.SrcSum.Equal(in.DstSum)
	switch {
	case err != nil:
		return Verdict{messages.CategoryUnverifiable, proof, "the checksums are of different kinds: " + in.SrcSum.Algorithm + " and " + in.DstSum.Algorithm}
	case same:
		return Verdict{messages.CategorySame, proof, ""}
	}
	return Verdict{messages.CategoryChecksumDiffers, proof, "source " + in.SrcSum.String() + ", target " + in.DstSum.String()}
}

func unverifiableWhy(in VerifyInput) string {
	if in.DstSum.IsZero() {
		return "the target keeps no checksum (not written by jetcp, or changed since): --read-both reads it"
	}
	return "the source keeps no checksum and could not be read"
}

func sizes(src, dst int64) string {
	return "source " + strconv.FormatInt(src, 10) + " bytes, target " + strconv.FormatInt(dst, 10) + " bytes"
}
