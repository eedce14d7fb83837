package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// The walking-skeleton scenario, step by step on one tree.
func TestCopyUpdateDeletePreserve(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	files, bytes := sampleTree(t, src)

	// 1. A fresh copy to a missing target: the contents land at the target.
	code, rep, out := runReport(t, src, dst)
	if code != cli.ExitOK || rep.State != messages.StateSucceeded {
		t.Fatalf("exit %d state %s\n%s", code, rep.State, out)
	}
	sameTree(t, src, dst)
	noTemps(t, dst)
	wantCounts(t, rep, int64(files), 0, 0)
	if rep.BytesCopied != bytes || rep.BytesExpected != bytes {
		t.Fatalf("bytes copied %d expected %d, want %d", rep.BytesCopied, rep.BytesExpected, bytes)
	}
	// Directories: the root, and every directory of the tree.
	if want := int64(countDirs(t, src)); rep.DirsCreated != want {
		t.Fatalf("dirs created %d, want %d", rep.DirsCreated, want)
	}

	// 2. -update again: nothing copied, everything skipped.
	code, rep, out = runReport(t, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	if rep.BytesSkipped != bytes || rep.DirsCreated != 0 {
		t.Fatalf("bytes skipped %d dirs created %d", rep.BytesSkipped, rep.DirsCreated)
	}

	// 3. Same size, different content, and the old mtime: only a checksum
	// can tell, and -update copies exactly that file.
	p := filepath.Join(src, "big/three-mib.bin")
	fi, _ := os.Stat(p)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xff
	writeFile(t, p, data)
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	code, rep, out = runReport(t, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, int64(files-1), 0)
	if rep.BytesCopied != int64(len(data)) {
		t.Fatalf("bytes copied %d, want %d", rep.BytesCopied, len(data))
	}
	sameTree(t, src, dst)

	// 4. -update -delete removes exactly the extra target entries.
	writeFile(t, filepath.Join(dst, "extra.txt"), []byte("x"))
	writeFile(t, filepath.Join(dst, "big/extra-dir/one"), []byte("1"))
	writeFile(t, filepath.Join(dst, "big/extra-dir/two"), []byte("2"))
	code, rep, out = runReport(t, "-update", "-delete", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if rep.FilesDeleted != 3 {
		t.Fatalf("files deleted %d, want 3", rep.FilesDeleted)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	sameTree(t, src, dst)
}

func countDirs(t *testing.T, root string) int {
	n := 0
	for _, e := range snapshot(t, root) {
		if e.dir {
			n++
		}
	}
	return n + 1 // the root itself
}

func TestPreserveUGPT(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files another owner")
	}
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	sampleTree(t, src)
	old := time.Date(2020, 2, 3, 4, 5, 6, 700_000_000, time.UTC)
	modes := map[string]os.FileMode{"a.txt": 0o600, "empty": 0o751, "dir one": 0o700, "données/été": 0o711}
	for rel, m := range modes {
		if err := os.Chmod(filepath.Join(src, rel), m); err != nil {
			t.Fatal(err)
		}
	}
	// nobody:nogroup on some entries (65534 exists on Debian).
	for _, rel := range []string{"a.txt", "dir one", "big/three-mib.bin"} {
		if err := os.Chown(filepath.Join(src, rel), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	// Old times on every entry, deepest first so parents keep theirs.
	var all []string
	for rel := range snapshot(t, src) {
		all = append(all, rel)
	}
	sortDeepestFirst(all)
	for _, rel := range all {
		if err := os.Chtimes(filepath.Join(src, rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
	code, _, out := runReport(t, "-pugpt", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sameTree(t, src, dst)
	for _, rel := range all {
		s, d := lstat(t, filepath.Join(src, rel)), lstat(t, filepath.Join(dst, rel))
		if s.Mode() != d.Mode() {
			t.Errorf("%s: mode %v, want %v", rel, d.Mode(), s.Mode())
		}
		if !s.ModTime().Equal(d.ModTime()) {
			t.Errorf("%s: mtime %v, want %v", rel, d.ModTime(), s.ModTime())
		}
		ss, ds := s.Sys().(*syscall.Stat_t), d.Sys().(*syscall.Stat_t)
		if ss.Uid != ds.Uid || ss.Gid != ds.Gid {
			t.Errorf("%s: owner %d:%d, want %d:%d", rel, ds.Uid, ds.Gid, ss.Uid, ss.Gid)
		}
	}

	// Without -p, the copy gets the defaults: root-owned, 0644, new mtimes.
	dst2 := filepath.Join(t.TempDir(), "dst2")
	if code, _, out := runReport(t, src, dst2); code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	d := lstat(t, filepath.Join(dst2, "a.txt"))
	if d.Mode().Perm() != 0o644 || d.Sys().(*syscall.Stat_t).Uid != 0 || d.ModTime().Equal(old) {
		t.Errorf("without -p: mode %v uid %d mtime %v", d.Mode(), d.Sys().(*syscall.Stat_t).Uid, d.ModTime())
	}
}

func sortDeepestFirst(paths []string) {
	for i := 1; i < len(paths); i++ {
		for j := i; j > 0 && strings.Count(paths[j], "/") > strings.Count(paths[j-1], "/"); j-- {
			paths[j], paths[j-1] = paths[j-1], paths[j]
		}
	}
}

func lstat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// Where sources land, DistCp's rules.
func TestLanding(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	writeFile(t, filepath.Join(src, "sub/g"), []byte("g"))
	other := filepath.Join(base, "other")
	writeFile(t, filepath.Join(other, "h"), []byte("h"))
	single := filepath.Join(base, "single.txt")
	writeFile(t, single, []byte("single"))

	cases := []struct {
		name    string
		prepare func(dst string)
		args    func(dst string) []string
		want    []string // files under dst
	}{
		{"dir to missing: contents at target", nil,
			func(d string) []string { return []string{src, d} }, []string{"f", "sub/g"}},
		{"dir to existing dir: lands inside", func(d string) { os.MkdirAll(d, 0o755) },
			func(d string) []string { return []string{src, d} }, []string{"src/f", "src/sub/g"}},
		{"-update to existing dir: contents at target", func(d string) { os.MkdirAll(d, 0o755) },
			func(d string) []string { return []string{"-update", src, d} }, []string{"f", "sub/g"}},
		{"-overwrite to existing dir: contents at target", func(d string) { os.MkdirAll(d, 0o755) },
			func(d string) []string { return []string{"-overwrite", src, d} }, []string{"f", "sub/g"}},
		{"two sources: each inside", nil,
			func(d string) []string { return []string{src, other, d} }, []string{"src/f", "src/sub/g", "other/h"}},
		{"two sources -update: merged", nil,
			func(d string) []string { return []string{"-update", src, other, d} }, []string{"f", "sub/g", "h"}},
		{"file to missing path", nil,
			func(d string) []string { return []string{single, d} }, []string{""}},
		{"file to existing dir", func(d string) { os.MkdirAll(d, 0o755) },
			func(d string) []string { return []string{single, d} }, []string{"single.txt"}},
		{"--src/--dst form", nil,
			func(d string) []string { return []string{"--src", src, "--src", other, "--dst", d} }, []string{"src/f", "src/sub/g", "other/h"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := filepath.Join(base, "dst", string(rune('a'+i)))
			if c.prepare != nil {
				c.prepare(dst)
			}
			code, rep, out := runReport(t, c.args(dst)...)
			if code != cli.ExitOK || rep.FilesCopied != int64(len(c.want)) {
				t.Fatalf("exit %d, copied %d\n%s", code, rep.FilesCopied, out)
			}
			got := files(t, dst)
			if len(c.want) == 1 && c.want[0] == "" {
				if data, err := os.ReadFile(dst); err != nil || string(data) != "single" {
					t.Fatalf("target file: %q %v", data, err)
				}
				return
			}
			if !sameSet(got, c.want) {
				t.Fatalf("files %v, want %v", got, c.want)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// Without a flag an existing file is skipped; -overwrite copies it again.
func TestSkipExistingAndOverwrite(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "x"), []byte("new content"))
	writeFile(t, filepath.Join(src, "y"), []byte("y"))
	writeFile(t, filepath.Join(dst, "src/x"), []byte("old"))
	code, rep, out := runReport(t, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, 1, 0)
	if data, _ := os.ReadFile(filepath.Join(dst, "src/x")); string(data) != "old" {
		t.Fatalf("existing file changed without -overwrite: %q", data)
	}
	code, rep, out = runReport(t, "-overwrite", src, filepath.Join(dst, "src"))
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 2, 0, 0)
	sameTree(t, src, filepath.Join(dst, "src"))
}

// -update compares sizes, then checksums; -skipcrccheck stops at sizes.
func TestUpdateSkipCRCCheck(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "same-size"), []byte("aaaa"))
	writeFile(t, filepath.Join(src, "other-size"), []byte("bbbb"))
	writeFile(t, filepath.Join(dst, "same-size"), []byte("zzzz"))
	writeFile(t, filepath.Join(dst, "other-size"), []byte("b"))
	code, rep, out := runReport(t, "-update", "-skipcrccheck", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, 1, 0)
	if data, _ := os.ReadFile(filepath.Join(dst, "same-size")); string(data) != "zzzz" {
		t.Fatalf("-skipcrccheck copied a same-size file: %q", data)
	}
	code, rep, _ = runReport(t, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatal(code)
	}
	wantCounts(t, rep, 1, 1, 0)
	sameTree(t, src, dst)
}

// A directory where a file should go (and the reverse) fails that entry
// clearly; -i lets the job succeed anyway and the failure is reported.
func TestDirFileClashAndIgnoreFailures(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "ok"), []byte("ok"))
	writeFile(t, filepath.Join(src, "clash"), []byte("file in source"))
	writeFile(t, filepath.Join(dst, "clash/inside"), []byte("dir in target"))
	writeFile(t, filepath.Join(src, "rev/inside"), []byte("dir in source"))
	writeFile(t, filepath.Join(dst, "rev"), []byte("file in target"))
	code, rep, out := runReport(t, "--attempts", "1", "-update", src, dst)
	if code != cli.ExitFailed || rep.State != messages.StateFailed {
		t.Fatalf("exit %d state %s, want 1 failed\n%s", code, rep.State, out)
	}
	// The source directory "rev" fails, and so does its file, whose parent
	// cannot be created: two files and one directory.
	wantCounts(t, rep, 1, 0, 2)
	if rep.DirsFailed != 1 {
		t.Errorf("dirs failed %d, want 1", rep.DirsFailed)
	}
	errs := map[string]string{}
	for _, f := range rep.Failures {
		errs[strings.TrimPrefix(f.Src, "file://"+src+"/")] = f.Error
	}
	if !strings.Contains(errs["clash"], "cannot replace directory") || !strings.Contains(errs["rev"], "cannot replace file") ||
		!strings.Contains(errs["rev/inside"], "not a directory") || len(errs) != 3 {
		t.Fatalf("failures: %+v", rep.Failures)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "rev")); string(data) != "file in target" {
		t.Fatal("the target file was touched")
	}
	os.RemoveAll(filepath.Join(src, "rev"))
	os.Remove(filepath.Join(dst, "rev"))
	if rep.BytesFailed != int64(len("file in source")+len("dir in source")) {
		t.Fatalf("bytes failed %d", rep.BytesFailed)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "clash/inside")); string(data) != "dir in target" {
		t.Fatal("the target directory was touched")
	}
	code, rep, out = runReport(t, "-i", "-update", src, dst)
	if code != cli.ExitOK || rep.State != messages.StateSucceeded || rep.FilesFailed != 1 {
		t.Fatalf("-i: exit %d state %s failed %d\n%s", code, rep.State, rep.FilesFailed, out)
	}
	if !strings.Contains(out, "cannot replace directory") {
		t.Fatalf("the printed report does not show the failure:\n%s", out)
	}
	noTemps(t, dst)
}

func TestFiltersAndDeleteSparesFiltered(t *testing.T) {
	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	writeFile(t, filepath.Join(src, "keep.txt"), []byte("k"))
	writeFile(t, filepath.Join(src, "skip.tmp"), []byte("s"))
	writeFile(t, filepath.Join(src, "_temporary/part"), []byte("t"))
	writeFile(t, filepath.Join(src, "sub/keep2.txt"), []byte("k2"))
	writeFile(t, filepath.Join(dst, "old.tmp"), []byte("target-only, filtered: must survive -delete"))
	writeFile(t, filepath.Join(dst, "gone.txt"), []byte("target-only: deleted"))
	flt := filepath.Join(base, "filters")
	writeFile(t, flt, []byte(".*\\.tmp\n\n.*/_temporary(/.*)?\n"))
	code, rep, out := runReport(t, "-update", "-delete", "-filters", flt, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 2, 0, 0)
	if rep.FilesDeleted != 1 {
		t.Fatalf("deleted %d, want 1", rep.FilesDeleted)
	}
	got := snapshot(t, dst)
	for _, want := range []string{"keep.txt", "sub/keep2.txt", "old.tmp"} {
		if _, ok := got[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	for _, gone := range []string{"skip.tmp", "_temporary", "gone.txt"} {
		if _, ok := got[gone]; ok {
			t.Errorf("unexpected %s", gone)
		}
	}
}

func TestSourceListAndGlobs(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{"2026-01", "2026-02", "2025-12"} {
		writeFile(t, filepath.Join(base, "in", d, "part-0"), []byte(d))
	}
	dst := filepath.Join(base, "out-glob")
	code, rep, out := runReport(t, filepath.Join(base, "in", "2026-*"), dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 2, 0, 0)
	if !sameSet(files(t, dst), []string{"2026-01/part-0", "2026-02/part-0"}) {
		t.Fatalf("glob copied %v", files(t, dst))
	}
	list := filepath.Join(base, "list")
	writeFile(t, list, []byte(filepath.Join(base, "in", "2025-12")+"\n\n"+filepath.Join(base, "in", "2026-02", "part-0")+"\n"))
	dst = filepath.Join(base, "out-f")
	code, rep, out = runReport(t, "-f", list, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !sameSet(files(t, dst), []string{"2025-12/part-0", "part-0"}) {
		t.Fatalf("-f copied %v", files(t, dst))
	}
}

func files(t *testing.T, root string) []string {
	var out []string
	for rel, e := range snapshot(t, root) {
		if !e.dir {
			out = append(out, rel)
		}
	}
	return out
}

func TestDryRunChangesNothing(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "new"), []byte("n"))
	writeFile(t, filepath.Join(src, "same"), []byte("s"))
	writeFile(t, filepath.Join(src, "newdir/x"), []byte("x"))
	writeFile(t, filepath.Join(dst, "same"), []byte("s"))
	writeFile(t, filepath.Join(dst, "extra"), []byte("e"))
	before := snapshot(t, dst)
	code, rep, out := runReport(t, "--dry-run", "-update", "-delete", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 2, 1, 0)
	if rep.FilesDeleted != 1 || rep.DirsCreated != 1 {
		t.Fatalf("would delete %d, would create %d dirs", rep.FilesDeleted, rep.DirsCreated)
	}
	if !strings.Contains(out, "dry run") {
		t.Fatalf("report does not say dry run:\n%s", out)
	}
	after := snapshot(t, dst)
	if len(after) != len(before) {
		t.Fatalf("dry run changed the target: %v -> %v", before, after)
	}
}

func TestAtomic(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	sampleTree(t, src)
	dst := filepath.Join(base, "out", "final")
	code, rep, out := runReport(t, "-atomic", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sameTree(t, src, dst)
	noTemps(t, base)
	if rep.FilesCopied == 0 {
		t.Fatal("nothing copied")
	}

	// With -tmp, and a broken source (a dangling link fails the listing):
	// the target must not appear at all, and the work tree is removed.
	if err := os.Symlink(filepath.Join(base, "nowhere"), filepath.Join(src, "dangling")); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(base, "work")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	dst2 := filepath.Join(base, "out", "final2")
	code, rep, out = runReport(t, "-atomic", "-tmp", tmp, src, dst2)
	if code != cli.ExitFailed || rep.State != messages.StateFailed {
		t.Fatalf("exit %d state %s\n%s", code, rep.State, out)
	}
	if _, err := os.Stat(dst2); !os.IsNotExist(err) {
		t.Fatalf("failed atomic copy left the target: %v", err)
	}
	noTemps(t, base)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("work dir not cleaned: %v", left)
	}
}

func TestDirectSmallBufferAndWorkers(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	sampleTree(t, src)
	for _, args := range [][]string{
		{"-direct"},
		{"-copybuffersize", "4096", "-m", "1"},
		{"-m", "64", "--copybuffersize=4MiB"},
		{"-p"}, // DistCp's default set; r, b and c mean nothing for local files
	} {
		dst := filepath.Join(t.TempDir(), "dst")
		code, _, out := runReport(t, append(args, src, dst)...)
		if code != cli.ExitOK {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
		sameTree(t, src, dst)
		noTemps(t, dst)
	}
}

// -bandwidth limits each copy: 3 MiB at 2 MiB/s cannot take under a second.
func TestBandwidthThrottles(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "f"), randBytes(t, 3<<20))
	code, rep, out := runReport(t, "-bandwidth", "2", "-copybuffersize", "65536", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if rep.DurationSeconds < 1.0 {
		t.Fatalf("3 MiB at 2 MiB/s took %.2fs", rep.DurationSeconds)
	}
	sameTree(t, src, dst)
}

func TestLogDirAndReportJSON(t *testing.T) {
	base := t.TempDir()
	src, dst, logs := filepath.Join(base, "src"), filepath.Join(base, "dst"), filepath.Join(base, "logs")
	writeFile(t, filepath.Join(src, "a"), []byte("aa"))
	writeFile(t, filepath.Join(src, "b"), []byte("bbb"))
	writeFile(t, filepath.Join(src, "c"), []byte("c"))
	writeFile(t, filepath.Join(dst, "b"), []byte("bbb"))
	writeFile(t, filepath.Join(dst, "c/dir"), []byte("clash"))
	rj := filepath.Join(base, "report.json")
	code, out, errs := run(t, "-update", "-i", "--attempts", "1", "-log", logs, "--report-json", rj, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	ents, err := os.ReadDir(logs)
	if err != nil || len(ents) != 1 {
		t.Fatalf("log dir: %v %v", ents, err)
	}
	f, _ := os.Open(filepath.Join(logs, ents[0].Name()))
	defer f.Close()
	actions := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Action, Kind, Src string
			Size              int64
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		actions[e.Kind+filepath.Base(e.Src)] = e.Action
	}
	// The merged root directory (-update) was there: a directory's SKIP.
	if actions["a"] != "COPY" || actions["b"] != "SKIP" || actions["c"] != "FAIL" || actions["dirsrc"] != "SKIP" || len(actions) != 4 {
		t.Fatalf("log actions %v", actions)
	}
	var raw map[string]any
	data, _ := os.ReadFile(rj)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	want := []string{"job", "state", "files_copied", "files_skipped", "files_failed", "dirs_created", "dirs_failed", "files_deleted",
		"bytes_copied", "bytes_skipped", "bytes_failed", "bytes_expected", "duration_seconds", "retries", "files_retried",
		"failures", "slowest"}
	if len(raw) != len(want) {
		t.Fatalf("report keys %v", raw)
	}
	for _, k := range want {
		if _, ok := raw[k]; !ok {
			t.Fatalf("report lacks %q: %s", k, data)
		}
	}
	if raw["bytes_expected"].(float64) != 6 || raw["files_failed"].(float64) != 1 || raw["retries"].(float64) != 0 {
		t.Fatalf("report %s", data)
	}
	// Only copies are timed: the skipped b and the failed c are not among the slowest.
	slow := raw["slowest"].([]any)
	if len(slow) != 1 || slow[0].(map[string]any)["size"].(float64) != 2 || !strings.HasSuffix(slow[0].(map[string]any)["src"].(string), "/a") {
		t.Fatalf("slowest %v", slow)
	}
	if !strings.Contains(out, "Slowest copies:") || !strings.Contains(out, "Failures:") {
		t.Fatalf("printed report lacks the slowest copies or the failures:\n%s", out)
	}
}

// -v logs each file; the default does not.
func TestVerbose(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "visible-name"), []byte("v"))
	_, _, errs := run(t, "-v", src, dst)
	if !strings.Contains(errs, "visible-name") {
		t.Fatalf("-v did not log the file:\n%s", errs)
	}
	_, _, errs = run(t, src, filepath.Join(t.TempDir(), "dst2"))
	if strings.Contains(errs, "visible-name") {
		t.Fatalf("file logged without -v:\n%s", errs)
	}
}

// -v (and --dry-run -v) on small files that are bundled: every file is
// logged, the job succeeds, the target is the source's bytes and no temp
// file is left (issue #16: a zerolog event was used again after it was sent).
func TestVerboseBundled(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the embedded store goes
	src := filepath.Join(t.TempDir(), "src")
	const n = 40 // the first bundles hold one file each, later ones more
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("small-%d", i)), randBytes(t, 100+i))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	code, rep, out := runReport(t, "-v", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-v: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, n, 0, 0)
	for i := range n {
		if name := fmt.Sprintf("small-%d", i); !strings.Contains(out, name) {
			t.Errorf("-v did not log %s", name)
		}
	}
	sameTree(t, src, dst)
	noTemps(t, dst)

	dry := filepath.Join(t.TempDir(), "dry")
	code, _, out = runReport(t, "--dry-run", "-v", src, dry)
	if code != cli.ExitOK {
		t.Fatalf("--dry-run -v: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(dry); err == nil {
		noTemps(t, dry)
		if len(snapshot(t, dry)) != 0 {
			t.Fatalf("--dry-run -v wrote to the target")
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "jetcp-embedded-*", "*")); len(left) > 0 {
		t.Fatalf("embedded store left: %v", left)
	}
}

// A --dry-run's -log lists what a run's -log does, directories included
// (each with "kind": "dir": COPY for one the copy makes, SKIP for one
// there already), with the same actions, sources and targets: it shows
// the tree the copy would make.
func TestDryRunLogListsDirectories(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	writeFile(t, filepath.Join(src, "top"), []byte("t"))
	writeFile(t, filepath.Join(src, "d1/a"), []byte("a"))
	writeFile(t, filepath.Join(src, "d1/d2/b"), []byte("b"))
	if err := os.MkdirAll(filepath.Join(src, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(base, "dst")
	writeFile(t, filepath.Join(dst, "d1/old"), []byte("o")) // d1 exists: SKIP
	lines := func(args ...string) map[string]string {
		t.Helper()
		logs := t.TempDir()
		if code, out, errs := run(t, append([]string{"-update", "-log", logs}, append(args, src, dst)...)...); code != cli.ExitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		got := map[string]string{}
		for _, l := range readLogLines(t, logs) {
			rel, _ := filepath.Rel(dst, fs.MustParseURI(l.Dst).Path)
			got[l.Kind+" "+rel] = l.Action
		}
		return got
	}
	dry := lines("--dry-run")
	want := map[string]string{
		"dir .": "SKIP", "dir d1": "SKIP", "dir d1/d2": "COPY", "dir empty": "COPY",
		" top": "COPY", " d1/a": "COPY", " d1/d2/b": "COPY",
	}
	if !maps.Equal(dry, want) {
		t.Fatalf("--dry-run -log lines (kind, target, action)\n got %v\nwant %v", dry, want)
	}
	if real := lines(); !maps.Equal(real, dry) {
		t.Fatalf("a run's -log differs from its --dry-run's\n run %v\n dry %v", real, dry)
	}
}

// readLogLines reads every line of the one -log file in dir.
func readLogLines(t *testing.T, dir string) []jobclient.LogEntry {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "jetcp-*.jsonl"))
	if len(matches) != 1 {
		t.Fatalf("log files %v", matches)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var out []jobclient.LogEntry
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l jobclient.LogEntry
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("-log line %q: %v", line, err)
		}
		out = append(out, l)
	}
	return out
}
