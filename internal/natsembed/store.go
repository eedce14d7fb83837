package natsembed

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Store is one process's private directory for an embedded server's
// streams, under a parent shared by every embedded run of the user
// (StoreParent). A lock on <parent>/<id>.lock (flock, which the kernel
// drops when the process dies, SIGKILL included) says the process lives;
// the next OpenStore removes the directories whose lock is free, so a
// killed run's store does not stay behind for good.
type Store struct {
	// Dir is the directory to give the server.
	Dir  string
	lock *os.File
}

// Leftover is a dead run's store directory, emptied by OpenStore but for
// the note that run left (Store.Note; empty when none), and locked until
// Done or Keep: the caller cleans up after the dead run's job first, so a
// clean-up that fails (or is killed in turn) is tried again by a later run.
type Leftover struct {
	Dir  string
	Note string
	lock *os.File
}

// Done removes the rest of the dead run's directory and its lock: what its
// job left is cleaned up.
func (l *Leftover) Done() {
	os.RemoveAll(l.Dir)
	os.Remove(l.lock.Name())
	l.lock.Close()
}

// Keep leaves the note for a later run and lets the lock go.
func (l *Leftover) Keep() { l.lock.Close() }

// StoreParent is where embedded runs keep their stores: one directory per
// user under the system's temp directory.
func StoreParent() string {
	return filepath.Join(os.TempDir(), "jetcp-embedded-"+strconv.Itoa(os.Getuid()))
}

const (
	lockSuffix = ".lock"
	noteName   = "note"
)

// OpenStore makes a store directory for this process under parent, locked
// for the process's life, after emptying those of runs that are gone. It
// returns what those left (their notes), for the caller to clean up after
// their jobs and then call Done (or Keep) on each.
func OpenStore(parent string) (*Store, []*Leftover, error) {
	left, err := reap(parent)
	if err != nil {
		return nil, nil, err
	}
	// Another run may take a fresh lock file away (see claim), or remove
	// the parent as it ends (Remove): try again.
	for range 3 {
		if err := os.MkdirAll(parent, 0o700); err != nil {
			return nil, nil, fmt.Errorf("embedded server store: %w", err)
		}
		s, err := claim(parent)
		if err != nil || s != nil {
			return s, left, err
		}
	}
	return nil, left, fmt.Errorf("embedded server store: cannot lock a directory under %s", parent)
}

// claim creates and locks a new id's lock file, then its directory. It
// returns nil, nil when a reaping run removed the lock file between its
// creation and the lock (the file locked is then not the one named).
func claim(parent string) (*Store, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
	lockPath := filepath.Join(parent, id+lockSuffix)
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil // the parent went meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("embedded server store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, nil // a reaper holds it: it takes the file away
	}
	if !sameFile(f, lockPath) {
		f.Close()
		return nil, nil
	}
	dir := filepath.Join(parent, id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		os.Remove(lockPath)
		f.Close()
		if errors.Is(err, iofs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("embedded server store: %w", err)
	}
	return &Store{Dir: dir, lock: f}, nil
}

// sameFile tells whether the open file f is still the one at p.
func sameFile(f *os.File, p string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(p)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// reap empties the store directories under parent whose run is gone (its
// lock file can be locked), but for their notes, and returns them locked.
func reap(parent string) ([]*Leftover, error) {
	entries, err := os.ReadDir(parent)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("embedded server store: %w", err)
	}
	var left []*Leftover
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), lockSuffix)
		if !ok || e.IsDir() {
			continue
		}
		if l := reapOne(parent, id); l != nil {
			left = append(left, l)
		}
	}
	return left, nil
}

// reapOne empties id's directory but for its note, if its run is gone,
// and returns it locked; nil when the run lives (or another run reaps it).
func reapOne(parent, id string) *Leftover {
	lockPath := filepath.Join(parent, id+lockSuffix)
	f, err := os.Open(lockPath)
	if err != nil {
		return nil // reaped by another run meanwhile
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil || !sameFile(f, lockPath) {
		f.Close()
		return nil // alive, or reaped meanwhile
	}
	l := &Leftover{Dir: filepath.Join(parent, id), lock: f}
	if note, err := os.ReadFile(filepath.Join(l.Dir, noteName)); err == nil {
		l.Note = string(note)
	}
	entries, _ := os.ReadDir(l.Dir)
	for _, e := range entries {
		if e.Name() != noteName {
			os.RemoveAll(filepath.Join(l.Dir, e.Name()))
		}
	}
	return l
}

// Note keeps a few words with the store for whoever finds it after this
// process died (OpenStore's Leftover.Note), e.g. which job to clean up
// after.
func (s *Store) Note(note string) error {
	if err := os.WriteFile(filepath.Join(s.Dir, noteName), []byte(note), 0o600); err != nil {
		return fmt.Errorf("embedded server store: %w", err)
	}
	return nil
}

// Remove deletes the store directory and its lock, and the parent when no
// other run uses it: the process is done with them.
func (s *Store) Remove() {
	os.RemoveAll(s.Dir)
	os.Remove(s.lock.Name())
	s.lock.Close()
	os.Remove(filepath.Dir(s.Dir)) // fails while not empty
}
