package distcp

import (
	"context"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// TestDecide is the per-file table (CopyMapper), as rclone tests
// NeedTransfer: each row is one source, target, record and flags.
func TestDecide(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	ctime := mtime.Add(time.Minute)
	src := messages.Attrs{Size: 100, ModTime: mtime, ChangeTime: ctime, BlockSize: 128 << 20}
	noCtime := src
	noCtime.ChangeTime = time.Time{}
	same := &fs.FileInfo{Path: "/t/f", Size: 100, ModTime: mtime, BlockSize: 128 << 20}
	bigger := &fs.FileInfo{Path: "/t/f", Size: 101, ModTime: mtime}
	otherBlocks := &fs.FileInfo{Path: "/t/f", Size: 100, ModTime: mtime, BlockSize: 64 << 20}
	rec := &fs.Origin{SrcSize: 100, SrcModTime: mtime, SrcChangeTime: ctime}
	touched := &fs.Origin{SrcSize: 100, SrcModTime: mtime, SrcChangeTime: ctime.Add(time.Second)}
	otherMtime := &fs.Origin{SrcSize: 100, SrcModTime: mtime.Add(time.Second), SrcChangeTime: ctime}
	noTimes := &fs.Origin{SrcSize: 100, SrcModTime: mtime}
	named := &fs.Origin{SrcSize: 100, SrcModTime: mtime, SrcChangeTime: ctime, SrcID: "a1"}
	cosSrc := messages.Attrs{Size: 100, ModTime: mtime, Version: "etag-1"}
	versioned := &fs.Origin{SrcSize: 100, SrcVersion: "etag-1"}
	otherVersion := &fs.Origin{SrcSize: 100, SrcVersion: "etag-2"}
	update := messages.Options{Update: true}
	pb := messages.Options{Update: true, Preserve: messages.Preserve{BlockSize: true}}
	trust := messages.Options{Update: true, TrustMtime: true}
	for _, tc := range []struct {
		name    string
		in      Input
		want    Action
		reason  string
		origins bool // WantsOrigin
	}{
		{"target missing", Input{Options: update, Src: src, Statted: true}, Copy, ReasonTargetMissing, true},
		{"target missing, no flag", Input{Src: src}, Copy, ReasonTargetMissing, false},
		{"-overwrite", Input{Options: messages.Options{Overwrite: true}, Src: src, Target: same}, Copy, ReasonOverwrite, false},
		{"-overwrite wins over -update", Input{Options: messages.Options{Overwrite: true, Update: true}, Src: src, Target: same, Origin: rec, Statted: true}, Copy, ReasonOverwrite, true},
		{"no flag: target exists", Input{Src: src, Target: bigger}, Skip, ReasonTargetExists, false},
		{"-update, size differs", Input{Options: update, Src: src, Target: bigger, Origin: rec, Statted: true}, Copy, ReasonSizeDiffers, true},
		{"-update -append, target shorter", Input{Options: messages.Options{Update: true, Append: true}, Src: src, Target: &fs.FileInfo{Size: 99}}, TryAppend, "", false},
		{"-update -append -pb, shorter with other blocks", Input{Options: messages.Options{Update: true, Append: true, Preserve: messages.Preserve{BlockSize: true}}, Src: src, Target: &fs.FileInfo{Size: 1, BlockSize: 64 << 20}}, TryAppend, "", false},
		{"-update -append, target longer", Input{Options: messages.Options{Update: true, Append: true}, Src: src, Target: bigger}, Copy, ReasonSizeDiffers, false},
		{"-update -append, same size", Input{Options: messages.Options{Update: true, Append: true}, Src: src, Target: same}, NeedChecksum, "", false},
		{"-overwrite wins over -append", Input{Options: messages.Options{Overwrite: true, Append: true}, Src: src, Target: &fs.FileInfo{Size: 1}}, Copy, ReasonOverwrite, false},
		{"-update -pb, block size differs", Input{Options: pb, Src: src, Target: otherBlocks}, Copy, ReasonBlockSizeDiffers, false},
		{"-update, block size differs without -pb", Input{Options: update, Src: src, Target: otherBlocks}, NeedChecksum, "", false},
		{"-update -pb, target without block size", Input{Options: pb, Src: src, Target: bigger}, Copy, ReasonSizeDiffers, false},
		{"-update -skipcrccheck", Input{Options: messages.Options{Update: true, SkipCRC: true}, Src: src, Target: same}, Skip, ReasonSkipCRC, false},
		{"-update, origin matches", Input{Options: update, Src: src, Statted: true, Target: same, Origin: rec}, Skip, ReasonUnchanged, true},
		{"-update, origin but source not statted", Input{Options: update, Src: src, Target: same, Origin: rec}, NeedChecksum, "", false},
		{"-update, source touched since", Input{Options: update, Src: src, Statted: true, Target: same, Origin: touched}, NeedChecksum, "", true},
		{"-update, mtime differs from the record", Input{Options: update, Src: src, Statted: true, Target: same, Origin: otherMtime}, NeedChecksum, "", true},
		{"-update, no change time: needs checksum", Input{Options: update, Src: noCtime, Statted: true, Target: same, Origin: noTimes}, NeedChecksum, "", false},
		{"-update --trust-mtime, origin matches", Input{Options: trust, Src: noCtime, Statted: true, Target: same, Origin: noTimes}, Skip, ReasonUnchanged, true},
		{"-update --trust-mtime ignores the change time", Input{Options: trust, Src: src, Statted: true, Target: same, Origin: touched}, Skip, ReasonUnchanged, true},
		{"-update, no origin: needs checksum", Input{Options: update, Src: src, Statted: true, Target: same}, NeedChecksum, "", true},
		{"-update, record of this source", Input{Options: update, Src: src, Statted: true, Target: same, Origin: named, SrcID: "a1"}, Skip, ReasonUnchanged, true},
		{"-update, record of another source", Input{Options: update, Src: src, Statted: true, Target: same, Origin: named, SrcID: "b2"}, NeedChecksum, "", true},
		{"-update, record without a source name", Input{Options: update, Src: src, Statted: true, Target: same, Origin: rec, SrcID: "b2"}, Skip, ReasonUnchanged, true},
		{"-update, same version (manifest), not statted", Input{Options: update, Src: cosSrc, Target: same, Origin: versioned}, Skip, ReasonUnchanged, false},
		{"-update, other version (manifest)", Input{Options: update, Src: cosSrc, Target: same, Origin: otherVersion}, NeedChecksum, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Decide(tc.in)
			if got.Action != tc.want || got.Reason != tc.reason {
				t.Errorf("Decide = %+v, want {%v %q}", got, tc.want, tc.reason)
			}
			if w := tc.in.WantsOrigin(); w != tc.origins {
				t.Errorf("WantsOrigin = %v, want %v", w, tc.origins)
			}
		})
	}
}

func TestChecksumDecision(t *testing.T) {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	newer := old.Add(time.Hour)
	target := &fs.FileInfo{ModTime: old}
	for _, tc := range []struct {
		name               string
		srcTime            time.Time
		same, incomparable bool
		want               Decision
	}{
		{"same checksum", newer, true, false, Decision{Skip, ReasonSameChecksum}},
		{"checksum differs", old, false, false, Decision{Copy, ReasonChecksumDiffers}},
		{"incomparable, target not older", old, false, true, Decision{Skip, ReasonIncomparableOlder}},
		{"incomparable, source newer", newer, false, true, Decision{Copy, ReasonIncomparableNewer}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Src: messages.Attrs{ModTime: tc.srcTime}, Target: target}
			if got := ChecksumDecision(in, tc.same, tc.incomparable); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// recorder is a target file system that keeps one origin and counts reads.
type recorder struct {
	fs.FS
	rec   fs.Origin
	reads int
}

func (r *recorder) RecordOrigin(context.Context, string, fs.Origin) error { return nil }
func (r *recorder) Origin(context.Context, fs.FileInfo) (fs.Origin, bool, error) {
	r.reads++
	return r.rec, true, nil
}

// TestReadOrigin: the record is read only when it can settle the decision.
func TestReadOrigin(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	src := messages.Attrs{Size: 100, ModTime: mtime, ChangeTime: mtime}
	r := &recorder{rec: fs.Origin{SrcSize: 100, SrcModTime: mtime, SrcChangeTime: mtime}}
	update := messages.Options{Update: true}
	for _, tc := range []struct {
		name  string
		in    Input
		reads int
		want  Action
	}{
		{"size differs: not read", Input{Options: update, Src: src, Statted: true, Target: &fs.FileInfo{Size: 1}}, 0, Copy},
		{"missing: not read", Input{Options: update, Src: src, Statted: true}, 0, Copy},
		{"not statted: not read", Input{Options: update, Src: src, Target: &fs.FileInfo{Size: 100}}, 0, NeedChecksum},
		{"read and matches", Input{Options: update, Src: src, Statted: true, Target: &fs.FileInfo{Size: 100}}, 1, Skip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.reads = 0
			got := Decide(ReadOrigin(context.Background(), r, tc.in))
			if r.reads != tc.reads || got.Action != tc.want {
				t.Errorf("reads %d, action %v; want %d, %v", r.reads, got.Action, tc.reads, tc.want)
			}
		})
	}
}

// A shorter target is appended to only when it is the source's start and
// its file system can append; otherwise it is copied whole, saying why.
func TestAppendDecision(t *testing.T) {
	for _, tc := range []struct {
		can, same bool
		reason    string
	}{{true, true, ReasonAppended}, {true, false, ReasonNotPrefix}, {false, true, ReasonCannotAppend}, {false, false, ReasonCannotAppend}} {
		if d := AppendDecision(tc.can, tc.same); d.Action != Copy || d.Reason != tc.reason {
			t.Errorf("AppendDecision(%v, %v) = %+v, want Copy %q", tc.can, tc.same, d, tc.reason)
		}
	}
}

// -updateRoot gives the target root the source root's attributes under
// -update and -overwrite, where it otherwise keeps its own.
func TestKeepsRootAttrs(t *testing.T) {
	for _, tc := range []struct {
		o    messages.Options
		want bool
	}{
		{messages.Options{}, false},
		{messages.Options{Update: true}, true},
		{messages.Options{Overwrite: true}, true},
		{messages.Options{Update: true, UpdateRoot: true}, false},
		{messages.Options{Overwrite: true, UpdateRoot: true}, false},
		{messages.Options{UpdateRoot: true}, false},
	} {
		if got := KeepsRootAttrs(tc.o); got != tc.want {
			t.Errorf("KeepsRootAttrs(%+v) = %v, want %v", tc.o, got, tc.want)
		}
	}
}
