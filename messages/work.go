package messages

import "time"

// Kinds of work item.
const (
	KindFile = "file"
	KindDir  = "dir"
)

// WorkItem asks a copier to bring one source entry to its target. It carries
// the source attributes seen when listing, so a copier needs no extra lookups
// and can tell when a source changed since.
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
}

// Attrs are a source entry's attributes as listed.
type Attrs struct {
	Size        int64     `json:"size"`
	Mode        uint32    `json:"mode"` // permission bits
	ModTime     time.Time `json:"mtime"`
	AccessTime  time.Time `json:"atime,omitzero"`
	Owner       string    `json:"owner,omitempty"`
	Group       string    `json:"group,omitempty"`
	BlockSize   int64     `json:"block_size,omitempty"`
	Replication int16     `json:"replication,omitempty"`
}
