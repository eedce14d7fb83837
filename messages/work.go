package messages

import "time"

// Kinds of work item.
const (
	KindFile = "file"
	KindDir  = "dir"
	// KindBundle carries many small files in one item, so that the queue,
	// acks and results cost per bundle, not per file. Each file still gets
	// its own result, inside the bundle's.
	KindBundle = "bundle"
	// KindChunk is one byte range of a large file; the file's chunks are
	// copied in parallel and the committer assembles them.
	KindChunk = "chunk"
)

// WorkItem asks a copier to bring one source entry to its target. It carries
// the source attributes seen when listing, so a copier needs no extra lookups
// and can tell when a source changed since. On the wire it is in the
// compact form (compact_work.go): a new field needs its place there, and
// TestCompactWorkItemEveryField fails until it has one.
type WorkItem struct {
	V     int    `json:"v"`
	Job   string `json:"job"`
	Index int64  `json:"index"` // dense: 0..N-1 within the job
	Kind  string `json:"kind"`
	Src   string `json:"src"` // URI
	Dst   string `json:"dst"` // URI under the job's WriteRoot
	// Root marks the directory the job's target root maps to.
	Root bool  `json:"root,omitempty"`
	Attr Attrs `json:"attr"`
	// Statted says Attr is what Stat reports, not a listing that lacks
	// attributes (object stores): only then can a copier compare its own
	// Stat's mtime with it to tell that the source changed.
	Statted bool `json:"statted,omitempty"`
	// TargetMissing says the lister saw a directory's target missing, so
	// a copier that finds it made counts it as made by this job (by a
	// file's copy first, or a delivery whose result was lost). False is
	// also "not looked at".
	TargetMissing bool `json:"target_missing,omitempty"`
	// ParentInJob says the entry's parent directory is a directory item of
	// this job whose target the lister saw missing: so the entry's target
	// was missing too, and the parent's own item makes the parent. A
	// copier then neither looks at the target before writing it nor, where
	// files need no parent directory (object stores), makes the parent.
	// False is also "not known" (an older lister).
	ParentInJob bool `json:"parent_in_job,omitempty"`
	// Files are a bundle's files (Kind bundle), which share Statted; Src,
	// Dst and Attr are then empty.
	Files []BundledFile `json:"files,omitempty"`
	// Chunk places a chunk item (Kind chunk) within its file.
	Chunk *Chunk `json:"chunk,omitempty"`
}

// BundledFile is one file of a bundle.
type BundledFile struct {
	Src  string `json:"src"`
	Dst  string `json:"dst"`
	Attr Attrs  `json:"attr"`
	// ParentInJob is WorkItem.ParentInJob for this file.
	ParentInJob bool `json:"parent_in_job,omitempty"`
}

// Chunk is one byte range of a file split across copiers. Src, Dst and
// Attr of the item are the whole file's.
type Chunk struct {
	// File is the index of the file's own result, which the committer
	// publishes once every chunk is in (no work item carries it).
	File   int64 `json:"file"`
	Seq    int   `json:"seq"`   // 0-based position of this chunk
	Count  int   `json:"count"` // chunks of the file
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
	// Upload names the assembly every chunk writes into: the shared temp
	// file (local) or the multipart upload id (object stores).
	Upload string `json:"upload"`
}

// Attrs are a source entry's attributes as listed.
type Attrs struct {
	Size       int64     `json:"size"`
	Mode       uint32    `json:"mode"` // permission bits
	ModTime    time.Time `json:"mtime"`
	AccessTime time.Time `json:"atime,omitzero"`
	// ChangeTime is the source's inode change time (local sources only):
	// with size and mtime it tells -update the source is untouched since
	// the copy recorded it, without reading data.
	ChangeTime  time.Time `json:"ctime,omitzero"`
	Owner       string    `json:"owner,omitempty"`
	Group       string    `json:"group,omitempty"`
	BlockSize   int64     `json:"block_size,omitempty"`
	Replication int16     `json:"replication,omitempty"`
	// Version is the source's content version where its store has one
	// (COS's ETag: fs.FileInfo.Version), for the job manifest.
	Version string `json:"version,omitempty"`
}
