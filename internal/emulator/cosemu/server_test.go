package cosemu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

func TestFaults(t *testing.T) {
	s, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	data := randBytes(100<<10, 9)
	if _, err := c.Object.Put(ctx, "f", bytes.NewReader(data), nil); err != nil {
		t.Fatal(err)
	}

	s.SetFaults(Faults{ErrorRate: 1})
	before := s.Requests()
	_, _, err := getRange(t, c, "f", "")
	cosErr(t, err, 503, "SlowDown")
	if n := s.Requests() - before; n < 1 {
		t.Fatalf("requests during 503 fault: %d", n)
	}
	_, err = c.Object.Put(ctx, "g", strings.NewReader("x"), nil)
	cosErr(t, err, 503, "SlowDown")

	s.SetFaults(Faults{CutRate: 1})
	_, got, err := getRange(t, c, "f", "")
	if err == nil {
		t.Fatalf("GET with cut connection succeeded (%d bytes)", len(got))
	}
	if _, ok := cos.IsCOSError(err); ok {
		t.Fatalf("cut connection gave a COS error: %v", err)
	}
	if _, err := c.Object.Head(ctx, "f", nil); err == nil {
		t.Fatal("HEAD with cut connection succeeded")
	}
	if _, err := c.Object.Put(ctx, "g", strings.NewReader("x"), nil); err == nil {
		t.Fatal("PUT with cut connection succeeded")
	}

	s.SetFaults(Faults{Latency: 150 * time.Millisecond})
	start := time.Now()
	if _, err := c.Object.Head(ctx, "f", nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("HEAD took %v with 150ms latency", d)
	}

	// 100 KiB at 200 KiB/s: at least ~0.5 s.
	s.SetFaults(Faults{BytesPerSec: 200 << 10})
	start = time.Now()
	_, got, err = getRange(t, c, "f", "")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("throttled GET: %v", err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("throttled GET of 100 KiB took only %v", d)
	}

	s.SetFaults(Faults{})
	if _, got, err := getRange(t, c, "f", ""); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GET after clearing faults: %v", err)
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	s, addr := startEmu(t, Options{Dir: dir})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	data := randBytes(50000, 4)
	meta := http.Header{}
	meta.Set("x-cos-meta-a", "b")
	for _, k := range []string{"p/one", "p/two ü", "p/gone"} {
		if _, err := c.Object.Put(ctx, k, bytes.NewReader(data), &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XCosMetaXXX: &meta}}); err != nil {
			t.Fatal(err)
		}
	}
	// Overwrite and delete must not leave stale data behind.
	if _, err := c.Object.Put(ctx, "p/one", strings.NewReader("new"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.Delete(ctx, "p/gone"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Object.InitiateMultipartUpload(ctx, "p/mpu", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	_, addr2 := startEmu(t, Options{Dir: dir, Buckets: []string{}})
	c2 := newClient(t, addr2, testBucket, testID, testKey)
	if _, got, err := getRange(t, c2, "p/one", ""); err != nil || string(got) != "new" {
		t.Fatalf("p/one after restart: %q %v", got, err)
	}
	resp, got, err := getRange(t, c2, "p/two ü", "")
	if err != nil || !bytes.Equal(got, data) || resp.Header.Get("x-cos-meta-a") != "b" || resp.Header.Get("x-cos-hash-crc64ecma") != crc64Of(data) {
		t.Fatalf("p/two after restart: %v", err)
	}
	res, _, err := c2.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "p/"})
	if err != nil || len(res.Contents) != 2 {
		t.Fatalf("listing after restart: %+v %v", res, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, testBucket, "obj", "*.data"))
	if len(files) != 2 {
		t.Fatalf("%d data files on disk, want 2", len(files))
	}
}

func TestBucketsAndService(t *testing.T) {
	_, addr := startEmu(t, Options{})
	ctx := context.Background()
	nb := "newbucket-1250000000"
	c := newClient(t, addr, nb, testID, testKey)
	ok, err := c.Bucket.IsExist(ctx)
	if err != nil || ok {
		t.Fatalf("IsExist before create: %v %v", ok, err)
	}
	_, err = c.Bucket.Head(ctx)
	if !cos.IsNotFoundError(err) {
		t.Fatalf("HEAD unknown bucket: %v", err)
	}
	if _, err := c.Bucket.Put(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_, err = c.Bucket.Put(ctx, nil)
	cosErr(t, err, 409, "BucketAlreadyOwnedByYou")
	if _, err := c.Bucket.Head(ctx); err != nil {
		t.Fatal(err)
	}
	res, _, err := c.Service.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range res.Buckets {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "examplebucket-1250000000,newbucket-1250000000" {
		t.Fatalf("buckets: %v", names)
	}
}

// TestInProcess uses ServeHTTP without a listener.
func TestInProcess(t *testing.T) {
	s, err := New(Options{SecretID: testID, SecretKey: testKey, Buckets: []string{testBucket}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("PUT", "http://"+testBucket+".cos.ap-guangzhou.myqcloud.com/x", strings.NewReader("hello"))
	cos.AddAuthorizationHeader(testID, testKey, "", req, cos.NewAuthTime(time.Minute))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 200 || w.Header().Get("x-cos-hash-crc64ecma") != crc64Of([]byte("hello")) {
		t.Fatalf("in-process PUT: %d %v", w.Code, w.Body)
	}
	if _, err := New(Options{SecretID: testID}); err == nil {
		t.Fatal("New without SecretKey succeeded")
	}
}

func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := filepath.Join(t.TempDir(), "cos-emulator")
	build := exec.Command("go", "build", "-o", bin, "github.com/jetcp/jetcp/cmd/cos-emulator")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-secret-id", testID, "-secret-key", testKey, "-bucket", testBucket, "-dir", t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "cos-emulator serving http://")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	c := newClient(t, base, testBucket, testID, testKey)
	if _, err := c.Object.Put(context.Background(), "k", strings.NewReader("v"), nil); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(out)
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("exit: %v, stderr %s", err, stderr.String())
	}
	all := line + string(rest) + stderr.String()
	if strings.Contains(all, testKey) {
		t.Fatal("the secret key was printed")
	}
	_ = os.Remove(bin)
}
