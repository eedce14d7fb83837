package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	cosfs "github.com/jetcp/jetcp/fs/cos"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

const (
	orphanBucket = "orphans-1250000000"
	orphanID     = "AKIDorphans"
	orphanKey    = "orphans-secret-key"
	orphanRegion = "ap-guangzhou"
)

var (
	cosEmuOnce sync.Once
	cosEmuErr  error
)

// buildCOSEmulator adds cos-emulator to binDir (main_test.go builds only
// the programs the images need).
func buildCOSEmulator(t *testing.T) {
	t.Helper()
	cosEmuOnce.Do(func() {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(binDir, "cos-emulator"), "./cmd/cos-emulator")
		cmd.Dir = root()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			cosEmuErr = fmt.Errorf("go build cos-emulator: %w\n%s", err, out)
		}
	})
	if cosEmuErr != nil {
		t.Fatal(cosEmuErr)
	}
}

// cosSDK is a client of the emulator's bucket signed with the same secret,
// for what fs/cos does not expose (listing multipart uploads).
func cosSDK(endpoint string) *cossdk.Client {
	ep, _ := url.Parse(endpoint)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, ep.Host)
	}}
	bu, _ := url.Parse(ep.Scheme + "://" + orphanBucket + ".cos." + orphanRegion + ".myqcloud.com")
	return cossdk.NewClient(&cossdk.BaseURL{BucketURL: bu}, &http.Client{Transport: &cossdk.AuthorizationTransport{
		SecretID: orphanID, SecretKey: orphanKey, Transport: tr,
	}})
}

// openUploads lists the bucket's open multipart uploads under prefix.
func openUploads(ctx context.Context, t *testing.T, c *cossdk.Client, prefix string) []string {
	t.Helper()
	var keys []string
	opt := &cossdk.ListMultipartUploadsOptions{Prefix: prefix, MaxUploads: 1000}
	for {
		res, _, err := c.Bucket.ListMultipartUploads(ctx, opt)
		if err != nil {
			t.Fatalf("list multipart uploads: %v", err)
		}
		for _, u := range res.Uploads {
			keys = append(keys, u.Key+" "+u.UploadID)
		}
		if !res.IsTruncated {
			sort.Strings(keys)
			return keys
		}
		opt.KeyMarker, opt.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// objects lists the bucket's objects under prefix (directory markers left out).
func objects(ctx context.Context, t *testing.T, c *cossdk.Client, prefix string) []string {
	t.Helper()
	var keys []string
	opt := &cossdk.BucketGetOptions{Prefix: prefix, MaxKeys: 1000}
	for {
		res, _, err := c.Bucket.Get(ctx, opt)
		if err != nil {
			t.Fatalf("list objects: %v", err)
		}
		for _, o := range res.Contents {
			if !strings.HasSuffix(o.Key, "/") {
				keys = append(keys, o.Key)
			}
		}
		if !res.IsTruncated {
			sort.Strings(keys)
			return keys
		}
		opt.Marker = res.NextMarker
	}
}

// Issue #8: a copier killed during multipart uploads to COS leaves no
// partial object; its items are redelivered and copied by another copier,
// and the committer aborts the killed copier's orphaned uploads.
func TestProcessesCosOrphanedUploads(t *testing.T) {
	buildCOSEmulator(t)

	// The emulator, and the COS environment every process inherits.
	emuAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	emu := start(t, "cos-emulator", "-addr", emuAddr, "-secret-id", orphanID, "-secret-key", orphanKey, "-bucket", orphanBucket)
	waitPort(t, emuAddr)
	endpoint := "http://" + emuAddr
	procMu.Lock()
	if _, u, ok := strings.Cut(emu.out.String(), "cos-emulator serving "); ok {
		endpoint = strings.TrimSpace(strings.SplitN(u, "\n", 2)[0])
	}
	procMu.Unlock()
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	t.Setenv("COS_SECRET_ID", orphanID)
	t.Setenv("COS_SECRET_KEY", orphanKey)
	t.Setenv("COS_REGION", orphanRegion)
	t.Setenv("COS_ENDPOINT", endpoint)
	t.Setenv("COS_PART_SIZE", "1048576") // 6 MiB files go up in 1 MiB parts as the bytes arrive

	port := freePort(t)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", port)
	start(t, "nats-server", "-js", "-sd", t.TempDir(), "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	waitPort(t, fmt.Sprintf("127.0.0.1:%d", port))
	committer := start(t, "committer", "--nats", natsURL)
	victimHTTP := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	victim := start(t, "copier", "--nats", natsURL, "--name", "victim", "-m", "2", "--http", victimHTTP)

	src := filepath.Join(t.TempDir(), "src")
	const n, size = 6, 6 << 20
	total := makeTree(t, src, n, size)
	const prefix = "orphans/"
	target := "cosn://" + orphanBucket + "/orphans"
	sdk := cosSDK(endpoint)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	type result struct {
		code int
		rep  messages.Report
		out  string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// At 1 MiB/s a 6 MiB file takes 6 s.
		rj := filepath.Join(t.TempDir(), "report.json")
		var out, errb bytes.Buffer
		code := cli.Lister(ctx, []string{"--nats", natsURL, "--report-json", rj, "-bandwidth", "1", src, target}, &out, &errb)
		r := result{code: code, out: out.String() + errb.String()}
		data, err := os.ReadFile(rj)
		if err == nil {
			err = json.Unmarshal(data, &r.rep)
		}
		r.err = err
		done <- r
	}()

	// Kill the victim once it holds two copies that have uploaded parts.
	if !waitInflight(ctx, victimHTTP, 2) {
		t.Fatal("the victim copier never had 2 copies in flight")
	}
	time.Sleep(2500 * time.Millisecond)
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	killedAt := time.Since(began)

	// The killed copies left open uploads, and no object, partial or not.
	orphans := openUploads(ctx, t, sdk, prefix)
	if len(orphans) == 0 {
		t.Fatal("no open multipart upload after killing the victim mid-copy: the test cannot see orphans")
	}
	if objs := objects(ctx, t, sdk, prefix); len(objs) != 0 {
		t.Fatalf("objects after the kill, before any copy could finish: %v", objs)
	}
	t.Logf("killed the victim at %.1fs with open uploads %v", killedAt.Seconds(), orphans)

	// A second copier takes the rest, and the victim's items once redelivered.
	start(t, "copier", "--nats", natsURL, "--name", "survivor", "-m", "6")

	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("the job did not end")
	}
	if r.err != nil {
		t.Fatalf("lister exit %d, no report (%v)\n%s", r.code, r.err, r.out)
	}
	rep := r.rep
	if r.code != cli.ExitOK || rep.State != messages.StateSucceeded {
		t.Fatalf("exit %d, state %s\n%s", r.code, rep.State, r.out)
	}
	if rep.FilesCopied+rep.FilesSkipped != n || rep.FilesFailed != 0 {
		t.Fatalf("report %+v: want %d files copied or skipped, none failed", rep, n)
	}
	if rep.FilesRetried < 1 {
		t.Errorf("report %+v: no file retried, the kill did not hit copies in flight", rep)
	}

	// Every object is byte-identical to its source, and nothing else is there.
	fsys, err := cosfs.New(orphanBucket, cosfs.Config{SecretID: orphanID, SecretKey: orphanKey, Region: orphanRegion,
		Endpoint: endpoint, PartSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := readTree(t, src)
	var wantKeys []string
	for rel, b := range want {
		k := prefix + filepath.ToSlash(rel)
		wantKeys = append(wantKeys, k)
		rc, err := fsys.Open(ctx, "/"+k, 0)
		if err != nil {
			t.Errorf("open %s: %v", k, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Errorf("read %s: %v", k, err)
		} else if !bytes.Equal(got, b) {
			t.Errorf("%s: %d bytes differ from the source's %d", k, len(got), len(b))
		}
	}
	sort.Strings(wantKeys)
	got := slices.DeleteFunc(objects(ctx, t, sdk, prefix), func(k string) bool { // the job manifests stay
		return strings.HasPrefix(k, prefix+manifest.DirName+"/")
	})
	if strings.Join(got, " ") != strings.Join(wantKeys, " ") {
		t.Errorf("objects %v, want %v", got, wantKeys)
	}

	// The committer aborted the orphans before reporting: none is left open.
	if left := openUploads(ctx, t, sdk, prefix); len(left) != 0 {
		t.Errorf("open multipart uploads after the job: %v (before: %v)", left, orphans)
	}
	procMu.Lock()
	clog := committer.out.String()
	procMu.Unlock()
	if !strings.Contains(clog, "aborted leftover multipart uploads") {
		t.Errorf("the committer did not log aborting leftover uploads")
	}

	by, redelivered := copiersAndRetries(jobEvents(t, natsURL, rep.Job))
	if redelivered == 0 || by["survivor"] != n {
		t.Errorf("results per copier %v, %d redelivered: want the survivor to copy all %d files", by, redelivered, n)
	}
	t.Logf("report: %d copied, %d skipped, %d retried, %d of %d bytes; results per copier %v; job took %.1fs, test %.1fs",
		rep.FilesCopied, rep.FilesSkipped, rep.FilesRetried, rep.BytesCopied, total, by, rep.DurationSeconds, time.Since(began).Seconds())
}
