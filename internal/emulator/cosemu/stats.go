package cosemu

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
)

// StatsPath is where the emulator answers its request counts (JSON, the
// Stats fields), on a request that names no bucket: the Host is an IP
// address, "localhost" or a service host (service.cos.*, cos.*). Object
// keys are always addressed through a bucket's host, so no key can
// shadow it, and it needs no signature:
//
//	curl http://127.0.0.1:9100/cosemu/stats
//
// The stats request itself is not counted.
const StatsPath = "/cosemu/stats"

// Stats counts the requests the emulator received, by kind, whether or
// not they succeeded (a refused signature or an injected fault counts
// too). Plain object requests are counted by method; listings, copies and
// multipart calls by what they are.
type Stats struct {
	Head   int64 `json:"head"`   // HEAD Object
	Get    int64 `json:"get"`    // GET Object (data reads)
	Put    int64 `json:"put"`    // PUT Object (directory markers too)
	Post   int64 `json:"post"`   // POST on an object that is no multipart call
	Delete int64 `json:"delete"` // DELETE Object
	List   int64 `json:"list"`   // GET Bucket: one listing page

	Copy        int64 `json:"copy"`         // PUT Object - Copy
	DeleteMulti int64 `json:"delete_multi"` // POST /?delete

	Initiate       int64 `json:"initiate"`         // POST ?uploads
	UploadPart     int64 `json:"upload_part"`      // PUT ?partNumber&uploadId
	UploadPartCopy int64 `json:"upload_part_copy"` // the same with x-cos-copy-source
	Complete       int64 `json:"complete"`         // POST ?uploadId
	Abort          int64 `json:"abort"`            // DELETE ?uploadId
	ListUploads    int64 `json:"list_uploads"`     // GET /?uploads
	ListParts      int64 `json:"list_parts"`       // GET ?uploadId

	// Bucket counts requests on buckets and the service (HEAD, PUT and
	// DELETE Bucket, GET Service) and anything else.
	Bucket int64 `json:"bucket"`
	// Total is the sum of the above.
	Total int64 `json:"total"`
}

// Sub returns the counts of s not in old: what happened between two
// snapshots.
func (s Stats) Sub(old Stats) Stats {
	return Stats{
		Head: s.Head - old.Head, Get: s.Get - old.Get, Put: s.Put - old.Put, Post: s.Post - old.Post,
		Delete: s.Delete - old.Delete, List: s.List - old.List, Copy: s.Copy - old.Copy,
		DeleteMulti: s.DeleteMulti - old.DeleteMulti, Initiate: s.Initiate - old.Initiate,
		UploadPart: s.UploadPart - old.UploadPart, UploadPartCopy: s.UploadPartCopy - old.UploadPartCopy,
		Complete: s.Complete - old.Complete, Abort: s.Abort - old.Abort,
		ListUploads: s.ListUploads - old.ListUploads, ListParts: s.ListParts - old.ListParts,
		Bucket: s.Bucket - old.Bucket, Total: s.Total - old.Total,
	}
}

// reqKind indexes the counters.
type reqKind int

const (
	kHead reqKind = iota
	kGet
	kPut
	kPost
	kDelete
	kList
	kCopy
	kDeleteMulti
	kInitiate
	kUploadPart
	kUploadPartCopy
	kComplete
	kAbort
	kListUploads
	kListParts
	kBucket
	numKinds
)

// counters are the per-kind request counts.
type counters [numKinds]atomic.Int64

// Stats returns the request counts so far.
func (s *Server) Stats() Stats {
	c := &s.counts
	st := Stats{
		Head: c[kHead].Load(), Get: c[kGet].Load(), Put: c[kPut].Load(), Post: c[kPost].Load(),
		Delete: c[kDelete].Load(), List: c[kList].Load(), Copy: c[kCopy].Load(),
		DeleteMulti: c[kDeleteMulti].Load(), Initiate: c[kInitiate].Load(),
		UploadPart: c[kUploadPart].Load(), UploadPartCopy: c[kUploadPartCopy].Load(),
		Complete: c[kComplete].Load(), Abort: c[kAbort].Load(),
		ListUploads: c[kListUploads].Load(), ListParts: c[kListParts].Load(), Bucket: c[kBucket].Load(),
	}
	for i := range c {
		st.Total += c[i].Load()
	}
	return st
}

// classify names the kind of request r, as route will serve it.
func classify(r *http.Request) reqKind {
	q := r.URL.Query()
	copySrc := r.Header.Get("x-cos-copy-source") != ""
	if hostBucket(r.Host) == "" || strings.TrimPrefix(r.URL.Path, "/") == "" {
		switch {
		case r.Method == http.MethodGet && q.Has("uploads"):
			return kListUploads
		case r.Method == http.MethodGet && hostBucket(r.Host) != "":
			return kList
		case r.Method == http.MethodPost && q.Has("delete"):
			return kDeleteMulti
		}
		return kBucket
	}
	multipart := q.Has("uploadId")
	switch r.Method {
	case http.MethodHead:
		return kHead
	case http.MethodGet:
		if multipart {
			return kListParts
		}
		return kGet
	case http.MethodPut:
		switch {
		case (q.Has("partNumber") || multipart) && copySrc:
			return kUploadPartCopy
		case q.Has("partNumber") || multipart:
			return kUploadPart
		case copySrc:
			return kCopy
		}
		return kPut
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return kInitiate
		case multipart:
			return kComplete
		}
		return kPost
	case http.MethodDelete:
		if multipart {
			return kAbort
		}
		return kDelete
	}
	return kBucket
}

// isStats reports a request for the stats: GET StatsPath on a host that
// names no bucket.
func isStats(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == StatsPath && hostBucket(r.Host) == ""
}

func (s *Server) serveStats(w http.ResponseWriter) {
	body, _ := json.Marshal(s.Stats())
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(body, '\n'))
}

// ipHost reports a Host that is an IP address or localhost: a client
// that dialed the emulator by address, naming no bucket.
func ipHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return net.ParseIP(strings.Trim(host, "[]")) != nil || strings.EqualFold(host, "localhost")
}
