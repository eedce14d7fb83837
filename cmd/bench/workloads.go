package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	jfs "github.com/jetcp/jetcp/fs"

	jobmanifest "github.com/jetcp/jetcp/internal/manifest"
)

// This file generates the source trees and checks copies of them.

// genFile is one file of a generated tree: its slash-separated path under
// the tree's root and its size.
type genFile struct {
	rel  string
	size int64
}

// entry is what a tree holds at one path: a directory, or a file's size
// and CRC32C.
type entry struct {
	dir  bool
	size int64
	crc  uint32
}

// manifest maps slash-separated paths under a root to their entries.
type manifest map[string]entry

// workload is a generated source tree and the manifest a copy must match.
type workload struct {
	name  string
	src   string
	want  manifest
	files int64
	bytes int64
	dirs  int
}

// flatLayout is n files of size at the root: part-00000, part-00001, ...
func flatLayout(n int, size int64) []genFile {
	out := make([]genFile, n)
	for i := range out {
		out[i] = genFile{fmt.Sprintf("part-%05d", i), size}
	}
	return out
}

// nestedLayout spreads n files of size round-robin over fanout x fanout
// leaf directories (dNN/dNN/fNNNNN), the shape of a partitioned table.
func nestedLayout(n, fanout int, size int64) []genFile {
	leaves := min(n, fanout*fanout)
	out := make([]genFile, n)
	for i := range out {
		leaf := i % max(leaves, 1)
		out[i] = genFile{fmt.Sprintf("d%02d/d%02d/f%05d", leaf/fanout, leaf%fanout, i), size}
	}
	return out
}

// contentSeed makes each file's bytes depend only on the workload name and
// the file's path, so every run (and every machine) copies the same data.
func contentSeed(name, rel string) [32]byte {
	return sha256.Sum256([]byte("jetcp-bench\x00" + name + "\x00" + rel))
}

// generate writes files under root (removed first) with deterministic
// pseudo-random content, on every CPU, and returns their manifest.
func generate(name, root string, files []genFile) (*workload, error) {
	if err := os.RemoveAll(root); err != nil {
		return nil, err
	}
	w := &workload{name: name, src: root, want: manifest{}}
	for _, f := range files {
		for d := pathDir(f.rel); d != ""; d = pathDir(d) {
			if _, ok := w.want[d]; ok {
				break
			}
			w.want[d] = entry{dir: true}
			w.dirs++
		}
		w.files++
		w.bytes += f.size
	}
	for d, e := range w.want {
		if e.dir {
			if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}

	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan genFile)
	)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for f := range next {
				crc, err := writeFile(filepath.Join(root, filepath.FromSlash(f.rel)), f.size, contentSeed(name, f.rel), buf)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				w.want[f.rel] = entry{size: f.size, crc: crc}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return w, nil
}

func pathDir(rel string) string {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ""
	}
	return rel[:i]
}

func writeFile(path string, size int64, seed [32]byte, buf []byte) (uint32, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	rng := rand.NewChaCha8(seed)
	h := jfs.NewCRC32C()
	for left := size; left > 0; {
		n := int(min(left, int64(len(buf))))
		_, _ = rng.Read(buf[:n])
		h.Write(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return 0, err
		}
		left -= int64(n)
	}
	return h.Sum32(), f.Close()
}

// scanTree reads the tree at root (every file's bytes) into a manifest.
// Anything but regular files and directories is an error.
func scanTree(root string) (manifest, error) {
	m := manifest{}
	buf := make([]byte, 1<<20)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == jobmanifest.DirName && d.IsDir():
			return filepath.SkipDir // jetcp's job manifests, not copied data
		case d.IsDir():
			m[rel] = entry{dir: true}
		case d.Type().IsRegular():
			e, err := sumFile(p, buf)
			if err != nil {
				return err
			}
			m[rel] = e
		default:
			return fmt.Errorf("%s: not a regular file or directory (%v)", p, d.Type())
		}
		return nil
	})
	return m, err
}

func sumFile(path string, buf []byte) (entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return entry{}, err
	}
	defer f.Close()
	h := jfs.NewCRC32C()
	n, err := io.CopyBuffer(h, f, buf)
	if err != nil {
		return entry{}, err
	}
	return entry{size: n, crc: h.Sum32()}, nil
}

// diffManifests says how got differs from want (missing, extra and
// different entries, a few examples of each), or returns nil when they are
// the same.
func diffManifests(want, got manifest) error {
	var missing, extra, differ []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			missing = append(missing, p)
		case g.dir != w.dir:
			differ = append(differ, p+" (file/directory)")
		case g.size != w.size:
			differ = append(differ, fmt.Sprintf("%s (size %d, want %d)", p, g.size, w.size))
		case g.crc != w.crc:
			differ = append(differ, p+" (content: CRC32C differs)")
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			extra = append(extra, p)
		}
	}
	if len(missing)+len(extra)+len(differ) == 0 {
		return nil
	}
	var parts []string
	for _, g := range []struct {
		what string
		list []string
	}{{"missing", missing}, {"unexpected", extra}, {"different", differ}} {
		if len(g.list) == 0 {
			continue
		}
		sort.Strings(g.list)
		ex := g.list[:min(len(g.list), 3)]
		parts = append(parts, fmt.Sprintf("%d %s (%s)", len(g.list), g.what, strings.Join(ex, ", ")))
	}
	return errors.New("target differs from source: " + strings.Join(parts, "; "))
}

// verifyTree checks that the tree at root is a byte-identical copy of w.
func verifyTree(w *workload, root string) error {
	got, err := scanTree(root)
	if err != nil {
		return fmt.Errorf("read target: %w", err)
	}
	return diffManifests(w.want, got)
}
