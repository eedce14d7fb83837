package distcp

import "errors"

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
	for i, d := range srcIsDir {
		l.InTarget[i] = d && merge || !multi && !tdir
	}
	return l, nil
}
