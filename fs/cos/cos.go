// Package cos is jetcp's backend for Tencent COS (cosn://bucket-appid/path),
// laid out as Hadoop-COS does: a file is the object at its path without the
// leading slash, a directory is a 0-byte "key/" marker object or any prefix
// with objects below it. Object PUT is atomic, so copies write in place
// (fs.AtomicCreator), and attributes travel as x-cos-meta-* metadata set at
// upload (fs.AttrsAtCreate).
package cos

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"iter"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/retry"
)

// FS is one bucket.
type FS struct {
	bucket string
	cfg    Config
	c      *cossdk.Client
	bufs   *buffers
}

// Opener returns an fs.Opener for "cosn" that configures itself from the
// environment and the Hadoop configuration when a bucket is first used.
func Opener(src hadoopconf.Source) fs.Opener {
	getenv := src.Getenv
	return func(ctx context.Context, u fs.URI) (fs.FS, error) {
		conf, err := src.Load()
		if err != nil {
			return nil, err
		}
		cfg, err := FromEnv(getenv, conf)
		if err != nil {
			return nil, err
		}
		return New(u.Host, cfg)
	}
}

// bucketForm is a COS bucket's full name, name-appid (the SDK's check).
var bucketForm = regexp.MustCompile(`^[a-z0-9-]+-[0-9]+$`)

// New returns the FS of one bucket ("examplebucket-1250000000").
func New(bucket string, cfg Config) (*FS, error) {
	if !bucketForm.MatchString(bucket) {
		return nil, fmt.Errorf("COS bucket %q is not of the form bucket-appid: give it with its appid, e.g. cosn://examplebucket-1250000000/path (region in use: %s)", bucket, cfg.regionInUse())
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	scheme := "https"
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if cfg.Endpoint != "" {
		ep, _ := url.Parse(cfg.Endpoint)
		scheme = ep.Scheme
		addr := ep.Host
		if ep.Port() == "" {
			addr = net.JoinHostPort(ep.Hostname(), map[string]string{"http": "80", "https": "443"}[scheme])
		}
		// Every request goes to the endpoint; the Host header keeps the bucket.
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}
	}
	bu, err := url.Parse(scheme + "://" + cfg.host(bucket))
	if err != nil {
		return nil, fmt.Errorf("COS bucket %q: %w", bucket, err)
	}
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: bu}, &http.Client{Transport: &cossdk.AuthorizationTransport{
		SecretID: cfg.SecretID, SecretKey: cfg.SecretKey, SessionToken: cfg.SessionToken, Transport: tr,
	}})
	// The SDK's own CRC64 of every PUT and part would be a second pass
	// over each byte (a sixth of jetcp's CPU copying 1 MiB files): the
	// writer hashes what it is given once, and checks COS's CRC64 of the
	// whole object against it (CheckStored, Close of a multipart upload).
	c.Conf.EnableCRC = false
	c.Conf.RetryOpt = cossdk.RetryOptions{Count: 3, Interval: 200 * time.Millisecond, AutoSwitchHost: false}
	return &FS{bucket: bucket, cfg: cfg, c: c, bufs: newBuffers(cfg.PartSize)}, nil
}

// AtomicCreate: an object appears only complete, so no temp + rename.
func (f *FS) AtomicCreate() bool { return true }

// StoresAttrsAtCreate: attributes go into the upload's metadata.
func (f *FS) StoresAttrsAtCreate() bool { return true }

// ListOmitsAttrs: listings carry no metadata; Stat does.
func (f *FS) ListOmitsAttrs() bool { return true }

// key maps "/a/b" to "a/b"; the root is "".
func key(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

// mapErr turns COS errors into fs errors with a reason a person can act on.
func (f *FS) mapErr(op, p string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := cossdk.IsCOSError(err); ok && e.Code == "NoSuchBucket" {
		return f.noBucket(e)
	}
	if cossdk.IsNotFoundError(err) {
		return fmt.Errorf("%s cosn://%s%s: %w", op, f.bucket, p, fs.ErrNotExist)
	}
	if e, ok := cossdk.IsCOSError(err); ok {
		status := 0
		if e.Response != nil {
			status = e.Response.StatusCode
		}
		switch {
		case status == http.StatusForbidden || status == http.StatusUnauthorized:
			return fmt.Errorf("%s cosn://%s%s: COS refused the credentials (%s): check COS_SECRET_ID/COS_SECRET_KEY or fs.cosn.userinfo.* and the bucket's permissions: %w",
				op, f.bucket, p, f.scrub(describeStatus(status, e.Code, e.Message)), fs.ErrPermission)
		case status >= 500 || status == http.StatusTooManyRequests:
			return fmt.Errorf("%s cosn://%s%s: COS answered %s (request %s), even after retries: COS is failing or throttling; try again later or lower -m",
				op, f.bucket, p, describeStatus(status, e.Code, e.Message), requestID(e))
		default:
			return fmt.Errorf("%s cosn://%s%s: COS answered %s (request %s)", op, f.bucket, p, describeStatus(status, e.Code, e.Message), requestID(e))
		}
	}
	return fmt.Errorf("%s cosn://%s%s: %w", op, f.bucket, p, err)
}

// noBucket is the error of a bucket COS does not have (in this region).
func (f *FS) noBucket(e *cossdk.ErrorResponse) error {
	return noBucketError(fmt.Sprintf("COS bucket %s does not exist in region %s (%s): give an existing bucket as bucket-appid, e.g. cosn://examplebucket-1250000000/path, and its region (COS_REGION or fs.cosn.bucket.region)",
		f.bucket, f.cfg.regionInUse(), f.scrub(describeStatus(http.StatusNotFound, e.Code, e.Message))))
}

// noBucketError is fs.ErrNoFileSystem, worded whole.
type noBucketError string

func (e noBucketError) Error() string        { return string(e) }
func (e noBucketError) Is(target error) bool { return target == fs.ErrNoFileSystem }

// scrub masks the secrets in a text COS sent back.
func (f *FS) scrub(s string) string {
	for _, secret := range []string{f.cfg.SecretKey, f.cfg.SessionToken} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "****")
		}
	}
	return s
}

// explain replaces the error of a HEAD request, whose answer has no body
// and so no COS error code or message, by that of a GET asking the same
// (a listing from the key) when COS refuses that too and says why; so a
// refused key shows "SignatureDoesNotMatch" or "AccessDenied" rather than
// a bare 403. Otherwise err is kept.
func (f *FS) explain(ctx context.Context, k string, err error) error {
	e, ok := cossdk.IsCOSError(err)
	if !ok || e.Code != "" || e.Response == nil || e.Response.StatusCode < 400 || e.Response.StatusCode >= 500 {
		return err
	}
	_, _, gerr := f.c.Bucket.Get(ctx, &cossdk.BucketGetOptions{Prefix: k, MaxKeys: 1})
	if g, ok := cossdk.IsCOSError(gerr); ok && g.Code != "" && g.Response != nil && g.Response.StatusCode == e.Response.StatusCode {
		return gerr
	}
	return err
}

func isNotFound(err error) bool { return cossdk.IsNotFoundError(err) }

// describeStatus names a COS error; HEAD answers carry no code or message.
func describeStatus(status int, code, msg string) string {
	d := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if code != "" {
		d += " " + code
	}
	if msg != "" {
		d += ": " + msg
	}
	return d
}

func requestID(e *cossdk.ErrorResponse) string {
	if e.RequestID != "" {
		return e.RequestID
	}
	if e.Response != nil {
		if id := e.Response.Header.Get("X-Cos-Request-Id"); id != "" {
			return id
		}
	}
	return "unknown"
}

// transient reports errors worth another try: COS 5xx and 429, and a
// connection lost or a body cut short. The SDK retries requests it got no
// answer to, but not an answer whose body broke off (a listing's XML).
func transient(err error) bool {
	if e, ok := cossdk.IsCOSError(err); ok {
		return e.Response != nil && (e.Response.StatusCode >= 500 || e.Response.StatusCode == http.StatusTooManyRequests)
	}
	return err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// listAttempts bounds the tries of one listing page or Stat request.
const listAttempts = 5

// listRetry tries a listing page or a Stat request again after a
// transient failure, on top of the SDK's own tries: those give up after
// three cut connections in a row, which a long migration meets.
func listRetry(ctx context.Context) retry.Policy {
	return retry.Policy{Attempts: listAttempts, Backoff: 100 * time.Millisecond,
		Permanent: func(err error) bool { return !transient(err) || ctx.Err() != nil }}
}

// version is an object's FileInfo.Version: its ETag, as listings and
// HEAD answers give it, without the quotes only some of them have.
func version(etag string) string { return strings.Trim(etag, `" `) }

func dirInfo(p string) fs.FileInfo {
	return fs.FileInfo{Path: path.Clean("/" + p), Mode: iofs.ModeDir | 0o755}
}

// Stat follows Hadoop-COS's getFileStatus: HEAD key, HEAD key/, then a
// listing of key/.
func (f *FS) Stat(ctx context.Context, p string) (fs.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return fs.FileInfo{}, err
	}
	k := key(p)
	if k == "" {
		// The root always exists, if the bucket does. Only a missing
		// bucket is an error: a key allowed below a prefix only may
		// still be refused a listing of the whole bucket.
		_, _, err := f.c.Bucket.Get(ctx, &cossdk.BucketGetOptions{MaxKeys: 1})
		if e, ok := cossdk.IsCOSError(err); ok && e.Code == "NoSuchBucket" {
			return fs.FileInfo{}, f.noBucket(e)
		}
		return dirInfo("/"), nil
	}
	// COS's CRC32C comes along (the flag), so that an origin record can
	// be checked against the bytes held without another request.
	resp, err := f.head(ctx, k, &cossdk.ObjectHeadOptions{XOptionHeader: crcFlag()})
	if err == nil {
		return f.fileInfo(p, resp.Header), nil
	}
	if !isNotFound(err) {
		return fs.FileInfo{}, f.mapErr("stat", p, f.explain(ctx, k, err))
	}
	resp, err = f.head(ctx, k+"/", nil)
	if err == nil {
		fi := dirInfo(p)
		applyMeta(&fi, resp.Header)
		return fi, nil
	}
	if !isNotFound(err) {
		return fs.FileInfo{}, f.mapErr("stat", p, f.explain(ctx, k, err))
	}
	var res *cossdk.BucketGetResult
	err = listRetry(ctx).Do(ctx, func(ctx context.Context) (err error) {
		res, _, err = f.c.Bucket.Get(ctx, &cossdk.BucketGetOptions{Prefix: k + "/", MaxKeys: 1})
		return err
	})
	if err != nil {
		return fs.FileInfo{}, f.mapErr("stat", p, err)
	}
	if len(res.Contents) > 0 || len(res.CommonPrefixes) > 0 {
		return dirInfo(p), nil
	}
	return fs.FileInfo{}, fmt.Errorf("stat cosn://%s%s: %w", f.bucket, p, fs.ErrNotExist)
}

// head is Stat's HEAD, tried again after a transient failure (a missing
// key is an answer: transient says no to it).
func (f *FS) head(ctx context.Context, k string, opts *cossdk.ObjectHeadOptions) (resp *cossdk.Response, err error) {
	err = listRetry(ctx).Do(ctx, func(ctx context.Context) error {
		resp, err = f.c.Object.Head(ctx, k, opts)
		return err
	})
	return resp, err
}

func (f *FS) fileInfo(p string, h http.Header) fs.FileInfo {
	size, _ := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	mt, _ := http.ParseTime(h.Get("Last-Modified"))
	fi := fs.FileInfo{Path: path.Clean("/" + p), Size: size, Mode: 0o644, ModTime: mt, Version: version(h.Get("ETag"))}
	applyMeta(&fi, h)
	fi.Origin = readOrigin(h, size)
	return fi
}

// List pages through the bucket with a delimiter, one page in memory at a
// time. Listings carry no metadata: entries have size and COS's
// LastModified only (see ListOmitsAttrs).
func (f *FS) List(ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
	return func(yield func(fs.FileInfo, error) bool) {
		prefix := key(dir)
		if prefix != "" {
			prefix += "/"
		}
		// List first: a directory with entries needs no Stat (up to three
		// requests). Only an empty answer asks whether dir is an empty
		// directory, a file or missing.
		any := false
		for e, err := range f.walk(ctx, prefix, "/") {
			if err != nil {
				yield(fs.FileInfo{}, f.mapErr("list", dir, err))
				return
			}
			any = true
			if !yield(e, nil) {
				return
			}
		}
		if any {
			return
		}
		fi, err := f.Stat(ctx, dir)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("list cosn://%s%s: not a directory: %w", f.bucket, dir, fs.ErrNotExist)
		}
		if err != nil {
			yield(fs.FileInfo{}, err)
		}
	}
}

// walk lists keys under prefix; with delimiter "/" it yields files and
// directories of one level, without it every object (markers included).
func (f *FS) walk(ctx context.Context, prefix, delimiter string) iter.Seq2[fs.FileInfo, error] {
	return func(yield func(fs.FileInfo, error) bool) {
		marker := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(fs.FileInfo{}, err)
				return
			}
			var res *cossdk.BucketGetResult
			err := listRetry(ctx).Do(ctx, func(ctx context.Context) (err error) {
				res, _, err = f.c.Bucket.Get(ctx, &cossdk.BucketGetOptions{
					Prefix: prefix, Delimiter: delimiter, Marker: marker, MaxKeys: 1000, EncodingType: "url"})
				return err
			})
			if err != nil {
				yield(fs.FileInfo{}, err)
				return
			}
			last, more := yieldPage(res, prefix, delimiter, yield)
			if !more || !res.IsTruncated {
				return
			}
			next, err := url.QueryUnescape(res.NextMarker)
			if err != nil || next == "" {
				next = last // without a delimiter COS may leave NextMarker empty
			}
			if next == "" || next == marker {
				yield(fs.FileInfo{}, fmt.Errorf("listing %q did not advance past %q", prefix, marker))
				return
			}
			marker = next
		}
	}
}

// yieldPage yields one listing page's entries (see walk) and returns the
// greatest key or prefix in it, and false when yield or a bad key ended
// the listing.
func yieldPage(res *cossdk.BucketGetResult, prefix, delimiter string, yield func(fs.FileInfo, error) bool) (string, bool) {
	var last string
	for _, o := range res.Contents {
		k, err := url.QueryUnescape(o.Key)
		if err != nil {
			yield(fs.FileInfo{}, fmt.Errorf("listing key %q: %w", o.Key, err))
			return last, false
		}
		last = k
		marker := strings.HasSuffix(k, "/")
		if delimiter != "" && marker {
			continue // the directory's own marker, or one below (a common prefix too)
		}
		mt, _ := time.Parse(time.RFC3339, o.LastModified)
		fi := fs.FileInfo{Path: "/" + strings.TrimSuffix(k, "/"), Size: o.Size, Mode: 0o644, ModTime: mt, Version: version(o.ETag)}
		if marker {
			fi.Mode, fi.Size, fi.Version = iofs.ModeDir|0o755, 0, ""
		}
		if !yield(fi, nil) {
			return last, false
		}
	}
	for _, cp := range res.CommonPrefixes {
		p, err := url.QueryUnescape(cp)
		if err != nil {
			yield(fs.FileInfo{}, fmt.Errorf("listing prefix %q: %w", cp, err))
			return last, false
		}
		last = max(last, p)
		if !yield(dirInfo(strings.TrimSuffix(p, "/")), nil) {
			return last, false
		}
	}
	return last, true
}

// Open reads from offset with a ranged GET.
func (f *FS) Open(ctx context.Context, p string, offset int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt := &cossdk.ObjectGetOptions{}
	if offset > 0 {
		opt.Range = "bytes=" + strconv.FormatInt(offset, 10) + "-"
	}
	k := key(p)
	if k == "" || strings.HasSuffix(p, "/") {
		return nil, fmt.Errorf("open cosn://%s%s: is a directory", f.bucket, p)
	}
	resp, err := f.c.Object.Get(ctx, k, opt)
	if err != nil {
		if e, ok := cossdk.IsCOSError(err); ok && e.Response != nil && e.Response.StatusCode == http.StatusRequestedRangeNotSatisfiable {
			return io.NopCloser(strings.NewReader("")), nil // reading at the end
		}
		return nil, f.mapErr("open", p, err)
	}
	if offset == 0 {
		return &snapshot{ReadCloser: resp.Body, fi: f.fileInfo(p, resp.Header)}, nil
	}
	return resp.Body, nil
}

// snapshot is a whole object's GET body (fs.SnapshotReader): COS serves
// one version of an object to a GET, whatever PUT replaces it meanwhile,
// and the answer's headers describe that version as a HEAD would.
type snapshot struct {
	io.ReadCloser
	fi fs.FileInfo
}

func (s *snapshot) Info() fs.FileInfo { return s.fi }

var errNotEmpty = errors.New("directory not empty")
