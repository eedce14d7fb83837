package messages

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// The compact form: what a job stores per file (its work items and its
// result events) is binary, so that a job's footprint in JetStream stays
// a few dozen bytes per file while it runs (issue #22). A message in it
// starts with compactMark (a byte no JSON text starts with), the wire
// version and a byte for its type; the rest is a sequence of varints and
// length-prefixed bytes:
//
//   - Each entry of a bundle is written as it differs from the one before
//     it (the first: from the bundle's own result, or from nothing): a
//     bit mask says which fields are there, and an absent field is the
//     previous entry's value (or zero, for the fields documented so).
//   - Paths are front-coded: the length of the prefix kept from the
//     previous entry's path, then the rest. A target path is then one
//     byte when it changed as its source did (the same relative name
//     under another base), else the length of the suffix it shares with
//     its source and its own front-coded prefix.
//   - Times are nanoseconds from a reference (the previous entry's time,
//     or the entry's own mtime for its ctime and atime), zig-zag varints.
//   - Words that repeat (kinds, statuses, reasons, copier names, owners)
//     are written once per message and referred to by number after.
//   - Checksums and versions in hex go as their bytes.
//
// A message that does not fit these shapes (a result nested deeper than a
// bundle's files, an event other than a result) is JSON, which every
// decoder still reads.

// Compact form header bytes.
const (
	compactMark       = 0x00
	compactWorkType   = 'w' // a WorkItem
	compactResultType = 'r' // an Event of type result
)

// compactWords are the words every compact message's dictionary starts
// with, numbered from 1 in this order. Fixed for wire version 2: a new
// word goes at the end, with a new version.
var compactWords = []string{"", KindFile, KindDir, KindBundle, KindChunk, StatusCopied, StatusSkipped, StatusFailed}

// errCompact is the cause of every malformed compact message.
var errCompact = errors.New("malformed compact message")

// writer appends a compact message to b.
type writer struct {
	b     []byte
	words map[string]int // word -> its number
}

func newWriter(typ byte) *writer {
	w := &writer{b: make([]byte, 0, 256), words: make(map[string]int, len(compactWords)+8)}
	for i, s := range compactWords {
		w.words[s] = i + 1
	}
	w.b = append(w.b, compactMark, Version, typ)
	return w
}

func (w *writer) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) varint(v int64)   { w.b = binary.AppendVarint(w.b, v) }

// bytes writes s with its length.
func (w *writer) bytes(s string) {
	w.uvarint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// word writes s by its number in the message's dictionary, the first time
// as 0 and s itself.
func (w *writer) word(s string) {
	if i, ok := w.words[s]; ok {
		w.uvarint(uint64(i))
		return
	}
	w.uvarint(0)
	w.bytes(s)
	w.words[s] = len(w.words) + 1
}

// path writes s front-coded against prev; it returns the prefix kept.
func (w *writer) path(s, prev string) int {
	k := commonPrefix(s, prev)
	w.uvarint(uint64(k))
	w.bytes(s[k:])
	return k
}

// paths writes a source and target path pair against the previous pair.
func (w *writer) paths(src, dst, prevSrc, prevDst string) {
	k := w.path(src, prevSrc)
	// The same change as the source's: replace the bytes of prevDst that
	// the source replaced of prevSrc by what replaced them.
	if cut := len(prevDst) - (len(prevSrc) - k); cut >= 0 && len(dst) == cut+len(src)-k &&
		dst[:cut] == prevDst[:cut] && dst[cut:] == src[k:] {
		w.uvarint(0)
		return
	}
	n := commonSuffix(src, dst)
	w.uvarint(uint64(n) + 1)
	w.path(dst[:len(dst)-n], prevDst)
}

// Hex forms of blob.
const (
	blobRaw    = iota // the bytes as they are
	blobHex           // lowercase hex
	blobQuoted        // lowercase hex in double quotes (an ETag)
	blobCRC32C        // "CRC32C:" and lowercase hex (a result's checksum)
)

const crcPrefix = "CRC32C:"

// blob writes a checksum or a version: hex as its bytes.
func (w *writer) blob(s string) {
	form, h := blobRaw, ""
	switch {
	case strings.HasPrefix(s, crcPrefix):
		form, h = blobCRC32C, s[len(crcPrefix):]
	case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"':
		form, h = blobQuoted, s[1:len(s)-1]
	default:
		form, h = blobHex, s
	}
	if !isLowerHex(h) {
		form, h = blobRaw, s
	}
	w.uvarint(uint64(form))
	if form == blobRaw {
		w.bytes(s)
		return
	}
	raw, _ := hex.DecodeString(h)
	w.bytes(string(raw))
}

// isLowerHex reports whether s is a non-empty even-length lowercase hex string.
func isLowerHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Time forms: 0 is the zero time, 1 a time written whole (seconds and
// nanoseconds), and n >= 2 zigzag(nanoseconds from the reference) + 2.
const (
	timeZero  = 0
	timeWhole = 1
	timeNear  = 2
)

// time writes t as nanoseconds from ref (the Unix epoch when ref is zero).
func (w *writer) time(t, ref time.Time) {
	if t.IsZero() {
		w.uvarint(timeZero)
		return
	}
	if d, ok := nanosFrom(t, ref); ok {
		w.uvarint(zigzag(d) + timeNear)
		return
	}
	w.uvarint(timeWhole)
	w.varint(t.Unix())
	w.uvarint(uint64(t.Nanosecond()))
}

// maxNear bounds the nanoseconds a time may be from its reference to be
// written near it (about 146 years): so no sum overflows.
const maxNear = 1 << 62

func nanosFrom(t, ref time.Time) (int64, bool) {
	if ref.IsZero() {
		ref = time.Unix(0, 0)
	}
	const far = 1 << 32 // seconds
	ts, rs := t.Unix(), ref.Unix()
	if ts > far || ts < -far || rs > far || rs < -far {
		return 0, false
	}
	d := (ts-rs)*1e9 + int64(t.Nanosecond()-ref.Nanosecond())
	return d, d < maxNear && d > -maxNear
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// reader reads a compact message. Its first error sticks: every later read
// returns zero values, and err says what was wrong first.
type reader struct {
	b     []byte
	words []string
	err   error
}

// checkHeader checks the length and version of a compact message.
func checkHeader(data []byte, name string) error {
	if len(data) < 3 {
		return fmt.Errorf("decode %s: %w: %d bytes, too short", name, errCompact, len(data))
	}
	if data[1] != Version {
		return fmt.Errorf("decode %s: compact version %d, this jetcp speaks %d: %w", name, data[1], Version, ErrVersion)
	}
	return nil
}

// newReader checks the header of data for a message of type typ.
func newReader(data []byte, typ byte, name string) (*reader, error) {
	if err := checkHeader(data, name); err != nil {
		return nil, err
	}
	if data[2] != typ {
		return nil, fmt.Errorf("decode %s: %w: its type is %q, not %q", name, errCompact, data[2], typ)
	}
	r := &reader{b: data[3:], words: make([]string, 0, len(compactWords)+8)}
	r.words = append(r.words, compactWords...)
	return r, nil
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{errCompact}, args...)...)
	}
}

// done reports the first error, or trailing bytes.
func (r *reader) done() error {
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d bytes after the end", len(r.b))
	}
	return r.err
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length or count of things of at least least bytes each,
// so a hostile one cannot make a decoder allocate more than the message.
func (r *reader) count(least int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/least) {
		r.fail("count %d beyond the message's %d bytes", n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *reader) int() int {
	v := r.varint()
	if v > math.MaxInt || v < math.MinInt {
		r.fail("integer %d out of range", v)
	}
	return int(v)
}

func (r *reader) bool() bool {
	switch r.uvarint() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bad boolean")
	return false
}

func (r *reader) bytes() string {
	n := r.count(1)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) word() string {
	i := r.uvarint()
	if i == 0 {
		s := r.bytes()
		if r.err == nil {
			r.words = append(r.words, s)
		}
		return s
	}
	if i > uint64(len(r.words)) {
		r.fail("word %d of %d", i, len(r.words))
		return ""
	}
	return r.words[i-1]
}

func (r *reader) path(prev string) string {
	k := r.uvarint()
	if k > uint64(len(prev)) {
		r.fail("path keeps %d bytes of %d", k, len(prev))
		return ""
	}
	return prev[:k] + r.bytes()
}

// paths reads what writer.paths wrote.
func (r *reader) paths(prevSrc, prevDst string) (src, dst string) {
	k := r.uvarint()
	if k > uint64(len(prevSrc)) {
		r.fail("path keeps %d bytes of %d", k, len(prevSrc))
		return "", ""
	}
	rest := r.bytes()
	src = prevSrc[:k] + rest
	switch m := r.uvarint(); {
	case m == 0:
		cut := len(prevDst) - (len(prevSrc) - int(k))
		if cut < 0 {
			r.fail("target path cut below its start")
			return "", ""
		}
		dst = prevDst[:cut] + rest
	case m-1 > uint64(len(src)):
		r.fail("target path shares %d bytes of a %d-byte source", m-1, len(src))
	default:
		dst = r.path(prevDst) + src[len(src)-int(m-1):]
	}
	return src, dst
}

func (r *reader) blob() string {
	form := r.uvarint()
	b := r.bytes()
	switch form {
	case blobRaw:
		return b
	case blobHex:
		return hex.EncodeToString([]byte(b))
	case blobQuoted:
		return `"` + hex.EncodeToString([]byte(b)) + `"`
	case blobCRC32C:
		return crcPrefix + hex.EncodeToString([]byte(b))
	}
	r.fail("blob form %d", form)
	return ""
}

func (r *reader) time(ref time.Time) time.Time {
	u := r.uvarint()
	switch {
	case u == timeZero:
		return time.Time{}
	case u == timeWhole:
		s, n := r.varint(), r.uvarint()
		if n >= 1e9 {
			r.fail("nanoseconds %d", n)
		}
		return time.Unix(s, int64(n)).UTC()
	}
	d := unzigzag(u - timeNear)
	if d >= maxNear || d <= -maxNear {
		r.fail("time %d ns from its reference", d)
		return time.Time{}
	}
	if ref.IsZero() {
		ref = time.Unix(0, 0)
	}
	return time.Unix(ref.Unix(), int64(ref.Nanosecond())+d).UTC()
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func commonSuffix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[len(a)-1-i] != b[len(b)-1-i] {
			return i
		}
	}
	return n
}
