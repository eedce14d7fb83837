package distcp

import (
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

func TestVerify(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	ctime := time.Unix(1700000100, 0)
	src := messages.Attrs{Size: 10, ModTime: mtime, ChangeTime: ctime}
	file := &fs.FileInfo{Path: "/t/f", Size: 10, Mode: 0o644}
	other := &fs.FileInfo{Path: "/t/f", Size: 11, Mode: 0o644}
	dir := &fs.FileInfo{Path: "/t/f", Mode: 0o755 | 1<<31}
	sumA, sumB := fs.CRC32C(1), fs.CRC32C(2)
	md5 := fs.Checksum{Algorithm: "MD5", Value: []byte{1}}
	origin := &fs.Origin{Checksum: sumA, SrcSize: 10, SrcModTime: mtime, SrcChangeTime: ctime}
	named := &fs.Origin{Checksum: sumA, SrcSize: 10, SrcModTime: mtime, SrcChangeTime: ctime, SrcID: "a1"}
	stale := &fs.Origin{Checksum: sumA, SrcSize: 10, SrcModTime: mtime, SrcChangeTime: ctime.Add(time.Second)}
	noCtime := messages.Attrs{Size: 10, ModTime: mtime}
	mtimeOrigin := &fs.Origin{Checksum: sumA, SrcSize: 10, SrcModTime: mtime}
	for _, c := range []struct {
		name            string
		in              VerifyInput
		category, proof string
		reasonHas       string
	}{
		{"missing", VerifyInput{Src: src, Statted: true}, messages.CategoryMissing, messages.ProofMetadata, "no entry"},
		{"missing dir", VerifyInput{SrcIsDir: true}, messages.CategoryMissing, messages.ProofMetadata, ""},
		{"dir where a file was", VerifyInput{Src: src, Target: dir}, messages.CategoryTypeDiffers, messages.ProofMetadata, "target a directory"},
		{"file where a dir was", VerifyInput{SrcIsDir: true, Target: file}, messages.CategoryTypeDiffers, messages.ProofMetadata, "target a file"},
		{"dir and dir", VerifyInput{SrcIsDir: true, Target: dir}, messages.CategorySame, messages.ProofMetadata, ""},
		{"size", VerifyInput{Src: src, Target: other, SrcSum: sumA, DstSum: sumA}, messages.CategorySizeDiffers, messages.ProofMetadata, "source 10 bytes, target 11"},
		{"skipcrccheck", VerifyInput{Options: messages.Options{SkipCRC: true}, Src: src, Target: file}, messages.CategorySame, messages.ProofMetadata, ""},
		{"origin", VerifyInput{Src: src, Statted: true, Target: file, Origin: origin}, messages.CategorySame, messages.ProofOrigin, ""},
		{"origin of this source", VerifyInput{Src: src, Statted: true, Target: file, Origin: named, SrcID: "a1"}, messages.CategorySame, messages.ProofOrigin, ""},
		{"origin of another source, unsettled", VerifyInput{Src: src, Statted: true, Target: file, Origin: named, SrcID: "b2"}, "", "", ""},
		{"origin of another ctime, unsettled", VerifyInput{Src: src, Statted: true, Target: file, Origin: stale}, "", "", ""},
		{"origin, source not statted", VerifyInput{Src: src, Target: file, Origin: origin}, "", "", ""},
		{"origin, no ctime", VerifyInput{Src: noCtime, Statted: true, Target: file, Origin: mtimeOrigin}, "", "", ""},
		{"origin, no ctime, trust mtime", VerifyInput{Options: messages.Options{TrustMtime: true}, Src: noCtime, Statted: true, Target: file, Origin: mtimeOrigin},
			messages.CategorySame, messages.ProofOrigin, ""},
		{"stale origin, kept sums differ", VerifyInput{Src: src, Statted: true, Target: file, Origin: stale, SrcSum: sumB, DstSum: sumA},
			messages.CategoryChecksumDiffers, messages.ProofKept, "source CRC32C:00000002, target CRC32C:00000001"},
		{"kept", VerifyInput{Src: src, Target: file, SrcSum: sumA, DstSum: sumA}, messages.CategorySame, messages.ProofKept, ""},
		{"source read", VerifyInput{Src: src, Target: file, SrcSum: sumA, DstSum: sumA, SrcRead: true}, messages.CategorySame, messages.ProofReadSource, ""},
		{"target read", VerifyInput{Src: src, Target: file, SrcSum: sumA, DstSum: sumB, DstRead: true}, messages.CategoryChecksumDiffers, messages.ProofReadTarget, ""},
		{"both read", VerifyInput{Src: src, Target: file, SrcSum: sumA, DstSum: sumA, SrcRead: true, DstRead: true}, messages.CategorySame, messages.ProofReadBoth, ""},
		{"incomparable", VerifyInput{Src: src, Target: file, SrcSum: sumA, DstSum: md5}, messages.CategoryUnverifiable, messages.ProofKept, "different kinds"},
		{"no target sum yet", VerifyInput{Src: src, Target: file, SrcSum: sumA}, "", "", ""},
		{"no target sum, final", VerifyInput{Src: src, Target: file, SrcSum: sumA, Final: true}, messages.CategoryUnverifiable, "", "target keeps no checksum"},
		{"no sums, final", VerifyInput{Src: src, Target: file, Final: true}, messages.CategoryUnverifiable, "", "target keeps no checksum"},
		{"no source sum, final", VerifyInput{Src: src, Target: file, DstSum: sumA, Final: true}, messages.CategoryUnverifiable, "", "source keeps no checksum"},
	} {
		v := Verify(c.in)
		if v.Category != c.category || v.Proof != c.proof || !strings.Contains(v.Reason, c.reasonHas) {
			t.Errorf("%s: got %+v, want %s by %q (reason with %q)", c.name, v, c.category, c.proof, c.reasonHas)
		}
		if v.Settled() != (c.category != "") {
			t.Errorf("%s: settled %v", c.name, v.Settled())
		}
	}
}
