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
// version (none for new blocks).
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
	commit() error
	abort()
}

type replica interface {
	io.ReaderAt
	io.Closer
	size() int64
}

// ---- in memory ----

type memStore struct {
	mu     sync.Mutex
	blocks map[uint64][]byte // never mutated once stored
}

func newMemStore() *memStore { return &memStore{blocks: make(map[uint64][]byte)} }

type memWriter struct {
	s   *memStore
	id  uint64
	buf bytes.Buffer
}

func (w *memWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }
func (w *memWriter) abort()                      {}
func (w *memWriter) commit() error {
	w.s.mu.Lock()
	w.s.blocks[w.id] = w.buf.Bytes()
	w.s.mu.Unlock()
	return nil
}

type memReplica struct{ *bytes.Reader }

func (r memReplica) Close() error { return nil }
func (r memReplica) size() int64  { return r.Size() }

func (s *memStore) create(id uint64) (replicaWriter, error) { return &memWriter{s: s, id: id}, nil }

func (s *memStore) appendTo(id uint64) (replicaWriter, int64, error) {
	s.mu.Lock()
	b, ok := s.blocks[id]
	s.mu.Unlock()
	if !ok {
		return nil, 0, errNoBlock
	}
	w := &memWriter{s: s, id: id}
	w.buf.Write(b)
	return w, int64(len(b)), nil
}

func (s *memStore) open(id uint64) (replica, error) {
	s.mu.Lock()
	b, ok := s.blocks[id]
	s.mu.Unlock()
	if !ok {
		return nil, errNoBlock
	}
	return memReplica{bytes.NewReader(b)}, nil
}

func (s *memStore) length(id uint64) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blocks[id]
	return int64(len(b)), ok
}

func (s *memStore) truncate(id uint64, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blocks[id]
	if !ok {
		return errNoBlock
	}
	if n < int64(len(b)) {
		s.blocks[id] = b[:n:n]
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
		n += int64(len(b))
	}
	return n
}

// ---- on disk: one file per replica, DIR/blocks/blk_ID ----

type fileStore struct {
	dir string
}

func (s *fileStore) path(id uint64) string {
	return filepath.Join(s.dir, "blk_"+strconv.FormatUint(id, 10))
}

type fileWriter struct {
	f      *os.File
	target string
}

func (w *fileWriter) Write(b []byte) (int, error) { return w.f.Write(b) }
func (w *fileWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
func (w *fileWriter) commit() error {
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	return os.Rename(w.f.Name(), w.target)
}

type fileReplica struct {
	*os.File
	n int64
}

func (r fileReplica) size() int64 { return r.n }

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
	return os.Truncate(s.path(id), n)
}

func (s *fileStore) remove(id uint64) { os.Remove(s.path(id)) }

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
