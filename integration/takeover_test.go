package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/messages"
)

// takeoverBound is how soon after a process dies its work must be taken
// up again (issue #22: 5 s), plus slack for starting and scheduling
// processes on a loaded machine. Only the taking up is timed, from the
// kill to the moment the other process reports it.
const takeoverBound = 5*time.Second + 1500*time.Millisecond

// A copier SIGKILLed in the middle of a bundle, after renaming some of its
// files into place: another copier gets the bundle again within 5 s, and,
// on a fresh target, the job reports every file copied and none skipped
// (the files the dead copier put in place are this job's copies).
func TestProcessesCopierKilledMidBundle(t *testing.T) {
	url := startNATSAndCommitter(t)
	victim := start(t, "copier", "--nats", url, "--name", "victim", "-m", "1")

	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	// 40 files of 256 KiB in one directory, at 1 MiB/s a quarter second
	// each, in bundles of 1 (the first 8), 2 (the next 8), then 4 files.
	const n, size = 40, 256 << 10
	if err := os.MkdirAll(filepath.Join(src, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		b := make([]byte, size)
		_, _ = rand.Read(b)
		if err := os.WriteFile(filepath.Join(src, "d", fmt.Sprintf("f%02d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An existing, empty target: src lands in dst/src, and every file's
	// target is looked up before it is written.
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type outcome struct {
		code int
		rep  messages.Report
		out  string
	}
	ended := make(chan outcome, 1)
	go func() {
		defer close(ended) // also when listerJob gives up (Fatalf)
		code, rep, out := listerJob(ctx, t, url, "-bandwidth", "1", src, dst)
		ended <- outcome{code, rep, out}
	}()
	// 25 files in place: the first file of the first 4-file bundle is
	// renamed, three are to come; the bundle is not acked.
	landed := filepath.Join(dst, "src", "d")
	for countFiles(landed) < 25 {
		if ctx.Err() != nil {
			t.Fatal("the victim never got to its 25th file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = victim.cmd.Process.Kill()
	killed := time.Now()
	_ = victim.cmd.Wait()
	inPlace := countFiles(landed)
	survivorHTTP := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	start(t, "copier", "--nats", url, "--name", "survivor", "-m", "4", "--http", survivorHTTP)
	took, ok := waitMetric(ctx, survivorHTTP, "jetcp_copier_redeliveries_total", 1)
	if !ok {
		t.Fatal("the survivor never got a redelivered item")
	}
	t.Logf("killed with %d files in place; the survivor took the dead copier's bundle %.2fs after the kill", inPlace, took.Sub(killed).Seconds())
	if d := took.Sub(killed); d > takeoverBound {
		t.Errorf("redelivered %.2fs after the kill, want within %v", d.Seconds(), takeoverBound)
	}
	o, ok := <-ended
	if !ok {
		t.Fatal("the lister ended without a report")
	}
	wantExact(t, o.code, o.rep, n, n*size, o.out)
	sameFiles(t, src, filepath.Join(dst, "src"))
	own := 0
	for _, ev := range jobEvents(t, url, o.rep.Job) {
		if r := ev.Result; ev.Type == messages.EventResult && r != nil {
			for _, f := range r.Files {
				if f.Reason == copier.ReasonOwnCopy {
					own++
				}
			}
		}
	}
	if own == 0 {
		t.Errorf("no redelivered file was found in place: the kill did not hit a bundle half done")
	}
}

// A committer SIGKILLed while it follows a job: another committer, already
// running, takes the job over within 5 s, and the job ends exact once
// copiers come.
func TestProcessesCommitterKilledTakenOver(t *testing.T) {
	port := freePort(t)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	start(t, "nats-server", "-js", "-sd", t.TempDir(), "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	waitPort(t, fmt.Sprintf("127.0.0.1:%d", port))
	firstHTTP := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	first := start(t, "committer", "--nats", url, "--http", firstHTTP)

	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	const n, size = 6, 64 << 10
	total := makeTree(t, src, n, size)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	if code := cli.Lister(ctx, []string{"--nats", url, "-async", src, dst}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("lister -async: exit %d: %s", code, errb.String())
	}
	job := strings.TrimSpace(out.String())
	// No copier yet: the first committer follows a job that cannot end.
	if _, ok := waitMetric(ctx, firstHTTP, "jetcp_committer_jobs_running", 1); !ok {
		t.Fatal("the first committer never took the job")
	}
	secondHTTP := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	start(t, "committer", "--nats", url, "--http", secondHTTP)
	waitPort(t, secondHTTP)
	if _, ok := waitMetric(ctx, secondHTTP, "jetcp_committer_jobs_running", 0); !ok {
		t.Fatal("the second committer never came up")
	}
	_ = first.cmd.Process.Kill()
	killed := time.Now()
	_ = first.cmd.Wait()
	took, ok := waitMetric(ctx, secondHTTP, "jetcp_committer_jobs_running", 1)
	if !ok {
		t.Fatal("the second committer never took the job over")
	}
	t.Logf("the second committer took the job over %.2fs after the kill", took.Sub(killed).Seconds())
	if d := took.Sub(killed); d > takeoverBound {
		t.Errorf("taken over %.2fs after the kill, want within %v", d.Seconds(), takeoverBound)
	}
	start(t, "copier", "--nats", url, "-m", "2")
	out.Reset()
	errb.Reset()
	code := cli.Lister(ctx, []string{"wait", job, "--nats", url}, &out, &errb)
	wantExact(t, code, jobReport(t, url, job), n, total, out.String()+errb.String())
	sameFiles(t, src, dst)
}

// jobReport is an ended job's report, from `lister status --json`.
func jobReport(t *testing.T, url, job string) messages.Report {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Lister(context.Background(), []string{"status", job, "--json", "--nats", url}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("status: exit %d: %s", code, errb.String())
	}
	var st struct{ Report *messages.Report }
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || st.Report == nil {
		t.Fatalf("status %s: %v", out.String(), err)
	}
	return *st.Report
}

// waitMetric polls a service's /metrics until the metric (unlabelled) has
// at least want (exactly want when it is 0), and says when it saw it.
func waitMetric(ctx context.Context, addr, metric string, want float64) (time.Time, bool) {
	for ctx.Err() == nil {
		if v, ok := metricValue(addr, metric); ok && (v >= want && want > 0 || want == 0 && v == 0) {
			return time.Now(), true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return time.Time{}, false
}

func metricValue(addr, metric string) (float64, bool) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, metric+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}
