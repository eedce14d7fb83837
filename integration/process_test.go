package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is a program started from the built binaries.
type proc struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

var procMu sync.Mutex // guards the output buffers

type lockedWriter struct{ b *bytes.Buffer }

func (w lockedWriter) Write(p []byte) (int, error) {
	procMu.Lock()
	defer procMu.Unlock()
	return w.b.Write(p)
}

func start(t *testing.T, prog string, args ...string) *proc {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(binDir, prog), args...)
	cmd.Stdout, cmd.Stderr = lockedWriter{&out}, lockedWriter{&out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: &out}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = p.cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			procMu.Lock()
			t.Logf("%s %v output:\n%s", prog, args, out.String())
			procMu.Unlock()
		}
	})
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startNATSAndCommitter starts nats-server (built from the module's tool
// dependency) on a free loopback port, and a committer; it returns the URL.
func startNATSAndCommitter(t *testing.T) string {
	t.Helper()
	port := freePort(t)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	start(t, "nats-server", "-js", "-sd", t.TempDir(), "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	waitPort(t, fmt.Sprintf("127.0.0.1:%d", port))
	start(t, "committer", "--nats", url)
	return url
}

// The hand check as a test: a nats-server built from the module's
// tool dependency, a committer and two copier processes, a lister with
// --nats, and kill -9 of one copier during a throttled job: the job
// succeeds with byte-identical files, exact counts and no temp files.
func TestProcessesCopierKilled(t *testing.T) {
	url := startNATSAndCommitter(t)
	victimHTTP := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	victim := start(t, "copier", "--nats", url, "--name", "victim", "-m", "2", "--http", victimHTTP)
	start(t, "copier", "--nats", url, "--name", "survivor", "-m", "2")

	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	const n, size = 8, 2 << 20
	total := makeTree(t, src, n, size)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// At 1 MiB/s a 2 MiB file takes 2 s: kill the victim while it holds two
	// half-written files.
	go func() {
		if waitInflight(ctx, victimHTTP, 2) {
			time.Sleep(500 * time.Millisecond)
			_ = victim.cmd.Process.Kill()
		}
	}()
	code, rep, out := listerJob(ctx, t, url, "-bandwidth", "1", src, dst)
	wantExact(t, code, rep, n, total, out)
	sameFiles(t, src, dst)
	by, redelivered := copiersAndRetries(jobEvents(t, url, rep.Job))
	if redelivered == 0 {
		t.Errorf("no item was redelivered (results per copier %v): the kill did not hit copies in flight", by)
	}
	if rep.FilesRetried != int64(redelivered) {
		t.Errorf("report says %d files retried, the events %d", rep.FilesRetried, redelivered)
	}
	if by["survivor"] == 0 {
		t.Errorf("results per copier %v", by)
	}
	t.Logf("results per copier %v, %d redelivered, job took %.1fs", by, redelivered, rep.DurationSeconds)
}

// SIGTERM is a graceful stop: a copier finishes its copies in flight within
// --drain and exits 0; nothing is redelivered, the other copier does the rest.
func TestProcessesCopierDrainsOnSIGTERM(t *testing.T) {
	url := startNATSAndCommitter(t)
	leavingHTTP := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	leaving := start(t, "copier", "--nats", url, "--name", "leaving", "-m", "2", "--drain", "30s", "--http", leavingHTTP)
	start(t, "copier", "--nats", url, "--name", "staying", "-m", "2")

	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	const n, size = 8, 2 << 20
	total := makeTree(t, src, n, size)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	exited := make(chan error, 1)
	go func() {
		// SIGTERM while the leaving copier holds two file copies in flight:
		// once it has throttled (only files are), since the first items it
		// holds two of may be directories, done in a millisecond.
		if !waitInflight(ctx, leavingHTTP, 2) || !waitFileCopies(ctx, leavingHTTP) {
			exited <- fmt.Errorf("the leaving copier never had 2 copies in flight")
			return
		}
		_ = leaving.cmd.Process.Signal(syscall.SIGTERM)
		exited <- leaving.cmd.Wait()
	}()
	code, rep, out := listerJob(ctx, t, url, "-bandwidth", "1", src, dst)
	wantExact(t, code, rep, n, total, out)
	sameFiles(t, src, dst)
	if err := <-exited; err != nil {
		t.Errorf("copier after SIGTERM: %v (want exit status 0)", err)
	}
	by, redelivered := copiersAndRetries(jobEvents(t, url, rep.Job))
	if redelivered != 0 || by["leaving"] != 2 {
		t.Errorf("results per copier %v, %d redelivered: want the leaving copier to finish its 2 copies in flight and nothing redelivered", by, redelivered)
	}
	if rep.DurationSeconds > 20 {
		t.Errorf("job took %.1fs: items waited for redelivery", rep.DurationSeconds)
	}
}

// waitFileCopies polls a copier's /metrics until it has throttled file
// copies for a while (-bandwidth) and has two copies in flight.
func waitFileCopies(ctx context.Context, addr string) bool {
	for ctx.Err() == nil {
		throttled, _ := metricValue(addr, "jetcp_copier_throttle_seconds_total")
		if n, _ := metricValue(addr, "jetcp_copier_inflight"); throttled > 0.3 && n == 2 {
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

// waitInflight polls a copier's /metrics until it has n copies in flight,
// so faults hit copies in progress whatever the machine's load.
func waitInflight(ctx context.Context, addr string, n int) bool {
	want := fmt.Sprintf("jetcp_copier_inflight %d\n", n)
	for ctx.Err() == nil {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), want) {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
