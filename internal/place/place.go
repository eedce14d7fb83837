// Package place puts a written file into place at its target: it checks
// that an item stays inside its job, verifies what was written, sets the
// preserved attributes and the recorded origin, and renames the file to
// its final path.
//
// Copiers do this for the files they write whole; the committer does it
// for a chunked file once it has assembled the chunks (in DistCp the
// CopyCommitter concatenates them, so assembling is the committer's). The
// steps are one and the same, so they live in this small package that
// both services import, rather than in either service: no service package
// imports another.
package place

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// permanentError marks failures a retry cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one a retry cannot fix (a path refused, a
// directory in the way, attributes the target cannot store), so that the
// copier fails the item at once.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent tells whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// File is one item's file between its source and its target.
type File struct {
	Job      *messages.Job
	Item     *messages.WorkItem
	Src, Dst fs.URI
	SrcFS    fs.FS
	DstFS    fs.FS
}

// Open checks an item's paths against its job's (a refusal is permanent)
// and opens its file systems. jp is ParsePaths(job), which a caller
// handling many items of one job parses once.
func Open(ctx context.Context, reg *fs.Registry, job *messages.Job, jp *Paths, item *messages.WorkItem) (*File, error) {
	src, dst, err := jp.check(item)
	if err != nil {
		return nil, Permanent(err)
	}
	srcFS, err := reg.FS(ctx, src)
	if err != nil {
		return nil, err
	}
	dstFS, err := reg.FS(ctx, dst)
	if err != nil {
		return nil, err
	}
	return &File{Job: job, Item: item, Src: src, Dst: dst, SrcFS: srcFS, DstFS: dstFS}, nil
}

// Paths are a job's write root and sources, parsed.
type Paths struct {
	writeRoot string
	root      fs.URI
	rootErr   error
	sources   []fs.URI // those that parse
}

// ParsePaths parses a job's write root and sources.
func ParsePaths(job *messages.Job) *Paths {
	jp := &Paths{writeRoot: job.WriteRoot}
	jp.root, jp.rootErr = fs.ParseURI(job.WriteRoot)
	for _, s := range job.Sources {
		if su, err := fs.ParseURI(s); err == nil {
			jp.sources = append(jp.sources, su)
		}
	}
	return jp
}

// check parses the item's URIs and refuses any that escape the job: a
// copier only ever writes under the job's write root and reads its sources.
func (jp *Paths) check(item *messages.WorkItem) (src, dst fs.URI, err error) {
	if src, err = fs.ParseURI(item.Src); err != nil {
		return src, dst, err
	}
	if dst, err = fs.ParseURI(item.Dst); err != nil {
		return src, dst, err
	}
	if jp.rootErr != nil {
		return src, dst, fmt.Errorf("job write root: %w", jp.rootErr)
	}
	if !jp.root.Contains(dst) || item.Dst != dst.String() {
		return src, dst, fmt.Errorf("target %s is outside the job's target %s: refused", item.Dst, jp.writeRoot)
	}
	inSource := false
	for _, su := range jp.sources {
		if su.Contains(src) {
			inSource = true
			break
		}
	}
	if !inSource || item.Src != src.String() {
		return src, dst, fmt.Errorf("source %s is not under the job's sources: refused", item.Src)
	}
	return src, dst, nil
}
