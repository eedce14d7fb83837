package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
)

// newFilesTree writes n files of 5 KiB spread over dirs directories.
func newFilesTree(t *testing.T, root string, n, dirs int) {
	t.Helper()
	for i := range n {
		writeFile(t, filepath.Join(root, fmt.Sprintf("d%02d/f%05d", i%dirs, i)), randBytes(t, 5<<10))
	}
}

// Copying new small files to COS costs about one request per file over the
// whole job (issue #17): a PUT per file and a marker per directory, no
// HEAD before a PUT to a key the listing showed missing, none after it
// (the PUT's answer carries COS's CRC64 of what it stored).
func TestCOSNewFilesRequests(t *testing.T) {
	for _, m := range []int{1, 4} {
		t.Run(fmt.Sprintf("m%d", m), func(t *testing.T) {
			srv := cosEnv(t)
			src := filepath.Join(t.TempDir(), "src")
			const files, dirs = 100, 2
			newFilesTree(t, src, files, dirs)
			before := srv.Stats()
			code, rep, out := runReport(t, "-m", fmt.Sprint(m), src, "cosn://"+cosBucket+"/t")
			if code != cli.ExitOK {
				t.Fatalf("exit %d\n%s", code, out)
			}
			wantCounts(t, rep, files, 0, 0)
			got := srv.Stats().Sub(before)
			t.Logf("requests: %+v", got)
			if got.Put != files+dirs+2 {
				t.Errorf("%d PUTs, want %d: one per file, one marker per directory (and the root) and the job manifest", got.Put, files+dirs+2)
			}
			// Only the plan's look at the target (HEAD t, HEAD t/, a list),
			// the root's at its parent, the bucket (a list), and the
			// manifest directory's listing (old manifests to prune).
			if got.Head > 2 || got.List > 3 {
				t.Errorf("%d HEADs and %d lists, want at most 2 HEADs and 3 lists", got.Head, got.List)
			}
			if max := int64(files * 11 / 10); got.Total > max {
				t.Errorf("%d requests for %d new files, want at most %d", got.Total, files, max)
			}
			if got.Get != 0 || got.Copy != 0 || got.Delete != 0 {
				t.Errorf("unexpected requests: %+v", got)
			}
		})
	}
}

// A COS that stores other bytes than it was sent, and answers with the
// checksums of what it stored, fails every copy even though the copier
// makes no HEAD to verify (the PUT's answer carries COS's CRC64), and
// leaves no object behind.
func TestCOSNewFilesMisstoredFail(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	const files, dirs = 6, 2
	newFilesTree(t, src, files, dirs)
	remote := "cosn://" + cosBucket + "/bad"
	srv.SetFaults(cosemu.Faults{MisstoreRate: 1})
	code, rep, out := runReport(t, "--attempts", "2", "--retry-backoff", "1ms", src, remote)
	if code == cli.ExitOK {
		t.Fatalf("exit 0 with every PUT misstored\n%s", out)
	}
	if rep.FilesFailed != files || rep.FilesCopied != 0 {
		t.Fatalf("%d failed, %d copied; want %d failed\n%s", rep.FilesFailed, rep.FilesCopied, files, out)
	}
	srv.SetFaults(cosemu.Faults{})
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, remote, back)
	if code != cli.ExitOK {
		t.Fatalf("copy back: exit %d\n%s", code, out)
	}
	if rep.FilesCopied != 0 {
		t.Fatalf("%d misstored objects left at the target", rep.FilesCopied)
	}
}

// Files copied to COS the request-saving way are still found changed by
// -update when their object is rewritten behind jetcp's back with the
// same size and new bytes.
func TestCOSUpdateFindsTargetRewrittenSameSize(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	const files, dirs = 10, 2
	newFilesTree(t, src, files, dirs)
	remote := "cosn://" + cosBucket + "/u"
	if code, rep, out := runReport(t, src, remote); code != cli.ExitOK || rep.FilesCopied != files {
		t.Fatalf("copy: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	code, rep, out := runReport(t, "-update", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, files, 0)

	// Rewrite two objects: same size, new bytes, one without jetcp's
	// metadata, one keeping it (origin record included), as a tool that
	// carries user metadata over would.
	ctx := context.Background()
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: mustURL(t, "http://"+cosBucket+".cos.ap-guangzhou.myqcloud.com")},
		&http.Client{Transport: &cossdk.AuthorizationTransport{SecretID: "AKIDe2e", SecretKey: "e2e-secret-key",
			Transport: dialTransport(os.Getenv("COS_ENDPOINT"))}})
	if _, err := c.Object.Put(ctx, "u/d00/f00000", bytes.NewReader(randBytes(t, 5<<10)), nil); err != nil {
		t.Fatal(err)
	}
	head, err := c.Object.Head(ctx, "u/d01/f00001", nil)
	if err != nil {
		t.Fatal(err)
	}
	meta := http.Header{}
	for k, v := range head.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-cos-meta-") {
			meta[k] = v
		}
	}
	if len(meta) < 3 {
		t.Fatalf("the copy left too little metadata to carry over: %v", meta)
	}
	if _, err := c.Object.Put(ctx, "u/d01/f00001", bytes.NewReader(randBytes(t, 5<<10)),
		&cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{XCosMetaXXX: &meta}}); err != nil {
		t.Fatal(err)
	}
	code, rep, out = runReport(t, "-update", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("-update after the rewrite: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 2, files-2, 0)
	back := filepath.Join(t.TempDir(), "back")
	if code, _, out := runReport(t, remote, back); code != cli.ExitOK {
		t.Fatalf("copy back: exit %d\n%s", code, out)
	}
	sameTree(t, src, back)
	_ = srv
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// dialTransport reaches the emulator at endpoint whatever the URL's host.
func dialTransport(endpoint string) *http.Transport {
	addr := strings.TrimPrefix(endpoint, "http://")
	return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// Without a manifest, a no-op -update of files jetcp copied to COS
// decides each from the one HEAD that finds it (its origin record,
// checked against COS's CRC32C of the object), not three. (With one it
// costs list pages only: manifest_test.go.)
func TestCOSNoopUpdateRequests(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	const files, dirs = 100, 2
	newFilesTree(t, src, files, dirs)
	remote := "cosn://" + cosBucket + "/n"
	if code, _, out := runReport(t, src, remote); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s", code, out)
	}
	before := srv.Stats()
	code, rep, out := runReport(t, "--no-manifest", "-update", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, files, 0)
	got := srv.Stats().Sub(before)
	t.Logf("requests: %+v", got)
	// A HEAD per file; two per directory (HEAD d, HEAD d/), the root's
	// looked at twice.
	if got.Head > files+2*(dirs+2) || got.Total > files*11/10 || got.Get != 0 || got.Put != 0 || got.Copy != 0 {
		t.Errorf("no-op -update of %d files: %+v; want one HEAD per file, two per directory and nothing else", files, got)
	}
}

// Copying new files from COS costs a GET each: the source is checked
// unchanged against the GET's own answer (COS serves one version of an
// object to a GET), not by a HEAD after it.
func TestCOSToLocalNewFilesRequests(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	const files, dirs = 100, 2
	newFilesTree(t, src, files, dirs)
	remote := "cosn://" + cosBucket + "/s"
	if code, _, out := runReport(t, src, remote); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s", code, out)
	}
	before := srv.Stats()
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out := runReport(t, remote, back)
	if code != cli.ExitOK {
		t.Fatalf("copy back: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, files, 0, 0)
	sameTree(t, src, back)
	got := srv.Stats().Sub(before)
	t.Logf("requests: %+v", got)
	if got.Get != files || got.Head > 3 || got.Total > files*11/10 {
		t.Errorf("COS -> local of %d new files: %+v; want a GET per file, a list per directory and the plan's look", files, got)
	}
}
