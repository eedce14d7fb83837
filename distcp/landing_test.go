package distcp

import (
	"errors"
	"slices"
	"testing"
)

// TestLand is DistCp's landing table: where each source goes for a
// target that is missing, a directory or a file, with and without
// -update/-overwrite.
func TestLand(t *testing.T) {
	for _, tc := range []struct {
		name          string
		srcIsDir      []bool
		target        TargetState
		update, over  bool
		inTarget      []bool
		targetIsDir   bool
		overwriteFile bool
		err           error
	}{
		{"dir to missing: becomes the target", []bool{true}, TargetMissing, false, false, []bool{true}, true, false, nil},
		{"dir to existing dir: lands under it", []bool{true}, TargetDir, false, false, []bool{false}, true, false, nil},
		{"dir to existing dir, -update: merges", []bool{true}, TargetDir, true, false, []bool{true}, true, false, nil},
		{"dir to existing dir, -overwrite: merges", []bool{true}, TargetDir, false, true, []bool{true}, true, false, nil},
		{"dir to missing, -update", []bool{true}, TargetMissing, true, false, []bool{true}, true, false, nil},
		{"two dirs to missing: each under it", []bool{true, true}, TargetMissing, false, false, []bool{false, false}, true, false, nil},
		{"two dirs, -update: both merge", []bool{true, true}, TargetDir, true, false, []bool{true, true}, true, false, nil},
		{"dir and file, -update: the dir merges", []bool{true, false}, TargetDir, true, false, []bool{true, false}, true, false, nil},
		{"two files to missing: a directory", []bool{false, false}, TargetMissing, false, false, []bool{false, false}, true, false, nil},
		{"file to missing: becomes the target", []bool{false}, TargetMissing, false, false, []bool{true}, false, false, nil},
		{"file to existing dir: lands under it", []bool{false}, TargetDir, false, false, []bool{false}, true, false, nil},
		{"file to existing dir, -update: still under it", []bool{false}, TargetDir, true, false, []bool{false}, true, false, nil},
		{"file to existing file: overwritten", []bool{false}, TargetFile, false, false, []bool{true}, false, true, nil},
		{"file to existing file, -update", []bool{false}, TargetFile, true, false, []bool{true}, false, false, nil},
		{"dir to existing file", []bool{true}, TargetFile, false, false, nil, false, false, ErrDirIntoFile},
		{"two files to existing file", []bool{false, false}, TargetFile, false, false, nil, false, false, ErrManyIntoFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Land(tc.srcIsDir, tc.target, tc.update, tc.over)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if !slices.Equal(l.InTarget, tc.inTarget) || l.TargetIsDir != tc.targetIsDir || l.OverwriteFile != tc.overwriteFile {
				t.Errorf("got %+v, want InTarget %v TargetIsDir %v OverwriteFile %v", l, tc.inTarget, tc.targetIsDir, tc.overwriteFile)
			}
		})
	}
}

// TestLandRules: each source's placement names the rule that made it.
func TestLandRules(t *testing.T) {
	for _, tc := range []struct {
		name         string
		srcIsDir     []bool
		target       TargetState
		update, over bool
		rules        []Rule
	}{
		{"dir to missing", []bool{true}, TargetMissing, false, false, []Rule{RuleBecomesTarget}},
		{"file to missing", []bool{false}, TargetMissing, false, false, []Rule{RuleBecomesTarget}},
		{"dir to existing dir", []bool{true}, TargetDir, false, false, []Rule{RuleUnderDir}},
		{"file to existing dir, -update", []bool{false}, TargetDir, true, false, []Rule{RuleUnderDir}},
		{"dir to existing dir, -update", []bool{true}, TargetDir, true, false, []Rule{RuleMerge}},
		{"dir to missing, -overwrite", []bool{true}, TargetMissing, false, true, []Rule{RuleMerge}},
		{"two dirs to missing", []bool{true, true}, TargetMissing, false, false, []Rule{RuleSideBySide, RuleSideBySide}},
		{"two to an existing dir", []bool{true, false}, TargetDir, false, false, []Rule{RuleUnderDir, RuleUnderDir}},
		{"dir and file, -update", []bool{true, false}, TargetMissing, true, false, []Rule{RuleMerge, RuleSideBySide}},
		{"file to existing file", []bool{false}, TargetFile, false, false, []Rule{RuleOntoFile}},
		{"file to existing file, -update", []bool{false}, TargetFile, true, false, []Rule{RuleOntoFile}},
	} {
		l, err := Land(tc.srcIsDir, tc.target, tc.update, tc.over)
		if err != nil || !slices.Equal(l.Rules, tc.rules) {
			t.Errorf("%s: rules %v (err %v), want %v", tc.name, l.Rules, err, tc.rules)
		}
	}
}
