package copier

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/place"
)

// stream reads the source once, checksumming and writing as it goes, with
// the job's buffer size and bandwidth limit, and checks that the source did
// not change since it was listed.
func (t *task) stream(ctx context.Context, w io.Writer) (fs.Checksum, error) {
	return t.streamRange(ctx, w, 0, t.Item.Attr.Size)
}

// streamRange copies the length bytes at offset (a chunk, or the whole
// file), and checks that the source did not change since it was listed.
func (t *task) streamRange(ctx context.Context, w io.Writer, offset, length int64) (fs.Checksum, error) {
	o := t.Job.Options
	r, err := t.SrcFS.Open(ctx, t.Src.Path, offset)
	if err != nil {
		return fs.Checksum{}, fmt.Errorf("open source %s: %w", t.Src.Display(), err)
	}
	defer r.Close()
	// Reading stops at the listed length. A file that grew shows in the
	// Stat after it; one that shrank, in a short read.
	bp := t.c.bufs.Get(bufferSize(o.CopyBufferSize, length))
	defer t.c.bufs.Put(bp)
	buf := *bp
	// A writer that checksums what it is given saves hashing it twice.
	_, selfSums := fs.WriterChecksum(w)
	var h hash.Hash32
	if !selfSums {
		h = fs.NewCRC32C()
	}
	thr := newThrottle(o.BandwidthMBps, t.c.obs)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return fs.Checksum{}, err
		}
		want := buf
		if int64(len(want)) > length-n {
			want = buf[:length-n]
		}
		k, rerr := r.Read(want)
		if k > 0 {
			if h != nil {
				h.Write(buf[:k])
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return fs.Checksum{}, fmt.Errorf("write %s: %w", t.Dst.Display(), err)
			}
			n += int64(k)
			if t.moved != nil {
				t.moved.Add(int64(k))
			}
			thr.wait(ctx, int64(k))
		}
		if errors.Is(rerr, io.EOF) || n == length {
			break
		}
		if rerr != nil {
			return fs.Checksum{}, fmt.Errorf("read source %s: %w", t.Src.Display(), rerr)
		}
	}
	if n != length {
		return fs.Checksum{}, place.Permanent(fmt.Errorf("source %s changed during the copy: listed %d bytes, read %d: re-run with -update", t.Src.Display(), t.Item.Attr.Size, offset+n))
	}
	fi, err := t.sourceNow(ctx, r, offset, length)
	if err != nil {
		return fs.Checksum{}, fmt.Errorf("re-check source %s: %w", t.Src.Display(), err)
	}
	if fi.Size != t.Item.Attr.Size || t.Item.Statted && !fi.ModTime.Equal(t.Item.Attr.ModTime) {
		return fs.Checksum{}, place.Permanent(fmt.Errorf("source %s changed during the copy (size %d -> %d, mtime %s -> %s): re-run with -update",
			t.Src.Display(), t.Item.Attr.Size, fi.Size, t.Item.Attr.ModTime.Format(time.RFC3339Nano), fi.ModTime.Format(time.RFC3339Nano)))
	}
	if sum, ok := fs.WriterChecksum(w); ok {
		return sum, nil
	}
	return fs.CRC32C(h.Sum32()), nil
}

// sourceNow describes the source after it was read from r: as the read
// of the whole file began, where the store serves a whole file as one
// version (fs.SnapshotReader: the bytes read are that version's, whatever
// changed since, and asking again would cost a request per file, a HEAD
// on COS), else as Stat finds it now. A chunk is one range among several
// reads, which may each see another version: it asks.
func (t *task) sourceNow(ctx context.Context, r io.Reader, offset, length int64) (fs.FileInfo, error) {
	if fi, ok := fs.SnapshotInfo(r); ok && offset == 0 && length == t.Item.Attr.Size {
		return fi, nil
	}
	return t.SrcFS.Stat(ctx, t.Src.Path)
}

// throttle limits one worker to a byte rate (DistCp's per-map -bandwidth),
// sleeping whenever it runs ahead of the rate since it started.
type throttle struct {
	obs   Observer
	bps   float64
	start time.Time
	sent  int64
}

func newThrottle(mbps float64, obs Observer) *throttle {
	return &throttle{obs: obs, bps: mbps * (1 << 20), start: time.Now()}
}

func (th *throttle) wait(ctx context.Context, n int64) {
	if th.bps <= 0 {
		return
	}
	th.sent += n
	due := time.Duration(float64(th.sent) / th.bps * float64(time.Second))
	if ahead := due - time.Since(th.start); ahead > 0 {
		sleep(ctx, ahead)
		th.obs.Throttled(ahead)
	}
}
