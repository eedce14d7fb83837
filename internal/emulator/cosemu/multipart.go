package cosemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	maxParts    = 10000
	minPartSize = 1 << 20 // every part but the last
)

func noSuchUpload(id string) *apiError {
	return errf(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist: %s", id)
}

func newUploadID() string {
	var rb [8]byte
	_, _ = rand.Read(rb[:])
	return fmt.Sprintf("%d%s", time.Now().Unix(), hex.EncodeToString(rb[:]))
}

func (s *Server) initiateUpload(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	if e := checkKey(key); e != nil {
		return e
	}
	ct, hs := requestMeta(r)
	u := &upload{id: newUploadID(), key: key, initiated: time.Now().UTC(), contentType: ct, headers: hs, parts: map[int]*part{}}
	b.mu.Lock()
	b.uploads[u.id] = u
	b.mu.Unlock()
	type result struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket   string
		Key      string
		UploadID string `xml:"UploadId"`
	}
	s.writeXML(w, http.StatusOK, result{Bucket: b.name, Key: key, UploadID: u.id})
	return nil
}

// partArgs validates partNumber and uploadId of an upload-part request.
func partArgs(r *http.Request, b *bucket, key string) (int, string, *apiError) {
	q := r.URL.Query()
	id := q.Get("uploadId")
	n, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil || n < 1 || n > maxParts {
		return 0, "", errf(http.StatusBadRequest, "InvalidArgument", "partNumber must be an integer from 1 to %d, not %q", maxParts, q.Get("partNumber"))
	}
	b.mu.RLock()
	u := b.uploads[id]
	b.mu.RUnlock()
	if u == nil || u.key != key {
		return 0, "", noSuchUpload(id)
	}
	return n, id, nil
}

// addPart stores a written part, unless the upload went away meanwhile.
func (b *bucket) addPart(id string, p *part) *apiError {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.uploads[id]
	if u == nil {
		p.blob.remove()
		return noSuchUpload(id)
	}
	if old := u.parts[p.num]; old != nil {
		old.blob.remove()
	}
	u.parts[p.num] = p
	return nil
}

func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	n, id, e := partArgs(r, b, key)
	if e != nil {
		return e
	}
	bl, sm, err := writeBlob(b.mpuDir, r.Body, r.ContentLength)
	if err != nil {
		return errf(http.StatusBadRequest, "IncompleteBody", "reading the request body: %v", err)
	}
	p := &part{num: n, etag: quoteMD5(sm.md5), md5: sm.md5, size: sm.size, crc64: sm.crc64, modified: time.Now().UTC(), blob: bl}
	if e := b.addPart(id, p); e != nil {
		return e
	}
	w.Header().Set("ETag", p.etag)
	setChecksums(w, r, sm.crc64, sm.crc32c)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) copyPart(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	n, id, e := partArgs(r, b, key)
	if e != nil {
		return e
	}
	src, rd, e := s.openCopySource(r)
	if e != nil {
		return e
	}
	defer rd.Close()
	start, length := int64(0), src.Size
	if rg := r.Header.Get("x-cos-copy-source-range"); rg != "" {
		a, z, ok := parseCopyRange(rg)
		if !ok || z >= src.Size {
			return errf(http.StatusBadRequest, "InvalidArgument", "x-cos-copy-source-range %q is invalid for a source of %d bytes", rg, src.Size)
		}
		start, length = a, z-a+1
	}
	if _, err := rd.Seek(start, io.SeekStart); err != nil {
		return errf(http.StatusInternalServerError, "InternalError", "seek: %v", err)
	}
	bl, sm, err := writeBlob(b.mpuDir, io.LimitReader(rd, length), length)
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalError", "copy part: %v", err)
	}
	p := &part{num: n, etag: quoteMD5(sm.md5), md5: sm.md5, size: sm.size, crc64: sm.crc64, modified: time.Now().UTC(), blob: bl}
	if e := b.addPart(id, p); e != nil {
		return e
	}
	type result struct {
		XMLName      xml.Name `xml:"CopyPartResult"`
		ETag         string
		LastModified string
		CRC64        string `xml:"CRC64,omitempty"`
	}
	setChecksums(w, r, sm.crc64, sm.crc32c)
	s.writeXML(w, http.StatusOK, result{ETag: p.etag, LastModified: isoTime(p.modified), CRC64: strconv.FormatUint(sm.crc64, 10)})
	return nil
}

func sortedParts(u *upload) []*part {
	ps := make([]*part, 0, len(u.parts))
	for _, p := range u.parts {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].num < ps[j].num })
	return ps
}

func (s *Server) listParts(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	q := r.URL.Query()
	id := q.Get("uploadId")
	max, e := parseMax(q.Get("max-parts"), 1000)
	if e != nil {
		return e
	}
	marker, _ := strconv.Atoi(q.Get("part-number-marker"))
	b.mu.RLock()
	u := b.uploads[id]
	var ps []*part
	if u != nil && u.key == key {
		ps = sortedParts(u)
	}
	b.mu.RUnlock()
	if u == nil || u.key != key {
		return noSuchUpload(id)
	}
	type partXML struct {
		PartNumber   int
		LastModified string
		ETag         string
		Size         int64
	}
	type result struct {
		XMLName              xml.Name `xml:"ListPartsResult"`
		Bucket               string
		EncodingType         string `xml:"Encoding-type,omitempty"`
		Key                  string
		UploadID             string `xml:"UploadId"`
		Initiator            *ownerXML
		Owner                *ownerXML
		StorageClass         string
		PartNumberMarker     int
		NextPartNumberMarker int `xml:",omitempty"`
		MaxParts             int
		IsTruncated          bool
		Parts                []partXML `xml:"Part"`
	}
	res := result{Bucket: b.name, Key: key, UploadID: id, Initiator: owner, Owner: owner, StorageClass: "STANDARD",
		PartNumberMarker: marker, MaxParts: max}
	if q.Get("encoding-type") == "url" {
		res.EncodingType, res.Key = "url", urlEncode(key)
	}
	for _, p := range ps {
		if p.num <= marker {
			continue
		}
		if len(res.Parts) == max {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, partXML{PartNumber: p.num, LastModified: isoTime(p.modified), ETag: p.etag, Size: p.size})
		res.NextPartNumberMarker = p.num
	}
	if !res.IsTruncated {
		res.NextPartNumberMarker = 0
	}
	s.writeXML(w, http.StatusOK, res)
	return nil
}

func trimETag(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }

func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	id := r.URL.Query().Get("uploadId")
	var req struct {
		Parts []struct {
			PartNumber int
			ETag       string
		} `xml:"Part"`
	}
	if err := xml.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil {
		return errf(http.StatusBadRequest, "MalformedXML", "the CompleteMultipartUpload XML is malformed: %v", err)
	}
	if len(req.Parts) == 0 {
		return errf(http.StatusBadRequest, "MalformedXML", "CompleteMultipartUpload lists no parts")
	}
	if len(req.Parts) > maxParts {
		return errf(http.StatusBadRequest, "InvalidArgument", "CompleteMultipartUpload lists %d parts, more than %d", len(req.Parts), maxParts)
	}
	b.mu.RLock()
	u := b.uploads[id]
	var chosen []*part
	var e *apiError
	if u == nil || u.key != key {
		e = noSuchUpload(id)
	} else {
		for i, rp := range req.Parts {
			if i > 0 && rp.PartNumber <= req.Parts[i-1].PartNumber {
				e = errf(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order: part %d after part %d", rp.PartNumber, req.Parts[i-1].PartNumber)
				break
			}
			p := u.parts[rp.PartNumber]
			if p == nil || trimETag(rp.ETag) != trimETag(p.etag) {
				e = errf(http.StatusBadRequest, "InvalidPart", "part %d was not found or its ETag %s does not match", rp.PartNumber, rp.ETag)
				break
			}
			chosen = append(chosen, p)
		}
	}
	b.mu.RUnlock()
	if e != nil {
		return e
	}
	for i, p := range chosen[:len(chosen)-1] {
		if p.size < minPartSize {
			return errf(http.StatusBadRequest, "EntityTooSmall", "part %d (index %d) has %d bytes; every part but the last must have at least %d", p.num, i, p.size, minPartSize)
		}
	}
	var readers []io.Reader
	md5s := make([][16]byte, 0, len(chosen))
	for _, p := range chosen {
		rd, err := p.blob.open()
		if err != nil {
			return errf(http.StatusInternalServerError, "InternalError", "open part: %v", err)
		}
		defer rd.Close()
		readers = append(readers, rd)
		md5s = append(md5s, p.md5)
	}
	bl, sm, err := writeBlob(b.objDir, io.MultiReader(readers...), -1)
	if err != nil {
		return errf(http.StatusInternalServerError, "InternalError", "assemble: %v", err)
	}
	b.mu.Lock()
	u = b.uploads[id]
	if u != nil {
		delete(b.uploads, id)
	}
	b.mu.Unlock()
	if u == nil {
		bl.remove()
		return noSuchUpload(id)
	}
	for _, p := range u.parts {
		p.blob.remove()
	}
	o := &object{Key: key, Size: sm.size, ETag: md5Concat(md5s), CRC64: sm.crc64, CRC32C: sm.crc32c,
		ContentType: u.contentType, Headers: u.headers, Modified: time.Now().UTC(), blob: bl}
	if err := b.put(o); err != nil {
		bl.remove()
		return errf(http.StatusInternalServerError, "InternalError", "store: %v", err)
	}
	type result struct {
		XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
		Location string
		Bucket   string
		Key      string
		ETag     string
	}
	setChecksums(w, r, o.CRC64, o.CRC32C)
	s.writeXML(w, http.StatusOK, result{Location: r.Host + "/" + key, Bucket: b.name, Key: key, ETag: o.ETag})
	return nil
}

func (s *Server) abortUpload(w http.ResponseWriter, r *http.Request, b *bucket, key string) *apiError {
	id := r.URL.Query().Get("uploadId")
	b.mu.Lock()
	u := b.uploads[id]
	if u != nil && u.key == key {
		delete(b.uploads, id)
	}
	b.mu.Unlock()
	if u == nil || u.key != key {
		return noSuchUpload(id)
	}
	for _, p := range u.parts {
		p.blob.remove()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listUploads(w http.ResponseWriter, r *http.Request, b *bucket) *apiError {
	q := r.URL.Query()
	prefix, keyMarker, idMarker := q.Get("prefix"), q.Get("key-marker"), q.Get("upload-id-marker")
	max, e := parseMax(q.Get("max-uploads"), 1000)
	if e != nil {
		return e
	}
	type item struct {
		key, id string
		t       time.Time
	}
	var all []item
	b.mu.RLock()
	for _, u := range b.uploads {
		if strings.HasPrefix(u.key, prefix) {
			all = append(all, item{u.key, u.id, u.initiated})
		}
	}
	b.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].key != all[j].key {
			return all[i].key < all[j].key
		}
		return all[i].id < all[j].id
	})
	type uploadXML struct {
		Key          string
		UploadID     string `xml:"UploadId"`
		StorageClass string
		Initiator    *ownerXML
		Owner        *ownerXML
		Initiated    string
	}
	type result struct {
		XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
		Bucket             string
		EncodingType       string `xml:"Encoding-Type,omitempty"`
		KeyMarker          string
		UploadIDMarker     string `xml:"UploadIdMarker"`
		NextKeyMarker      string `xml:",omitempty"`
		NextUploadIDMarker string `xml:"NextUploadIdMarker,omitempty"`
		MaxUploads         int
		IsTruncated        bool
		Prefix             string
		Uploads            []uploadXML `xml:"Upload"`
	}
	enc := q.Get("encoding-type") == "url"
	ec := func(s string) string {
		if enc {
			return urlEncode(s)
		}
		return s
	}
	res := result{Bucket: b.name, KeyMarker: ec(keyMarker), UploadIDMarker: idMarker, MaxUploads: max, Prefix: ec(prefix)}
	if enc {
		res.EncodingType = "url"
	}
	for _, it := range all {
		if keyMarker != "" && (it.key < keyMarker || it.key == keyMarker && (idMarker == "" || it.id <= idMarker)) {
			continue
		}
		if len(res.Uploads) == max {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, uploadXML{Key: ec(it.key), UploadID: it.id, StorageClass: "STANDARD",
			Initiator: owner, Owner: owner, Initiated: isoTime(it.t)})
		res.NextKeyMarker, res.NextUploadIDMarker = ec(it.key), it.id
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	s.writeXML(w, http.StatusOK, res)
	return nil
}

// parseCopyRange parses x-cos-copy-source-range, which must be "bytes=a-b".
func parseCopyRange(h string) (a, b int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found {
		return 0, 0, false
	}
	x, y, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.ParseInt(x, 10, 64)
	b, err2 := strconv.ParseInt(y, 10, 64)
	return a, b, err1 == nil && err2 == nil && a >= 0 && b >= a
}
