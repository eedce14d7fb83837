package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// run runs the lister command line in-process (embedded JetStream, committer
// and copiers) and returns its exit status, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Lister(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// runReport runs with --report-json and decodes the report.
func runReport(t *testing.T, args ...string) (int, messages.Report, string) {
	t.Helper()
	rj := filepath.Join(t.TempDir(), "report.json")
	code, out, errs := run(t, append([]string{"--report-json", rj}, args...)...)
	if _, err := os.Stat(rj); err != nil {
		t.Fatalf("exit %d, no report: %v\nstdout:\n%s\nstderr:\n%s", code, err, out, errs)
	}
	return code, readReport(t, rj), out + errs
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleTree makes the tree the issue asks for: nested and empty
// directories, an empty file, names with spaces and non-ASCII characters,
// and files of several MiB. It returns the number of files and their bytes.
func sampleTree(t *testing.T, root string) (files int, bytes int64) {
	t.Helper()
	add := func(rel string, data []byte) {
		writeFile(t, filepath.Join(root, rel), data)
		files++
		bytes += int64(len(data))
	}
	add("a.txt", []byte("alpha\n"))
	add("empty", nil)
	add("dir one/file with spaces.txt", []byte("spaces\n"))
	add("données/été/résumé.txt", []byte("accents\n"))
	add("日本/ファイル.bin", randBytes(t, 4096))
	add("big/three-mib.bin", randBytes(t, 3<<20+17))
	add("big/nested/deep/five-mib.bin", randBytes(t, 5<<20))
	for _, d := range []string{"empty-dir", "big/nested/empty", "deep/a/b/c/d"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return files, bytes
}

// entry is what a tree comparison looks at.
type entry struct {
	dir  bool
	data string
}

// snapshot reads a whole tree: relative path -> kind and bytes.
func snapshot(t *testing.T, root string) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if rel == manifest.DirName && d.IsDir() {
			onlyManifests(t, p)
			return filepath.SkipDir // jetcp's own, not a copied entry
		}
		if d.IsDir() {
			m[rel] = entry{dir: true}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m[rel] = entry{data: string(data)}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// onlyManifests fails unless dir (a target's manifest.DirName) holds
// nothing but job manifests.
func onlyManifests(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "manifest-") || !strings.HasSuffix(e.Name(), ".jsonl.zst") {
			t.Errorf("%s in the manifest directory %s: only job manifests belong there", e.Name(), dir)
		}
	}
}

// sameTree fails unless both trees hold the same entries with the same bytes.
func sameTree(t *testing.T, want, got string) {
	t.Helper()
	w, g := snapshot(t, want), snapshot(t, got)
	var diffs []string
	for k, we := range w {
		ge, ok := g[k]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+k)
		case ge.dir != we.dir:
			diffs = append(diffs, "kind differs "+k)
		case ge.data != we.data:
			diffs = append(diffs, "bytes differ "+k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			diffs = append(diffs, "extra "+k)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("trees differ (%s vs %s):\n%s", want, got, strings.Join(diffs, "\n"))
	}
}

// noTemps fails if any jetcp temp file or work tree is left under root.
func noTemps(t *testing.T, root string) {
	t.Helper()
	_ = filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), ".jetcp.tmp.") || strings.HasPrefix(d.Name(), ".jetcp.atomic.")) {
			t.Errorf("leftover %s", p)
		}
		return nil
	})
}

func wantCounts(t *testing.T, rep messages.Report, copied, skipped, failed int64) {
	t.Helper()
	if rep.FilesCopied != copied || rep.FilesSkipped != skipped || rep.FilesFailed != failed {
		t.Fatalf("copied/skipped/failed = %d/%d/%d, want %d/%d/%d (failures: %+v)",
			rep.FilesCopied, rep.FilesSkipped, rep.FilesFailed, copied, skipped, failed, rep.Failures)
	}
}

// readReport decodes a --report-json file.
func readReport(t *testing.T, p string) messages.Report {
	t.Helper()
	var rep messages.Report
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	return rep
}

// landedWhole checks a stopped job's flat target: no temp files, exactly
// copied files, each byte-identical to its source.
func landedWhole(t *testing.T, src, dst string, copied int64) {
	t.Helper()
	noTemps(t, dst)
	all, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	var entries []os.DirEntry
	for _, e := range all {
		if e.Name() != manifest.DirName {
			entries = append(entries, e)
		}
	}
	if int64(len(entries)) != copied {
		t.Fatalf("%d files at the target, the report says %d copied", len(entries), copied)
	}
	for _, e := range entries {
		want, _ := os.ReadFile(filepath.Join(src, e.Name()))
		got, _ := os.ReadFile(filepath.Join(dst, e.Name()))
		if !bytes.Equal(want, got) {
			t.Fatalf("%s at the target is not the source's bytes", e.Name())
		}
	}
}

// addsUp checks that a report's counters add up: every listed file is
// copied, skipped or failed, once (files: the listing's files, plus any
// directories that failed, which the report counts among files failed), and
// likewise their bytes, which are the bytes the listing expected.
func addsUp(t *testing.T, rep messages.Report, files, bytes int64) {
	t.Helper()
	if n := rep.FilesCopied + rep.FilesSkipped + rep.FilesFailed; n != files {
		t.Errorf("files copied %d + skipped %d + failed %d = %d, want %d",
			rep.FilesCopied, rep.FilesSkipped, rep.FilesFailed, n, files)
	}
	if n := rep.BytesCopied + rep.BytesSkipped + rep.BytesFailed; n != bytes || rep.BytesExpected != bytes {
		t.Errorf("bytes copied %d + skipped %d + failed %d = %d, expected %d, want %d",
			rep.BytesCopied, rep.BytesSkipped, rep.BytesFailed, n, rep.BytesExpected, bytes)
	}
}
