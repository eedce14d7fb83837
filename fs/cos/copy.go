package cos

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"
)

const (
	// maxCopyObject is the largest object one Put Object - Copy copies.
	maxCopyObject = 5 << 30
	// copyPartSize is the range each Upload Part - Copy copies: 5,000
	// parts make a 5 TiB object, COS's largest.
	copyPartSize = 1 << 30
)

// copySized copies object from to key to server-side, size being from's
// size: one Put Object - Copy up to COS's limit (5 GiB), above it a
// multipart upload whose parts are Upload Part - Copy ranges of from. No
// byte passes through jetcp either way.
func (f *FS) copySized(ctx context.Context, from, to string, size int64) error {
	limit := f.cfg.MaxCopySize
	if limit <= 0 {
		limit = maxCopyObject
	}
	if size <= limit {
		return f.copyObject(ctx, from, to, nil)
	}
	return f.copyMultipart(ctx, from, to, size, min(copyPartSize, limit))
}

// copyMultipart copies from to to in parts of partSize; the new object
// keeps from's metadata (jetcp's origin and attributes), which a
// multipart copy does not carry by itself.
func (f *FS) copyMultipart(ctx context.Context, from, to string, size, partSize int64) error {
	head, err := f.c.Object.Head(ctx, from, nil)
	if err != nil {
		return err
	}
	meta := http.Header{}
	for k, v := range head.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-cos-meta-") {
			meta[k] = v
		}
	}
	upload, err := f.initiate(ctx, to, meta)
	if err != nil {
		return err
	}
	var parts []cossdk.Object
	for n, off := 1, int64(0); off < size; n, off = n+1, off+partSize {
		end := min(off+partSize, size) - 1
		res, _, err := f.c.Object.CopyPart(ctx, to, upload, n, f.copySource(from),
			&cossdk.ObjectCopyPartOptions{XCosCopySourceRange: fmt.Sprintf("bytes=%d-%d", off, end)})
		if err != nil {
			_, _ = f.c.Object.AbortMultipartUpload(context.WithoutCancel(ctx), to, upload)
			return fmt.Errorf("copy part %d of %s: %w", n, from, err)
		}
		parts = append(parts, cossdk.Object{PartNumber: n, ETag: res.ETag})
	}
	if _, _, err := f.c.Object.CompleteMultipartUpload(ctx, to, upload, &cossdk.CompleteMultipartUploadOptions{Parts: parts}); err != nil {
		_, _ = f.c.Object.AbortMultipartUpload(context.WithoutCancel(ctx), to, upload)
		return err
	}
	return nil
}
