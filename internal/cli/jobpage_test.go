package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// The job page in a real browser (headless Chromium): mid-run, the
// embedded lister's --http page shows the job copying, its progress bar
// part-way, the bytes moving and the planted failure with its reason;
// after the job, the committer's --http page lists the job as failed and
// shows its report. With JOBPAGE_SCREENSHOT=FILE the mid-run page is
// also saved as a PNG (docs/job-page.png is made so).
func TestJobPageInBrowser(t *testing.T) {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not on PATH: apt-get install chromium")
	}
	src, dst := plantFailure(t, 40<<20)
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- cli.Lister(ctx, []string{"--http", addr, "-update", "-bandwidth", "2", "--no-progress", src, dst}, &logs, &logs)
	}()
	job := waitJobAPI(t, addr, func(v pageJob) bool { return v.Progress.BytesDone > 0 && len(v.Failures) == 1 })
	page := "http://" + addr + "/jobs/" + job.ID
	dom := dumpDOM(t, chrome, page, job.ID)
	if got := domText(dom, "state"); got != "copying" {
		t.Errorf("state %q, want copying\n%s", got, dom)
	}
	pct, err := strconv.ParseFloat(strings.TrimSuffix(domText(dom, "bar-text"), "%"), 64)
	if err != nil || pct <= 0 || pct >= 100 {
		t.Errorf("progress bar %q, want part-way (%v)\n%s", domText(dom, "bar-text"), err, dom)
	}
	if got := domText(dom, "files"); got != "2 / 3" {
		t.Errorf("files %q, want 2 / 3 (the small file copied, the planted one failed)", got)
	}
	if got := domText(dom, "failed"); got != "1" {
		t.Errorf("failed %q, want 1", got)
	}
	if !strings.Contains(dom, "cannot replace directory") || !strings.Contains(dom, "sub/blocked") {
		t.Errorf("the page does not show the planted failure with its reason:\n%s", dom)
	}
	if !strings.Contains(dom, "<polygon") || !strings.Contains(dom, "embedded") {
		t.Errorf("no chart, or no copier in flight:\n%s", dom)
	}
	if shot := os.Getenv("JOBPAGE_SCREENSHOT"); shot != "" {
		chromium(t, chrome, page, "--hide-scrollbars", "--window-size=1100,1000", "--screenshot="+shot)
	}
	cancel()
	if code := <-exited; code != cli.ExitInterrupted {
		t.Fatalf("exit %d, want %d (stopped)\n%s", code, cli.ExitInterrupted, logs.String())
	}

	// The committer's page, once a job is done: its report.
	url := startServer(t)
	s := startServices(t, url)
	src, dst = plantFailure(t, 1<<20)
	if code, out, errs := run(t, "--nats", url, "-update", src, dst); code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, cli.ExitFailed, out, errs)
	}
	job = waitJobAPI(t, s.commitH, func(v pageJob) bool { return v.Final })
	list := dumpDOM(t, chrome, "http://"+s.commitH+"/", job.ID)
	if !regexp.MustCompile(`>` + job.ID + `</a></td><td class="state failed">failed<`).MatchString(list) {
		t.Errorf("the job list does not show the job failed:\n%s", list)
	}
	dom = dumpDOM(t, chrome, "http://"+s.commitH+"/jobs/"+job.ID, job.ID)
	if got := domText(dom, "state"); got != "failed" {
		t.Errorf("state %q, want failed", got)
	}
	if got := domText(dom, "bar-text"); got != "100.0%" {
		t.Errorf("progress bar %q at the end, want 100.0%%", got)
	}
	report := dom[strings.Index(dom, `id="report"`):]
	if strings.Contains(report[:40], "hidden") || !strings.Contains(report, "<dt>Files failed</dt><dd>1</dd>") ||
		!strings.Contains(report, "<dt>Files copied</dt><dd>2</dd>") || !strings.Contains(report, "cannot replace directory") {
		t.Errorf("the report is not shown, or wrong:\n%s", report)
	}
}

// plantFailure makes a source of a big file of size bytes, a small file
// and a file whose place at the target a directory takes: copying it
// with -update fails with a reason.
func plantFailure(t *testing.T, size int) (src, dst string) {
	t.Helper()
	src, dst = filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	writeFile(t, filepath.Join(src, "big"), randBytes(t, size))
	writeFile(t, filepath.Join(src, "sub", "a"), []byte("a"))
	writeFile(t, filepath.Join(src, "sub", "blocked"), []byte("blocked"))
	writeFile(t, filepath.Join(dst, "sub", "blocked", "keep"), []byte("in the way"))
	return src, dst
}

// pageJob is what the test reads of GET /api/jobs/{id}.
type pageJob struct {
	ID       string `json:"id"`
	Progress struct {
		BytesDone int64 `json:"bytes_done"`
	} `json:"progress"`
	Failures []json.RawMessage `json:"failures"`
	Final    bool              `json:"final"`
}

// waitJobAPI waits for the one job the page at addr lists to satisfy ok.
func waitJobAPI(t *testing.T, addr string, ok func(pageJob) bool) pageJob {
	t.Helper()
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		code, body, err := httpGet(addr, "/api/jobs")
		var list struct{ Jobs []pageJob }
		if err != nil || code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Jobs) != 1 {
			last = body
			continue
		}
		code, body, err = httpGet(addr, "/api/jobs/"+list.Jobs[0].ID)
		var v pageJob
		if err == nil && code == 200 && json.Unmarshal([]byte(body), &v) == nil && ok(v) {
			return v
		}
		last = body
	}
	t.Fatalf("the job API at %s never showed what the test waits for; last:\n%s", addr, last)
	return pageJob{}
}

// dumpDOM loads page in headless Chromium, lets its script run, and
// returns the DOM, once it shows job (the first fetch can be slow on a
// loaded machine: a few tries).
func dumpDOM(t *testing.T, chrome, page, job string) string {
	t.Helper()
	var dom string
	for range 3 {
		dom = chromium(t, chrome, page, "--virtual-time-budget=3000", "--dump-dom")
		if strings.Contains(dom, ">"+job+"<") {
			return dom
		}
	}
	t.Fatalf("%s never showed job %s:\n%s", page, job, dom)
	return ""
}

func chromium(t *testing.T, chrome, page string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// --no-sandbox: the tests may run as root, where the sandbox refuses.
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + t.TempDir()}, append(args, page)...)
	var errb syncBuffer
	cmd := exec.CommandContext(ctx, chrome, args...)
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return string(out)
}

// domText is the text of the element with id in a dumped DOM.
func domText(dom, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(dom)
	if m == nil {
		return ""
	}
	return m[1]
}
