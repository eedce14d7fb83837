package distcp

import (
	"errors"
	"strconv"
)

// TargetState is what the job's target is before the copy.
type TargetState int

// The target's states.
const (
	TargetMissing TargetState = iota
	TargetDir
	TargetFile
)

// Landing errors: a file target takes one file source only.
var (
	ErrDirIntoFile  = errors.New("a directory cannot be copied into a file")
	ErrManyIntoFile = errors.New("several sources need a directory target")
)

// Landing is where a job's sources land.
type Landing struct {
	// InTarget[i] says source i lands in the target itself (a directory's
	// contents merge into it, or a single source becomes it); otherwise
	// it lands as target/<its base name>.
	InTarget []bool
	// TargetIsDir says the target is, or becomes, a directory.
	TargetIsDir bool
	// OverwriteFile says the target is an existing file that is
	// overwritten without -update or -overwrite, as DistCp's
	// CopyMapper.setup does.
	OverwriteFile bool
	// Rules[i] is the rule that placed source i, so that a plan can say
	// why a source lands where it does (the rules surprise DistCp users
	// too: the same command lands elsewhere once the target exists).
	Rules []Rule
}

// Rule is one of DistCp's rules for where a source lands.
type Rule int

// The landing rules.
const (
	// RuleBecomesTarget: one source to a missing path becomes that path
	// (a directory's contents land there).
	RuleBecomesTarget Rule = iota
	// RuleUnderDir: a source lands under an existing directory target by
	// its name.
	RuleUnderDir
	// RuleSideBySide: several sources land under the target by their
	// names, side by side.
	RuleSideBySide
	// RuleMerge: with -update or -overwrite a directory's contents merge
	// into the target.
	RuleMerge
	// RuleOntoFile: a file onto an existing file replaces it (compared
	// first with -update).
	RuleOntoFile
)

var ruleText = [...]string{
	RuleBecomesTarget: "one source to a missing path: it becomes the target (a directory's contents land there)",
	RuleUnderDir:      "the target is an existing directory: the source lands under it by its name",
	RuleSideBySide:    "several sources: each lands under the target by its name, side by side",
	RuleMerge:         "-update/-overwrite: the directory's contents merge into the target itself",
	RuleOntoFile:      "a file onto an existing file: it replaces the file (with -update, only if they differ)",
}

// String says the rule in words.
func (r Rule) String() string {
	if r < 0 || int(r) >= len(ruleText) {
		return "rule " + strconv.Itoa(int(r))
	}
	return ruleText[r]
}

// Land applies DistCp's rules for where sources land (srcIsDir: whether
// each source is a directory). With -update or -overwrite a directory's
// contents merge into the target; otherwise, a single source to a target
// that is not a directory becomes the target, and anything else lands
// under it by its base name.
func Land(srcIsDir []bool, target TargetState, update, overwrite bool) (Landing, error) {
	multi := len(srcIsDir) > 1
	merge := update || overwrite
	anyDir := false
	for _, d := range srcIsDir {
		anyDir = anyDir || d
	}
	if target == TargetFile {
		if anyDir {
			return Landing{}, ErrDirIntoFile
		}
		if multi {
			return Landing{}, ErrManyIntoFile
		}
	}
	tdir := target == TargetDir
	l := Landing{
		InTarget:      make([]bool, len(srcIsDir)),
		TargetIsDir:   tdir || multi || anyDir,
		OverwriteFile: target == TargetFile && !merge,
	}
	l.Rules = make([]Rule, len(srcIsDir))
	for i, d := range srcIsDir {
		l.InTarget[i] = d && merge || !multi && !tdir
		l.Rules[i] = rule(d && merge, multi, target)
	}
	return l, nil
}

// rule names the rule Land applied to a source: merged (a directory under
// -update/-overwrite), or placed by the target's state and the number of
// sources.
func rule(merged, multi bool, target TargetState) Rule {
	switch {
	case merged:
		return RuleMerge
	case target == TargetDir:
		return RuleUnderDir
	case multi:
		return RuleSideBySide
	case target == TargetFile:
		return RuleOntoFile
	}
	return RuleBecomesTarget
}
