package cos

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/retry"
)

var crc64Table = crc64.MakeTable(crc64.ECMA)

// Create starts an upload. Files under the part size go up in one PUT at
// Close; larger ones become a multipart upload, one part at a time as the
// bytes arrive, completed at Close and aborted on failure, so no orphaned
// parts remain. The object only appears at Close.
func (f *FS) Create(ctx context.Context, p string, opts fs.CreateOptions) (fs.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := key(p)
	if k == "" {
		return nil, fmt.Errorf("create cosn://%s/: the bucket root is a directory", f.bucket)
	}
	if opts.Missing {
		// The caller listed nothing at p: no look (three requests on a
		// missing key).
	} else if fi, err := f.Stat(ctx, p); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("create cosn://%s%s: is a directory: %w", f.bucket, p, fs.ErrExist)
		}
		if !opts.Overwrite {
			return nil, fmt.Errorf("create cosn://%s%s: %w", f.bucket, p, fs.ErrExist)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return &writer{ctx: ctx, f: f, path: p, key: k, meta: createMeta(opts), source: opts.Source,
		crc32c: fs.NewCRC32C(), crc64: crc64.New(crc64Table)}, nil
}

// createMeta is a new object's metadata: the attributes to keep, with the
// permission given apart when no mode is.
func createMeta(opts fs.CreateOptions) http.Header {
	a := opts.Attrs
	if a.Mode == nil && opts.Perm != 0 {
		m := opts.Perm
		a.Mode = &m
	}
	return metaHeader(nil, a)
}

type writer struct {
	ctx    context.Context
	f      *FS
	path   string
	key    string
	meta   http.Header
	buf    []byte
	size   int64
	crc32c hash.Hash32
	crc64  hash.Hash64

	uploadID string
	parts    []cossdk.Object
	done     bool
	// stored is COS's x-cos-hash-crc64ecma of the object Close made, ""
	// when its answer had none.
	stored string
	// etag is the ETag COS answered Close with: the object's
	// FileInfo.Version (fs.VersionedWriter).
	etag string
	// source is the origin to record (CreateOptions.Source): a single
	// PUT carries it in its metadata; a multipart upload's metadata goes
	// before its checksum is known, so it records none.
	source *fs.Origin
}

func (w *writer) Write(b []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("write cosn://%s%s: writer closed", w.f.bucket, w.path)
	}
	n := len(b)
	w.crc32c.Write(b)
	w.crc64.Write(b)
	w.size += int64(n)
	ps := int(w.f.cfg.PartSize)
	for len(b) > 0 {
		if w.buf == nil {
			w.buf = w.f.bufs.first()
		}
		take := min(len(b), ps-len(w.buf))
		if len(w.buf)+take > cap(w.buf) {
			w.buf = w.f.bufs.grow(w.buf)
		}
		w.buf = append(w.buf, b[:take]...)
		b = b[take:]
		if len(w.buf) == ps {
			if err := w.flushPart(); err != nil {
				return n - len(b), err
			}
		}
	}
	return n, nil
}

// crcFlag asks COS to compute the object's CRC32C (x-cos-hash-crc32c), as
// Hadoop-COS does with fs.cosn.crc32c.checksum.enabled.
func crcFlag() *http.Header {
	return &http.Header{"X-Cos-Crc32c-Flag": []string{"cosn"}}
}

func (w *writer) flushPart() error {
	if w.uploadID == "" {
		id, err := w.f.initiate(w.ctx, w.path, w.meta)
		if err != nil {
			return err
		}
		w.uploadID = id
	}
	num := len(w.parts) + 1
	if num > maxParts {
		return fmt.Errorf("upload cosn://%s%s: more than %d parts: raise the part size (COS_PART_SIZE)", w.f.bucket, w.path, maxParts)
	}
	// The SDK checks the part's CRC64. The tries are ours (sendRetry),
	// each with a reader of its own, and the part's bytes are not written
	// again: the HTTP transport may still be reading a failed try's body
	// after the call returned.
	part := w.buf
	var resp *cossdk.Response
	tries := 0
	err := sendRetry(w.ctx).Do(w.ctx, func(ctx context.Context) (err error) {
		tries++
		resp, err = w.f.c.Object.UploadPart(ctx, w.key, w.uploadID, num, onlyReader{bytes.NewReader(part)},
			&cossdk.ObjectUploadPartOptions{ContentLength: int64(len(part))})
		return err
	})
	if err != nil {
		return w.f.mapErr(fmt.Sprintf("upload part %d of", num), w.path, err)
	}
	w.parts = append(w.parts, cossdk.Object{PartNumber: num, ETag: resp.Header.Get("ETag")})
	w.buf = nil
	if tries == 1 {
		w.f.bufs.put(part)
	}
	return nil
}

// onlyReader hides a bytes.Reader's Seek from the SDK, which otherwise
// retries a failed upload by rewinding the reader that the HTTP transport
// of the failed try may still be reading (a data race).
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// sendAttempts bounds the tries of one PUT or part upload, as the SDK's own
// retries did (cossdk.RetryOptions.Count).
const sendAttempts = 3

// sendRetry tries an upload again after a transient failure.
func sendRetry(ctx context.Context) retry.Policy {
	return retry.Policy{Attempts: sendAttempts, Backoff: 200 * time.Millisecond,
		Permanent: func(err error) bool { return !transient(err) || ctx.Err() != nil }}
}

// Close publishes the object and checks COS's CRC64 of the whole of it.
func (w *writer) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	sum := w.crc32c.Sum32()
	if w.uploadID == "" {
		meta := w.meta.Clone()
		meta.Set(metaCRC32C, hex.EncodeToString(fs.CRC32C(sum).Value))
		meta.Set(metaCRC32CSize, strconv.FormatInt(w.size, 10))
		if w.source != nil {
			meta.Set(metaSource, sourceMeta(*w.source))
		}
		opt := &cossdk.ObjectPutOptions{
			ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{ContentLength: w.size, XCosMetaXXX: &meta, XOptionHeader: crcFlag()}}
		var resp *cossdk.Response
		tries := 0
		err := sendRetry(w.ctx).Do(w.ctx, func(ctx context.Context) (err error) {
			tries++
			var body io.Reader = onlyReader{bytes.NewReader(w.buf)}
			if w.size == 0 {
				body = bytes.NewReader(nil) // the SDK sends no body for it
			}
			resp, err = w.f.c.Object.Put(ctx, w.key, body, opt)
			return err
		})
		if err != nil {
			return w.f.mapErr("put", w.path, err)
		}
		if tries == 1 && w.buf != nil {
			w.f.bufs.put(w.buf)
		}
		w.buf = nil
		w.stored = resp.Header.Get("x-cos-hash-crc64ecma")
		w.etag = version(resp.Header.Get("ETag"))
		return nil
	}
	if len(w.buf) > 0 {
		if err := w.flushPart(); err != nil {
			w.abort()
			return err
		}
	}
	done, resp, err := w.f.c.Object.CompleteMultipartUpload(w.ctx, w.key, w.uploadID, &cossdk.CompleteMultipartUploadOptions{Parts: w.parts})
	if err != nil {
		w.abort()
		return w.f.mapErr("complete upload", w.path, err)
	}
	if got := resp.Header.Get("x-cos-hash-crc64ecma"); got != "" && got != strconv.FormatUint(w.crc64.Sum64(), 10) {
		_, _ = w.f.c.Object.Delete(context.WithoutCancel(w.ctx), w.key)
		return fmt.Errorf("upload cosn://%s%s: COS has CRC64 %s, the bytes sent have %d: object removed", w.f.bucket, w.path, got, w.crc64.Sum64())
	}
	w.stored = resp.Header.Get("x-cos-hash-crc64ecma")
	if done != nil {
		w.etag = version(done.ETag)
	}
	return nil
}

// Version implements fs.VersionedWriter: the ETag COS gave the object.
func (w *writer) Version() string { return w.etag }

// CheckStored implements fs.StoreChecker from the answer to the PUT (or
// Complete) that made the object: COS computes the CRC64-ECMA of what it
// stored, and it must equal that of the bytes given to Write; the CRC32C
// of those same bytes is returned for the caller to compare with the
// source's. Verifying so costs no request, where a check by path costs
// two HEADs. Without a CRC64 in the answer it cannot: errors.ErrUnsupported.
func (w *writer) CheckStored(ctx context.Context) (int64, fs.Checksum, error) {
	if !w.done || w.stored == "" {
		return 0, fs.Checksum{}, fmt.Errorf("cosn://%s%s: no CRC64 from COS: %w", w.f.bucket, w.path, errors.ErrUnsupported)
	}
	if got, err := strconv.ParseUint(w.stored, 10, 64); err != nil || got != w.crc64.Sum64() {
		return 0, fs.Checksum{}, fmt.Errorf("cosn://%s%s: COS stored bytes with CRC64 %s, the bytes sent have %d", w.f.bucket, w.path, w.stored, w.crc64.Sum64())
	}
	return w.size, fs.CRC32C(w.crc32c.Sum32()), nil
}

// Abort discards the upload; nothing appears at the path.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	return w.abort()
}

func (w *writer) abort() error {
	w.buf = nil
	if w.uploadID == "" {
		return nil
	}
	_, err := w.f.c.Object.AbortMultipartUpload(context.WithoutCancel(w.ctx), w.key, w.uploadID)
	return w.f.mapErr("abort upload", w.path, err)
}

// AbortUploads implements fs.UploadAborter: it lists the open multipart
// uploads in dir once and aborts those to matching files started at or
// after since (those of a copier killed mid-write).
func (f *FS) AbortUploads(ctx context.Context, dir string, since time.Time, match func(p string) bool) (int, error) {
	prefix := key(dir)
	if prefix != "" {
		prefix += "/"
	}
	n := 0
	opt := &cossdk.ListMultipartUploadsOptions{Prefix: prefix, Delimiter: "/", MaxUploads: 1000}
	for {
		res, _, err := f.c.Bucket.ListMultipartUploads(ctx, opt)
		if err != nil {
			return n, f.mapErr("list uploads in", dir, err)
		}
		for _, u := range res.Uploads {
			at, err := time.Parse(time.RFC3339, u.Initiated)
			// Only files directly in dir, also where the server ignores
			// the delimiter (cosemu does).
			below := strings.Contains(strings.TrimPrefix(u.Key, prefix), "/")
			if below || !match("/"+u.Key) || err == nil && at.Before(since.Truncate(time.Second)) {
				continue
			}
			if _, err := f.c.Object.AbortMultipartUpload(ctx, u.Key, u.UploadID); err != nil && !cossdk.IsNotFoundError(err) {
				return n, f.mapErr("abort upload of", "/"+u.Key, err)
			}
			n++
		}
		if !res.IsTruncated {
			return n, nil
		}
		opt.KeyMarker, opt.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}
