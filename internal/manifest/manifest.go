// Package manifest is the job manifest (docs/job-manifest.md): the record
// of what a job left at its target, one JSON line per file, compressed
// with zstd. The committer writes it next to the target (Spool); a later
// -update loads the newest one (Load) and settles files from the two
// listings alone (Index.Origin): a target whose listed version (COS's
// ETag) or size and mtime still equal what the manifest recorded holds
// what jetcp wrote there, so the file's recorded origin applies without a
// request per file. Users read it with `zstdcat FILE | jq`.
package manifest

import (
	"strings"

	"github.com/jetcp/jetcp/fs"
)

// DirName is the directory below a target root that holds its manifests.
// Listings of the target for -delete and verify pass over it, as over
// jetcp's temp files.
const DirName = ".jetcp"

// Line is one file's record. Src and Dst are URIs; Size and the Src*
// fields are the source as copied (times in Unix nanoseconds, 0 when not
// known), Dst* the target as the job left it. Result is copied or
// skipped: only files whose target was known to hold the source's bytes
// get a line.
type Line struct {
	Src        string `json:"src"`
	Dst        string `json:"dst"`
	Size       int64  `json:"size"`
	SrcMTime   int64  `json:"src_mtime,omitempty"`
	SrcCTime   int64  `json:"src_ctime,omitempty"`
	SrcVersion string `json:"src_version,omitempty"`
	Checksum   string `json:"checksum,omitempty"`
	DstSize    int64  `json:"dst_size"`
	DstMTime   int64  `json:"dst_mtime,omitempty"`
	DstCTime   int64  `json:"dst_ctime,omitempty"`
	DstVersion string `json:"dst_version,omitempty"`
	Result     string `json:"result"`
}

// trailer closes a complete manifest: a job that died while writing one
// leaves none (the file appears only whole), and a truncated file lacks
// it, so a reader never trusts part of a manifest as the whole.
type trailer struct {
	End   bool   `json:"end"`
	Job   string `json:"job"`
	Files int64  `json:"files"`
}

const (
	filePrefix = "manifest-"
	fileSuffix = ".jsonl.zst"
)

// FileName is the name of job's manifest in the manifest directory. Job
// ids start with their creation time, so names sort oldest first.
func FileName(job string) string { return filePrefix + job + fileSuffix }

// isManifest reports whether name is a manifest's FileName.
func isManifest(name string) bool {
	return strings.HasPrefix(name, filePrefix) && strings.HasSuffix(name, fileSuffix)
}

// Dir is the manifest directory of a target root.
func Dir(root fs.URI) fs.URI { return root.Join("/" + DirName) }
