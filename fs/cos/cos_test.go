package cos_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/conformance"
	"github.com/jetcp/jetcp/fs/cos"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
)

const (
	bucket = "test-1250000000"
	id     = "AKIDjetcptest"
	secret = "jetcp-test-secret-key"
)

func start(t *testing.T) (*cosemu.Server, cos.Config) {
	t.Helper()
	srv, url, err := cosemu.Start(cosemu.Options{SecretID: id, SecretKey: secret, Buckets: []string{bucket}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, cos.Config{SecretID: id, SecretKey: secret, Region: "ap-guangzhou", Endpoint: url, PartSize: 1 << 20}
}

func newFS(t *testing.T, cfg cos.Config) *cos.FS {
	t.Helper()
	f, err := cos.New(bucket, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestConformance(t *testing.T) {
	_, cfg := start(t)
	f := newFS(t, cfg)
	if err := f.Mkdir(context.Background(), "/conformance", 0o755); err != nil {
		t.Fatal(err)
	}
	// Objects have no owners unless jetcp stored them (TestAttrsAtCreateAndMarkers).
	conformance.Run(t, f, "/conformance", conformance.WithoutOwners(), conformance.WithUploadSize(cfg.PartSize+1))
}

// Above the part size an upload is multipart; its CRC64 is checked and its
// CRC32C comes back from COS without reading the data.
func TestMultipartAndChecksum(t *testing.T) {
	srv, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	data := make([]byte, 3<<20+123)
	rand.Read(data)
	w, err := f.Create(ctx, "/big/file.bin", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for b := data; len(b) > 0; {
		n := min(len(b), 100_000)
		if _, err := w.Write(b[:n]); err != nil {
			t.Fatal(err)
		}
		b = b[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(ctx, "/big/file.bin", 1<<20+5)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data[1<<20+5:]) {
		t.Fatal("ranged read differs")
	}
	h := fs.NewCRC32C()
	h.Write(data)
	before := srv.Requests()
	sum, err := f.Checksum(ctx, "/big/file.bin")
	if err != nil {
		t.Fatal(err)
	}
	if want := fs.CRC32C(h.Sum32()); sum.String() != want.String() {
		t.Fatalf("checksum %s, want %s", sum, want)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Fatalf("checksum took %d requests, want 1 HEAD", n)
	}
	if uploads := srv.OpenUploads(bucket); uploads != 0 {
		t.Fatalf("%d multipart uploads left open", uploads)
	}
}

// An aborted multipart upload leaves neither an object nor parts.
func TestAbortLeavesNothing(t *testing.T) {
	srv, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	w, err := f.Create(ctx, "/x/aborted", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 2<<20+1)); err != nil {
		t.Fatal(err)
	}
	if srv.OpenUploads(bucket) != 1 {
		t.Fatal("no multipart upload started")
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(ctx, "/x/aborted"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat after abort: %v", err)
	}
	if n := srv.OpenUploads(bucket); n != 0 {
		t.Fatalf("%d uploads left", n)
	}
}

// Attributes given at creation come back from Stat; a directory marker is a
// "key/" object as Hadoop-COS makes it.
func TestAttrsAtCreateAndMarkers(t *testing.T) {
	_, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	mode := iofs.FileMode(0o640)
	mt := time.Date(2021, 3, 4, 5, 6, 7, 890123456, time.UTC)
	w, err := f.Create(ctx, "/a/b.txt", fs.CreateOptions{Attrs: fs.Attrs{Mode: &mode, Owner: "alice", Group: "staff", ModTime: mt}})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat(ctx, "/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Owner != "alice" || fi.Group != "staff" || fi.Mode.Perm() != 0o640 || !fi.ModTime.Equal(mt) || fi.Size != 5 {
		t.Fatalf("stat %+v", fi)
	}
	// "/a" exists only as a prefix; Mkdir makes a marker.
	if di, err := f.Stat(ctx, "/a"); err != nil || !di.IsDir() {
		t.Fatalf("prefix dir: %+v %v", di, err)
	}
	if err := f.Mkdir(ctx, "/a/empty", 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := f.Open(ctx, "/a/empty/", 0)
	if err == nil {
		raw.Close()
		t.Fatal("opened a directory")
	}
}

func TestWrongKeyIsAClearPermissionError(t *testing.T) {
	_, cfg := start(t)
	cfg.SecretKey = "wrong-key"
	f := newFS(t, cfg)
	_, err := f.Stat(context.Background(), "/anything")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "COS refused the credentials (403 Forbidden SignatureDoesNotMatch: ") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key") || strings.Contains(err.Error(), secret) {
		t.Fatalf("secret in error: %v", err)
	}
}

func TestConfigFromEnvAndMasking(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, err := cos.FromEnv(getenv, nil); err == nil || !strings.Contains(err.Error(), "COS_SECRET_ID") {
		t.Fatalf("missing credentials: %v", err)
	}
	conf := map[string]string{"fs.cosn.userinfo.secretId": "AKIDconf", "fs.cosn.userinfo.secretKey": "conf-secret", "fs.cosn.bucket.region": "ap-beijing"}
	c, err := cos.FromEnv(getenv, conf)
	if err != nil || c.SecretID != "AKIDconf" || c.Region != "ap-beijing" || c.PartSize != cos.DefaultPartSize {
		t.Fatalf("%v %v", c, err)
	}
	env["COS_SECRET_KEY"], env["COS_REGION"], env["COS_PART_SIZE"] = "env-secret", "ap-shanghai", "2097152"
	c, err = cos.FromEnv(getenv, conf)
	if err != nil || c.SecretKey != "env-secret" || c.Region != "ap-shanghai" || c.PartSize != 2<<20 {
		t.Fatalf("env wins: %v %v", c, err)
	}
	if s := c.String(); strings.Contains(s, "env-secret") || strings.Contains(s, "AKIDconf") {
		t.Fatalf("secrets in %s", s)
	}
	env["COS_ENDPOINT"] = "127.0.0.1:9100"
	if _, err := cos.FromEnv(getenv, conf); err == nil || !strings.Contains(err.Error(), "COS_ENDPOINT") {
		t.Fatalf("bad endpoint: %v", err)
	}
}

// A writer killed mid-upload leaves an open multipart upload; AbortUploads
// finds it by path and start time and aborts it, leaving others alone.
func TestAbortUploadsOfAKilledWriter(t *testing.T) {
	srv, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	before := time.Now()
	for _, p := range []string{"/x/orphan", "/x/orphan-other"} {
		w, err := f.Create(ctx, p, fs.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, 2<<20+1)); err != nil {
			t.Fatal(err)
		}
		// Neither Close nor Abort: the process died here.
	}
	if n := srv.OpenUploads(bucket); n != 2 {
		t.Fatalf("%d uploads open, want 2", n)
	}
	isOrphan := func(p string) bool { return p == "/x/orphan" }
	if n, err := f.AbortUploads(ctx, "/x", time.Now().Add(time.Hour), isOrphan); err != nil || n != 0 {
		t.Fatalf("uploads started before since were aborted: %d %v", n, err)
	}
	n, err := f.AbortUploads(ctx, "/x", before, isOrphan)
	if err != nil || n != 1 {
		t.Fatalf("AbortUploads: %d, %v; want 1 (not the other key sharing the prefix)", n, err)
	}
	if n := srv.OpenUploads(bucket); n != 1 {
		t.Fatalf("%d uploads open, want the other one only", n)
	}
	if _, err := f.Stat(ctx, "/x/orphan"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat after abort: %v", err)
	}
}

// A small file written with CreateOptions.Source carries its origin
// record, which Stat brings back (FileInfo.Origin) and verifies against
// COS's CRC32C of the object; the writer verifies from the PUT's answer
// (fs.StoreChecker). A multipart upload records none; SetAttrs of the mtime
// drops it.
func TestOriginAtCreate(t *testing.T) {
	srv, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	src := fs.Origin{SrcSize: 5, SrcModTime: time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC), SrcChangeTime: time.Date(2021, 1, 1, 0, 0, 0, 7, time.UTC),
		Job: "20261203-133801-6d4ed249"}
	write := func(p string, data []byte, o fs.CreateOptions) fs.Writer {
		t.Helper()
		w, err := f.Create(ctx, p, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	heads := srv.Stats().Head
	w := write("/o/small", []byte("hello"), fs.CreateOptions{Source: &src, Missing: true})
	if n := srv.Stats().Head - heads; n != 0 {
		t.Fatalf("Create with Missing made %d HEADs", n)
	}
	size, sum, err := fs.CheckStored(ctx, w)
	if err != nil || size != 5 || sum.String() != fs.CRC32C(0x9a71bb4c).String() {
		t.Fatalf("CheckStored = %d, %v, %v", size, sum, err)
	}
	fi, err := f.Stat(ctx, "/o/small")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Origin == nil || fi.Origin.SrcSize != 5 || !fi.Origin.SrcModTime.Equal(src.SrcModTime) ||
		!fi.Origin.SrcChangeTime.Equal(src.SrcChangeTime) || fi.Origin.Checksum.String() != sum.String() || fi.Origin.Job != src.Job {
		t.Fatalf("Stat's origin = %+v, want %+v with %v", fi.Origin, src, sum)
	}
	if err := f.SetAttrs(ctx, "/o/small", fs.Attrs{ModTime: time.Unix(1e9, 0)}); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(ctx, "/o/small"); err != nil || fi.Origin != nil {
		t.Fatalf("origin after SetAttrs of the mtime: %+v, %v", fi.Origin, err)
	}
	big := make([]byte, cfg.PartSize+10)
	write("/o/big", big, fs.CreateOptions{Source: &src})
	if fi, err := f.Stat(ctx, "/o/big"); err != nil || fi.Origin != nil {
		t.Fatalf("multipart upload's origin: %+v, %v", fi.Origin, err)
	}
}

// A COS cutting more connections in a row than the SDK tries: Stat, like
// a listing page, tries again after the SDK's own tries, so a file, a
// directory and a missing path are each told right (the lister's source
// Stat failed a CI run after three cut HEADs in a row).
func TestStatThroughCutConnections(t *testing.T) {
	srv, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	w, err := f.Create(ctx, "/cut/dir/file", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("twelve bytes")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	defer srv.SetFaults(cosemu.Faults{})
	// A directory's Stat ends in a listing, and a missing path's too:
	// cutting its requests too covers the listing's tries.
	for _, cut := range []int{1, 3, 4, 7} {
		srv.SetFaults(cosemu.Faults{CutNext: cut})
		fi, err := f.Stat(ctx, "/cut/dir/file")
		if err != nil || fi.Size != 12 || fi.IsDir() {
			t.Fatalf("%d cut: file: %+v %v", cut, fi, err)
		}
		srv.SetFaults(cosemu.Faults{CutNext: cut})
		if fi, err = f.Stat(ctx, "/cut/dir"); err != nil || !fi.IsDir() {
			t.Fatalf("%d cut: directory: %+v %v", cut, fi, err)
		}
		srv.SetFaults(cosemu.Faults{CutNext: cut})
		if _, err = f.Stat(ctx, "/cut/none"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%d cut: missing path: %v", cut, err)
		}
	}
}

// A COS that keeps other bytes than it was sent, and answers with their
// CRC64: a single PUT, a multipart upload and a part written on its own
// (a chunk of a large file) each fail, and no object is left. jetcp hashes
// every byte once itself; the SDK's own check is off.
func TestMisstoredUploadsFail(t *testing.T) {
	srv, cfg := start(t)
	f := newFS(t, cfg)
	ctx := context.Background()
	srv.SetFaults(cosemu.Faults{MisstoreRate: 1})
	defer srv.SetFaults(cosemu.Faults{})
	for _, size := range []int{1000, int(cfg.PartSize) + 1000} {
		w, err := f.Create(ctx, fmt.Sprintf("/bad/%d", size), fs.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(bytes.Repeat([]byte("x"), size)); err != nil {
			t.Fatal(err)
		}
		err = w.Close()
		if err == nil {
			_, _, err = fs.CheckStored(ctx, w)
		}
		if err == nil || !strings.Contains(err.Error(), "CRC64") {
			t.Fatalf("%d bytes misstored: %v, want a CRC64 mismatch", size, err)
		}
	}
	up, err := f.StartParts(ctx, "/bad/chunked", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pw, err := f.CreatePart(ctx, "/bad/chunked", up, 1, 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(bytes.Repeat([]byte("y"), 5000)); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err == nil || !strings.Contains(err.Error(), "CRC64") {
		t.Fatalf("misstored part: %v, want a CRC64 mismatch", err)
	}
	_ = f.AbortParts(ctx, "/bad/chunked", up)
	if _, err := f.Stat(ctx, "/bad/"+fmt.Sprint(cfg.PartSize+1000)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a misstored multipart object is left: %v", err)
	}
}
