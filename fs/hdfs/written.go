package hdfs

import (
	"sync"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// A copy asks the NameNode about the file it just wrote once: the
// verification's lookup (writer.CheckStored opens the file for its block
// locations, which answers its status too). What comes after on the same
// file (the origin record, -p's attributes, the rename into place, the
// manifest's version) used to look it up again, one getFileInfo each; they
// take the status from here instead, kept up to date by what this FS
// itself changes. Nobody else writes a copy's temp file, and rename2,
// setXAttr, setPermission and setOwner leave a file's mtime and inode id
// as they are.

// written is one file this FS wrote, from its Close.
type written struct {
	mu    sync.Mutex
	fi    fs.FileInfo
	id    uint64 // inode id, for the version
	known bool   // fi and id are the NameNode's (CheckStored looked)
	gone  bool   // renamed or removed by this FS: not at its path any more
}

// info is the file's status, if known.
func (k *written) info() (fs.FileInfo, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fi, k.known
}

// moved reports whether this FS renamed or removed the file.
func (k *written) moved() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gone
}

// learn records the status the NameNode answered.
func (k *written) learn(fi fs.FileInfo, id uint64) {
	k.mu.Lock()
	k.fi, k.id, k.known = fi, id, true
	k.mu.Unlock()
}

// update changes a known status as this FS changed the file; a nil k (a
// file this FS did not write) has none to change.
func (k *written) update(change func(fi *fs.FileInfo)) {
	if k == nil {
		return
	}
	k.mu.Lock()
	change(&k.fi)
	k.mu.Unlock()
}

// retimed is the status after setTimes(at, mt) through the client, which
// sends whole seconds: the version follows the new mtime.
func (k *written) retimed(at, mt time.Time) {
	k.update(func(fi *fs.FileInfo) {
		fi.ModTime, fi.AccessTime = time.Unix(mt.Unix(), 0), time.Unix(at.Unix(), 0)
		fi.Version = version(k.id, fi.ModTime)
	})
}

// maxWritten bounds writtenFiles: a file leaves it when it is renamed or
// removed, and one written in place (-direct) when its version is asked;
// one that is neither is forgotten when the set is full, which costs only
// the lookups it would have saved.
const maxWritten = 4096

// writtenFiles are the files this FS wrote, by path, until they are
// renamed or removed.
type writtenFiles struct {
	mu sync.Mutex
	m  map[string]*written
}

func (s *writtenFiles) put(p string, k *written) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxWritten {
		s.m = map[string]*written{}
	}
	s.m[p] = k
}

// get is the file this FS wrote at p, if nothing took it away since.
func (s *writtenFiles) get(p string) (*written, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.m[p]
	return k, ok
}

// known is p's status where this FS wrote p and the NameNode told it.
func (s *writtenFiles) known(p string) (fs.FileInfo, *written, bool) {
	k, ok := s.get(p)
	if !ok {
		return fs.FileInfo{}, nil, false
	}
	fi, ok := k.info()
	if !ok {
		return fs.FileInfo{}, nil, false
	}
	return fi, k, true
}

// moved forgets p, which this FS renamed or removed.
func (s *writtenFiles) moved(p string) {
	s.mu.Lock()
	k, ok := s.m[p]
	delete(s.m, p)
	s.mu.Unlock()
	if ok {
		k.mu.Lock()
		k.gone = true
		k.mu.Unlock()
	}
}

// done forgets k, at p, once its writer needs it no more.
func (s *writtenFiles) done(p string, k *written) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[p] == k {
		delete(s.m, p)
	}
}
