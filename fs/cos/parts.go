package cos

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/fs"
)

var _ fs.PartWriter = (*FS)(nil)

// maxParts is COS's limit on the parts of one upload.
const maxParts = 10000

// StartParts implements fs.PartWriter: it initiates a multipart upload that
// carries the object's metadata, with COS computing its CRC32C.
func (f *FS) StartParts(ctx context.Context, p string, opts fs.CreateOptions) (string, error) {
	k := key(p)
	if k == "" {
		return "", fmt.Errorf("upload cosn://%s/: the bucket root is a directory", f.bucket)
	}
	return f.initiate(ctx, p, createMeta(opts))
}

// initiate starts a multipart upload of p carrying meta, with COS
// computing the object's CRC32C.
func (f *FS) initiate(ctx context.Context, p string, meta http.Header) (string, error) {
	res, _, err := f.c.Object.InitiateMultipartUpload(ctx, key(p), &cossdk.InitiateMultipartUploadOptions{
		ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{XCosMetaXXX: &meta, XOptionHeader: crcFlag()}})
	if err != nil {
		return "", f.mapErr("initiate upload", p, err)
	}
	return res.UploadID, nil
}

// CreatePart implements fs.PartWriter: the bytes stream into one UploadPart
// request as they are written, so a part of any size needs no buffer.
func (f *FS) CreatePart(ctx context.Context, p, upload string, n int, offset, size int64) (fs.Part, error) {
	if n < 1 || n > maxParts {
		return nil, fmt.Errorf("upload cosn://%s%s: part %d: COS takes parts 1 to %d: raise the chunk size", f.bucket, p, n, maxParts)
	}
	pr, pw := io.Pipe()
	w := &part{pw: pw, done: make(chan struct{}), path: p, bucket: f.bucket, size: size, crc64: crc64.New(crc64Table)}
	go func() {
		defer close(w.done)
		resp, err := f.c.Object.UploadPart(ctx, key(p), upload, n, pr,
			&cossdk.ObjectUploadPartOptions{ContentLength: size})
		if err != nil {
			w.err = f.mapErr(fmt.Sprintf("upload part %d of", n), p, err)
			pr.CloseWithError(w.err)
			return
		}
		w.etag = resp.Header.Get("ETag")
		w.stored = resp.Header.Get("x-cos-hash-crc64ecma")
		// The request may end before the body does (an error answer).
		_, _ = io.Copy(io.Discard, pr)
	}()
	return w, nil
}

// CompleteParts implements fs.PartWriter. An upload COS no longer knows
// was completed by an earlier try when the object is there.
func (f *FS) CompleteParts(ctx context.Context, p, upload string, receipts []string) error {
	parts := make([]cossdk.Object, len(receipts))
	for i, r := range receipts {
		parts[i] = cossdk.Object{PartNumber: i + 1, ETag: r}
	}
	_, _, err := f.c.Object.CompleteMultipartUpload(ctx, key(p), upload, &cossdk.CompleteMultipartUploadOptions{Parts: parts})
	if err != nil {
		if isNoSuchUpload(err) {
			if _, serr := f.Stat(ctx, p); serr == nil {
				return nil
			}
		}
		return f.mapErr("complete upload", p, err)
	}
	return nil
}

// AbortParts implements fs.PartWriter.
func (f *FS) AbortParts(ctx context.Context, p, upload string) error {
	_, err := f.c.Object.AbortMultipartUpload(ctx, key(p), upload)
	if err != nil && !isNoSuchUpload(err) && !cossdk.IsNotFoundError(err) {
		return f.mapErr("abort upload", p, err)
	}
	return nil
}

func isNoSuchUpload(err error) bool {
	var e *cossdk.ErrorResponse
	return errors.As(err, &e) && strings.EqualFold(e.Code, "NoSuchUpload")
}

// part is one UploadPart request fed through a pipe.
type part struct {
	pw     *io.PipeWriter
	done   chan struct{}
	path   string
	bucket string
	size   int64
	n      int64
	etag   string
	err    error
	closed bool
	// crc64 hashes the bytes written, to compare with stored, COS's
	// CRC64 of the part it kept (the SDK's own check is off: see New).
	crc64  hash.Hash64
	stored string
}

func (w *part) Write(b []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("write cosn://%s%s: part closed", w.bucket, w.path)
	}
	k, err := w.pw.Write(b)
	w.crc64.Write(b[:k])
	w.n += int64(k)
	return k, err
}

// Close sends the part's end and waits for COS's answer.
func (w *part) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.n != w.size {
		w.pw.CloseWithError(io.ErrUnexpectedEOF)
		<-w.done
		return fmt.Errorf("upload cosn://%s%s: part has %d of its %d bytes", w.bucket, w.path, w.n, w.size)
	}
	w.pw.Close()
	<-w.done
	if w.err == nil && w.stored != "" && w.stored != strconv.FormatUint(w.crc64.Sum64(), 10) {
		w.err = fmt.Errorf("upload cosn://%s%s: COS stored a part with CRC64 %s, the bytes sent have %d", w.bucket, w.path, w.stored, w.crc64.Sum64())
	}
	return w.err
}

// Abort stops the request; COS keeps no half part.
func (w *part) Abort() error {
	if w.closed {
		return nil
	}
	w.closed = true
	w.pw.CloseWithError(errors.New("part aborted"))
	<-w.done
	return nil
}

func (w *part) Receipt() string { return w.etag }
