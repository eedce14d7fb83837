package cos

import (
	"encoding/hex"
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
)

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
