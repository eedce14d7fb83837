package copier

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"path"
	"strconv"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// TempPrefix starts every temp file name; the committer sweeps leftovers of
// a job by it (TempPrefix + job + ".").
const TempPrefix = ".jetcp.tmp."

// TempPrefixFor starts the names of one job's temp files.
func TempPrefixFor(job string) string { return TempPrefix + job + "." }

// TempName is the temp file for one attempt at one item (id: its index,
// or a bundle's index and the file's position) by one copier process
// (token), next to its target.
func TempName(job, id string, attempt int, token string) string {
	return TempPrefixFor(job) + id + "." + strconv.Itoa(attempt) + "." + token
}

func (t *task) file(ctx context.Context) (messages.Result, error) {
	var res messages.Result
	o := t.job.Options
	dfi, err := t.dstFS.Stat(ctx, t.dst.Path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	if exists && dfi.IsDir() {
		return res, permanent(fmt.Errorf("cannot replace directory %s with file %s: remove the directory or exclude the file", t.dst.Display(), t.src.Display()))
	}
	copyIt, reason, err := t.decide(ctx, exists, dfi)
	if err != nil {
		return res, err
	}
	res.Reason = reason
	if o.DryRun {
		if !exists {
			missing, err := missingParents(ctx, t.dstFS, t.dst.Path)
			if err != nil {
				return res, err
			}
			res.DirsCreated = missing
		}
		res.Status = messages.StatusSkipped
		if copyIt {
			res.Status, res.Reason = messages.StatusCopied, "dry run: would copy ("+reason+")"
		}
		return res, nil
	}
	if !copyIt {
		res.Status = messages.StatusSkipped
		if o.Preserve.Any() {
			if err := t.applyAttrs(ctx, t.dst.Path); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	sum, err := t.copy(ctx, &res)
	if err != nil {
		return res, err
	}
	res.Status, res.Checksum = messages.StatusCopied, sum.String()
	return res, nil
}

// decide applies DistCp's per-file rules (CopyMapper) to an existing or
// missing target.
func (t *task) decide(ctx context.Context, exists bool, dfi fs.FileInfo) (bool, string, error) {
	if ok, copyIt, reason := QuickDecide(ctx, t.dstFS, t.job.Options, t.item.Attr, t.item.Statted, exists, dfi); ok {
		return copyIt, reason, nil
	}
	same, err := t.sameChecksum(ctx)
	switch {
	case errors.Is(err, fs.ErrIncomparable):
		// Newer DistCp: without comparable checksums, skip unless the source is newer.
		if !t.item.Attr.ModTime.After(dfi.ModTime) {
			return false, "same size, checksums incomparable, target not older", nil
		}
		return true, "same size, checksums incomparable, source newer", nil
	case err != nil:
		return false, "", err
	case same:
		return false, "same size and checksum", nil
	default:
		return true, "checksum differs", nil
	}
}

// QuickDecide applies the part of decide that metadata settles: the
// target's existence, its size and block size, and its recorded origin,
// for a source file with attributes a (statted: as Stat reports them) and
// a target dfi (when exists). decided is false when only the checksums can
// tell. The lister calls it too, to skip unchanged files without sending
// them to a copier.
func QuickDecide(ctx context.Context, dstFS fs.FS, o messages.Options, a messages.Attrs, statted, exists bool, dfi fs.FileInfo) (decided, copyIt bool, reason string) {
	switch {
	case !exists:
		return true, true, "target missing"
	case o.Overwrite:
		return true, true, "overwrite"
	case !o.Update:
		return true, false, "target exists"
	case dfi.Size != a.Size:
		return true, true, "size differs"
	case o.Preserve.BlockSize && a.BlockSize > 0 && dfi.BlockSize > 0 && dfi.BlockSize != a.BlockSize:
		return true, true, "block size differs"
	case o.SkipCRC:
		return true, false, "same size (checksum not compared: -skipcrccheck)"
	case sameOrigin(ctx, dstFS, o, a, statted, dfi):
		return true, false, "unchanged since copied (recorded)"
	}
	return false, false, ""
}

// sameOrigin tells, without reading data, that the target was copied from
// the source as it is now: the target's recorded origin (valid while the
// target is unchanged) names the source's listed size, mtime and change
// time. A change time nobody can set back makes this as sure as reading
// the source (a rewrite under a restored mtime still moves it), so it
// needs no flag; --trust-mtime drops the change time from the rule
// (rsync's and rclone's), for sources without one. Otherwise the source's
// checksum is compared, which reads a source that keeps no checksum.
func sameOrigin(ctx context.Context, dstFS fs.FS, opts messages.Options, a messages.Attrs, statted bool, dfi fs.FileInfo) bool {
	or, ok := dstFS.(fs.OriginRecorder)
	if !ok || !statted || a.ModTime.IsZero() || a.ChangeTime.IsZero() && !opts.TrustMtime {
		return false
	}
	o, ok, err := or.Origin(ctx, dfi)
	if err != nil || !ok || o.SrcSize != a.Size || !o.SrcModTime.Equal(a.ModTime) {
		return false
	}
	return opts.TrustMtime || o.SrcChangeTime.Equal(a.ChangeTime)
}

func (t *task) sameChecksum(ctx context.Context) (bool, error) {
	sc, ok1 := t.srcFS.(fs.Checksummer)
	dc, ok2 := t.dstFS.(fs.Checksummer)
	if !ok1 || !ok2 {
		return false, fmt.Errorf("a side has no checksum: %w", fs.ErrIncomparable)
	}
	s, err := sc.Checksum(ctx, t.src.Path)
	if err != nil {
		return false, fmt.Errorf("checksum of source %s: %w", t.src.Display(), err)
	}
	d, err := dc.Checksum(ctx, t.dst.Path)
	if err != nil {
		return false, fmt.Errorf("checksum of target %s: %w", t.dst.Display(), err)
	}
	return s.Equal(d)
}

// copy writes the source into a temp file next to the target (or straight
// to the target with -direct), verifies it and renames it into place. Only a
// complete, verified file ever appears at the final path.
func (t *task) copy(ctx context.Context, res *messages.Result) (fs.Checksum, error) {
	o := t.job.Options
	if err := t.mkParent(ctx, res); err != nil {
		return fs.Checksum{}, err
	}
	tmp := t.dst.Path
	if !inPlace(t.dstFS, o) {
		tmp = path.Join(path.Dir(t.dst.Path), TempName(t.job.ID, t.tempID, t.attempt, t.c.token))
	}
	co := CreateOptionsFor(t.dstFS, o, t.item.Attr)
	co.Overwrite = true // -direct replaces; a temp name is ours alone
	w, err := t.dstFS.Create(ctx, tmp, co)
	if err != nil {
		return fs.Checksum{}, fmt.Errorf("create %s: %w", tmp, err)
	}
	closed := false
	defer func() {
		if p := recover(); p != nil {
			// A bug: take away what this copy wrote, then pass the panic on
			// (the worker's guard fails the item).
			if closed {
				_ = t.dstFS.Remove(context.WithoutCancel(ctx), tmp, false)
			} else {
				_ = w.Abort()
			}
			panic(p)
		}
	}()
	sum, err := t.stream(ctx, w)
	if err != nil {
		_ = w.Abort()
		return sum, err
	}
	verified, err := t.readBack(ctx, w, tmp, sum)
	if err != nil {
		_ = w.Abort()
		return sum, err
	}
	closed = true
	if err := w.Close(); err != nil {
		_ = t.dstFS.Remove(context.WithoutCancel(ctx), tmp, false)
		return sum, fmt.Errorf("close %s: %w", tmp, err)
	}
	if !verified {
		if verified, err = t.checkStored(ctx, w, tmp, sum); err != nil {
			_ = t.dstFS.Remove(context.WithoutCancel(ctx), tmp, false)
			return sum, err
		}
	}
	return sum, t.finish(ctx, tmp, sum, verified)
}

// checkStored verifies, after Close, a file whose store can confirm it
// without a read (fs.StoreChecker). It says whether it did; if not, finish
// verifies by path.
func (t *task) checkStored(ctx context.Context, w fs.Writer, p string, sum fs.Checksum) (bool, error) {
	sc, ok := w.(fs.StoreChecker)
	if !ok || t.job.Options.SkipCRC || sum.IsZero() {
		return false, nil
	}
	return t.checkVia(p, sum, func() (int64, fs.Checksum, error) { return sc.CheckStored(ctx) })
}

// readBack verifies, before Close, a file whose Writer can read it back
// (fs.ReadBacker): its length and checksum against the source's. It says
// whether it did; if not, finish verifies by path.
func (t *task) readBack(ctx context.Context, w fs.Writer, p string, sum fs.Checksum) (bool, error) {
	rb, ok := w.(fs.ReadBacker)
	if !ok || t.job.Options.SkipCRC || sum.IsZero() {
		return false, nil
	}
	bp := t.c.bufs.get(bufferSize(t.job.Options.CopyBufferSize, t.item.Attr.Size))
	defer t.c.bufs.put(bp)
	return t.checkVia(p, sum, func() (int64, fs.Checksum, error) { return rb.ReadBack(ctx, *bp) })
}

// checkVia verifies p by what a writer's own check reports; an
// ErrUnsupported answer leaves it to the check by path.
func (t *task) checkVia(p string, sum fs.Checksum, check func() (int64, fs.Checksum, error)) (bool, error) {
	size, got, err := check()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("verify %s: %w", p, err)
	}
	return true, t.checkWritten(p, size, got, sum)
}

// checkWritten compares what was written at p (size bytes, checksum got,
// zero when not known) with the source's length and the checksum of the
// bytes read from it.
func (t *task) checkWritten(p string, size int64, got, sum fs.Checksum) error {
	if size != t.item.Attr.Size {
		return fmt.Errorf("verify %s: wrote %d bytes, source has %d", p, size, t.item.Attr.Size)
	}
	if same, err := got.Equal(sum); err == nil && !same {
		return fmt.Errorf("verify %s: checksum %s, source bytes had %s", p, got, sum)
	}
	return nil
}

// finish takes a complete file written at tmp (the target itself when
// tmp is the target's path) into place: it checks length and checksum
// (unless verified already), sets the preserved attributes and the stored
// checksum, and renames it. A failure removes what was written.
func (t *task) finish(ctx context.Context, tmp string, sum fs.Checksum, verified bool) error {
	fail := func(err error) error {
		_ = t.dstFS.Remove(context.WithoutCancel(ctx), tmp, false)
		return err
	}
	if !verified {
		if err := t.verify(ctx, tmp, sum); err != nil {
			return fail(err)
		}
	}
	if t.job.Options.Preserve.Any() && !storesAttrs(t.dstFS) {
		if err := t.applyAttrs(ctx, tmp); err != nil {
			return fail(err)
		}
	}
	if or, ok := t.dstFS.(fs.OriginRecorder); ok && !sum.IsZero() {
		o := fs.Origin{Checksum: sum, SrcSize: t.item.Attr.Size}
		if t.item.Statted {
			o.SrcModTime, o.SrcChangeTime = t.item.Attr.ModTime, t.item.Attr.ChangeTime
		}
		if err := or.RecordOrigin(ctx, tmp, o); err != nil {
			return fail(fmt.Errorf("record checksum of %s: %w", tmp, err))
		}
	} else if cs, ok := t.dstFS.(fs.ChecksumStorer); ok && !sum.IsZero() {
		if err := cs.StoreChecksum(ctx, tmp, sum); err != nil {
			return fail(fmt.Errorf("store checksum of %s: %w", tmp, err))
		}
	}
	if tmp != t.dst.Path {
		if err := t.dstFS.Rename(ctx, tmp, t.dst.Path); err != nil {
			return fail(fmt.Errorf("rename %s into place: %w", tmp, err))
		}
	}
	return nil
}

// mkParent makes sure the target's directory exists.
func (t *task) mkParent(ctx context.Context, res *messages.Result) error {
	dir := path.Dir(t.dst.Path)
	if t.dirs[dir] {
		return nil
	}
	n, err := fs.MkdirAllLevels(ctx, t.dstFS, dir, 0o755)
	res.DirsCreated = n
	if err != nil {
		return err
	}
	if t.dirs != nil {
		t.dirs[dir] = true
	}
	return nil
}

// inPlace tells whether files are written at their final path: with
// -direct, and where a file appears only complete (object stores), so a
// temp file plus rename would only double the cost.
func inPlace(fsys fs.FS, o messages.Options) bool {
	ac, ok := fsys.(fs.AtomicCreator)
	return o.Direct || ok && ac.AtomicCreate()
}

func storesAttrs(fsys fs.FS) bool {
	sa, ok := fsys.(fs.AttrsAtCreate)
	return ok && sa.StoresAttrsAtCreate()
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
	if storesAttrs(fsys) {
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

// verify checks the written length and, unless -skipcrccheck or the file is
// empty, that the target's checksum equals that of the bytes read.
func (t *task) verify(ctx context.Context, p string, sum fs.Checksum) error {
	fi, err := t.dstFS.Stat(ctx, p)
	if err != nil {
		return fmt.Errorf("verify %s: %w", p, err)
	}
	if err := t.checkWritten(p, fi.Size, fs.Checksum{}, sum); err != nil {
		return err // the length first: no need to read a short file
	}
	dc, ok := t.dstFS.(fs.Checksummer)
	if !ok || t.job.Options.SkipCRC || fi.Size == 0 {
		return nil // length is all such a target can tell
	}
	got, err := dc.Checksum(ctx, p)
	if err != nil {
		return fmt.Errorf("verify %s: %w", p, err)
	}
	return t.checkWritten(p, fi.Size, got, sum)
}

// applyAttrs sets the preserved attributes (-p letters) on p.
func (t *task) applyAttrs(ctx context.Context, p string) error {
	pr := t.job.Options.Preserve
	setter, ok := t.dstFS.(fs.AttrSetter)
	if !ok {
		if pr.User || pr.Group || pr.Permission || pr.Times {
			return permanent(fmt.Errorf("%s cannot store owners, permissions or times: drop -p", t.dst.Scheme))
		}
		return nil
	}
	a := AttrsFor(pr, t.item.Attr)
	if a == (fs.Attrs{}) {
		return nil
	}
	if err := setter.SetAttrs(ctx, p, a); err != nil {
		return fmt.Errorf("preserve attributes on %s: %w", p, err)
	}
	return nil
}

// AttrsFor selects the attributes the -p letters ask for (the committer
// uses it for directories).
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
