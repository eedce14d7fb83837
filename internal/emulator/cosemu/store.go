package cosemu

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

var (
	crc64Table  = crc64.MakeTable(crc64.ECMA)
	crc32cTable = crc32.MakeTable(crc32.Castagnoli)
)

// blob is immutable object or part data, in memory or in a file.
type blob struct {
	data []byte // memory mode
	path string // disk mode
	size int64
}

type nopSeekCloser struct{ *bytes.Reader }

func (nopSeekCloser) Close() error { return nil }

func (b *blob) open() (io.ReadSeekCloser, error) {
	if b.path == "" {
		return nopSeekCloser{bytes.NewReader(b.data)}, nil
	}
	return os.Open(b.path)
}

func (b *blob) remove() {
	if b != nil && b.path != "" {
		_ = os.Remove(b.path)
	}
}

// sums are the checksums of a blob, computed while it is written.
type sums struct {
	md5    [16]byte
	crc64  uint64
	crc32c uint32
	size   int64
}

// maxPreSize bounds the memory a request's Content-Length can claim
// before its bytes arrive.
const maxPreSize = 64 << 20

// writeBlob stores all of r as a new blob: in memory when dir is "", else in
// a new uniquely named file in dir. size is how many bytes r is expected
// to hold (-1: not known): a memory blob is made that size at once, not
// grown by doubling (which cost a benchmark more CPU than the MD5).
func writeBlob(dir string, r io.Reader, size int64) (*blob, sums, error) {
	h5 := md5.New()
	h64 := crc64.New(crc64Table)
	h32 := crc32.New(crc32cTable)
	var sm sums
	var b *blob
	if dir == "" {
		var buf bytes.Buffer
		if size > 0 && size <= maxPreSize {
			buf.Grow(int(size))
		}
		n, err := io.Copy(io.MultiWriter(&buf, h5, h64, h32), r)
		if err != nil {
			return nil, sm, err
		}
		b = &blob{data: buf.Bytes(), size: n}
	} else {
		f, err := os.CreateTemp(dir, "blob-*.data")
		if err != nil {
			return nil, sm, err
		}
		n, err := io.Copy(io.MultiWriter(f, h5, h64, h32), r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
			return nil, sm, err
		}
		b = &blob{path: f.Name(), size: n}
	}
	copy(sm.md5[:], h5.Sum(nil))
	sm.crc64 = h64.Sum64()
	sm.crc32c = h32.Sum32()
	sm.size = b.size
	return b, sm, nil
}

// object is one stored object. It is never modified once stored: an
// overwrite stores a new *object.
type object struct {
	Key         string            `json:"key"`
	Size        int64             `json:"size"`
	ETag        string            `json:"etag"` // quoted
	CRC64       uint64            `json:"crc64"`
	CRC32C      uint32            `json:"crc32c"`
	ContentType string            `json:"content_type,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"` // canonical name -> value (x-cos-meta-*, Cache-Control, ...)
	Modified    time.Time         `json:"modified"`
	DataFile    string            `json:"data_file,omitempty"` // base name of the data file (disk mode)

	blob *blob
}

type part struct {
	num      int
	etag     string // quoted
	md5      [16]byte
	size     int64
	crc64    uint64
	modified time.Time
	blob     *blob
}

type upload struct {
	id          string
	key         string
	initiated   time.Time
	contentType string
	headers     map[string]string
	parts       map[int]*part
}

type bucket struct {
	name    string
	created time.Time
	objDir  string // "" = memory
	mpuDir  string

	mu      sync.RWMutex
	objects map[string]*object
	index   keyIndex
	uploads map[string]*upload
}

func newBucket(name, root string) (*bucket, error) {
	b := &bucket{name: name, created: time.Now(), objects: map[string]*object{}, uploads: map[string]*upload{}}
	if root == "" {
		return b, nil
	}
	dir := filepath.Join(root, name)
	b.objDir = filepath.Join(dir, "obj")
	b.mpuDir = filepath.Join(dir, "mpu")
	// Multipart uploads do not survive a restart.
	_ = os.RemoveAll(b.mpuDir)
	for _, d := range []string{b.objDir, b.mpuDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if st, err := os.Stat(dir); err == nil {
		b.created = st.ModTime()
	}
	return b, b.load()
}

func metaName(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:]) + ".json"
}

// load reads the objects of a disk bucket and removes unreferenced data files.
func (b *bucket) load() error {
	ents, err := os.ReadDir(b.objDir)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(b.objDir, e.Name()))
		if err != nil {
			return err
		}
		var o object
		if err := json.Unmarshal(raw, &o); err != nil {
			return fmt.Errorf("cosemu: bad metadata %s: %w", e.Name(), err)
		}
		p := filepath.Join(b.objDir, o.DataFile)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		o.blob = &blob{path: p, size: o.Size}
		used[o.DataFile] = true
		b.objects[o.Key] = &o
		b.index.insert(o.Key)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".data") && !used[e.Name()] {
			_ = os.Remove(filepath.Join(b.objDir, e.Name()))
		}
	}
	return nil
}

// put stores o, replacing any object under the same key.
func (b *bucket) put(o *object) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.objDir != "" {
		o.DataFile = filepath.Base(o.blob.path)
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		mp := filepath.Join(b.objDir, metaName(o.Key))
		if err := os.WriteFile(mp+".tmp", raw, 0o644); err != nil {
			return err
		}
		if err := os.Rename(mp+".tmp", mp); err != nil {
			return err
		}
	}
	old := b.objects[o.Key]
	b.objects[o.Key] = o
	if old == nil {
		b.index.insert(o.Key)
	} else if old.blob != o.blob {
		old.blob.remove()
	}
	return nil
}

// openObject returns the object and an open reader on its data.
func (b *bucket) openObject(key string) (*object, io.ReadSeekCloser, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	o := b.objects[key]
	if o == nil {
		return nil, nil, nil
	}
	rd, err := o.blob.open()
	return o, rd, err
}

func (b *bucket) delete(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.objects[key]
	if o == nil {
		return
	}
	delete(b.objects, key)
	b.index.remove(key)
	if b.objDir != "" {
		_ = os.Remove(filepath.Join(b.objDir, metaName(key)))
	}
	o.blob.remove()
}

// prefixEnd returns the smallest string greater than every string starting
// with p, or "" when there is none.
func prefixEnd(p string) string {
	bs := []byte(p)
	for len(bs) > 0 && bs[len(bs)-1] == 0xff {
		bs = bs[:len(bs)-1]
	}
	if len(bs) == 0 {
		return ""
	}
	bs[len(bs)-1]++
	return string(bs)
}

// list returns one page of a v1 listing. Objects and common prefixes count
// against max together; next is the last item returned.
func (b *bucket) list(prefix, delim, marker string, max int) (objs []*object, cps []string, truncated bool, next string) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var it keyIter
	if prefix > marker {
		it = b.index.seek(prefix)
	} else {
		it = b.index.seek(marker)
		if it.valid(&b.index) && it.key(&b.index) == marker {
			it.next(&b.index)
		}
	}
	n := 0
	for it.valid(&b.index) {
		k := it.key(&b.index)
		if !strings.HasPrefix(k, prefix) {
			break
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if cp > marker {
					if n == max {
						truncated = true
						break
					}
					cps = append(cps, cp)
					next = cp
					n++
				}
				end := prefixEnd(cp)
				if end == "" {
					break
				}
				it = b.index.seek(end)
				continue
			}
		}
		if n == max {
			truncated = true
			break
		}
		objs = append(objs, b.objects[k])
		next = k
		n++
		it.next(&b.index)
	}
	return objs, cps, truncated, next
}

// keyIndex is a sorted set of keys kept as a list of sorted chunks, so that
// inserts cost O(chunk) and seeks O(log n) even with millions of keys.
type keyIndex struct {
	chunks [][]string
}

const maxChunk = 512

// chunkFor returns the chunk that holds k or where k belongs.
func (ix *keyIndex) chunkFor(k string) int {
	i := sort.Search(len(ix.chunks), func(i int) bool { return ix.chunks[i][0] > k })
	if i > 0 {
		i--
	}
	return i
}

func (ix *keyIndex) insert(k string) {
	if len(ix.chunks) == 0 {
		ix.chunks = [][]string{{k}}
		return
	}
	ci := ix.chunkFor(k)
	c := ix.chunks[ci]
	j, found := slices.BinarySearch(c, k)
	if found {
		return
	}
	c = slices.Insert(c, j, k)
	if len(c) > 2*maxChunk {
		second := slices.Clone(c[maxChunk:])
		ix.chunks[ci] = c[:maxChunk:maxChunk]
		ix.chunks = slices.Insert(ix.chunks, ci+1, second)
		return
	}
	ix.chunks[ci] = c
}

func (ix *keyIndex) remove(k string) {
	if len(ix.chunks) == 0 {
		return
	}
	ci := ix.chunkFor(k)
	c := ix.chunks[ci]
	j, found := slices.BinarySearch(c, k)
	if !found {
		return
	}
	c = slices.Delete(c, j, j+1)
	if len(c) == 0 {
		ix.chunks = slices.Delete(ix.chunks, ci, ci+1)
		return
	}
	ix.chunks[ci] = c
}

// seek returns the position of the first key >= k.
func (ix *keyIndex) seek(k string) keyIter {
	if len(ix.chunks) == 0 {
		return keyIter{}
	}
	ci := ix.chunkFor(k)
	j, _ := slices.BinarySearch(ix.chunks[ci], k)
	it := keyIter{ci: ci, j: j}
	if j == len(ix.chunks[ci]) {
		it.ci++
		it.j = 0
	}
	return it
}

type keyIter struct{ ci, j int }

func (it *keyIter) valid(ix *keyIndex) bool { return it.ci < len(ix.chunks) }
func (it *keyIter) key(ix *keyIndex) string { return ix.chunks[it.ci][it.j] }
func (it *keyIter) next(ix *keyIndex) {
	it.j++
	if it.j == len(ix.chunks[it.ci]) {
		it.ci++
		it.j = 0
	}
}
