package distcp

import (
	iofs "io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// TempPrefix starts every temp file name; the committer sweeps leftovers of
// a job by it (TempPrefix + job + ".").
const TempPrefix = ".jetcp.tmp."

// TempPrefixFor starts the names of one job's temp files.
func TempPrefixFor(job string) string { return TempPrefix + job + "." }

// TempJob is the job whose temp file or assembly name is, if it is one:
// job ids hold no dot, so the id runs to the first dot after TempPrefix.
func TempJob(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, TempPrefix)
	if !ok {
		return "", false
	}
	job, _, ok := strings.Cut(rest, ".")
	return job, ok && messages.ValidJobID(job)
}

// TempName is the temp file for one attempt at one item (id: its index,
// or a bundle's index and the file's position) by one copier process
// (token), next to its target.
func TempName(job, id string, attempt int, token string) string {
	return TempPrefixFor(job) + id + "." + strconv.Itoa(attempt) + "." + token
}

// AssemblyPath is where a chunked file's parts are written: the target
// itself where files appear only complete (object stores) or with -direct,
// else a temp file next to it that is renamed into place once whole.
// The lister starts the upload there, copiers write the parts and the
// committer completes it, so all three must name it alike.
func AssemblyPath(fsys fs.FS, job *messages.Job, file int64, dst string) string {
	if InPlace(fsys, job.Options) {
		return dst
	}
	return path.Join(path.Dir(dst), TempName(job.ID, strconv.FormatInt(file, 10), 0, "chunks"))
}

// InPlace tells whether files are written at their final path: with
// -direct, and where a file appears only complete (object stores), so a
// temp file plus rename would only double the cost.
func InPlace(fsys fs.FS, o messages.Options) bool {
	return o.Direct || fs.AtomicCreate(fsys)
}

// CreateOptionsFor is how a file with source attributes a is created on
// fsys under the job's options: its permission, the attributes a backend
// stores at creation, and HDFS block size and replication (-pb, -pr).
func CreateOptionsFor(fsys fs.FS, o messages.Options, a messages.Attrs) fs.CreateOptions {
	perm := iofs.FileMode(a.Mode).Perm()
	if perm == 0 || !o.Preserve.Permission {
		perm = 0o644
	}
	co := fs.CreateOptions{
		Perm:        perm,
		BlockSize:   pick(o.Preserve.BlockSize, a.BlockSize),
		Replication: int16(pick(o.Preserve.Replication, int64(a.Replication))),
	}
	if fs.StoresAttrsAtCreate(fsys) {
		co.Attrs = AttrsFor(o.Preserve, a)
	}
	return co
}

func pick(on bool, v int64) int64 {
	if on {
		return v
	}
	return 0
}

// AttrsFor selects the attributes the -p letters ask for: copiers set them
// on files, the committer on directories.
func AttrsFor(pr messages.Preserve, src messages.Attrs) fs.Attrs {
	var a fs.Attrs
	if pr.Permission {
		m := iofs.FileMode(src.Mode) & fs.ModeAttrBits
		a.Mode = &m
	}
	if pr.User {
		a.Owner = src.Owner
	}
	if pr.Group {
		a.Group = src.Group
	}
	if pr.Times {
		a.ModTime, a.AccessTime = src.ModTime, src.AccessTime
	}
	if pr.Replication {
		a.Replication = src.Replication
	}
	return a
}

// KeepsRootAttrs tells whether the target root keeps its own attributes
// rather than the source root's: under -update or -overwrite, unless
// -updateRoot (DistCp's SimpleCopyListing leaves the root out of the
// listing then, and CopyCommitter skips it when preserving directories).
func KeepsRootAttrs(o messages.Options) bool { return (o.Update || o.Overwrite) && !o.UpdateRoot }

// XTrackFile is the file -xtrack writes in its directory: the target's
// entries missing at the sources, one URI a line (a directory's ending in
// "/", followed by what it holds), in the order the walk met them.
const XTrackFile = "target_missing.txt"
