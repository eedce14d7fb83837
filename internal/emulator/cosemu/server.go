// Package cosemu is a Tencent COS (cos-go-sdk-v5) protocol emulator for tests:
// signed requests (COS sha1 signature), objects with ranges, metadata and
// checksums, copy, v1 listing, multipart uploads with part copy, and fault
// injection. Use it in-process via Start (or New + ServeHTTP) or as the
// cos-emulator program.
//
// Buckets come from the Host header's first DNS label (virtual-host style):
// clients keep the real COS host name and dial the emulator's address. A
// Host that is an IP address or localhost names no bucket.
//
// The emulator counts the requests it receives by kind (HEAD, GET, PUT,
// POST and DELETE Object, listing pages, copies, each multipart call):
// Server.Stats in process, and GET /cosemu/stats (StatsPath, JSON) on a
// host that names no bucket for other processes, e.g.
// curl http://127.0.0.1:9100/cosemu/stats. Tests and the benchmark use
// them to count what a copy costs in requests.
package cosemu

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server.
type Options struct {
	SecretID, SecretKey string   // required: requests must be signed with them
	Dir                 string   // "" = in memory; else keep objects on disk under Dir (survive restart)
	Buckets             []string // buckets that exist at start, e.g. "hdfs-test-1250000000"; PUT Bucket creates more
	// NoCRC32C: never answer x-cos-hash-crc32c, as a COS that serves only
	// what it documents for every object (x-cos-hash-crc64ecma) would.
	NoCRC32C bool
}

// Faults are injected into requests; the zero value injects nothing.
type Faults struct {
	ErrorRate float64 // fraction of requests answered 503 SlowDown (COS error XML)
	CutRate   float64 // fraction of requests whose connection is cut mid-response (hijack + close)
	// CutNext cuts the next CutNext requests the faults apply to, every
	// one: a run of failures longer than a client's own retries.
	CutNext     int
	Latency     time.Duration // added before every response
	BytesPerSec int64         // cap on bytes/s of request+response bodies, whole server; 0 = none
	// MisstoreRate is the fraction of PUT requests with a body (objects
	// and parts) whose first byte is stored changed: a faulty store that
	// answers as if all were well, with the checksums (x-cos-hash-*) of
	// what it did store. Only a comparison with the bytes sent finds it.
	MisstoreRate float64
	// Methods limits the faults to requests with these methods ("PUT",
	// "POST", ...), e.g. a COS that lists and reads but refuses writes;
	// empty means every request.
	Methods []string
}

func (f *Faults) applies(r *http.Request) bool {
	if len(f.Methods) == 0 {
		return true
	}
	return slices.Contains(f.Methods, r.Method)
}

// Server is a COS emulator. It is an http.Handler.
type Server struct {
	opts Options

	mu      sync.RWMutex
	buckets map[string]*bucket

	faults   atomic.Pointer[Faults]
	cutLeft  atomic.Int64 // Faults.CutNext still to cut
	requests atomic.Int64
	gets     atomic.Int64 // object GETs, for tests that must not read data
	counts   counters     // requests by kind (Stats)
	reqSeq   atomic.Int64
	idPrefix string
	lim      limiter

	httpSrv *http.Server
}

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,60}[a-z0-9]$`)

// New returns a Server that does not listen; use ServeHTTP or Start.
func New(o Options) (*Server, error) {
	if o.SecretID == "" || o.SecretKey == "" {
		return nil, errors.New("cosemu: SecretID and SecretKey are required")
	}
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	s := &Server{opts: o, buckets: map[string]*bucket{}, idPrefix: base64.RawURLEncoding.EncodeToString(rb[:])}
	if o.Dir != "" {
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return nil, err
		}
		ents, err := os.ReadDir(o.Dir)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.IsDir() && bucketNameRE.MatchString(e.Name()) {
				b, err := newBucket(e.Name(), o.Dir)
				if err != nil {
					return nil, err
				}
				s.buckets[e.Name()] = b
			}
		}
	}
	for _, name := range o.Buckets {
		if !bucketNameRE.MatchString(name) {
			return nil, fmt.Errorf("cosemu: invalid bucket name %q", name)
		}
		if s.buckets[name] != nil {
			continue
		}
		b, err := newBucket(name, o.Dir)
		if err != nil {
			return nil, err
		}
		s.buckets[name] = b
	}
	return s, nil
}

// Start creates a Server listening on addr (e.g. "127.0.0.1:0") and returns
// it with its base URL "http://127.0.0.1:PORT".
func Start(o Options, addr string) (*Server, string, error) {
	s, err := New(o)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, "http://" + ln.Addr().String(), nil
}

// Close stops a server made by Start, closing its connections. Data in
// Dir stays.
func (s *Server) Close() error {
	if s.httpSrv == nil {
		return nil
	}
	err := s.httpSrv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// SetFaults replaces the injected faults; safe at any time.
func (s *Server) SetFaults(f Faults) {
	s.cutLeft.Store(int64(f.CutNext))
	s.faults.Store(&f)
}

// takeCut reports whether this request is one of the CutNext to cut.
func (s *Server) takeCut() bool {
	for {
		n := s.cutLeft.Load()
		if n <= 0 {
			return false
		}
		if s.cutLeft.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// Requests returns the number of requests received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// ObjectGets counts GET Object requests (data reads) served.
func (s *Server) ObjectGets() int64 { return s.gets.Load() }

// OpenUploads counts the bucket's multipart uploads neither completed nor
// aborted: orphaned parts, for tests.
func (s *Server) OpenUploads(bucket string) int {
	b := s.bucket(bucket)
	if b == nil {
		return 0
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.uploads)
}

func (s *Server) bucket(name string) *bucket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.buckets[name]
}

// apiError is a COS error answer.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errf(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, a...)}
}

type errorXML struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	Resource  string
	RequestID string `xml:"RequestId"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	body, _ := xml.Marshal(errorXML{
		Code: e.code, Message: e.message,
		Resource:  r.Host + r.URL.Path,
		RequestID: w.Header().Get("x-cos-request-id"),
	})
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		w.WriteHeader(e.status)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(xml.Header)+len(body)))
	w.WriteHeader(e.status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}

func (s *Server) writeXML(w http.ResponseWriter, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// ServeHTTP answers one COS request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isStats(r) {
		s.serveStats(w)
		return
	}
	s.requests.Add(1)
	s.counts[classify(r)].Add(1)
	w.Header().Set("x-cos-request-id", fmt.Sprintf("%s-%08x", s.idPrefix, s.reqSeq.Add(1)))
	w.Header().Set("Server", "tencent-cos")
	if f := s.faults.Load(); f != nil && f.applies(r) {
		if f.Latency > 0 {
			sleepCtx(r.Context(), f.Latency)
		}
		if s.takeCut() || f.CutRate > 0 && mrand.Float64() < f.CutRate {
			s.cut(w, r)
			return
		}
		if f.ErrorRate > 0 && mrand.Float64() < f.ErrorRate {
			s.writeError(w, r, errf(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate (injected fault)"))
			return
		}
		if f.MisstoreRate > 0 && r.Method == http.MethodPut && mrand.Float64() < f.MisstoreRate {
			r.Body = &flipFirst{ReadCloser: r.Body}
		}
		if f.BytesPerSec > 0 {
			r.Body = &throttledReader{r: r.Body, lim: &s.lim, rate: f.BytesPerSec, ctx: r.Context()}
			w = &throttledWriter{ResponseWriter: w, lim: &s.lim, rate: f.BytesPerSec, ctx: r.Context()}
		}
	}
	if e := s.checkAuth(r); e != nil {
		s.writeError(w, r, e)
		return
	}
	if s.opts.NoCRC32C {
		r.Header.Del("x-cos-crc32c-flag") // what asks for x-cos-hash-crc32c (signed, so dropped after the check)
	}
	if e := s.route(w, r); e != nil {
		s.writeError(w, r, e)
	}
}

// flipFirst changes the first byte read through it (MisstoreRate).
type flipFirst struct {
	io.ReadCloser
	done bool
}

func (f *flipFirst) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if n > 0 && !f.done {
		p[0] ^= 0x5a
		f.done = true
	}
	return n, err
}

// cut drops the connection: a GET is answered for real but the connection
// is closed halfway through the body it announced (a listing's XML or an
// object's bytes), so the client sees an unexpected EOF; other requests get
// nothing at all.
func (s *Server) cut(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		cw := &cutWriter{ResponseWriter: w}
		if e := s.checkAuth(r); e != nil {
			s.writeError(cw, r, e)
		} else if e := s.route(cw, r); e != nil {
			s.writeError(cw, r, e)
		}
		panic(http.ErrAbortHandler) // a body shorter than half was sent whole: cut after it
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// cutWriter passes on half of the body its Content-Length announces (or of
// its first write), then aborts the response.
type cutWriter struct {
	http.ResponseWriter
	budget int64
	known  bool
}

func (c *cutWriter) WriteHeader(code int) {
	if n, err := strconv.ParseInt(c.Header().Get("Content-Length"), 10, 64); err == nil {
		c.budget, c.known = n/2, true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if !c.known {
		c.budget, c.known = int64(len(p))/2, true
	}
	if int64(len(p)) <= c.budget {
		c.budget -= int64(len(p))
		return c.ResponseWriter.Write(p)
	}
	_, _ = c.ResponseWriter.Write(p[:c.budget])
	if fl, ok := c.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	panic(http.ErrAbortHandler)
}

// hostBucket returns the bucket named by the Host header ("" for a service
// request such as GET Service on service.cos.myqcloud.com).
func hostBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if strings.HasPrefix(host, "service.cos.") || strings.HasPrefix(host, "cos.") || ipHost(host) {
		return ""
	}
	name, _, _ := strings.Cut(host, ".")
	return name
}

// unsupported sub-resources answer 501 rather than being taken for plain
// object requests.
var unsupported = []string{"acl", "tagging", "cors", "lifecycle", "policy", "versioning", "versions", "append", "restore", "select", "website", "referer", "logging", "inventory", "replication", "encryption", "domain", "origin", "location", "object-lock", "retention"}

func (s *Server) route(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	for _, p := range unsupported {
		if q.Has(p) {
			return errf(http.StatusNotImplemented, "NotImplemented", "the emulator does not implement ?%s", p)
		}
	}
	name := hostBucket(r.Host)
	if name == "" {
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			return s.listBuckets(w, r)
		}
		return errf(http.StatusBadRequest, "InvalidURI", "no bucket in host %q", r.Host)
	}
	key := strings.TrimPrefix(r.URL.Path, "/")
	if key == "" && r.Method == http.MethodPut {
		return s.createBucket(w, r, name)
	}
	b := s.bucket(name)
	if b == nil {
		return errf(http.StatusNotFound, "NoSuchBucket", "The specified bucket %s does not exist.", name)
	}
	if key == "" {
		switch r.Method {
		case http.MethodHead:
			w.WriteHeader(http.StatusOK)
			return nil
		case http.MethodGet:
			if q.Has("uploads") {
				return s.listUploads(w, r, b)
			}
			return s.listObjects(w, r, b)
		case http.MethodDelete:
			return s.deleteBucket(w, r, b)
		case http.MethodPost:
			if q.Has("delete") {
				return s.deleteMulti(w, r, b)
			}
		}
		return errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s on a bucket is not supported", r.Method)
	}
	switch r.Method {
	case http.MethodPut:
		if q.Has("partNumber") || q.Has("uploadId") {
			if r.Header.Get("x-cos-copy-source") != "" {
				return s.copyPart(w, r, b, key)
			}
			return s.uploadPart(w, r, b, key)
		}
		if r.Header.Get("x-cos-copy-source") != "" {
			return s.copyObject(w, r, b, key)
		}
		return s.putObject(w, r, b, key)
	case http.MethodGet:
		if q.Has("uploadId") {
			return s.listParts(w, r, b, key)
		}
		s.gets.Add(1)
		return s.getObject(w, r, b, key, true)
	case http.MethodHead:
		return s.getObject(w, r, b, key, false)
	case http.MethodPost:
		if q.Has("uploads") {
			return s.initiateUpload(w, r, b, key)
		}
		if q.Has("uploadId") {
			return s.completeUpload(w, r, b, key)
		}
	case http.MethodDelete:
		if q.Has("uploadId") {
			return s.abortUpload(w, r, b, key)
		}
		b.delete(key)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s on an object is not supported", r.Method)
}

func (s *Server) createBucket(w http.ResponseWriter, r *http.Request, name string) *apiError {
	if !bucketNameRE.MatchString(name) {
		return errf(http.StatusBadRequest, "InvalidBucketName", "invalid bucket name %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[name] != nil {
		return errf(http.StatusConflict, "BucketAlreadyOwnedByYou", "bucket %s already exists", name)
	}
	b, err := newBucket(name, s.opts.Dir)
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalError", "create bucket: %v", err)
	}
	s.buckets[name] = b
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteBucket(w http.ResponseWriter, r *http.Request, b *bucket) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	b.mu.RLock()
	n := len(b.objects) + len(b.uploads)
	b.mu.RUnlock()
	if n > 0 {
		return errf(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty.")
	}
	delete(s.buckets, b.name)
	if s.opts.Dir != "" {
		_ = os.RemoveAll(filepath.Join(s.opts.Dir, b.name))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

const ownerID = "qcs::cam::uin/100000000001:uin/100000000001"

type ownerXML struct {
	ID          string
	DisplayName string
}

var owner = &ownerXML{ID: ownerID, DisplayName: "100000000001"}

func (s *Server) listBuckets(w http.ResponseWriter, r *http.Request) *apiError {
	type bucketXML struct {
		Name         string
		Location     string
		CreationDate string
	}
	type result struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		Owner   *ownerXML
		Buckets []bucketXML `xml:"Buckets>Bucket"`
	}
	var res result
	res.Owner = owner
	s.mu.RLock()
	for _, b := range s.buckets {
		res.Buckets = append(res.Buckets, bucketXML{Name: b.name, Location: "ap-guangzhou", CreationDate: isoTime(b.created)})
	}
	s.mu.RUnlock()
	sort.Slice(res.Buckets, func(i, j int) bool { return res.Buckets[i].Name < res.Buckets[j].Name })
	s.writeXML(w, http.StatusOK, res)
	return nil
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// limiter spreads body bytes over time at a server-wide rate.
type limiter struct {
	mu   sync.Mutex
	next time.Time
}

func (l *limiter) wait(ctx context.Context, n int, rate int64) {
	d := time.Duration(float64(n) / float64(rate) * float64(time.Second))
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	l.next = l.next.Add(d)
	until := l.next
	l.mu.Unlock()
	if w := time.Until(until); w > 0 {
		sleepCtx(ctx, w)
	}
}

const throttleChunk = 16 << 10

type throttledReader struct {
	r    io.ReadCloser
	lim  *limiter
	rate int64
	ctx  context.Context
}

func (t *throttledReader) Read(p []byte) (int, error) {
	if len(p) > throttleChunk {
		p = p[:throttleChunk]
	}
	n, err := t.r.Read(p)
	if n > 0 {
		t.lim.wait(t.ctx, n, t.rate)
	}
	return n, err
}

func (t *throttledReader) Close() error { return t.r.Close() }

type throttledWriter struct {
	http.ResponseWriter
	lim  *limiter
	rate int64
	ctx  context.Context
}

func (t *throttledWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		c := p
		if len(c) > throttleChunk {
			c = c[:throttleChunk]
		}
		t.lim.wait(t.ctx, len(c), t.rate)
		n, err := t.ResponseWriter.Write(c)
		total += n
		if err != nil {
			return total, err
		}
		p = p[len(c):]
	}
	return total, nil
}

// deleteMulti is POST /?delete (DeleteMulti): up to 1000 keys; missing keys
// count as deleted.
func (s *Server) deleteMulti(w http.ResponseWriter, r *http.Request, b *bucket) *apiError {
	var req struct {
		Quiet   bool
		Objects []struct{ Key string } `xml:"Object"`
	}
	if err := xml.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil {
		return errf(http.StatusBadRequest, "MalformedXML", "the Delete XML is malformed: %v", err)
	}
	if len(req.Objects) > 1000 {
		return errf(http.StatusBadRequest, "MalformedXML", "a Delete request lists %d keys, more than 1000", len(req.Objects))
	}
	type deleted struct{ Key string }
	type result struct {
		XMLName xml.Name  `xml:"DeleteResult"`
		Deleted []deleted `xml:"Deleted"`
	}
	var res result
	for _, o := range req.Objects {
		b.delete(o.Key)
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deleted{o.Key})
		}
	}
	s.writeXML(w, http.StatusOK, res)
	return nil
}
