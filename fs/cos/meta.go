package cos

import (
	"encoding/hex"
	"fmt"
	iofs "io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// Object metadata keys jetcp writes (documented in the README). Times are
// RFC 3339 with nanoseconds so a round trip through COS loses nothing.
const (
	metaOwner      = "x-cos-meta-owner"
	metaGroup      = "x-cos-meta-group"
	metaPermission = "x-cos-meta-permission" // octal, e.g. "0644"
	metaMtime      = "x-cos-meta-mtime"
	metaAtime      = "x-cos-meta-atime"
	metaCRC32C     = "x-cos-meta-crc32c"      // 8 hex digits, whole file
	metaCRC32CSize = "x-cos-meta-crc32c-size" // the size that checksum belongs to
	// metaSource is the origin record: the source's size, mtime and change
	// time (unix ns, 0 when unknown) when jetcp copied it here, its
	// fs.SourceID and the copying job, as "<size> <mtime> <ctime> <id>
	// job=<job>" (objects written before the id have three fields, before
	// the job four). With metaCRC32C it is valid only while
	// COS's own CRC32C of the object equals that checksum (readOrigin).
	metaSource = "x-cos-meta-jetcp-src"
)

// sourceMeta renders o's source fields for metaSource.
func sourceMeta(o fs.Origin) string {
	ns := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixNano()
	}
	v := fmt.Sprintf("%d %d %d", o.SrcSize, ns(o.SrcModTime), ns(o.SrcChangeTime))
	if o.SrcID != "" {
		v += " " + o.SrcID
	}
	if o.Job != "" {
		v += " job=" + o.Job
	}
	return v
}

// readOrigin is the origin record in h, if there is one and it belongs to
// the object h describes: the CRC32C jetcp recorded for this size equals
// the one COS computed of what it holds (x-cos-hash-crc32c, asked for by
// the HEAD). An object rewritten behind jetcp's back, with or without its
// metadata, has other bytes and so another CRC32C.
func readOrigin(h http.Header, size int64) *fs.Origin {
	v := h.Get(metaSource)
	if v == "" {
		return nil
	}
	f := strings.Fields(v)
	if len(f) < 3 || len(f) > 5 {
		return nil
	}
	var n [3]int64
	for i := range n {
		var err error
		if n[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return nil
		}
	}
	if n[0] < 0 {
		return nil
	}
	srcID, job := "", ""
	for _, x := range f[3:] {
		if j, ok := strings.CutPrefix(x, "job="); ok {
			job = j
		} else {
			srcID = x
		}
	}
	rec, ok := storedCRC32C(h, size)
	if !ok {
		return nil
	}
	cos, ok := parseCRC32C(h.Get("x-cos-hash-crc32c"))
	if same, err := cos.Equal(rec); !ok || err != nil || !same {
		return nil
	}
	t := func(ns int64) time.Time {
		if ns == 0 {
			return time.Time{}
		}
		return time.Unix(0, ns).UTC()
	}
	return &fs.Origin{Checksum: rec, SrcSize: n[0], SrcModTime: t(n[1]), SrcChangeTime: t(n[2]), SrcID: srcID, Job: job}
}

// metaHeader renders attributes as x-cos-meta-* headers, on top of old.
func metaHeader(old http.Header, a fs.Attrs) http.Header {
	h := http.Header{}
	for k, v := range old {
		if strings.HasPrefix(strings.ToLower(k), "x-cos-meta-") {
			h[k] = v
		}
	}
	if a.Owner != "" {
		h.Set(metaOwner, a.Owner)
	}
	if a.Group != "" {
		h.Set(metaGroup, a.Group)
	}
	if a.Mode != nil {
		h.Set(metaPermission, "0"+strconv.FormatUint(uint64(a.Mode.Perm()), 8))
	}
	if !a.ModTime.IsZero() {
		h.Set(metaMtime, a.ModTime.UTC().Format(time.RFC3339Nano))
	}
	if !a.AccessTime.IsZero() {
		h.Set(metaAtime, a.AccessTime.UTC().Format(time.RFC3339Nano))
	}
	return h
}

// applyMeta fills fi's attributes from response headers.
func applyMeta(fi *fs.FileInfo, h http.Header) {
	if v := h.Get(metaOwner); v != "" {
		fi.Owner = v
	}
	if v := h.Get(metaGroup); v != "" {
		fi.Group = v
	}
	if v := h.Get(metaPermission); v != "" {
		if m, err := strconv.ParseUint(v, 8, 32); err == nil {
			fi.Mode = fi.Mode&iofs.ModeType | iofs.FileMode(m)&iofs.ModePerm
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, h.Get(metaMtime)); err == nil {
		fi.ModTime = t
	}
	if t, err := time.Parse(time.RFC3339Nano, h.Get(metaAtime)); err == nil {
		fi.AccessTime = t
	}
}

// storedCRC32C is the checksum jetcp stored at upload, if it still belongs
// to an object of this size.
func storedCRC32C(h http.Header, size int64) (fs.Checksum, bool) {
	v, sz := h.Get(metaCRC32C), h.Get(metaCRC32CSize)
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != 4 || sz != strconv.FormatInt(size, 10) {
		return fs.Checksum{}, false
	}
	return fs.Checksum{Algorithm: fs.AlgCRC32C, Value: b}, true
}
