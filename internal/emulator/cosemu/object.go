package cosemu

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// storedHeaders are the standard headers kept with an object besides
// Content-Type and x-cos-meta-*.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// requestMeta returns the Content-Type and stored headers of a PUT/initiate.
func requestMeta(r *http.Request) (string, map[string]string) {
	hs := map[string]string{}
	for k, vs := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-cos-meta-") && len(vs) > 0 {
			hs[http.CanonicalHeaderKey(k)] = vs[0]
		}
	}
	for _, k := range storedHeaders {
		if v := r.Header.Get(k); v != "" {
			hs[k] = v
		}
	}
	if len(hs) == 0 {
		hs = nil
	}
	return r.Header.Get("Content-Type"), hs
}

func quoteMD5(sum [16]byte) string { return `"` + hex.EncodeToString(sum[:]) + `"` }

// crc32cFlag reports whether the request asks for x-cos-hash-crc32c
// (Hadoop-COS sends "x-cos-crc32c-flag: cosn").
func crc32cFlag(r *http.Request) bool { return r.Header.Get("x-cos-crc32c-flag") != "" }

// setChecksums sets x-cos-hash-crc64ecma and, when asked, x-cos-hash-crc32c.
//
// Both are decimal unsigned integers, as real COS sends them: the SDK parses
// crc64ecma with strconv.ParseUint(v, 10, 64), and Hadoop-COS parses crc32c
// with new BigInteger(v) (decimal) and then emits its int value as 4 bytes big
// endian (COMPOSITE-CRC32C). So x-cos-hash-crc32c is the whole object's
// CRC32C (Castagnoli) as a decimal uint32, e.g. "3808858755" for "123456789".
func setChecksums(w http.ResponseWriter, r *http.Request, crc64 uint64, crc32c uint32) {
	w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(crc64, 10))
	if crc32cFlag(r) {
		w.Header().Set("x-cos-hash-crc32c", strconv.FormatUint(uint64(crc32c), 10))
	}
}

func (s *Server) putObject(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	if e := checkKey(key); e != nil {
		return e
	}
	bl, sm, err := writeBlob(b.objDir, r.Body, r.ContentLength)
	if err != nil {
		return errf(http.StatusBadRequest, "IncompleteBody", "reading the request body: %v", err)
	}
	if want := r.Header.Get("Content-MD5"); want != "" {
		if want != base64.StdEncoding.EncodeToString(sm.md5[:]) {
			bl.remove()
			return errf(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
	}
	ct, hs := requestMeta(r)
	o := &object{Key: key, Size: sm.size, ETag: quoteMD5(sm.md5), CRC64: sm.crc64, CRC32C: sm.crc32c,
		ContentType: ct, Headers: hs, Modified: time.Now().UTC(), blob: bl}
	if err := b.put(o); err != nil {
		bl.remove()
		return errf(http.StatusInternalServerError, "InternalError", "store: %v", err)
	}
	w.Header().Set("ETag", o.ETag)
	setChecksums(w, r, o.CRC64, o.CRC32C)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func checkKey(key string) *apiError {
	if len(key) > 850 {
		return errf(http.StatusBadRequest, "KeyTooLong", "object key longer than 850 bytes")
	}
	return nil
}

func noSuchKey(key string) *apiError {
	return errf(http.StatusNotFound, "NoSuchKey", "The specified key does not exist: %s", key)
}

// parseRange parses "bytes=a-b", "bytes=a-" and "bytes=-n" against size.
// ok is false when the header is absent or not a single byte range (then
// the whole object is served); unsat is true for an unsatisfiable range.
func parseRange(h string, size int64) (start, end int64, ok, unsat bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	a, bs, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, false
	}
	a, bs = strings.TrimSpace(a), strings.TrimSpace(bs)
	if a == "" {
		n, err := strconv.ParseInt(bs, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, false
		}
		if n == 0 || size == 0 {
			return 0, 0, false, true
		}
		if n > size {
			n = size
		}
		return size - n, size - 1, true, false
	}
	x, err := strconv.ParseInt(a, 10, 64)
	if err != nil || x < 0 {
		return 0, 0, false, false
	}
	y := size - 1
	if bs != "" {
		if y, err = strconv.ParseInt(bs, 10, 64); err != nil || y < x {
			return 0, 0, false, false
		}
	}
	if x >= size {
		return 0, 0, false, true
	}
	if y >= size {
		y = size - 1
	}
	return x, y, true, false
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, b *bucket, key string, withBody bool) *apiError {
	o, rd, err := b.openObject(key)
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalError", "open: %v", err)
	}
	if o == nil {
		return noSuchKey(key)
	}
	defer rd.Close()
	h := w.Header()
	ct := o.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	for k, v := range o.Headers {
		h[k] = []string{v}
	}
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-cos-storage-class", "STANDARD")
	setChecksums(w, r, o.CRC64, o.CRC32C)
	if m := r.Header.Get("If-None-Match"); m != "" && (m == o.ETag || m == "*") {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if m := r.Header.Get("If-Match"); m != "" && m != o.ETag && m != "*" {
		return errf(http.StatusPreconditionFailed, "PreconditionFailed", "If-Match does not match the ETag")
	}
	start, end, ranged, unsat := parseRange(r.Header.Get("Range"), o.Size)
	if unsat {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
		h.Del("ETag")
		return errf(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable (object size %d)", o.Size)
	}
	status, n := http.StatusOK, o.Size
	if ranged {
		status, n = http.StatusPartialContent, end-start+1
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, o.Size))
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(status)
	if !withBody || n == 0 {
		return nil
	}
	if _, err := rd.Seek(start, io.SeekStart); err != nil {
		panic(http.ErrAbortHandler)
	}
	if _, err := io.Copy(w, io.LimitReader(rd, n)); err != nil {
		panic(http.ErrAbortHandler)
	}
	return nil
}

// parseCopySource accepts "<bucket>.cos.<region>.myqcloud.com/<escaped key>",
// with or without a scheme or a leading slash, and "<bucket>/<key>"; a
// "?versionId=" suffix is ignored.
func parseCopySource(src string) (bucket, key string, e *apiError) {
	bad := errf(http.StatusBadRequest, "InvalidArgument", "invalid x-cos-copy-source %q", src)
	src = strings.TrimPrefix(strings.TrimPrefix(src, "http://"), "https://")
	src = strings.TrimPrefix(src, "/")
	host, rawKey, ok := strings.Cut(src, "/")
	if !ok || host == "" || rawKey == "" {
		return "", "", bad
	}
	if i := strings.Index(rawKey, "?"); i >= 0 {
		rawKey = rawKey[:i]
	}
	k, err := url.PathUnescape(rawKey)
	if err != nil {
		return "", "", bad
	}
	return hostBucket(host), k, nil
}

// openCopySource opens the source object of a copy request.
func (s *Server) openCopySource(r *http.Request) (*object, io.ReadSeekCloser, *apiError) {
	bn, key, e := parseCopySource(r.Header.Get("x-cos-copy-source"))
	if e != nil {
		return nil, nil, e
	}
	sb := s.bucket(bn)
	if sb == nil {
		return nil, nil, errf(http.StatusNotFound, "NoSuchBucket", "The copy source bucket %s does not exist.", bn)
	}
	o, rd, err := sb.openObject(key)
	if err != nil {
		return nil, nil, errf(http.StatusInternalServerError, "InternalError", "open: %v", err)
	}
	if o == nil {
		return nil, nil, noSuchKey(key)
	}
	if m := r.Header.Get("x-cos-copy-source-If-Match"); m != "" && m != o.ETag {
		rd.Close()
		return nil, nil, errf(http.StatusPreconditionFailed, "PreconditionFailed", "x-cos-copy-source-If-Match does not match")
	}
	return o, rd, nil
}

type copyResultXML struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	ETag         string
	LastModified string
	CRC64        string `xml:"CRC64,omitempty"`
}

func (s *Server) copyObject(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	if e := checkKey(key); e != nil {
		return e
	}
	src, rd, e := s.openCopySource(r)
	if e != nil {
		return e
	}
	defer rd.Close()
	bl, sm, err := writeBlob(b.objDir, rd, -1)
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalError", "copy: %v", err)
	}
	o := &object{Key: key, Size: sm.size, ETag: quoteMD5(sm.md5), CRC64: sm.crc64, CRC32C: sm.crc32c,
		Modified: time.Now().UTC(), blob: bl}
	switch d := r.Header.Get("x-cos-metadata-directive"); strings.ToLower(d) {
	case "", "copy":
		o.ContentType, o.Headers = src.ContentType, src.Headers
	case "replaced":
		o.ContentType, o.Headers = requestMeta(r)
	default:
		bl.remove()
		return errf(http.StatusBadRequest, "InvalidArgument", "x-cos-metadata-directive must be Copy or Replaced, not %q", d)
	}
	if err := b.put(o); err != nil {
		bl.remove()
		return errf(http.StatusInternalServerError, "InternalError", "store: %v", err)
	}
	setChecksums(w, r, o.CRC64, o.CRC32C)
	s.writeXML(w, http.StatusOK, copyResultXML{ETag: o.ETag, LastModified: isoTime(o.Modified), CRC64: strconv.FormatUint(o.CRC64, 10)})
	return nil
}

// md5Concat returns the multipart ETag of parts with the given MD5s.
func md5Concat(md5s [][16]byte) string {
	h := md5.New()
	for _, m := range md5s {
		h.Write(m[:])
	}
	return fmt.Sprintf(`"%x-%d"`, h.Sum(nil), len(md5s))
}
