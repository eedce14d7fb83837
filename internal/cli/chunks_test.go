package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
)

// chunkTree is sampleTree plus files around the 1 MiB chunk size used
// here: one byte over, exactly three chunks, and many small files that go
// in bundles.
func chunkTree(t *testing.T, root string) (files int, bytes int64) {
	files, bytes = sampleTree(t, root)
	add := func(rel string, data []byte) {
		writeFile(t, filepath.Join(root, rel), data)
		files++
		bytes += int64(len(data))
	}
	add("edge/one-mib-and-one.bin", randBytes(t, 1<<20+1))
	add("edge/three-mib.bin", randBytes(t, 3<<20))
	for i := range 150 {
		add(filepath.Join("small", string(rune('a'+i%5)), "f"+strings.Repeat("x", i%7)+string(rune('0'+i%10))+string(rune('a'+i/10))), randBytes(t, 100+i))
	}
	return files, bytes
}

// logLines reads a -log file: action per destination.
func logLines(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, l := range readLog(t, dir) {
		if _, dup := got[l.Dst]; dup {
			t.Errorf("%s logged twice", l.Dst)
		}
		got[l.Dst] = l.Action
	}
	return got
}

// readLog reads the one -log file in dir: its files' lines (a
// directory's line has "kind": "dir").
func readLog(t *testing.T, dir string) []struct{ Action, Dst, Reason string } {
	t.Helper()
	var out []struct{ Action, Dst, Reason string }
	for _, l := range readLogLines(t, dir) {
		if l.Kind == "" {
			out = append(out, struct{ Action, Dst, Reason string }{l.Action, l.Dst, l.Reason})
		}
	}
	return out
}

// Files over the chunk size are copied as chunks by several copiers and
// assembled at the target: byte-identical, counted once each, logged once
// each, times preserved, no temp file left; -update then skips them all,
// and copies a grown one again, in chunks, over the old.
func TestChunkedLocalCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	files, bytes := chunkTree(t, src)
	old := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	big := filepath.Join(src, "big/nested/deep/five-mib.bin")
	os.Chtimes(big, old, old)
	dst := filepath.Join(t.TempDir(), "dst")
	logs := t.TempDir()
	code, rep, out := runReport(t, "--chunk-size", "1MiB", "-m", "6", "-pt", "-log", logs, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	if rep.BytesCopied != bytes || rep.BytesExpected != bytes {
		t.Fatalf("bytes copied %d, expected %d, want %d", rep.BytesCopied, rep.BytesExpected, bytes)
	}
	sameTree(t, src, dst)
	noTemps(t, dst)
	if mt := lstat(t, filepath.Join(dst, "big/nested/deep/five-mib.bin")).ModTime(); !mt.Equal(old) {
		t.Errorf("chunked file's mtime %v, want %v", mt, old)
	}
	lines := logLines(t, logs)
	if len(lines) != files {
		t.Fatalf("%d -log lines, want one per file (%d)", len(lines), files)
	}
	for d, a := range lines {
		if a != "COPY" {
			t.Errorf("%s: %s", d, a)
		}
	}

	code, rep, out = runReport(t, "--chunk-size", "1MiB", "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)

	f, err := os.OpenFile(big, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(randBytes(t, 3000))
	f.Close()
	code, rep, out = runReport(t, "--chunk-size", "1MiB", "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update after growth: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, int64(files-1), 0)
	sameTree(t, src, dst)
	noTemps(t, dst)
}

// To COS a chunk is a part of one multipart upload, which the committer
// completes; COS's own CRC32C of the object must equal the chunks'
// combined. Back from COS, chunks read byte ranges of the object.
func TestChunkedCOS(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	files, bytes := chunkTree(t, src)
	remote := "cosn://" + cosBucket + "/chunked"
	code, rep, out := runReport(t, "--chunk-size", "1MiB", "-m", "6", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("to COS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	if rep.BytesCopied != bytes {
		t.Fatalf("bytes %d, want %d", rep.BytesCopied, bytes)
	}
	if n := srv.OpenUploads(cosBucket); n != 0 {
		t.Fatalf("%d uploads left open", n)
	}
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, "--chunk-size", "1MiB", "-m", "6", remote, back)
	if code != cli.ExitOK {
		t.Fatalf("from COS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	sameTree(t, src, back)
	noTemps(t, back)
}

// A chunk that cannot be written fails its file, once, with the reason;
// the upload is aborted and nothing appears at the target.
func TestChunkFailureFailsTheFile(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "big.bin"), randBytes(t, 3<<20+5))
	writeFile(t, filepath.Join(src, "small.txt"), []byte("small"))
	srv.SetFaults(cosemu.Faults{ErrorRate: 1, Methods: []string{"PUT"}})
	remote := "cosn://" + cosBucket + "/failing"
	code, rep, out := runReport(t, "--chunk-size", "1MiB", "--attempts", "2", "--retry-backoff", "10ms", src, remote)
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitFailed, out)
	}
	wantCounts(t, rep, 0, 0, 2) // the two files
	if rep.DirsFailed != 1 {
		t.Errorf("dirs failed %d, want 1 (the target directory)", rep.DirsFailed)
	}
	// The chunked file's bytes fail with it, all of them.
	if want := int64(3<<20 + 5 + 5); rep.BytesFailed != want {
		t.Errorf("bytes failed %d, want %d", rep.BytesFailed, want)
	}
	addsUp(t, rep, 2, 3<<20+5+5)
	found := false
	for _, f := range rep.Failures {
		if strings.HasSuffix(f.Dst, "/big.bin") {
			if found {
				t.Errorf("big.bin failed twice in the report")
			}
			found = true
			if !strings.Contains(f.Error, "503") {
				t.Errorf("big.bin's error %q does not say why", f.Error)
			}
		}
	}
	if !found {
		t.Fatalf("big.bin not among the failures: %+v", rep.Failures)
	}
	if n := srv.OpenUploads(cosBucket); n != 0 {
		t.Fatalf("%d uploads left open", n)
	}
	srv.SetFaults(cosemu.Faults{})
	code, rep, _ = runReport(t, "--chunk-size", "1MiB", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("after the fault: exit %d", code)
	}
	wantCounts(t, rep, 2, 0, 0)
}

// HDFS targets take files whole (no concat yet); HDFS sources are read in
// chunks by byte range.
func TestChunkedHDFS(t *testing.T) {
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := chunkTree(t, src)
	remote := "hdfs://" + c.Addr() + "/chunked"
	code, rep, out := runReport(t, "--chunk-size", "1MiB", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("to HDFS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, "--chunk-size", "1MiB", "-m", "6", remote, back)
	if code != cli.ExitOK {
		t.Fatalf("from HDFS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	sameTree(t, src, back)
	noTemps(t, back)
}
