package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/jobclient"
)

// logSource makes a source tree for -log tests: small files (bundled), a
// file of 2 MiB (alone) and a file that will clash with a directory at the
// target (it fails). It returns the source and the sizes by name.
func logSource(t *testing.T) (string, map[string]int64) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	sizes := map[string]int64{}
	for i := range 12 {
		n := fmt.Sprintf("small-%02d", i)
		writeFile(t, filepath.Join(src, n), randBytes(t, 10+i))
		sizes[n] = int64(10 + i)
	}
	writeFile(t, filepath.Join(src, "big"), randBytes(t, 2<<20))
	sizes["big"] = 2 << 20
	return src, sizes
}

// readLogVia reads the one -log file in dir through the fs layer: there is
// exactly one entry in dir, named jetcp-<job>.jsonl (no temp file left).
// It returns the files' lines (a directory's has "kind": "dir").
func readLogVia(t *testing.T, dir string) []jobclient.LogEntry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg := cli.Registry(hadoopconf.Env(os.Getenv), zerolog.Nop())
	defer reg.Close()
	u := fs.MustParseURI(dir)
	fsys, err := reg.FS(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for fi, err := range fsys.List(ctx, u.Path) {
		if err != nil {
			t.Fatalf("list %s: %v", dir, err)
		}
		names = append(names, fi.Name())
	}
	if len(names) != 1 || !strings.HasPrefix(names[0], "jetcp-") || !strings.HasSuffix(names[0], ".jsonl") {
		t.Fatalf("%s holds %v, want one jetcp-<job>.jsonl", dir, names)
	}
	r, err := fsys.Open(ctx, u.Path+"/"+names[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []jobclient.LogEntry
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var e jobclient.LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if e.Kind == "" {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkLog wants one line per source file with its action, source,
// target and size.
func checkLog(t *testing.T, lines []jobclient.LogEntry, src, dst string, sizes map[string]int64, want map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range lines {
		n := filepath.Base(l.Src)
		if seen[n] {
			t.Errorf("%s logged twice", n)
		}
		seen[n] = true
		if l.Src != fs.MustParseURI(filepath.Join(src, n)).String() || l.Dst != fs.MustParseURI(filepath.Join(dst, n)).String() {
			t.Errorf("%s: src %s dst %s", n, l.Src, l.Dst)
		}
		if l.Size != sizes[n] || l.Action != want[n] || l.Time == "" || l.Attempt < 1 {
			t.Errorf("%s: %+v, want %s of %d bytes", n, l, want[n], sizes[n])
		}
	}
	if len(seen) != len(sizes) {
		t.Errorf("%d files logged, want %d", len(seen), len(sizes))
	}
}

// -log hdfs://nn/logs (how DistCp users write it) writes the per-file log
// to HDFS, also when the job fails; nothing named hdfs: appears locally.
func TestLogToHDFS(t *testing.T) {
	c := startHDFS(t)
	t.Chdir(t.TempDir())
	src, sizes := logSource(t)
	dst := filepath.Join(t.TempDir(), "dst")
	logs := "hdfs://" + c.Addr() + "/jobs/logs"
	code, _, out := runReport(t, "-log", logs, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, err := os.Stat("hdfs:"); !os.IsNotExist(err) {
		t.Fatalf("a local directory hdfs: was made")
	}
	want := map[string]string{}
	for n := range sizes {
		want[n] = "COPY"
	}
	checkLog(t, readLogVia(t, logs), src, dst, sizes, want)

	// A failing job still leaves its whole log: big clashes with a directory.
	dst2 := filepath.Join(t.TempDir(), "dst2")
	writeFile(t, filepath.Join(dst2, "big", "in-the-way"), []byte("x"))
	logs2 := logs + "2"
	code, _, out = runReport(t, "-update", "--attempts", "1", "-log", logs2, src, dst2)
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitFailed, out)
	}
	want["big"] = "FAIL"
	checkLog(t, readLogVia(t, logs2), src, dst2, sizes, want)
}

// A -log on HDFS survives HDFS's transient faults (cut connections, RPC
// errors) as the copies do: a fault while writing it once made a job whose
// every file was copied exit 1 after waiting 12 s for a block that never
// completed (the differential test found it). The sources and target are
// local: only the log meets the faults.
func TestLogToHDFSUnderFaults(t *testing.T) {
	c := startHDFS(t)
	src, sizes := logSource(t)
	want := map[string]string{}
	for n := range sizes {
		want[n] = "COPY"
	}
	for i := range 4 {
		dst := filepath.Join(t.TempDir(), "dst")
		logs := fmt.Sprintf("hdfs://%s/faulty/logs%d", c.Addr(), i)
		c.SetFaults(hdfsemu.Faults{DropRate: 0.15, RPCErrorRate: 0.1})
		code, _, out := runReport(t, "-log", logs, src, dst)
		c.SetFaults(hdfsemu.Faults{})
		if code != cli.ExitOK {
			t.Fatalf("run %d: exit %d\n%s", i, code, lastLines(out, 10))
		}
		checkLog(t, readLogVia(t, logs), src, dst, sizes, want)
	}
}

// -log cosn://bucket/logs writes the per-file log to COS.
func TestLogToCOS(t *testing.T) {
	srv := cosEnv(t)
	t.Chdir(t.TempDir())
	src, sizes := logSource(t)
	dst := filepath.Join(t.TempDir(), "dst")
	logs := "cosn://" + cosBucket + "/jobs/logs"
	code, _, out := runReport(t, "-log", logs, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := map[string]string{}
	for n := range sizes {
		want[n] = "COPY"
	}
	checkLog(t, readLogVia(t, logs), src, dst, sizes, want)
	if n := srv.OpenUploads(cosBucket); n != 0 {
		t.Fatalf("%d multipart uploads left open", n)
	}
}

// A -log location that cannot be written is refused before copying: one
// line, exit 2, the target untouched.
func TestLogRefusals(t *testing.T) {
	cosEnv(t)
	t.Chdir(t.TempDir())
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	file := filepath.Join(t.TempDir(), "a-file")
	writeFile(t, file, []byte("x"))
	for _, c := range []struct{ name, log, want string }{
		{"unknown scheme", "s3://bucket/logs", "unknown URI scheme"},
		{"missing COS bucket", "cosn://no-such-bucket-1250000000/logs", "-log cosn://no-such-bucket-1250000000/logs"},
		{"local file in the way", filepath.Join(file, "logs"), "-log " + filepath.Join(file, "logs")},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			code, out, errs := run(t, "-log", c.log, src, dst)
			if code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, cli.ExitUsage, out, errs)
			}
			if lines := strings.Split(strings.TrimSpace(errs), "\n"); len(lines) != 1 || !strings.Contains(errs, c.want) {
				t.Fatalf("want one line mentioning %q, got:\n%s", c.want, errs)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Fatal("the target was created")
			}
			if ents, _ := os.ReadDir("."); len(ents) != 0 {
				t.Fatalf("made locally: %v", ents)
			}
		})
	}
}

// Ctrl-C: the -log on HDFS is still completed, with a line for each file
// copied before the job stopped.
func TestLogToHDFSInterrupted(t *testing.T) {
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	const n = 8
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%02d", i)), randBytes(t, 2<<20))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	rj := filepath.Join(t.TempDir(), "report.json")
	logs := "hdfs://" + c.Addr() + "/logs"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// 2 copies at 2 MiB/s: one file a second each. Stop a moment after
	// the first file is in place (its result on the way), however slow
	// the machine is to start, and long before the last.
	go func() {
		for ctx.Err() == nil {
			if placed, _ := filepath.Glob(filepath.Join(dst, "f??")); len(placed) > 0 {
				time.Sleep(300 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var out, errb bytes.Buffer
	code := cli.Lister(ctx, []string{"-m", "2", "-bandwidth", "2", "--report-json", rj, "-log", logs, src, dst}, &out, &errb)
	if code != cli.ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s%s", code, cli.ExitInterrupted, out.String(), errb.String())
	}
	rep := readReport(t, rj)
	copied := 0
	for _, l := range readLogVia(t, logs) {
		if l.Action == "COPY" {
			copied++
		}
	}
	if rep.FilesCopied == 0 || int64(copied) != rep.FilesCopied {
		t.Fatalf("%d COPY lines in the log, the report says %d copied", copied, rep.FilesCopied)
	}
}
