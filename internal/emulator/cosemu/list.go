package cosemu

import (
	"encoding/xml"
	"net/http"
	"strconv"
)

type contentXML struct {
	Key          string
	LastModified string
	ETag         string
	Size         int64
	Owner        *ownerXML
	StorageClass string
}

type prefixXML struct {
	Prefix string
}

type listBucketXML struct {
	XMLName        xml.Name `xml:"ListBucketResult"`
	Name           string
	EncodingType   string `xml:",omitempty"`
	Prefix         string
	Marker         string
	MaxKeys        int
	Delimiter      string `xml:",omitempty"`
	IsTruncated    bool
	NextMarker     string `xml:",omitempty"`
	Contents       []contentXML
	CommonPrefixes []prefixXML
}

// urlEncode is the encoding-type=url escaping: everything but
// A-Z a-z 0-9 - _ . ~ / is percent-encoded (so space is %20 and '+' is %2B,
// which url.QueryUnescape / cos.DecodeURIComponent turn back).
func urlEncode(s string) string {
	return escape(s, func(c byte) bool { return c == '/' })
}

func parseMax(q string, def int) (int, *apiError) {
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 0 {
		return 0, errf(http.StatusBadRequest, "InvalidArgument", "invalid max value %q", q)
	}
	if n == 0 || n > 1000 {
		n = 1000
	}
	return n, nil
}

func (s *Server) listObjects(w http.ResponseWriter, r *http.Request, b *bucket) *apiError {
	q := r.URL.Query()
	prefix, delim, marker := q.Get("prefix"), q.Get("delimiter"), q.Get("marker")
	enc := q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return errf(http.StatusBadRequest, "InvalidArgument", "encoding-type must be url")
	}
	max, e := parseMax(q.Get("max-keys"), 1000)
	if e != nil {
		return e
	}
	objs, cps, truncated, next := b.list(prefix, delim, marker, max)
	ec := func(s string) string {
		if enc == "url" {
			return urlEncode(s)
		}
		return s
	}
	res := listBucketXML{Name: b.name, EncodingType: enc, Prefix: ec(prefix), Marker: ec(marker), MaxKeys: max,
		Delimiter: ec(delim), IsTruncated: truncated}
	// Like COS, NextMarker is only given when a delimiter is used; without
	// one, clients continue from the last key.
	if truncated && delim != "" {
		res.NextMarker = ec(next)
	}
	res.Contents = make([]contentXML, 0, len(objs))
	for _, o := range objs {
		res.Contents = append(res.Contents, contentXML{Key: ec(o.Key), LastModified: isoTime(o.Modified), ETag: o.ETag,
			Size: o.Size, Owner: owner, StorageClass: "STANDARD"})
	}
	for _, cp := range cps {
		res.CommonPrefixes = append(res.CommonPrefixes, prefixXML{Prefix: ec(cp)})
	}
	s.writeXML(w, http.StatusOK, res)
	return nil
}
