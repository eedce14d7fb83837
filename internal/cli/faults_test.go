package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// A COS that answers some requests 503, cuts some connections and answers
// slowly: retries with back-off bring every file over, byte-identical, in
// both directions.
func TestCOSTransientFaults(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	remote := "cosn://" + cosBucket + "/faults"

	srv.SetFaults(cosemu.Faults{ErrorRate: 0.2, Latency: 5 * time.Millisecond})
	code, rep, out := runReport(t, "--attempts", "6", "--retry-backoff", "50ms", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("to COS with 503s: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)

	srv.SetFaults(cosemu.Faults{CutRate: 0.1, Latency: 5 * time.Millisecond})
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, "--attempts", "8", "--retry-backoff", "50ms", remote, back)
	if code != cli.ExitOK {
		t.Fatalf("from COS with cut connections: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	srv.SetFaults(cosemu.Faults{})
	sameTree(t, src, back)
	noTemps(t, back)
	if n := srv.OpenUploads(cosBucket); n != 0 {
		t.Fatalf("%d multipart uploads left open", n)
	}
}

// A COS that keeps failing: the job fails with every file listed as
// failed, exit 1, and nothing (no object, no temp object, no open
// multipart upload) left at the target.
func TestCOSDownFailsExactly(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	const n = 4
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), randBytes(t, 1500<<10)) // multipart at 1 MiB parts
	}
	remote := "cosn://" + cosBucket + "/down"
	// COS down altogether: the lister says so before copying, exit 1.
	srv.SetFaults(cosemu.Faults{ErrorRate: 1})
	code, out, errs := run(t, src, remote)
	if code != cli.ExitFailed || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "COS answered 503 Service Unavailable") ||
		!strings.Contains(errs, "try again later") {
		t.Fatalf("COS down: exit %d, want 1 and one line naming the cause\n%s%s", code, out, errs)
	}
	// Listing and reading work; every write fails.
	srv.SetFaults(cosemu.Faults{ErrorRate: 1, Methods: []string{"PUT", "POST", "DELETE"}})
	code, rep, out := runReport(t, "--attempts", "2", "--retry-backoff", "10ms", src, remote)
	srv.SetFaults(cosemu.Faults{})
	if code != cli.ExitFailed || rep.State != "failed" {
		t.Fatalf("exit %d state %s, want 1 failed\n%s", code, rep.State, out)
	}
	if rep.FilesFailed < n || rep.FilesCopied != 0 {
		t.Fatalf("report %+v: want all %d files failed", rep, n)
	}
	for _, f := range rep.Failures {
		if f.Error == "" {
			t.Fatalf("failure without an error: %+v", f)
		}
	}
	back := filepath.Join(t.TempDir(), "back")
	if code, _, _ := run(t, remote, back); code != cli.ExitUsage {
		t.Fatalf("the target exists after a failed job (exit %d)", code)
	}
	if u := srv.OpenUploads(cosBucket); u != 0 {
		t.Fatalf("%d multipart uploads left open", u)
	}
}

// An HDFS whose NameNode answers 5% of RPCs with RetriableException and is
// slow: each RPC is retried with back-off (as Hadoop's client does), so the
// job succeeds, byte-identical, in both directions.
func TestHDFSTransientFaults(t *testing.T) {
	hdfsRoundTripUnder(t, "faults", "RPC errors", hdfsemu.Faults{RPCErrorRate: 0.05, Latency: 2 * time.Millisecond})
}

// An HDFS cutting 5% of NameNode connections before the call ran and 2%
// after (the answer lost), and 5% of DataNode connections: a cut NameNode
// connection is made again and the call sent again (the NameNode's retry
// cache answers a repeated create or rename), a cut read goes on where it
// stopped, a cut write is written again. The job succeeds in both
// directions, every file byte-identical, and no temp file is left.
func TestHDFSCutConnections(t *testing.T) {
	hdfsRoundTripUnder(t, "cut", "cut connections", hdfsemu.Faults{DropRate: 0.05, LostReplyRate: 0.02, Latency: time.Millisecond})
}

// hdfsRoundTripUnder copies a sample tree to HDFS and back while the
// emulator injects faults (what: for messages), retrying with back-off:
// both jobs succeed, every file byte-identical, and no temp file is left
// (one left at the HDFS side would have come back as an extra).
func hdfsRoundTripUnder(t *testing.T, dir, what string, faults hdfsemu.Faults) {
	t.Helper()
	c := startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	remote := "hdfs://" + c.Addr() + "/" + dir
	c.SetFaults(faults)
	code, rep, out := runReport(t, "--attempts", "8", "--retry-backoff", "50ms", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("to HDFS with %s: exit %d\n%s", what, code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, "--attempts", "8", "--retry-backoff", "50ms", remote, back)
	if code != cli.ExitOK {
		t.Fatalf("from HDFS with %s: exit %d\n%s", what, code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	c.SetFaults(hdfsemu.Faults{})
	sameTree(t, src, back)
	noTemps(t, back)
}

// Sources that change after listing are detected and reported as failed,
// never copied as a mix: one rewritten while it is being copied, one grown
// before its turn. The rest is copied; -update then brings the new bytes.
func TestSourceChangingDuringCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for _, f := range []struct {
		name string
		size int
	}{{"a", 1 << 20}, {"b", 1 << 20}, {"c-mid", 2 << 20}, {"d-late", 1 << 20}} {
		writeFile(t, filepath.Join(src, f.name), randBytes(t, f.size))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	rj := filepath.Join(t.TempDir(), "report.json")
	done := make(chan int, 1)
	var out, errb bytes.Buffer
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// One copy at a time, 1 MiB/s: a, b, c-mid (2 s), d-late, in order.
		done <- cli.Lister(ctx, []string{"-m", "1", "-bandwidth", "1", "--attempts", "1", "--no-progress", "--report-json", rj, src, dst}, &out, &errb)
	}()
	// Once b is in place, c-mid is being copied and d-late waits.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dst, "b")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("b never arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
	writeFile(t, filepath.Join(src, "c-mid"), randBytes(t, 2<<20)) // same size, new bytes and mtime
	f, err := os.OpenFile(filepath.Join(src, "d-late"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("grown"))
	f.Close()
	code := <-done
	rep := readReport(t, rj)
	if code != cli.ExitFailed || rep.FilesCopied != 2 || rep.FilesFailed != 2 {
		t.Fatalf("exit %d, report %+v; want 2 copied, 2 failed\n%s%s", code, rep, out.String(), errb.String())
	}
	for _, f := range rep.Failures {
		if !strings.Contains(f.Error, "changed") && !strings.Contains(f.Error, "grew") || !strings.Contains(f.Error, "re-run with -update") {
			t.Errorf("failure %+v does not say the source changed and what to do", f)
		}
	}
	got := files(t, dst)
	sort.Strings(got)
	if strings.Join(got, ",") != "a,b" {
		t.Fatalf("target holds %v, want only a and b", got)
	}
	noTemps(t, dst)
	code, rep2, logs := runReport(t, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, logs)
	}
	wantCounts(t, rep2, 2, 2, 0)
	sameTree(t, src, dst)
}

// Permission denied on a source file or on the target directory is a
// per-file failure naming the path; with -i the job goes on.
func TestPermissionDenied(t *testing.T) {
	c := startHDFS(t) // the OS user is the emulator's superuser
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "open.txt"), []byte("anyone may read"))
	writeFile(t, filepath.Join(src, "private.txt"), []byte("owner only"))
	if err := os.Chmod(filepath.Join(src, "private.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	remote := "hdfs://" + c.Addr() + "/data"
	if code, _, out := runReport(t, "-pp", src, remote); code != cli.ExitOK {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}

	t.Setenv("HADOOP_USER_NAME", "alice") // neither owner nor superuser
	back := filepath.Join(t.TempDir(), "back")
	code, rep, out := runReport(t, "-i", remote, back)
	if code != cli.ExitOK || rep.FilesCopied != 1 || rep.FilesFailed != 1 || len(rep.Failures) != 1 {
		t.Fatalf("-i with an unreadable source: exit %d, %+v\n%s", code, rep, out)
	}
	if f := rep.Failures[0]; !strings.HasSuffix(f.Src, "/private.txt") || !strings.Contains(strings.ToLower(f.Error), "permission denied") {
		t.Fatalf("failure %+v: want private.txt, permission denied", f)
	}
	if data, _ := os.ReadFile(filepath.Join(back, "open.txt")); string(data) != "anyone may read" {
		t.Fatalf("open.txt: %q", data)
	}
	noTemps(t, back)

	// A target directory alice may not write: every file fails, exit 1,
	// nothing appears.
	code, rep, out = runReport(t, src, remote+"/sub")
	if code != cli.ExitFailed || rep.FilesCopied != 0 || rep.FilesFailed == 0 {
		t.Fatalf("unwritable target: exit %d, %+v\n%s", code, rep, out)
	}
	for _, f := range rep.Failures {
		if !strings.Contains(strings.ToLower(f.Error), "permission denied") {
			t.Fatalf("failure %+v does not say permission denied", f)
		}
	}
	t.Setenv("HADOOP_USER_NAME", "")
	if code, _, _ := run(t, remote+"/sub", filepath.Join(t.TempDir(), "x")); code != cli.ExitUsage {
		t.Fatalf("the unwritable target was created (exit %d)", code)
	}
}

// A target file system that fills up: the files that fit are copied, the
// rest fail with "no space left on device", and no temp file is left.
func TestDiskFull(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	// A 3 MiB tmpfs: mounting needs root (CI runs as root).
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dst).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dst).Run() })
	src := filepath.Join(t.TempDir(), "src")
	for i := range 5 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), randBytes(t, 1<<20))
	}
	code, rep, out := runReport(t, "-m", "1", "--attempts", "1", src, dst+"/copy")
	if code != cli.ExitFailed || rep.FilesCopied == 0 || rep.FilesFailed == 0 || rep.FilesCopied+rep.FilesFailed != 5 {
		t.Fatalf("exit %d, %+v: want some copied, the rest failed\n%s", code, rep, out)
	}
	for _, f := range rep.Failures {
		if !strings.Contains(f.Error, "no space left on device") {
			t.Fatalf("failure %+v does not say the disk is full", f)
		}
	}
	noTemps(t, dst)
	got := files(t, dst)
	if int64(len(got)) != rep.FilesCopied {
		t.Fatalf("%d files at the target, the report says %d copied", len(got), rep.FilesCopied)
	}
	for _, f := range got {
		want, _ := os.ReadFile(filepath.Join(src, filepath.Base(f)))
		have, _ := os.ReadFile(filepath.Join(dst, f))
		if !bytes.Equal(want, have) {
			t.Fatalf("%s is not whole", f)
		}
	}
}

// Environment problems found before copying: one line naming the problem
// and the fix, within seconds, nothing written.
func TestEnvironmentErrors(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"NameNode unreachable", nil, []string{src, "hdfs://127.0.0.1:1/x"}, "is it running? check the address or HADOOP_CONF_DIR"},
		{"NameNode unreachable as source", nil, []string{"hdfs://127.0.0.1:1/x", dst}, "is it running?"},
		{"COS credentials missing", map[string]string{"COS_SECRET_ID": "", "COS_SECRET_KEY": "", "COS_REGION": "ap-guangzhou"},
			[]string{src, "cosn://bucket-1250000000/x"}, "COS credentials missing: set COS_SECRET_ID and COS_SECRET_KEY"},
		{"COS region missing", map[string]string{"COS_SECRET_ID": "id", "COS_SECRET_KEY": "key", "COS_REGION": ""},
			[]string{src, "cosn://bucket-1250000000/x"}, "COS region missing: set COS_REGION"},
		{"hdfs:/// without fs.defaultFS", nil, []string{"hdfs:///data", dst}, "needs fs.defaultFS"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			start := time.Now()
			code, out, errs := run(t, c.args...)
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %s to fail", took)
			}
			if code != cli.ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line with %q\n%s", code, errs, c.want, out)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Fatal("the target was created")
			}
		})
	}
}
