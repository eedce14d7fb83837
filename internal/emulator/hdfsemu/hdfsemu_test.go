package hdfsemu

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	hdfs "github.com/colinmarc/hdfs/v2"
)

const (
	testSuper     = "hdfs"
	testBlockSize = 1 << 20
)

func startCluster(t *testing.T, o Options) *Cluster {
	t.Helper()
	if o.Superuser == "" {
		o.Superuser = testSuper
	}
	if o.BlockSize == 0 {
		o.BlockSize = testBlockSize
	}
	c, err := Start(o, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func newClient(t *testing.T, c *Cluster, user string) *hdfs.Client {
	t.Helper()
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c.Addr()}, User: user})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeFile(t *testing.T, cl *hdfs.Client, name string, data []byte) {
	t.Helper()
	w, err := cl.Create(name)
	if err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
	// Odd-sized writes exercise packet and block boundaries.
	for off := 0; off < len(data); {
		n := min(len(data)-off, 100_003)
		if _, err := w.Write(data[off : off+n]); err != nil {
			t.Fatalf("Write %s: %v", name, err)
		}
		off += n
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close %s: %v", name, err)
	}
}

func readFile(t *testing.T, cl *hdfs.Client, name string) []byte {
	t.Helper()
	r, err := cl.Open(name)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("Read %s: %v", name, err)
	}
	return b
}

func TestWriteStatRead(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)

	if err := cl.MkdirAll("/data/a/b", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := cl.MkdirAll("/data/a/b", 0o755); err != nil {
		t.Fatalf("MkdirAll of an existing dir: %v", err)
	}
	data := randomBytes(3*testBlockSize+testBlockSize/2, 1) // 3.5 blocks
	before := time.Now().Add(-time.Second)
	writeFile(t, cl, "/data/a/b/f", data)

	fi, err := cl.Stat("/data/a/b/f")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != int64(len(data)) || fi.IsDir() || fi.Mode() != 0o644 || fi.Name() != "f" {
		t.Errorf("Stat: size %d dir %v mode %v name %q", fi.Size(), fi.IsDir(), fi.Mode(), fi.Name())
	}
	if fi.ModTime().Before(before) || fi.ModTime().After(time.Now().Add(time.Second)) {
		t.Errorf("mtime %v not around now", fi.ModTime())
	}
	hfi := fi.(*hdfs.FileInfo)
	if hfi.Owner() != testSuper || hfi.OwnerGroup() != "supergroup" {
		t.Errorf("owner %s:%s", hfi.Owner(), hfi.OwnerGroup())
	}
	if st := hfi.Sys().(*hdfs.FileStatus); st.GetBlocksize() != testBlockSize {
		t.Errorf("block size %d", st.GetBlocksize())
	}
	di, err := cl.Stat("/data/a")
	if err != nil || !di.IsDir() || di.Mode() != os.ModeDir|0o755 {
		t.Fatalf("Stat dir: %v %v", di, err)
	}

	if got := readFile(t, cl, "/data/a/b/f"); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, differ from the %d written", len(got), len(data))
	}

	r, err := cl.Open("/data/a/b/f")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, off := range []int64{0, 1, 511, 512, testBlockSize - 10, testBlockSize + testBlockSize/2 + 77, int64(len(data)) - 1000} {
		buf := make([]byte, 1000)
		n, err := r.ReadAt(buf, off)
		if err != nil || n != 1000 || !bytes.Equal(buf, data[off:off+1000]) {
			t.Errorf("ReadAt(%d): n=%d err=%v equal=%v", off, n, err, bytes.Equal(buf[:n], data[off:off+int64(n)]))
		}
	}
	off := int64(2*testBlockSize + 12345)
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(rest, data[off:]) {
		t.Errorf("Seek+ReadAll: %d bytes, err %v", len(rest), err)
	}

	// Empty file.
	writeFile(t, cl, "/data/empty", nil)
	if got := readFile(t, cl, "/data/empty"); len(got) != 0 {
		t.Errorf("empty file read %d bytes", len(got))
	}

	cs, err := cl.GetContentSummary("/data")
	if err != nil {
		t.Fatal(err)
	}
	if cs.Size() != int64(len(data)) || cs.FileCount() != 2 || cs.DirectoryCount() != 3 {
		t.Errorf("content summary: size %d files %d dirs %d", cs.Size(), cs.FileCount(), cs.DirectoryCount())
	}
	fs, err := cl.StatFs()
	if err != nil || fs.Used < uint64(len(data)) || fs.Capacity == 0 {
		t.Errorf("StatFs: %+v %v", fs, err)
	}
}

func TestAppendAndTruncate(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	a := randomBytes(testBlockSize/2+300, 2)
	b := randomBytes(testBlockSize+1000, 3)
	writeFile(t, cl, "/f", a)
	w, err := cl.Append("/f")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{}, a...), b...)
	if got := readFile(t, cl, "/f"); !bytes.Equal(got, want) {
		t.Fatalf("after append: %d bytes, want %d", len(got), len(want))
	}
	if ok, err := cl.Truncate("/f", 1000); err != nil || !ok {
		t.Fatalf("Truncate: %v %v", ok, err)
	}
	if got := readFile(t, cl, "/f"); !bytes.Equal(got, want[:1000]) {
		t.Fatalf("after truncate: %d bytes", len(got))
	}
}

func TestReadDirPaging(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	const n = 1234
	if err := cl.Mkdir("/many", 0o755); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("f%05d", i)
		want = append(want, name)
		if err := cl.CreateEmptyFile("/many/" + name); err != nil {
			t.Fatal(err)
		}
	}
	infos, err := cl.ReadDir("/many")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fi := range infos {
		got = append(got, fi.Name())
	}
	sort.Strings(want)
	if len(got) != n || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ReadDir returned %d names, want %d", len(got), n)
	}
	// Readdir in small batches goes through startAfter too.
	r, err := cl.Open("/many")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var batched []string
	for {
		names, err := r.Readdirnames(500)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		batched = append(batched, names...)
		if len(batched) > n {
			break
		}
	}
	if len(batched) != n {
		t.Fatalf("batched Readdirnames: %d names", len(batched))
	}
}

func TestRenameRemove(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	if err := cl.MkdirAll("/r/d1/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	one, two := randomBytes(5000, 4), randomBytes(7000, 5)
	writeFile(t, cl, "/r/one", one)
	writeFile(t, cl, "/r/two", two)

	if err := cl.Rename("/r/one", "/r/uno"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Stat("/r/one"); !os.IsNotExist(err) {
		t.Errorf("old name after rename: %v", err)
	}
	if got := readFile(t, cl, "/r/uno"); !bytes.Equal(got, one) {
		t.Error("renamed file content differs")
	}
	// Over an existing file: replaced.
	if err := cl.Rename("/r/uno", "/r/two"); err != nil {
		t.Fatalf("rename over existing file: %v", err)
	}
	if got := readFile(t, cl, "/r/two"); !bytes.Equal(got, one) {
		t.Error("rename over existing file did not replace it")
	}
	// A file over a directory, and a dir over a non-empty dir, fail.
	if err := cl.Rename("/r/two", "/r/d1"); err == nil {
		t.Error("rename file over directory succeeded")
	}
	if err := cl.Mkdir("/r/d2", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := cl.Rename("/r/d2", "/r/d1"); err == nil {
		t.Error("rename over non-empty directory succeeded")
	}
	if err := cl.Rename("/r/d1", "/r/d1/sub/x"); err == nil {
		t.Error("rename into own subtree succeeded")
	}
	if err := cl.Rename("/r/missing", "/r/x"); !os.IsNotExist(err) {
		t.Errorf("rename of missing source: %v", err)
	}
	// A dir over an empty dir works.
	if err := cl.Rename("/r/d1", "/r/d2"); err != nil {
		t.Fatalf("rename dir over empty dir: %v", err)
	}
	if fi, err := cl.Stat("/r/d2/sub"); err != nil || !fi.IsDir() {
		t.Fatalf("moved subtree: %v", err)
	}

	if err := cl.Remove("/r/d2"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("Remove of non-empty dir: %v", err)
	}
	if err := cl.Remove("/r/two"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Remove("/r/two"); !os.IsNotExist(err) {
		t.Errorf("Remove of missing file: %v", err)
	}
	if err := cl.RemoveAll("/r"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Stat("/r"); !os.IsNotExist(err) {
		t.Errorf("after RemoveAll: %v", err)
	}
	if fs, _ := cl.StatFs(); fs.Used != 0 {
		t.Errorf("blocks not freed: %d bytes used", fs.Used)
	}
}

func TestPermissionsAndAttrs(t *testing.T) {
	c := startCluster(t, Options{})
	root := newClient(t, c, testSuper)
	alice := newClient(t, c, "alice")

	if err := root.MkdirAll("/home/bob", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := root.Chown("/home/bob", "bob", "bob"); err != nil {
		t.Fatal(err)
	}
	fi, _ := root.Stat("/home/bob")
	if o := fi.(*hdfs.FileInfo); o.Owner() != "bob" || o.OwnerGroup() != "bob" {
		t.Fatalf("after Chown: %s:%s", o.Owner(), o.OwnerGroup())
	}
	// alice may not write into bob's 0755 directory...
	if _, err := alice.Create("/home/bob/x"); !os.IsPermission(err) {
		t.Errorf("create in another user's 0755 dir: %v", err)
	}
	if err := alice.Mkdir("/home/bob/d", 0o755); !os.IsPermission(err) {
		t.Errorf("mkdir in another user's 0755 dir: %v", err)
	}
	// ...nor chown, nor chmod what is not hers.
	if err := alice.Chown("/home/bob", "alice", "alice"); !os.IsPermission(err) {
		t.Errorf("non-superuser chown: %v", err)
	}
	if err := alice.Chmod("/home/bob", 0o777); !os.IsPermission(err) {
		t.Errorf("chmod by non-owner: %v", err)
	}
	// Writable directory: new file owned by alice, group of the parent.
	if err := root.Mkdir("/tmp", 0o777); err != nil {
		t.Fatal(err)
	}
	if err := root.Chmod("/tmp", 0o777); err != nil {
		t.Fatal(err)
	}
	writeFile(t, alice, "/tmp/a", []byte("hello"))
	fi, err := alice.Stat("/tmp/a")
	if err != nil {
		t.Fatal(err)
	}
	if o := fi.(*hdfs.FileInfo); o.Owner() != "alice" || o.OwnerGroup() != "supergroup" {
		t.Errorf("new file owner %s:%s", o.Owner(), o.OwnerGroup())
	}
	// Read permission on open.
	if err := alice.Chmod("/tmp/a", 0o600); err != nil {
		t.Fatal(err)
	}
	bob := newClient(t, c, "bob")
	r, err := bob.Open("/tmp/a")
	if err == nil {
		_, err = io.ReadAll(r)
		r.Close()
	}
	// The client returns getBlockLocations errors uninterpreted.
	var herr hdfs.Error
	if !errors.As(err, &herr) || herr.Exception() != "org.apache.hadoop.security.AccessControlException" {
		t.Errorf("reading a 0600 file of another user: %v", err)
	}
	if got := readFile(t, alice, "/tmp/a"); string(got) != "hello" {
		t.Errorf("owner read %q", got)
	}

	// Chmod / Chtimes.
	if fi, _ := alice.Stat("/tmp/a"); fi.Mode() != 0o600 {
		t.Errorf("mode after Chmod: %v", fi.Mode())
	}
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	atime := time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := alice.Chtimes("/tmp/a", atime, mtime); err != nil {
		t.Fatal(err)
	}
	fi, _ = alice.Stat("/tmp/a")
	if !fi.ModTime().Equal(mtime) || !fi.(*hdfs.FileInfo).AccessTime().Equal(atime) {
		t.Errorf("times after Chtimes: %v %v", fi.ModTime(), fi.(*hdfs.FileInfo).AccessTime())
	}

	// Xattrs.
	if err := alice.SetXAttr("/tmp/a", "user.color", "blue"); err != nil {
		t.Fatal(err)
	}
	if err := alice.SetXAttr("/tmp/a", "user.shape", "round"); err != nil {
		t.Fatal(err)
	}
	got, err := alice.GetXAttrs("/tmp/a", "user.color")
	if err != nil || got["user.color"] != "blue" || len(got) != 1 {
		t.Errorf("GetXAttrs: %v %v", got, err)
	}
	all, err := alice.ListXAttrs("/tmp/a")
	if err != nil || len(all) != 2 {
		t.Errorf("ListXAttrs: %v %v", all, err)
	}
	if err := alice.RemoveXAttr("/tmp/a", "user.color"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetXAttrs("/tmp/a", "user.color"); err == nil {
		t.Error("GetXAttrs of a removed key succeeded")
	}
	if err := alice.SetXAttr("/tmp/a", "trusted.x", "1"); err == nil {
		t.Error("non-superuser set a trusted xattr")
	}
}

func TestErrors(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	if _, err := cl.Stat("/nope"); !os.IsNotExist(err) {
		t.Errorf("Stat of missing: %v", err)
	}
	if _, err := cl.Open("/nope"); !os.IsNotExist(err) {
		t.Errorf("Open of missing: %v", err)
	}
	writeFile(t, cl, "/exists", []byte("x"))
	if _, err := cl.Create("/exists"); !os.IsExist(err) {
		t.Errorf("Create of existing: %v", err)
	}
	// Straight to the create RPC (no overwrite flag): FileAlreadyExists.
	if _, err := cl.CreateFile("/exists", 1, testBlockSize, 0o644); !os.IsExist(err) {
		t.Errorf("create RPC on existing file: %v", err)
	}
	if _, err := cl.CreateFile("/no/parent/f", 1, testBlockSize, 0o644); !os.IsNotExist(err) {
		t.Errorf("create without parent: %v", err)
	}
	if err := cl.Mkdir("/exists/sub", 0o755); err == nil {
		t.Error("mkdir under a file succeeded")
	}
	// A file being written cannot be created again.
	w, err := cl.Create("/open")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateFile("/open", 1, testBlockSize, 0o644); !os.IsExist(err) {
		t.Errorf("create of a file being written: %v", err)
	}
	w.Close()
}

func TestIdleLeaseRenewal(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	w, err := cl.Create("/slow")
	if err != nil {
		t.Fatal(err)
	}
	a, b := randomBytes(70_000, 6), randomBytes(90_000, 7)
	if _, err := w.Write(a); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // renewLease runs about every second
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, cl, "/slow"); !bytes.Equal(got, append(a, b...)) {
		t.Fatal("content differs after idle period")
	}
}

// TestChecksum checks BLOCK_CHECKSUM against HDFS's MD5MD5CRC32C computed
// here from the bytes, on both block stores: from the checksums kept at
// write time (a new file) and from the data (an appended one, whose kept
// checksum no longer applies).
func TestChecksum(t *testing.T) {
	for _, store := range []string{"memory", "disk"} {
		t.Run(store, func(t *testing.T) {
			o := Options{}
			if store == "disk" {
				o.Dir = t.TempDir()
			}
			c := startCluster(t, o)
			cl := newClient(t, c, testSuper)
			data := randomBytes(2*testBlockSize+testBlockSize/3, 8)
			other := append([]byte{}, data...)
			other[testBlockSize+5] ^= 1
			writeFile(t, cl, "/a", data)
			writeFile(t, cl, "/b", data)
			writeFile(t, cl, "/c", other)
			writeFile(t, cl, "/d", data[:testBlockSize/2+100])
			w, err := cl.Append("/d")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data[testBlockSize/2+100:]); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			sum := func(name string) []byte {
				r, err := cl.Open(name)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				s, err := r.Checksum()
				if err != nil {
					t.Fatalf("Checksum %s: %v", name, err)
				}
				return s
			}
			want := md5md5crc(data, testBlockSize)
			for _, name := range []string{"/a", "/b", "/d"} {
				if got := sum(name); !bytes.Equal(got, want) {
					t.Errorf("%s: checksum %x, want %x", name, got, want)
				}
			}
			if got := sum("/c"); bytes.Equal(got, want) {
				t.Errorf("different bytes, same checksum %x", got)
			}
			if store == "disk" {
				// /a, /b and /c keep 3 checksums each; /d's appended block none.
				metas, _ := filepath.Glob(filepath.Join(o.Dir, "blocks", "*.meta"))
				if len(metas) != 3*3+2 {
					t.Errorf("%d block checksum files, want 11: %q", len(metas), metas)
				}
			}
		})
	}
}

// md5md5crc is HDFS's file checksum of data stored in blocks of
// blockSize: the MD5 of the blocks' MD5s of their 512-byte chunks'
// big-endian CRC32Cs, zero-padded as the client pads it.
func md5md5crc(data []byte, blockSize int) []byte {
	var blocks []byte
	for off := 0; off < len(data); off += blockSize {
		blk := data[off:min(off+blockSize, len(data))]
		blocks = append(blocks, md5Sum(chunkChecksums(blk))...)
	}
	padded := 32
	for padded < len(blocks) {
		padded *= 2
	}
	return md5Sum(append(blocks, make([]byte, padded-len(blocks))...))
}

func md5Sum(b []byte) []byte { s := md5.Sum(b); return s[:] }

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	data := randomBytes(testBlockSize+4321, 9)
	c1, err := Start(Options{Dir: dir, BlockSize: testBlockSize, Superuser: testSuper}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c1.Addr()}, User: testSuper})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.MkdirAll("/keep/me", 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, cl, "/keep/me/f", data)
	if err := cl.SetXAttr("/keep/me/f", "user.k", "v"); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}

	c2 := startCluster(t, Options{Dir: dir})
	cl2 := newClient(t, c2, testSuper)
	if got := readFile(t, cl2, "/keep/me/f"); !bytes.Equal(got, data) {
		t.Fatal("data differs after restart")
	}
	if fi, err := cl2.Stat("/keep/me"); err != nil || fi.Mode() != os.ModeDir|0o750 {
		t.Errorf("dir after restart: %v %v", fi, err)
	}
	if x, err := cl2.GetXAttrs("/keep/me/f", "user.k"); err != nil || x["user.k"] != "v" {
		t.Errorf("xattr after restart: %v %v", x, err)
	}
	// New blocks do not collide with old ones.
	writeFile(t, cl2, "/keep/g", data[:100])
	if got := readFile(t, cl2, "/keep/me/f"); !bytes.Equal(got, data) {
		t.Fatal("old data changed by a new write")
	}
}
