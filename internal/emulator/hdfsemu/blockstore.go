package hdfsemu

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

var errNoBlock = errors.New("replica not found")

// blockStore keeps the finalized replicas of the DataNode. Replicas become
// visible only when a writer commits; until then readers see the previous
// version (none for new blocks). Beside its data a replica may keep its
// block checksum (the MD5 of its chunks' CRC32Cs as received), as a
// DataNode keeps a meta file: BLOCK_CHECKSUM then reads no data.
type blockStore interface {
	// create starts a new, empty replica.
	create(id uint64) (replicaWriter, error)
	// appendTo starts a new version of an existing replica holding its data;
	// it returns the current length.
	appendTo(id uint64) (replicaWriter, int64, error)
	open(id uint64) (replica, error)
	length(id uint64) (int64, bool)
	truncate(id uint64, n int64) error
	remove(id uint64)
	used() int64
}

type replicaWriter interface {
	io.Writer
	// commit makes the replica visible with its block checksum (nil when
	// not known: it is then computed from the data when asked for).
	commit(sum []byte) error
	abort()
}

type replica interface {
	io.ReaderAt
	io.Closer
	size() int64
	// checksum is the stored block checksum, nil when there is none.
	checksum() []byte
}

// ---- in memory ----

type memStore struct {
	mu     sync.Mutex
	blocks map[uint64]memBlock // never mutated once stored
}

type memBlock struct {
	data []byte
	sum  []byte
}

func newMemStore() *memStore { return &memStore{blocks: make(map[uint64]memBlock)} }

type memWriter struct {
	s   *memStore
	id  uint64
	buf bytes.Buffer
}

func (w *memWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }
func (w *memWriter) abort()                      {}
func (w *memWriter) commit(sum []byte) error {
	w.s.mu.Lock()
	w.s.blocks[w.id] = memBlock{data: w.buf.Bytes(), sum: sum}
	w.s.mu.Unlock()
	return nil
}

type memReplica struct {
	*bytes.Reader
	sum []byte
}

func (r memReplica) Close() error     { return nil }
func (r memReplica) size() int64      { return r.Size() }
func (r memReplica) checksum() []byte { return r.sum }

func (s *memStore) create(id uint64) (replicaWriter, error) { return &memWriter{s: s, id: id}, nil }

func (s *memStore) appendTo(id uint64) (replicaWriter, int64, error) {
	s.mu.Lock()
	b, ok := s.blocks[id]
	s.mu.Unlock()
	if !ok {
		return nil, 0, errNoBlock
	}
	w := &memWriter{s: s, id: id}
	w.buf.Write(b.data)
	return w, int64(len(b.data)), nil
}

func (s *memStore) open(id uint64) (replica, error) {
	s.mu.Lock()
	b, ok := s.blocks[id]
	s.mu.Unlock()
	if !ok {
		return nil, errNoBlock
	}
	return memReplica{bytes.NewReader(b.data), b.sum}, nil
}

func (s *memStore) length(id uint64) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blocks[id]
	return int64(len(b.data)), ok
}

func (s *memStore) truncate(id uint64, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blocks[id]
	if !ok {
		return errNoBlock
	}
	if n < int64(len(b.data)) {
		s.blocks[id] = memBlock{data: b.data[:n:n]} // the checksum no longer applies
	}
	return nil
}

func (s *memStore) remove(id uint64) {
	s.mu.Lock()
	delete(s.blocks, id)
	s.mu.Unlock()
}

func (s *memStore) used() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, b := range s.blocks {
		n += int64(len(b.data))
	}
	return n
}

// ---- on disk: one file per replica, DIR/blocks/blk_ID, and its block
// checksum in blk_ID.meta ----

type fileStore struct {
	dir string
}

func (s *fileStore) path(id uint64) string {
	return filepath.Join(s.dir, "blk_"+strconv.FormatUint(id, 10))
}

func metaPath(data string) string { return data + ".meta" }

type fileWriter struct {
	f      *os.File
	target string
}

func (w *fileWriter) Write(b []byte) (int, error) { return w.f.Write(b) }
func (w *fileWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
func (w *fileWriter) commit(sum []byte) error {
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	// The old version's checksum goes first, so none ever describes
	// other data; a missing one is computed when asked for.
	if err := os.Remove(metaPath(w.target)); err != nil && !errors.Is(err, os.ErrNotExist) {
		os.Remove(w.f.Name())
		return err
	}
	if err := os.Rename(w.f.Name(), w.target); err != nil {
		return err
	}
	if sum != nil {
		return os.WriteFile(metaPath(w.target), sum, 0o644)
	}
	return nil
}

type fileReplica struct {
	*os.File
	n int64
}

func (r fileReplica) size() int64 { return r.n }

func (r fileReplica) checksum() []byte {
	b, err := os.ReadFile(metaPath(r.Name()))
	if err != nil {
		return nil
	}
	return b
}

func (s *fileStore) create(id uint64) (replicaWriter, error) {
	f, err := os.CreateTemp(s.dir, fmt.Sprintf("blk_%d.*.tmp", id))
	if err != nil {
		return nil, err
	}
	return &fileWriter{f: f, target: s.path(id)}, nil
}

func (s *fileStore) appendTo(id uint64) (replicaWriter, int64, error) {
	src, err := os.Open(s.path(id))
	if err != nil {
		return nil, 0, errNoBlock
	}
	defer src.Close()
	w, err := s.create(id)
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(w, src)
	if err != nil {
		w.abort()
		return nil, 0, err
	}
	return w, n, nil
}

func (s *fileStore) open(id uint64) (replica, error) {
	f, err := os.Open(s.path(id))
	if err != nil {
		return nil, errNoBlock
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileReplica{f, st.Size()}, nil
}

func (s *fileStore) length(id uint64) (int64, bool) {
	st, err := os.Stat(s.path(id))
	if err != nil {
		return 0, false
	}
	return st.Size(), true
}

func (s *fileStore) truncate(id uint64, n int64) error {
	if err := os.Remove(metaPath(s.path(id))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Truncate(s.path(id), n)
}

func (s *fileStore) remove(id uint64) {
	os.Remove(metaPath(s.path(id)))
	os.Remove(s.path(id))
}

func (s *fileStore) used() int64 {
	var n int64
	ents, _ := os.ReadDir(s.dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}
