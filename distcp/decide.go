package distcp

import (
	"context"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// Action is what the per-file decision asks for.
type Action int

// The decision's outcomes. NeedChecksum means metadata cannot tell: the
// caller compares the two files' checksums (ChecksumDecision).
// TryAppend means the target is shorter than the source under -append:
// the caller compares the checksum of the source's first target-size
// bytes with the target's and appends the tail where they are equal and
// the target's file system can (AppendDecision), else copies.
const (
	Copy Action = iota + 1
	Skip
	NeedChecksum
	TryAppend
)

// Reasons reported with a decision; results and logs carry them.
const (
	ReasonTargetMissing    = "target missing"
	ReasonOverwrite        = "overwrite"
	ReasonTargetExists     = "target exists"
	ReasonSizeDiffers      = "size differs"
	ReasonBlockSizeDiffers = "block size differs"
	ReasonSkipCRC          = "same size (checksum not compared: -skipcrccheck)"
	ReasonUnchanged        = "unchanged since copied (recorded)"
	// ReasonUnchangedManifest is ReasonUnchanged settled by the job
	// manifest from the listings, with no request for the file.
	ReasonUnchangedManifest = "unchanged since copied (manifest)"
	ReasonSameChecksum      = "same size and checksum"
	ReasonChecksumDiffers   = "checksum differs"
	ReasonIncomparableOlder = "same size, checksums incomparable, target not older"
	ReasonIncomparableNewer = "same size, checksums incomparable, source newer"
	// ReasonAppended: -append found the target to be the source's first
	// bytes and wrote only the rest.
	ReasonAppended = "target is the start of the source: tail appended (-append)"
	// ReasonNotPrefix: -append found the shorter target to differ from
	// the source's first bytes, so the whole file is copied.
	ReasonNotPrefix = "size differs (target is not the start of the source)"
	// ReasonCannotAppend: the target's file system cannot append (object
	// stores replace an object whole), so the whole file is copied,
	// without reading either side to compare their starts.
	ReasonCannotAppend = "size differs (-append: the target's file system cannot append, so the whole file is copied)"
	// DirExists is the reason a directory whose target exists is skipped.
	DirExists = "directory exists"
)

// Decision is the outcome of the per-file rules and why.
type Decision struct {
	Action Action
	Reason string
}

// Input is what the per-file decision looks at.
type Input struct {
	Options messages.Options
	// Src is the source file's attributes; Statted says they are as Stat
	// reports them (times included), which a recorded origin needs.
	Src     messages.Attrs
	Statted bool
	// Target is the target file, nil when it is missing.
	Target *fs.FileInfo
	// Origin is the target's recorded origin, nil when there is none or
	// it was not read (see WantsOrigin).
	Origin *fs.Origin
	// SrcID is the source's fs.SourceID: a record of another source's
	// copy settles nothing.
	SrcID string
}

// Decide applies DistCp's per-file rules (CopyMapper) as far as metadata
// settles them: the target's existence, the flags, size and block size,
// and the target's recorded origin.
func Decide(in Input) Decision {
	o, a, t := in.Options, in.Src, in.Target
	switch {
	case t == nil:
		return Decision{Copy, ReasonTargetMissing}
	case o.Overwrite:
		return Decision{Copy, ReasonOverwrite}
	case !o.Update:
		return Decision{Skip, ReasonTargetExists}
	case o.Append && t.Size < a.Size:
		// CopyMapper.checkUpdate: with -append a shorter target may be
		// the source's start (its block size is not compared).
		return Decision{Action: TryAppend}
	case t.Size != a.Size:
		return Decision{Copy, ReasonSizeDiffers}
	case o.Preserve.BlockSize && a.BlockSize > 0 && t.BlockSize > 0 && t.BlockSize != a.BlockSize:
		return Decision{Copy, ReasonBlockSizeDiffers}
	case o.SkipCRC:
		return Decision{Skip, ReasonSkipCRC}
	case in.Origin != nil && (in.WantsOrigin() || versioned(a, *in.Origin)) && in.sameSource(*in.Origin) && sameOrigin(o, a, *in.Origin):
		return Decision{Skip, ReasonUnchanged}
	}
	return Decision{Action: NeedChecksum}
}

// WantsOrigin tells whether a recorded origin could settle the decision
// for this source: only a source whose times are known can match one.
// Without a change time (all but local sources) only --trust-mtime lets
// size and mtime suffice.
func (in Input) WantsOrigin() bool {
	return in.Statted && !in.Src.ModTime.IsZero() && (!in.Src.ChangeTime.IsZero() || in.Options.TrustMtime)
}

// sameSource tells whether rec may be a record of this source's copy: it
// names the source, or either side's name is not known (records from
// before names were kept). Two trees whose files have the same sizes and
// times (change times are as coarse as the kernel's tick) otherwise look
// alike, and a record of one would settle the other.
func (in Input) sameSource(rec fs.Origin) bool {
	return rec.SrcID == "" || in.SrcID == "" || rec.SrcID == in.SrcID
}

// versioned tells whether both the source and its recorded origin have a
// content version (a job manifest's record of a COS source): then the
// versions decide, whatever is known of the source's times.
func versioned(a messages.Attrs, rec fs.Origin) bool {
	return a.Version != "" && rec.SrcVersion != ""
}

// sameOrigin tells, without reading data, that the target was copied from
// the source as it is now: the target's recorded origin (valid while the
// target is unchanged) names the source's listed size, mtime and change
// time. A change time nobody can set back makes this as sure as reading
// the source (a rewrite under a restored mtime still moves it), so it
// needs no flag; --trust-mtime drops the change time from the rule
// (rsync's and rclone's), for sources without one.
func sameOrigin(o messages.Options, a messages.Attrs, rec fs.Origin) bool {
	if versioned(a, rec) {
		// The store's content version (COS's ETag) moves on every write:
		// as sure as a change time, and listed where times are not.
		return rec.SrcSize == a.Size && rec.SrcVersion == a.Version
	}
	if rec.SrcSize != a.Size || !rec.SrcModTime.Equal(a.ModTime) {
		return false
	}
	return o.TrustMtime || rec.SrcChangeTime.Equal(a.ChangeTime)
}

// ReadOrigin reads the target's recorded origin when the decision would
// use it (in.WantsOrigin, and metadata alone has not settled it) and dstFS
// keeps one: the read is an extended attribute, so it is not made for a
// file whose size already differs. A record the target's Stat brought
// along (FileInfo.Origin: COS) costs nothing and is taken as it is. It
// returns in with Origin set, or unchanged.
func ReadOrigin(ctx context.Context, dstFS fs.FS, in Input) Input {
	if in.Target == nil || !in.WantsOrigin() {
		return in
	}
	if in.Target.Origin != nil {
		in.Origin = in.Target.Origin // read with the target's metadata
		return in
	}
	pre := in
	pre.Origin = nil
	if Decide(pre).Action != NeedChecksum {
		return in
	}
	rec, ok, err := fs.OriginOf(ctx, dstFS, *in.Target)
	if err == nil && ok {
		in.Origin = &rec
	}
	return in
}

// ChecksumDecision settles a NeedChecksum decision from the comparison of
// the two files' checksums: same tells whether they are equal, and
// incomparable that they cannot be compared (then newer DistCp skips
// unless the source is newer than the target).
func ChecksumDecision(in Input, same, incomparable bool) Decision {
	switch {
	case incomparable && !in.Src.ModTime.After(in.Target.ModTime):
		return Decision{Skip, ReasonIncomparableOlder}
	case incomparable:
		return Decision{Copy, ReasonIncomparableNewer}
	case same:
		return Decision{Skip, ReasonSameChecksum}
	default:
		return Decision{Copy, ReasonChecksumDiffers}
	}
}

// AppendDecision settles a TryAppend decision: canAppend tells whether
// the target's file system can append (asked first: where it cannot,
// nothing is read), and same whether the checksum of the source's first
// target-size bytes equals the target's. A shorter target that cannot
// grow in place, or is not the source's start, is copied whole.
func AppendDecision(canAppend, same bool) Decision {
	switch {
	case !canAppend:
		return Decision{Copy, ReasonCannotAppend}
	case !same:
		return Decision{Copy, ReasonNotPrefix}
	default:
		return Decision{Copy, ReasonAppended}
	}
}
