package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/messages"
)

// services runs a committer and one copier service against url until the
// test ends, and fails the test if either exits badly.
type services struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	copierH string // the copier's --http address
	commitH string
	logs    [2]syncBuffer // the committer's and the copier's output
}

func startServices(t *testing.T, url string, copierArgs ...string) *services {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &services{cancel: cancel, copierH: freeAddr(t), commitH: freeAddr(t)}
	logs := &s.logs
	codes := make([]int, 2)
	s.wg.Go(func() {
		codes[0] = cli.Committer(ctx, []string{"--nats", url, "--http", s.commitH}, &logs[0], &logs[0])
	})
	s.wg.Go(func() {
		args := append([]string{"--nats", url, "--http", s.copierH, "--name", "c1", "--drain", "0s"}, copierArgs...)
		codes[1] = cli.Copier(ctx, args, &logs[1], &logs[1])
	})
	t.Cleanup(func() {
		s.stop()
		for i, c := range codes {
			if c != cli.ExitOK {
				t.Errorf("service %d exited %d:\n%s", i, c, logs[i].String())
			}
		}
	})
	waitHealthy(t, s.copierH)
	waitHealthy(t, s.commitH)
	return s
}

func (s *services) stop() { s.cancel(); s.wg.Wait() }

// syncBuffer is a bytes.Buffer safe for a service writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(addr, path string) (int, string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body, err := httpGet(addr, "/healthz")
		if err == nil && code == http.StatusOK && strings.TrimSpace(body) == "ok" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz: %d %q %v", addr, code, body, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metric reads one sample from a Prometheus text page, e.g.
// `jetcp_copier_files_total{kind="file",result="copied"}`.
func metric(t *testing.T, addr, sample string) float64 {
	t.Helper()
	code, body, err := httpGet(addr, "/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("%s/metrics: %d %v", addr, code, err)
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no sample %s in /metrics:\n%s", sample, body)
	return 0
}

// metricSettles is sample's value once it equals want, or its last value
// after a few seconds: a copier counts an item after publishing its
// result, so the report can come a moment before the metric.
func metricSettles(t *testing.T, addr, sample string, want float64) float64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := metric(t, addr, sample)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Health and metrics of the services: the counts scraped from /metrics
// match the job's report, and /healthz turns unhealthy when NATS goes away.
func TestServicesHealthAndMetrics(t *testing.T) {
	ns, url := startServerHandle(t)
	s := startServices(t, url, "-m", "4")
	src := filepath.Join(t.TempDir(), "src")
	files, size := sampleTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(dst, "a.txt"), nil) // differs: copied again under -update
	code, rep, out := runReport(t, "--nats", url, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sameTree(t, src, dst)
	if rep.FilesCopied != int64(files) || rep.BytesCopied != size {
		t.Fatalf("report %+v, want %d files, %d bytes", rep, files, size)
	}
	got := metricSettles(t, s.copierH, `jetcp_copier_files_total{kind="file",result="copied"}`, float64(rep.FilesCopied))
	if got != float64(rep.FilesCopied) {
		t.Errorf("copied files metric %v, report %d", got, rep.FilesCopied)
	}
	if got := metricSettles(t, s.copierH, `jetcp_copier_bytes_total{result="copied"}`, float64(rep.BytesCopied)); got != float64(rep.BytesCopied) {
		t.Errorf("copied bytes metric %v, report %d", got, rep.BytesCopied)
	}
	if got := metric(t, s.copierH, `jetcp_copier_files_total{kind="file",result="failed"}`); got != 0 {
		t.Errorf("failed files metric %v", got)
	}
	if got := metric(t, s.copierH, `jetcp_copier_copy_seconds_count`); got < float64(files) {
		t.Errorf("latency histogram count %v, want at least %d", got, files)
	}
	if got := metricSettles(t, s.copierH, `jetcp_copier_inflight`, 0); got != 0 {
		t.Errorf("in flight %v after the job", got)
	}
	if got := metricSettles(t, s.commitH, `jetcp_committer_jobs_total{state="succeeded"}`, 1); got != 1 {
		t.Errorf("committer succeeded jobs %v, want 1", got)
	}

	// Chunked files count once each, as the report counts them.
	files0 := metric(t, s.copierH, `jetcp_copier_files_total{kind="file",result="copied"}`)
	bytes0 := metric(t, s.copierH, `jetcp_copier_bytes_total{result="copied"}`)
	code, rep, out = runReport(t, "--nats", url, "--chunk-size", "1MiB", src, filepath.Join(t.TempDir(), "chunked"))
	if code != cli.ExitOK || rep.FilesCopied != int64(files) {
		t.Fatalf("chunked: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}
	if got := metricSettles(t, s.copierH, `jetcp_copier_files_total{kind="file",result="copied"}`, files0+float64(rep.FilesCopied)) - files0; got != float64(rep.FilesCopied) {
		t.Errorf("chunked job: copied files metric %v, report %d", got, rep.FilesCopied)
	}
	if got := metricSettles(t, s.copierH, `jetcp_copier_bytes_total{result="copied"}`, bytes0+float64(rep.BytesCopied)) - bytes0; got != float64(rep.BytesCopied) {
		t.Errorf("chunked job: copied bytes metric %v, report %d", got, rep.BytesCopied)
	}

	ns.Shutdown()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body, _ := httpGet(s.copierH, "/healthz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, "NATS") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz with NATS down: %d %q", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// -async returns with the job id once the work is enqueued; status, wait
// and watch follow the job from another "machine" (another connection).
func TestAsyncStatusWaitWatch(t *testing.T) {
	url := startServer(t)
	startServices(t, url)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")

	code, out, errs := run(t, "-async", "--nats", url, src, dst)
	id := strings.TrimSpace(out)
	if code != cli.ExitOK || !messages.ValidJobID(id) {
		t.Fatalf("-async: exit %d, stdout %q\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "lister watch "+id) {
		t.Errorf("-async does not say how to follow the job:\n%s", errs)
	}
	code, out, errs = run(t, "wait", id, "--nats", url)
	if code != cli.ExitOK || !strings.Contains(out, "SUCCEEDED") {
		t.Fatalf("wait: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, src, dst)

	// A dry run's plan goes to stderr: stdout is the job id alone.
	code, out, errs = run(t, "-async", "--dry-run", "--nats", url, src, filepath.Join(t.TempDir(), "dry"))
	if dry := strings.TrimSpace(out); code != cli.ExitOK || !messages.ValidJobID(dry) || !strings.Contains(errs, "Plan") {
		t.Fatalf("-async --dry-run: exit %d, stdout %q\n%s", code, out, errs)
	}

	code, out, errs = run(t, "status", "--nats", url, id)
	if code != cli.ExitOK || !strings.Contains(out, "state:    succeeded") || !strings.Contains(out, "job:      "+id) {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = run(t, "status", "--nats", url, "--json", id)
	var st struct {
		State   string
		Results int64
		Listed  messages.Listed
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != cli.ExitOK {
		t.Fatalf("status --json: exit %d %v\n%s", code, err, out)
	}
	if st.State != "succeeded" || st.Results != st.Listed.Items || st.Listed.Files != int64(files) {
		t.Fatalf("status --json: %+v, want %d files", st, files)
	}
	code, out, _ = run(t, "status", "--nats", url)
	if code != cli.ExitOK || !strings.Contains(out, id+"  succeeded") {
		t.Fatalf("status of all jobs: exit %d\n%s", code, out)
	}

	code, out, errs = run(t, "watch", id, "--nats", url, "--json")
	if code != cli.ExitOK {
		t.Fatalf("watch: exit %d\n%s", code, errs)
	}
	counts := map[string]int64{}
	var last messages.Event
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if err := json.Unmarshal([]byte(line), &last); err != nil {
			t.Fatalf("watch line %q: %v", line, err)
		}
		counts[last.Type]++
	}
	if counts["created"] != 1 || counts["listed"] != 1 || counts["done"] != 1 || counts["result"] != st.Listed.Items || last.Type != "done" {
		t.Fatalf("watch saw %v, last %s; want 1 created, 1 listed, %d results, 1 done last", counts, last.Type, st.Listed.Items)
	}
	code, out, _ = run(t, "watch", id, "--nats", url)
	if code != cli.ExitOK || strings.Count(out, " COPY ") != files || !strings.Contains(out, "done     succeeded") {
		t.Fatalf("watch: exit %d\n%s", code, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "--nats", url, "20990101-000000-deadbeef"}, "unknown job"},
		{[]string{"wait", "--nats", url}, "give the job id"},
		{[]string{"cancel", "--nats", url, "a.b"}, "unknown job"},
		{[]string{"watch", id}, "give --nats URL"},
		{[]string{"wait", id, "other", "--nats", url}, "one job id"},
	} {
		code, out, errs := run(t, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (want one line with %q)%s", tc.args, code, errs, tc.want, out)
		}
	}
}

// lister cancel stops a throttled job cleanly: no further copies, no temp
// files, state canceled; the same command with -update then finishes it.
func TestCancel(t *testing.T) {
	url := startServer(t)
	startServices(t, url, "-m", "2")
	src := filepath.Join(t.TempDir(), "src")
	const n = 8
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), randBytes(t, 3<<20))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	code, out, errs := run(t, "-async", "-bandwidth", "2", "--nats", url, src, dst)
	id := strings.TrimSpace(out)
	if code != cli.ExitOK {
		t.Fatalf("-async: exit %d\n%s", code, errs)
	}
	time.Sleep(2 * time.Second) // two copies of 1.5 s done, two in flight
	code, out, errs = run(t, "cancel", id, "--nats", url, "--reason", "test")
	if code != cli.ExitOK || !strings.Contains(out, "CANCELED") {
		t.Fatalf("cancel: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = run(t, "wait", id, "--nats", url)
	if code != cli.ExitFailed || !strings.Contains(out, "CANCELED") {
		t.Fatalf("wait on a canceled job: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "status", "--nats", url, "--json", id)
	var st struct {
		State  string
		Report messages.Report
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	rep := st.Report
	if st.State != "canceled" || rep.FilesCopied == 0 || rep.FilesCopied >= n || rep.FilesFailed != 0 {
		t.Fatalf("canceled job: exit %d, %+v; want some but not all of %d copied", code, st, n)
	}
	if len(rep.Failures) == 0 || !strings.Contains(rep.Failures[0].Error, "canceled by") || !strings.Contains(rep.Failures[0].Error, "test") {
		t.Errorf("report does not say who canceled: %+v", rep.Failures)
	}
	time.Sleep(500 * time.Millisecond) // nothing may arrive after the end
	landedWhole(t, src, dst, rep.FilesCopied)
	code, rep2, out := runReport(t, "--nats", url, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update after cancel: exit %d\n%s", code, out)
	}
	sameTree(t, src, dst)
	wantCounts(t, rep2, n-rep.FilesCopied, rep.FilesCopied, 0)
}

// The services serve several jobs at the same time, each to its own
// exact report.
func TestServicesRunJobsAtOnce(t *testing.T) {
	url := startServer(t)
	startServices(t, url, "-m", "4")
	const jobs = 3
	var srcs, dsts [jobs]string
	var want [jobs]int
	for i := range jobs {
		srcs[i], dsts[i] = filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
		for k := range 10 * (i + 1) {
			writeFile(t, filepath.Join(srcs[i], fmt.Sprintf("d%d/f%d", k%4, k)), randBytes(t, 20_000+k))
		}
		want[i] = 10 * (i + 1)
	}
	var wg sync.WaitGroup
	var reps [jobs]messages.Report
	var codes [jobs]int
	var outs [jobs]string
	for i := range jobs {
		wg.Go(func() { codes[i], reps[i], outs[i] = runReport(t, "--nats", url, "-bandwidth", "20", srcs[i], dsts[i]) })
	}
	wg.Wait()
	for i := range jobs {
		if codes[i] != cli.ExitOK {
			t.Fatalf("job %d: exit %d\n%s", i, codes[i], outs[i])
		}
		sameTree(t, srcs[i], dsts[i])
		wantCounts(t, reps[i], int64(want[i]), 0, 0)
	}
}
