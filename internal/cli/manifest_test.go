package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	"github.com/jetcp/jetcp/internal/manifest"
)

// manifestFiles is the size of the trees the manifest tests copy: enough
// that per-directory costs (list pages, the plan's looks, the manifest's
// own read and write) are small next to one request per file.
const manifestFiles, manifestDirs = 1000, 2

// perFile is the bound for a no-op -update with a manifest: 0.02
// requests (or RPCs) per file.
const perFile = 0.02

// smallTree writes n files of 1 KiB over dirs directories.
func smallTree(t *testing.T, root string, n, dirs int) {
	t.Helper()
	for i := range n {
		writeFile(t, filepath.Join(root, fmt.Sprintf("d%02d/f%05d", i%dirs, i)), randBytes(t, 1<<10))
	}
}

// update runs -update and checks its counts.
func update(t *testing.T, copied, skipped int64, args ...string) string {
	t.Helper()
	code, rep, out := runReport(t, append([]string{"-update"}, args...)...)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, copied, skipped, 0)
	return out
}

func within(t *testing.T, what string, n int64) {
	t.Helper()
	if limit := int64(perFile * manifestFiles); n > limit {
		t.Errorf("%s: %d for %d files, want at most %d (%.2f per file)", what, n, manifestFiles, limit, perFile)
	}
}

// Local -> COS: the copy writes a manifest next to the target; a no-op
// -update reads it and the two listings, and settles every file with no
// request per file. An object rewritten behind jetcp's back with the same
// size (its ETag moved) is still found and copied again.
func TestManifestLocalToCOS(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	smallTree(t, src, manifestFiles, manifestDirs)
	remote := "cosn://" + cosBucket + "/m"
	if code, rep, out := runReport(t, src, remote); code != cli.ExitOK || rep.FilesCopied != manifestFiles {
		t.Fatalf("copy: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	before := srv.Stats()
	update(t, 0, manifestFiles, src, remote)
	got := srv.Stats().Sub(before)
	t.Logf("no-op -update, COS requests: %+v", got)
	within(t, "COS requests", got.Total)
	if got.Get > 1 || got.Put > 1 { // the manifest read, the new one written
		t.Errorf("no-op -update: %+v", got)
	}

	rewriteCOS(t, "m/d01/f00001", randBytes(t, 1<<10))
	update(t, 1, manifestFiles-1, src, remote)
	back := filepath.Join(t.TempDir(), "back")
	if code, _, out := runReport(t, remote, back); code != cli.ExitOK {
		t.Fatalf("copy back: exit %d\n%s", code, out)
	}
	sameTree(t, src, back)
	// Only the copy back's own manifest: the source's are not data.
	if ents, err := os.ReadDir(filepath.Join(back, manifest.DirName)); err != nil || len(ents) != 1 {
		t.Errorf("manifests at the copy back: %v %v", ents, err)
	}
}

// COS -> local: the source's listing carries each object's ETag, which the
// manifest recorded, so a no-op -update costs COS its list pages only. A
// local target rewritten with the same size (its mtime moved) is found.
func TestManifestCOSToLocal(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	smallTree(t, src, manifestFiles, manifestDirs)
	remote := "cosn://" + cosBucket + "/s"
	if code, _, out := runReport(t, "--no-manifest", src, remote); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	back := filepath.Join(t.TempDir(), "back")
	if code, rep, out := runReport(t, remote, back); code != cli.ExitOK || rep.FilesCopied != manifestFiles {
		t.Fatalf("copy: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	before := srv.Stats()
	update(t, 0, manifestFiles, remote, back)
	got := srv.Stats().Sub(before)
	t.Logf("no-op -update, COS requests: %+v", got)
	within(t, "COS requests", got.Total)

	p := filepath.Join(back, "d00/f00002")
	writeFile(t, p, randBytes(t, 1<<10))
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	update(t, 1, manifestFiles-1, remote, back)
	sameTree(t, src, back)
}

// Local -> HDFS and HDFS -> COS: with the manifest a no-op -update costs
// the NameNode its getListing pages, and COS its list pages (an HDFS
// source has no change time: its version, inode id and mtime, settles
// it). An HDFS file rewritten behind jetcp's back is found, as a target
// and as a source.
func TestManifestHDFS(t *testing.T) {
	c := startHDFS(t)
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	smallTree(t, src, manifestFiles, manifestDirs)
	remote := "hdfs://" + c.Addr() + "/w"
	if code, rep, out := runReport(t, src, remote); code != cli.ExitOK || rep.FilesCopied != manifestFiles {
		t.Fatalf("copy: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	before := c.Stats()
	update(t, 0, manifestFiles, src, remote)
	got := c.Stats().Sub(before)
	t.Logf("local -> HDFS no-op -update, NameNode RPCs: %+v", got.NameNode)
	within(t, "NameNode RPCs", got.RPCs())

	obj := "cosn://" + cosBucket + "/h"
	if code, rep, out := runReport(t, "-update", remote, obj); code != cli.ExitOK || rep.FilesCopied != manifestFiles {
		t.Fatalf("HDFS -> COS: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	beforeNN, beforeCOS := c.Stats(), srv.Stats()
	update(t, 0, manifestFiles, remote, obj)
	nn, cos := c.Stats().Sub(beforeNN), srv.Stats().Sub(beforeCOS)
	t.Logf("HDFS -> COS no-op -update: NameNode %+v, COS %+v", nn.NameNode, cos)
	within(t, "NameNode RPCs", nn.RPCs())
	within(t, "COS requests", cos.Total)

	rewriteHDFS(t, c, "/w/d00/f00004", randBytes(t, 1<<10))
	update(t, 1, manifestFiles-1, src, remote) // as a target
	rewriteHDFS(t, c, "/w/d01/f00005", randBytes(t, 1<<10))
	// As a source: f00005. (f00004 was copied back from src, so its
	// version moved but its bytes are those at COS: compared, skipped.)
	update(t, 1, manifestFiles-1, remote, obj)
	fromHDFS, fromCOS := filepath.Join(t.TempDir(), "hdfs"), filepath.Join(t.TempDir(), "cos")
	for _, c := range [][2]string{{remote, fromHDFS}, {obj, fromCOS}} {
		if code, _, out := runReport(t, c[0], c[1]); code != cli.ExitOK {
			t.Fatalf("copy back: exit %d\n%s", code, out)
		}
	}
	sameTree(t, fromHDFS, fromCOS)
}

// A record only speaks for the source it was made from: the same target
// names copied from another tree of files with the same sizes and times
// (change times included: the kernel's are as coarse as its tick) are
// compared, not skipped, by the manifest and by the objects' own origin
// records alike.
func TestManifestOtherSourceIsNotTrusted(t *testing.T) {
	for _, flags := range [][]string{nil, {"--no-manifest"}} {
		t.Run(fmt.Sprint(flags), func(t *testing.T) { otherSource(t, flags) })
	}
}

func otherSource(t *testing.T, flags []string) {
	cosEnv(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	smallTree(t, a, 4, 1)
	smallTree(t, b, 4, 1)
	when := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, root := range []string{a, b} {
		for i := range 4 {
			if err := os.Chtimes(filepath.Join(root, fmt.Sprintf("d00/f%05d", i)), when, when); err != nil {
				t.Fatal(err)
			}
		}
	}
	remote := "cosn://" + cosBucket + "/o"
	if code, _, out := runReport(t, append(flags, a, remote)...); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s", code, out)
	}
	update(t, 4, 0, append(flags, b, remote)...)
	back := filepath.Join(t.TempDir(), "back")
	if code, _, out := runReport(t, remote, back); code != cli.ExitOK {
		t.Fatalf("copy back: exit %d\n%s", code, out)
	}
	sameTree(t, b, back)
}

// rewriteCOS puts new bytes at key as another client would.
func rewriteCOS(t *testing.T, key string, data []byte) {
	t.Helper()
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: mustURL(t, "http://"+cosBucket+".cos.ap-guangzhou.myqcloud.com")},
		&http.Client{Transport: &cossdk.AuthorizationTransport{SecretID: "AKIDe2e", SecretKey: "e2e-secret-key",
			Transport: dialTransport(os.Getenv("COS_ENDPOINT"))}})
	if _, err := c.Object.Put(context.Background(), key, bytes.NewReader(data), nil); err != nil {
		t.Fatal(err)
	}
}

// rewriteHDFS replaces p with data through a plain HDFS client.
func rewriteHDFS(t *testing.T, c *hdfsemu.Cluster, p string, data []byte) {
	t.Helper()
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c.Addr()}, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Remove(p); err != nil {
		t.Fatal(err)
	}
	w, err := cl.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// The job manifest is a --copy-from-manifest list as it is (compressed):
// after files vanish from the target, -update from the manifest copies
// back exactly those, and the tree is whole again.
func TestCopyFromJobManifest(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	smallTree(t, src, 20, 2)
	dst := filepath.Join(t.TempDir(), "dst")
	if code, rep, out := runReport(t, src, dst); code != cli.ExitOK || rep.FilesCopied != 20 {
		t.Fatalf("copy: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	ents, err := os.ReadDir(filepath.Join(dst, manifest.DirName))
	if err != nil || len(ents) != 1 {
		t.Fatalf("manifests: %v %v", ents, err)
	}
	m := filepath.Join(dst, manifest.DirName, ents[0].Name())
	for _, f := range []string{"d00/f00000", "d01/f00003"} {
		if err := os.Remove(filepath.Join(dst, f)); err != nil {
			t.Fatal(err)
		}
	}
	update(t, 2, 18, "--copy-from-manifest", m, src, dst)
	sameTree(t, src, dst)
}

// A file copied in chunks, assembled by the committer, gets its manifest
// line too: the next no-op -update settles it from the listings like any
// other file (local and COS targets).
func TestManifestChunkedFile(t *testing.T) {
	cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "big"), randBytes(t, 3<<20+12345))
	writeFile(t, filepath.Join(src, "small"), randBytes(t, 100))
	for _, dst := range []string{filepath.Join(t.TempDir(), "dst"), "cosn://" + cosBucket + "/chunked"} {
		if code, rep, out := runReport(t, "--chunk-size", "1MiB", src, dst); code != cli.ExitOK || rep.FilesCopied != 2 {
			t.Fatalf("copy to %s: exit %d, %d copied\n%s", dst, code, rep.FilesCopied, out)
		}
		logs := t.TempDir()
		update(t, 0, 2, "--chunk-size", "1MiB", "-log", logs, src, dst)
		for p, r := range logReasons(t, logs) {
			if !strings.Contains(r, "(manifest)") {
				t.Errorf("%s skipped for %q, want by the manifest", p, r)
			}
		}
	}
}
