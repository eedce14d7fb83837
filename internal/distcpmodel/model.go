// Package distcpmodel is the test oracle for jetcp: a small, readable model
// of Hadoop DistCp's rules (where sources land, the duplicate check, the
// per-file copy/skip decision, -filters, -delete, the counters) that a
// differential test runs beside the real program and compares with.
//
// It is written from DistCp's sources and documentation, not from jetcp's
// code, and imports nothing of jetcp: when the two disagree, one of them is
// wrong, and the model is the one that is short enough to check by eye.
// Where jetcp deliberately differs from DistCp the model follows jetcp and
// says so at the rule (each such place is marked "jetcp:").
//
// Trees are maps from slash-separated paths relative to a root to nodes;
// the root itself is not in the map.
package distcpmodel

import (
	"path"
	"regexp"
	"sort"
	"strings"
)

// Node is a file (with its bytes) or a directory.
type Node struct {
	Dir  bool
	Data string
}

// Tree is a directory's contents: relative path -> node. Every parent of a
// path in the tree is itself in the tree as a directory.
type Tree map[string]Node

// Clone copies t.
func (t Tree) Clone() Tree {
	c := make(Tree, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

// Entry is a path and what is there: a missing path, a file, or a
// directory with its tree.
type Entry struct {
	Exists bool
	Dir    bool
	Data   string // a file's bytes
	Tree   Tree   // a directory's contents
}

// Source is one source root: its absolute path (filters are matched
// against it) and what it is.
type Source struct {
	Path string
	Entry
}

// Options are the DistCp options the model knows. Options that change how
// a copy is made but not what it ends with (-m, -direct, -v, chunk and
// bundle sizes, -bandwidth) are not here: the outcome must not depend on
// them.
type Options struct {
	Update, Overwrite, Delete bool
	SkipCRC                   bool
	Atomic                    bool
	IgnoreFailures            bool
	DryRun                    bool
	// Filters are -filters expressions; a path any of them matches whole
	// (Java's Matcher.matches) is left out of the listing.
	Filters []string
	// Append (-append, with -update): a shorter target that is the
	// source's start gets only the tail (Outcome.Appended).
	Append bool
	// BlocksPerChunk says -blocksperchunk splits files: it turns -append
	// off (DistCpOptions.Builder.setOptionsForSplitLargeFile).
	BlocksPerChunk bool
	// XTrack (-xtrack DIR, with -update): the target entries missing at
	// the sources are listed (Outcome.Tracked, Outcome.Missing).
	XTrack bool
	// UpdateRoot (-updateRoot) only changes the target root's attributes,
	// which the model does not keep: it is here to be refused or not.
	UpdateRoot bool
}

// Exit statuses.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Outcome is what a job must end with.
type Outcome struct {
	Exit int
	// Refusal names the rule that refused the job (exit 2), for messages.
	Refusal string
	// Target is the target path's state after the job.
	Target Entry
	// Counters, as jetcp's report names them: files only (a directory is
	// not a file), bytes of the source files.
	Copied, Skipped, Failed                int64
	BytesCopied, BytesSkipped, BytesFailed int64
	Deleted                                int64 // files removed by -delete (inside removed directories too)
	// DirsCreated are the directories the job made at the target, each
	// once: the target itself when it was missing, and the directories
	// below it that did not exist (listed ones, and the parents of files
	// copied below an excluded directory).
	DirsCreated int64
	// DirsFailed are listed directories that could not be made (a file in
	// the way): a failure of the job like a failed file.
	DirsFailed int64
	// Appended are the copied files -append wrote only the tail of: the
	// target was shorter and the source's start. jetcp: on a file system
	// that cannot append (COS) none; they are copied whole.
	Appended int64
	// Tracked says -xtrack's list is written (the copy succeeded, or -i);
	// Missing is its entries, relative to the target, sorted, a directory
	// ending in "/" and followed by what it holds.
	Tracked bool
	Missing []string
	// DirsLoggedCopied and DirsLoggedSkipped are the -log's directory
	// lines (each listed directory has one, a merged root too): COPY for
	// one missing before the job (made, or a dry run would make it), SKIP
	// for one already there; the FAIL lines are DirsFailed.
	DirsLoggedCopied, DirsLoggedSkipped int64
}

// Refusals (Outcome.Refusal).
const (
	RefuseUpdateOverwrite = "-update with -overwrite"
	RefuseDeleteAlone     = "-delete without -update or -overwrite"
	RefuseAtomicUpdate    = "-atomic with -update or -delete"
	RefuseAppendAlone     = "-append without -update"
	RefuseAppendSkipCRC   = "-append with -skipcrccheck"
	RefuseXTrackAlone     = "-xtrack without -update"
	RefuseAtomicExists    = "-atomic onto an existing target"
	RefuseDirIntoFile     = "a directory source onto a file target"
	RefuseManyIntoFile    = "several sources onto a file target"
	RefuseDuplicate       = "duplicate paths in the final listing"
	RefuseInsideSource    = "target inside a source"
)

// listed is one entry of the final listing (DistCp's copy listing): where
// it lands relative to the target, and the source node.
type listed struct {
	rel      string // "" is the target itself
	src      int    // index of the source it came from
	node     Node
	implicit bool // a merged root directory: made, but not in DistCp's listing
}

// Run returns what a job copying srcs to target (at targetPath) with o must
// end with.
func Run(srcs []Source, targetPath string, target Entry, o Options) Outcome {
	if r := validate(srcs, targetPath, target, o); r != "" {
		return refuse(r, target)
	}
	listing, r := buildListing(srcs, target, o)
	if r != "" {
		return refuse(r, target)
	}
	out := Outcome{Target: cloneEntry(target)}
	forceOverwrite := target.Exists && !target.Dir && len(srcs) == 1 && !srcs[0].Dir
	work := cloneEntry(target)
	for _, e := range listing {
		if e.node.Dir {
			existed := isDir(target, e.rel)
			switch {
			case !mkdir(&work, e.rel):
				out.DirsFailed++
			case existed:
				out.DirsLoggedSkipped++
			default:
				out.DirsLoggedCopied++
			}
			continue
		}
		size := int64(len(e.node.Data))
		act := decide(&work, e.rel, e.node, o, forceOverwrite)
		switch act {
		case actAppend:
			out.Appended++
			fallthrough
		case actCopy:
			out.Copied++
			out.BytesCopied += size
			put(&work, e.rel, e.node.Data)
		case actSkip:
			out.Skipped++
			out.BytesSkipped += size
		case actFail:
			out.Failed++
			out.BytesFailed += size
		}
	}
	out.DirsCreated = newDirs(target, work)
	ok := out.Failed+out.DirsFailed == 0 || o.IgnoreFailures
	if ok {
		commitMissing(&out, &work, targetPath, listing, o)
	}
	if !ok {
		out.Exit = ExitFailed
	}
	switch {
	case o.DryRun:
		// A dry run writes nothing; its counters say what a run would do.
	case o.Atomic && !ok:
		// The work tree is never renamed into place.
	default:
		out.Target = work
	}
	return out
}

// commitMissing is CopyCommitter's step for what the sources lack:
// -delete removes it; -xtrack lists it (trackMissing). jetcp: with
// -delete too, -xtrack lists what was removed (DistCp writes no list
// then).
func commitMissing(out *Outcome, work *Entry, targetPath string, listing []listed, o Options) {
	if !o.Delete && !o.XTrack {
		return
	}
	scratch := cloneEntry(*work)
	deleted, missing := deleteMissing(&scratch, targetPath, listing, o)
	if o.Delete {
		*work, out.Deleted = scratch, deleted
	}
	if o.XTrack {
		out.Tracked, out.Missing = true, missing
	}
}

func refuse(r string, target Entry) Outcome {
	return Outcome{Exit: ExitUsage, Refusal: r, Target: cloneEntry(target)}
}

// validate refuses what DistCp's OptionsValidator refuses, plus jetcp's
// checks of the target made before anything is written.
func validate(srcs []Source, targetPath string, target Entry, o Options) string {
	if r := validateOptions(o); r != "" {
		return r
	}
	for _, s := range srcs {
		if targetPath == s.Path || strings.HasPrefix(targetPath, s.Path+"/") {
			return RefuseInsideSource
		}
	}
	// jetcp: -atomic needs a missing target (DistCp fails at commit).
	if o.Atomic && target.Exists {
		return RefuseAtomicExists
	}
	if target.Exists && !target.Dir {
		if anyDir(srcs) {
			return RefuseDirIntoFile
		}
		if len(srcs) > 1 {
			return RefuseManyIntoFile
		}
	}
	return ""
}

// validateOptions refuses the combinations of options DistCp refuses
// (DistCpOptions.Builder.validate).
func validateOptions(o Options) string {
	switch {
	case o.Update && o.Overwrite:
		return RefuseUpdateOverwrite
	case o.Delete && !o.Update && !o.Overwrite:
		return RefuseDeleteAlone
	case o.Atomic && (o.Update || o.Delete):
		return RefuseAtomicUpdate
	case o.Append && !o.Update:
		return RefuseAppendAlone
	case o.Append && o.SkipCRC:
		return RefuseAppendSkipCRC
	case o.XTrack && !o.Update:
		// DistCp's documentation (its code does not check).
		return RefuseXTrackAlone
	}
	return ""
}

// buildListing lists every source where it lands (SimpleCopyListing), drops
// what -filters exclude (each path tested on its own: an excluded
// directory's children are still listed), and refuses a listing with the
// same relative path twice (CopyListing.validateFinalListing).
func buildListing(srcs []Source, target Entry, o Options) ([]listed, string) {
	flt := compile(o.Filters)
	merge := o.Update || o.Overwrite
	multi := len(srcs) > 1
	tdir := target.Exists && target.Dir
	var out []listed
	for i, s := range srcs {
		// Where the source root lands, relative to the target.
		base := path.Base(s.Path)
		rootRel := base
		if s.Dir && merge || !multi && !tdir {
			rootRel = ""
		}
		// The root: a file always; a directory unless its contents merge
		// into the target (-update/-overwrite skip the root, DistCp's
		// writeToFileListingRoot).
		if !flt.excludes(s.Path) {
			root := listed{rel: rootRel, src: i, node: Node{Dir: s.Dir, Data: s.Data}}
			// jetcp: a merged root is not listed but still makes the
			// target directory (when the filters let it).
			root.implicit = s.Dir && merge && rootRel == ""
			out = append(out, root)
		}
		if !s.Dir {
			continue
		}
		for _, rel := range sortedKeys(s.Tree) {
			if flt.excludes(s.Path + "/" + rel) {
				continue
			}
			out = append(out, listed{rel: joinRel(rootRel, rel), src: i, node: s.Tree[rel]})
		}
	}
	seen := map[string]bool{}
	for _, e := range out {
		if e.implicit {
			continue
		}
		if seen[e.rel] {
			return nil, RefuseDuplicate
		}
		seen[e.rel] = true
	}
	// Parents before children, as a listing is walked.
	sort.SliceStable(out, func(a, b int) bool { return depth(out[a].rel) < depth(out[b].rel) })
	return out, ""
}

type action int

const (
	actCopy action = iota
	actSkip
	actFail
	actAppend // a copy of the tail alone (-append)
)

// decide is CopyMapper's per-file rule for the file listed at rel.
func decide(work *Entry, rel string, src Node, o Options, forceOverwrite bool) action {
	t, ok := lookup(work, rel)
	switch {
	case !ok && parentBlocked(work, rel):
		return actFail // a parent is a file: the copy cannot be made
	case !ok:
		return actCopy
	case t.Dir:
		return actFail // "can't replace" a directory with a file
	case forceOverwrite && !o.Update:
		// CopyMapper.setup: the job's target is an existing file, so it is
		// overwritten. jetcp: with -update a same file is still skipped.
		return actCopy
	case o.Overwrite:
		return actCopy
	case !o.Update:
		return actSkip
	case o.Append && !o.BlocksPerChunk && len(t.Data) < len(src.Data) && strings.HasPrefix(src.Data, t.Data):
		// CopyMapper.checkUpdate: the checksum of the source's first
		// target-length bytes equals the target's (-blocksperchunk turns
		// -append off: DistCpOptions.Builder.setOptionsForSplitLargeFile).
		// jetcp: compared by CRC32C on any file systems (DistCp needs HDFS
		// on both sides); the report counts the whole file's bytes copied.
		return actAppend
	case len(t.Data) != len(src.Data):
		return actCopy
	case o.SkipCRC:
		return actSkip
	case t.Data == src.Data:
		// jetcp: CRC32C is comparable between every pair of its file
		// systems, so DistCp's mtime fallback never applies.
		return actSkip
	default:
		return actCopy
	}
}

// deleteMissing removes target entries the listing does not hold
// (CopyCommitter.deleteMissing: a target listing built with the same
// filters, so excluded target paths are kept, but an excluded directory's
// children are still looked at), never inside a directory already removed.
// It returns the files removed, and every entry removed (sorted, a
// directory with a trailing "/").
func deleteMissing(work *Entry, targetPath string, listing []listed, o Options) (int64, []string) {
	if !work.Exists || !work.Dir {
		return 0, nil // jetcp: never a single-file target (MAPREDUCE-7287)
	}
	flt := compile(o.Filters)
	// jetcp: the parents of listed entries are kept too (DistCp would
	// delete an unlisted parent, excluded at the source but not at the
	// target, with the files just copied into it).
	keep := map[string]bool{}
	for _, e := range listing {
		for p := e.rel; p != "." && p != ""; p = path.Dir(p) {
			keep[p] = true
		}
	}
	var n int64
	var removed []string
	for _, rel := range sortedKeys(work.Tree) {
		if _, still := work.Tree[rel]; !still {
			continue // inside a directory removed already
		}
		if keep[rel] || flt.excludes(targetPath+"/"+rel) {
			continue
		}
		n += removeAll(work, rel, &removed)
	}
	sort.Strings(removed)
	return n, removed
}

func removeAll(work *Entry, rel string, removed *[]string) int64 {
	var n int64
	for k, v := range work.Tree {
		if k == rel || strings.HasPrefix(k, rel+"/") {
			if v.Dir {
				*removed = append(*removed, k+"/")
			} else {
				*removed = append(*removed, k)
				n++
			}
			delete(work.Tree, k)
		}
	}
	return n
}

// The tree operations below work on the target as a whole: rel "" is the
// target path itself.

func lookup(e *Entry, rel string) (Node, bool) {
	if rel == "" {
		return Node{Dir: e.Dir, Data: e.Data}, e.Exists
	}
	if !e.Exists || !e.Dir {
		return Node{}, false
	}
	n, ok := e.Tree[rel]
	return n, ok
}

// parentBlocked reports whether some parent of rel is a file (or the
// target itself is), so nothing can be created at rel.
func parentBlocked(e *Entry, rel string) bool {
	if rel == "" {
		return false
	}
	if e.Exists && !e.Dir {
		return true
	}
	for p := path.Dir(rel); p != "."; p = path.Dir(p) {
		if n, ok := e.Tree[p]; ok && !n.Dir {
			return true
		}
	}
	return false
}

// isDir says rel is a directory in e.
func isDir(e Entry, rel string) bool {
	n, ok := lookup(&e, rel)
	return ok && n.Dir
}

// mkdir makes rel a directory, with its parents; false when a file is in
// the way.
func mkdir(e *Entry, rel string) bool {
	if rel == "" {
		if e.Exists {
			return e.Dir
		}
		*e = Entry{Exists: true, Dir: true, Tree: Tree{}}
		return true
	}
	if parentBlocked(e, rel) {
		return false
	}
	if !e.Exists {
		*e = Entry{Exists: true, Dir: true, Tree: Tree{}}
	}
	if n, ok := e.Tree[rel]; ok {
		return n.Dir
	}
	for p := rel; p != "."; p = path.Dir(p) {
		if _, ok := e.Tree[p]; !ok {
			e.Tree[p] = Node{Dir: true}
		}
	}
	return true
}

// put writes a file at rel, making its parents (decide has checked that
// nothing is in the way).
func put(e *Entry, rel, data string) {
	if rel == "" {
		*e = Entry{Exists: true, Data: data}
		return
	}
	if d := path.Dir(rel); d != "." {
		mkdir(e, d)
	} else if !e.Exists {
		*e = Entry{Exists: true, Dir: true, Tree: Tree{}}
	}
	e.Tree[rel] = Node{Data: data}
}

func cloneEntry(e Entry) Entry {
	if e.Tree != nil {
		e.Tree = e.Tree.Clone()
	}
	return e
}

func anyDir(srcs []Source) bool {
	for _, s := range srcs {
		if s.Dir {
			return true
		}
	}
	return false
}

func joinRel(a, b string) string {
	if a == "" {
		return b
	}
	return a + "/" + b
}

func depth(rel string) int {
	if rel == "" {
		return 0
	}
	return strings.Count(rel, "/") + 1
}

func sortedKeys(t Tree) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// filters are -filters expressions, each matched against a whole path
// (RegexCopyFilter: Pattern.matcher(path).matches()).
type filters []*regexp.Regexp

func compile(exprs []string) filters {
	var f filters
	for _, e := range exprs {
		f = append(f, regexp.MustCompile(`^(?:`+e+`)$`))
	}
	return f
}

func (f filters) excludes(p string) bool {
	for _, re := range f {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// newDirs counts the directories in after that were not in before.
func newDirs(before, after Entry) int64 {
	if !after.Exists || !after.Dir {
		return 0
	}
	var n int64
	if !before.Exists {
		n++
	}
	for k, v := range after.Tree {
		if !v.Dir {
			continue
		}
		if b, ok := lookup(&before, k); !ok || !b.Dir {
			n++
		}
	}
	return n
}
