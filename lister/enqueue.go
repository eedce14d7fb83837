package lister

import (
	"context"
	"errors"
	"path"
	"time"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// enqueuer turns listed entries into work items with dense indexes: small
// files go many to a bundle, large files are split into chunks, the rest
// go one to an item.
type enqueuer struct {
	job    *messages.Job
	pub    WorkQueue
	listed *messages.Listed
	onItem func(items, files, bytes int64)

	bundle        []messages.BundledFile
	bundleBytes   int64
	bundleStatted bool
	bundles       int // bundles published, for the ramp-up

	// root is the root being listed.
	root Root
	// flt is the job's -filters, compiled when first needed.
	flt *filter.Filter
	// The last parentInJob answer, for the parent and root it was for.
	lastParent string
	lastRoot   fs.URI
	lastInJob  bool

	// events publishes the lister's results for skipped entries.
	events Publisher
	// skips are skipped entries' results waiting to be published together.
	skips     []messages.Result
	skipFiles int64
	skipBytes int64
	// manifest is the target's last job manifest, for -update.
	manifest *manifest.Index
	// track checkpoints the listing (nil: none); covered are the sources
	// a resumed listing found enqueued already (resumejob.go).
	track   *tracker
	covered map[string]bool
}

// maxSkips bounds the skipped entries one result event carries.
const maxSkips = 512

// publish enqueues item at the next index.
func (e *enqueuer) publish(ctx context.Context, item *messages.WorkItem, files, bytes int64) error {
	item.Job, item.Index = e.job.ID, e.listed.Items
	if err := e.pub.Add(ctx, item); err != nil {
		return err
	}
	e.count(1, files, bytes)
	return nil
}

func (e *enqueuer) count(items, files, bytes int64) {
	e.listed.Items += items
	e.listed.Files += files
	e.listed.Bytes += bytes
	if e.onItem != nil && items+files > 0 {
		e.onItem(items, files, bytes)
	}
}

// dir enqueues a directory; missing: the lister saw its target missing;
// underMissing: so it saw its parent's (see parentInJob).
func (e *enqueuer) dir(ctx context.Context, src, dst fs.URI, fi fs.FileInfo, root, statted, missing, underMissing bool) error {
	e.listed.Dirs++
	return e.publish(ctx, &messages.WorkItem{Kind: messages.KindDir, Src: src.String(), Dst: dst.String(),
		Root: root, Attr: attrsOf(fi), Statted: statted, TargetMissing: missing,
		ParentInJob: e.parentInJob(src, underMissing)}, 0, 0)
}

// parentInJob tells whether src's parent directory is an item of this
// job whose target was missing when listed (messages.WorkItem.ParentInJob),
// and so is every directory above it up to the job's write root: then a
// copier may write below them before their own items make them, and every
// directory this job counts as made still gets the item that counts it.
// That holds when the parent's target was missing (underMissing), the
// root's target is the write root itself (several sources land below it,
// and it is no item), and no directory from the root down to the parent
// was left out by -filters (which test every path on its own: a directory
// left out gets no item while its files are copied).
func (e *enqueuer) parentInJob(src fs.URI, underMissing bool) bool {
	if !underMissing || e.job.Options.DryRun || e.root.Dst.String() != e.job.WriteRoot {
		return false
	}
	parent := path.Dir(src.Path)
	if parent == e.lastParent && e.root.Src == e.lastRoot {
		return e.lastInJob
	}
	if e.flt == nil {
		flt, err := filter.Compile(e.job.Options.Filters)
		if err != nil {
			return false // MakePlan compiled them; nothing is promised here
		}
		e.flt = flt
	}
	in := false
	for d := parent; ; d = path.Dir(d) {
		u := src
		u.Path = d
		if e.flt.Excludes(u) {
			break
		}
		if d == e.root.Src.Path {
			in = true
			break
		}
		if d == "/" || d == "." {
			break
		}
	}
	e.lastParent, e.lastRoot, e.lastInJob = parent, e.root.Src, in
	return in
}

// file enqueues one file: chunked, bundled or alone; underMissing: the
// lister saw its parent's target missing (see parentInJob).
func (e *enqueuer) file(ctx context.Context, src, dst fs.URI, fi fs.FileInfo, statted, underMissing bool, dstFS fs.FS) error {
	o := e.job.Options
	if chunk := chunkSize(o, fi); chunk > 0 && fi.Size > chunk && !o.DryRun {
		if fs.CanWriteParts(dstFS) && mustCopy(ctx, o, dstFS, dst.Path, attrsOf(fi)) {
			return e.chunked(ctx, src, dst, fi, statted, dstFS, chunk)
		}
	}
	if o.BundleFiles > 1 && fi.Size < o.BundleBytes/8 {
		if len(e.bundle) > 0 && e.bundleStatted != statted {
			if err := e.flush(ctx); err != nil {
				return err
			}
		}
		e.bundle = append(e.bundle, messages.BundledFile{Src: src.String(), Dst: dst.String(), Attr: attrsOf(fi),
			ParentInJob: e.parentInJob(src, underMissing)})
		e.bundleBytes += fi.Size
		e.bundleStatted = statted
		// The first bundles are small, so that a small job still spreads
		// over every copier.
		limit := min(o.BundleFiles, 1<<min(e.bundles/8, 20))
		if len(e.bundle) >= limit || e.bundleBytes >= o.BundleBytes {
			return e.flush(ctx)
		}
		return nil
	}
	return e.publish(ctx, &messages.WorkItem{Kind: messages.KindFile, Src: src.String(), Dst: dst.String(),
		Attr: attrsOf(fi), Statted: statted, ParentInJob: e.parentInJob(src, underMissing)}, 1, fi.Size)
}

// skipped records an entry the listing found already in place (see
// quickCheck): its result goes with others in one result event at the
// next index, as a copier's bundle result would, and no work item is made.
func (e *enqueuer) skipped(ctx context.Context, src, dst fs.URI, fi fs.FileInfo, v verdict) error {
	// Each entry names its paths, status and reason; the bundle's result
	// names the lister as their producer, once.
	r := messages.Result{Kind: messages.KindFile, Size: fi.Size}
	if fi.IsDir() {
		e.listed.Dirs++
		a := attrsOf(fi)
		r = messages.Result{Attr: &a} // not the root: its attributes apply
		r.Kind = messages.KindDir
	} else {
		e.skipFiles++
		e.skipBytes += fi.Size
	}
	r.Src, r.Dst, r.Attempt, r.Status, r.Reason, r.Record = src.String(), dst.String(), 1, messages.StatusSkipped, v.reason, v.record
	e.skips = append(e.skips, r)
	if len(e.skips) >= maxSkips {
		return e.flushSkips(ctx)
	}
	return nil
}

func (e *enqueuer) flushSkips(ctx context.Context) error {
	if len(e.skips) == 0 {
		return nil
	}
	idx := e.listed.Items
	for i := range e.skips {
		e.skips[i].Index = idx
	}
	ev := &messages.Event{Type: messages.EventResult, Job: e.job.ID, Time: time.Now().UTC(), Result: &messages.Result{
		Index: idx, Kind: messages.KindBundle, Status: messages.StatusSkipped, Attempt: 1, Copier: "lister", Files: e.skips}}
	if err := e.events.PublishEvent(ctx, ev, messages.ResultMsgID(e.job.ID, idx)); err != nil {
		return err
	}
	e.count(1, e.skipFiles, e.skipBytes)
	e.skips, e.skipFiles, e.skipBytes = nil, 0, 0
	return nil
}

// flush enqueues the open bundle, if any, and publishes the skipped
// entries' results.
func (e *enqueuer) flush(ctx context.Context) error {
	if err := e.flushSkips(ctx); err != nil {
		return err
	}
	if len(e.bundle) == 0 {
		return nil
	}
	item := &messages.WorkItem{Kind: messages.KindBundle, Files: e.bundle, Statted: e.bundleStatted}
	if len(e.bundle) == 1 { // a bundle of one is a file
		f := e.bundle[0]
		item = &messages.WorkItem{Kind: messages.KindFile, Src: f.Src, Dst: f.Dst, Attr: f.Attr, Statted: e.bundleStatted,
			ParentInJob: f.ParentInJob}
	}
	if err := e.publish(ctx, item, int64(len(e.bundle)), e.bundleBytes); err != nil {
		return err
	}
	e.bundle, e.bundleBytes = nil, 0
	e.bundles++
	return nil
}

// chunked enqueues a large file as chunks of one assembly, followed by a
// reserved index for the whole file's result, which the committer
// publishes once it has assembled the chunks.
func (e *enqueuer) chunked(ctx context.Context, src, dst fs.URI, fi fs.FileInfo, statted bool, dstFS fs.FS, chunk int64) error {
	count := (fi.Size + chunk - 1) / chunk
	if count > maxChunks {
		chunk = (fi.Size + maxChunks - 1) / maxChunks
		count = (fi.Size + chunk - 1) / chunk
	}
	fileIndex := e.listed.Items + count
	attr := attrsOf(fi)
	upload, err := fs.StartParts(ctx, dstFS, distcp.AssemblyPath(dstFS, e.job, fileIndex, dst.Path), distcp.CreateOptionsFor(dstFS, e.job.Options, attr))
	if err != nil {
		// The copier meets the same error and reports it for this file.
		return e.publish(ctx, &messages.WorkItem{Kind: messages.KindFile, Src: src.String(), Dst: dst.String(),
			Attr: attr, Statted: statted}, 1, fi.Size)
	}
	for seq := range count {
		off := seq * chunk
		item := &messages.WorkItem{Kind: messages.KindChunk, Src: src.String(), Dst: dst.String(), Attr: attr, Statted: statted,
			Chunk: &messages.Chunk{File: fileIndex, Seq: int(seq), Count: int(count), Offset: off,
				Length: min(chunk, fi.Size-off), Upload: upload}}
		files, bytes := int64(0), int64(0)
		if seq == 0 {
			files, bytes = 1, fi.Size
		}
		if err := e.publish(ctx, item, files, bytes); err != nil {
			return err
		}
	}
	e.count(1, 0, 0) // the file's own result, which no work item carries
	return nil
}

// maxChunks keeps a file within an object store's part limit.
const maxChunks = 10000

// chunkSize is the chunk size for a file, 0 for none.
func chunkSize(o messages.Options, fi fs.FileInfo) int64 {
	if o.BlocksPerChunk > 0 {
		bs := fi.BlockSize
		if bs <= 0 {
			bs = messages.DefaultBlockSize
		}
		return int64(o.BlocksPerChunk) * bs
	}
	return o.ChunkSize
}

// mustCopy tells whether a file will be copied whatever a copier finds
// (metadata alone says so: distcp.Decide): only then is it split,
// since deciding to skip it may need its checksum.
func mustCopy(ctx context.Context, o messages.Options, dstFS fs.FS, dst string, a messages.Attrs) bool {
	fi, err := dstFS.Stat(ctx, dst)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) || exists && fi.IsDir() {
		return false // the copier reports it
	}
	in := distcp.Input{Options: o, Src: a}
	if exists {
		in.Target = &fi
	}
	return distcp.Decide(in).Action == distcp.Copy
}
