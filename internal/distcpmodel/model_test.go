package distcpmodel

import (
	"strings"
	"testing"
)

// The model's rules, each against what DistCp's own tests and sources say
// (the class or test named in each case).
func TestModel(t *testing.T) {
	dir := func(kv ...string) Entry {
		tr := Tree{}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "/" {
				tr[kv[i]] = Node{Dir: true}
			} else {
				tr[kv[i]] = Node{Data: kv[i+1]}
			}
		}
		return Entry{Exists: true, Dir: true, Tree: tr}
	}
	file := func(data string) Entry { return Entry{Exists: true, Data: data} }
	src := func(p string, e Entry) Source { return Source{Path: p, Entry: e} }
	missing := Entry{}
	for _, tc := range []struct {
		name   string
		srcs   []Source
		target Entry
		o      Options
		want   Outcome
	}{
		{"TestIntegration#testSingleDirTargetMissing: contents land at the target",
			[]Source{src("/s", dir("a", "A"))}, missing, Options{},
			Outcome{Target: dir("a", "A"), Copied: 1, BytesCopied: 1, DirsCreated: 1}},
		{"TestIntegration#testSingleDirTargetPresent: lands inside, at DST/s",
			[]Source{src("/s", dir("a", "A"))}, dir(), Options{},
			Outcome{Target: dir("s", "/", "s/a", "A"), Copied: 1, BytesCopied: 1, DirsCreated: 1}},
		{"TestIntegration#testUpdateSingleDirTargetPresent: -update merges the contents",
			[]Source{src("/s", dir("a", "A"))}, dir(), Options{Update: true},
			Outcome{Target: dir("a", "A"), Copied: 1, BytesCopied: 1}},
		{"TestIntegration#testMultiDirTargetMissing: side by side",
			[]Source{src("/s", dir("a", "A")), src("/t", dir("b", "B"))}, missing, Options{},
			Outcome{Target: dir("s", "/", "s/a", "A", "t", "/", "t/b", "B"), Copied: 2, BytesCopied: 2, DirsCreated: 3}},
		{"CopyListing.validateFinalListing: the same relative path twice",
			[]Source{src("/s", dir("x", "1")), src("/t", dir("x", "2"))}, missing, Options{Update: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseDuplicate}},
		{"validateFinalListing: a shared directory is a duplicate too",
			[]Source{src("/s", dir("d", "/")), src("/t", dir("d", "/"))}, missing, Options{Overwrite: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseDuplicate}},
		{"validateFinalListing: excluded entries are not in the listing",
			[]Source{src("/s", dir("x.tmp", "1")), src("/t", dir("x.tmp", "2", "y", "Y"))}, missing, Options{Update: true, Filters: []string{`.*\.tmp`}},
			Outcome{Target: dir("y", "Y"), Copied: 1, BytesCopied: 1, DirsCreated: 1}},
		{"TestCopyMapper#testSingleFileCopy: an existing file target is overwritten",
			[]Source{src("/f", file("new"))}, file("old"), Options{},
			Outcome{Target: file("new"), Copied: 1, BytesCopied: 3}},
		{"CopyMapper: an existing target is skipped without -update or -overwrite",
			[]Source{src("/s", dir("a", "new"))}, dir("s", "/", "s/a", "old"), Options{},
			Outcome{Target: dir("s", "/", "s/a", "old"), Skipped: 1, BytesSkipped: 3}},
		{"CopyMapper.canSkip: -update copies a different checksum of the same size",
			[]Source{src("/s", dir("a", "new", "b", "same"))}, dir("a", "old", "b", "same"), Options{Update: true},
			Outcome{Target: dir("a", "new", "b", "same"), Copied: 1, BytesCopied: 3, Skipped: 1, BytesSkipped: 4}},
		{"CopyMapper.canSkip: -skipcrccheck skips on the size alone",
			[]Source{src("/s", dir("a", "new"))}, dir("a", "old"), Options{Update: true, SkipCRC: true},
			Outcome{Target: dir("a", "old"), Skipped: 1, BytesSkipped: 3}},
		{"CopyMapper: a file cannot replace a directory",
			[]Source{src("/s", dir("a", "A"))}, dir("a", "/"), Options{Update: true},
			Outcome{Exit: ExitFailed, Target: dir("a", "/"), Failed: 1, BytesFailed: 1}},
		{"-i: the job succeeds with the failure counted",
			[]Source{src("/s", dir("a", "A", "b", "B"))}, dir("a", "/"), Options{Update: true, IgnoreFailures: true},
			Outcome{Target: dir("a", "/", "b", "B"), Copied: 1, BytesCopied: 1, Failed: 1, BytesFailed: 1}},
		{"SimpleCopyListing: an excluded directory's children are still listed",
			[]Source{src("/s", dir("skip", "/", "skip/f", "F"))}, missing, Options{Filters: []string{".*/skip"}},
			Outcome{Target: dir("skip", "/", "skip/f", "F"), Copied: 1, BytesCopied: 1, DirsCreated: 2}},
		{"CopyCommitter.deleteMissing: what the source lacks goes, excluded paths stay",
			[]Source{src("/s", dir("a", "A"))}, dir("a", "A", "old", "/", "old/f", "F", "keep.tmp", "K"), Options{Update: true, Delete: true, Filters: []string{`.*\.tmp`}},
			Outcome{Target: dir("a", "A", "keep.tmp", "K"), Skipped: 1, BytesSkipped: 1, Deleted: 1}},
		{"deleteMissing: not after failures without -i",
			[]Source{src("/s", dir("a", "A"))}, dir("a", "/", "old", "O"), Options{Update: true, Delete: true},
			Outcome{Exit: ExitFailed, Target: dir("a", "/", "old", "O"), Failed: 1, BytesFailed: 1}},
		{"OptionsValidator: -delete needs -update or -overwrite",
			[]Source{src("/s", dir())}, missing, Options{Delete: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseDeleteAlone}},
		{"OptionsValidator: -atomic with -update",
			[]Source{src("/s", dir())}, missing, Options{Atomic: true, Update: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseAtomicUpdate}},
		{"-atomic onto a missing target ends as a plain copy",
			[]Source{src("/s", dir("a", "A"))}, missing, Options{Atomic: true},
			Outcome{Target: dir("a", "A"), Copied: 1, BytesCopied: 1, DirsCreated: 1}},
		{"a dry run changes nothing and counts what a run would do",
			[]Source{src("/s", dir("a", "A"))}, dir("old", "O"), Options{Update: true, Delete: true, DryRun: true},
			Outcome{Target: dir("old", "O"), Copied: 1, BytesCopied: 1, Deleted: 1}},
		{"CopyMapper.checkUpdate: -append copies the tail of a shorter target that is the source's start",
			[]Source{src("/s", dir("grow", "abcdef", "other", "abcdef", "same", "abc", "long", "ab"))}, dir("grow", "abc", "other", "xbc", "same", "abc", "long", "abc"),
			Options{Update: true, Append: true},
			Outcome{Target: dir("grow", "abcdef", "other", "abcdef", "same", "abc", "long", "ab"), Copied: 3, BytesCopied: 14, Skipped: 1, BytesSkipped: 3, Appended: 1}},
		{"setOptionsForSplitLargeFile: -blocksperchunk turns -append off",
			[]Source{src("/s", dir("grow", "abcdef"))}, dir("grow", "abc"), Options{Update: true, Append: true, BlocksPerChunk: true},
			Outcome{Target: dir("grow", "abcdef"), Copied: 1, BytesCopied: 6}},
		{"DistCpOptions.Builder.validate: -append needs -update",
			[]Source{src("/s", dir())}, missing, Options{Append: true, Overwrite: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseAppendAlone}},
		{"DistCpOptions.Builder.validate: -append with -skipcrccheck",
			[]Source{src("/s", dir())}, missing, Options{Append: true, Update: true, SkipCRC: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseAppendSkipCRC}},
		{"DistCp.md: -xtrack is only valid with -update",
			[]Source{src("/s", dir())}, missing, Options{XTrack: true},
			Outcome{Exit: ExitUsage, Refusal: RefuseXTrackAlone}},
		{"CopyCommitter.trackMissing: lists what the source lacks, deletes nothing",
			[]Source{src("/s", dir("a", "A"))}, dir("a", "A", "old", "/", "old/f", "F", "x", "X", "keep.tmp", "K"), Options{Update: true, XTrack: true, Filters: []string{`.*\.tmp`}},
			Outcome{Target: dir("a", "A", "old", "/", "old/f", "F", "x", "X", "keep.tmp", "K"), Skipped: 1, BytesSkipped: 1, Tracked: true, Missing: []string{"old/", "old/f", "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Run(tc.srcs, "/dst", tc.target, tc.o)
			want := tc.want
			if want.Exit == ExitUsage {
				want.Target = tc.target
			}
			if !same(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func same(a, b Outcome) bool {
	ta, tb := a.Target, b.Target
	ca := [9]any{a.Exit, a.Refusal, a.Copied, a.Skipped, a.Failed, a.BytesCopied, a.BytesSkipped, a.BytesFailed, a.Deleted}
	cb := [9]any{b.Exit, b.Refusal, b.Copied, b.Skipped, b.Failed, b.BytesCopied, b.BytesSkipped, b.BytesFailed, b.Deleted}
	if a.Appended != b.Appended || a.Tracked != b.Tracked || strings.Join(a.Missing, "|") != strings.Join(b.Missing, "|") {
		return false
	}
	if ca != cb || a.DirsCreated != b.DirsCreated || a.DirsFailed != b.DirsFailed || ta.Exists != tb.Exists || ta.Dir != tb.Dir || ta.Data != tb.Data || len(ta.Tree) != len(tb.Tree) {
		return false
	}
	for k, v := range ta.Tree {
		if tb.Tree[k] != v {
			return false
		}
	}
	return true
}
