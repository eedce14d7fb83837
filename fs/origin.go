package fs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// OriginXattr is the extended attribute in which backends with user
// xattrs (local files, HDFS) keep an OriginRecord. The name predates the
// record's source fields: it once held only the checksum.
const OriginXattr = "user.jetcp.crc32c"

// OriginRecord is an Origin as a backend stores it with a file, together
// with the file's own size and modification time when it was recorded:
// the record is valid only while they are unchanged (ValidFor).
//
// Its one text form, written by EncodeOriginRecord for every backend, is
//
//	CRC32C:<hex> size=<bytes> mtime=<unix ns> src_size=<bytes> src_mtime=<unix ns> src_ctime=<unix ns> [src=<id>] [job=<id>]
//
// with 0 for an unknown source time, src_size=-1 for a record of the
// checksum alone (fs.ChecksumStorer: the source is not known), and the
// src and job fields only when known (Origin.SrcID, Origin.Job).
// ParseOriginRecord also reads the forms earlier versions wrote: local
// files' without src_ctime (5 fields) and HDFS's stored checksum
// "CRC32C:<hex> size=<bytes> mtime=<unix ms>" (3 fields, no source).
type OriginRecord struct {
	Origin
	Size    int64     // the file's own size when recorded
	ModTime time.Time // the file's own mtime when recorded
}

// HasSource reports whether the record names its source (else it keeps
// only the file's checksum).
func (r OriginRecord) HasSource() bool { return r.SrcSize >= 0 }

// ValidFor reports whether the record still belongs to fi: the file has
// the size and modification time it had when the record was written.
func (r OriginRecord) ValidFor(fi FileInfo) bool {
	return r.Size == fi.Size && unixNano(r.ModTime) == unixNano(fi.ModTime)
}

// EncodeOriginRecord renders r in the one record format. It fails on a
// checksum other than a CRC32C, the only kind records hold.
func EncodeOriginRecord(r OriginRecord) (string, error) {
	if _, ok := r.Checksum.Uint32(); !ok {
		return "", fmt.Errorf("origin record: checksum %q is not a CRC32C", r.Checksum)
	}
	if r.Size < 0 {
		return "", fmt.Errorf("origin record: size %d", r.Size)
	}
	srcSize := r.SrcSize
	if srcSize < 0 {
		srcSize = -1
	}
	if strings.ContainsAny(r.SrcID, " \t\n") {
		return "", fmt.Errorf("origin record: source id %q", r.SrcID)
	}
	v := make([]byte, 0, 180)
	v = append(v, r.Checksum.String()...)
	for _, kv := range [...]struct {
		k string
		v int64
	}{{" size=", r.Size}, {" mtime=", unixNano(r.ModTime)}, {" src_size=", srcSize},
		{" src_mtime=", unixNano(r.SrcModTime)}, {" src_ctime=", unixNano(r.SrcChangeTime)}} {
		v = strconv.AppendInt(append(v, kv.k...), kv.v, 10)
	}
	if r.SrcID != "" {
		v = append(append(v, " src="...), r.SrcID...)
	}
	if r.Job != "" {
		if strings.IndexFunc(r.Job, unicode.IsSpace) >= 0 {
			return "", fmt.Errorf("origin record: job %q", r.Job)
		}
		v = append(append(v, " job="...), r.Job...)
	}
	return string(v), nil
}

// ParseOriginRecord reads a record in the current format or in one an
// earlier version wrote (see OriginRecord). A record without a source
// has SrcSize -1.
func ParseOriginRecord(v string) (OriginRecord, error) {
	bad := func(why string) (OriginRecord, error) {
		return OriginRecord{}, fmt.Errorf("origin record %q: %s", v, why)
	}
	f := strings.Fields(v)
	srcID, job := "", ""
	if len(f) > 6 {
		var ok bool
		if srcID, job, ok = optionalFields(f[6:]); !ok {
			return bad("want src= and job= after src_ctime")
		}
		f = f[:6]
	}
	if len(f) != 3 && len(f) != 5 && len(f) != 6 {
		return bad("want 3, 5, 6, 7 or 8 fields")
	}
	sum, err := ParseChecksum(f[0])
	if _, ok := sum.Uint32(); err != nil || !ok {
		return bad("not a CRC32C")
	}
	keys := [...]string{"size=", "mtime=", "src_size=", "src_mtime=", "src_ctime="}
	var n [len(keys)]int64
	for i, s := range f[1:] {
		num, ok := strings.CutPrefix(s, keys[i])
		if !ok {
			return bad("want " + keys[i])
		}
		if n[i], err = strconv.ParseInt(num, 10, 64); err != nil {
			return bad(keys[i] + " is not a number")
		}
	}
	if n[0] < 0 {
		return bad("negative size")
	}
	r := OriginRecord{Origin: Origin{Checksum: sum, SrcSize: -1}, Size: n[0], ModTime: fromNano(n[1])}
	if len(f) == 3 {
		// HDFS's stored checksum before records were one format: mtime in ms.
		if n[1] > math.MaxInt64/int64(time.Millisecond) || n[1] < math.MinInt64/int64(time.Millisecond) {
			return bad("mtime out of range")
		}
		r.ModTime = time.UnixMilli(n[1])
		return r, nil
	}
	if n[2] < -1 {
		return bad("src_size below -1")
	}
	r.SrcSize, r.SrcModTime, r.SrcChangeTime, r.SrcID, r.Job = n[2], fromNano(n[3]), fromNano(n[4]), srcID, job
	return r, nil
}

// optionalFields reads the fields after src_ctime: src=<id>, then
// job=<id>, each optional but never empty.
func optionalFields(f []string) (srcID, job string, ok bool) {
	if v, found := strings.CutPrefix(f[0], "src="); found {
		if v == "" {
			return "", "", false
		}
		srcID, f = v, f[1:]
	}
	switch len(f) {
	case 0:
		return srcID, "", true
	case 1:
		job, found := strings.CutPrefix(f[0], "job=")
		return srcID, job, found && job != ""
	}
	return "", "", false
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
