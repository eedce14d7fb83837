package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/messages"
)

// The JetStream server (file storage) restarts during a job: a nats-server
// process, a committer and two copier processes, and a lister process with
// --nats. Once a few files are done (the next ones are in flight) the server
// is stopped, and ~2 s later started again on the same port and store. The
// job completes: every file byte-identical, no temp files, nothing failed or
// lost.
//
// After SIGTERM the counts are exact. After SIGKILL the server forgets the
// deliveries of its last ~100 ms (consumer state is written at most every
// 100 ms, whatever the sync setting): an item a copier had just fetched is
// delivered again, as a first delivery, to the other copier. If that one
// finds the file already renamed into place by the first, it reports
// "skipped: target exists", and whichever result is published first counts.
// So after a crash the copied/skipped split may be off by the items in
// flight, but every file is counted once and is there, byte-identical.
func TestProcessesNATSRestart(t *testing.T) {
	t.Run("SIGTERM", func(t *testing.T) { natsRestart(t, syscall.SIGTERM) })
	t.Run("SIGKILL", func(t *testing.T) { natsRestart(t, syscall.SIGKILL) })
}

func natsRestart(t *testing.T, sig syscall.Signal) {
	store, port := t.TempDir(), freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	url := "nats://" + addr
	natsArgs := []string{"-js", "-sd", store, "-a", "127.0.0.1", "-p", strconv.Itoa(port)}
	server := start(t, "nats-server", natsArgs...)
	waitPort(t, addr)
	start(t, "committer", "--nats", url)
	// -v logs every file, with its index, for a failure's output.
	start(t, "copier", "--nats", url, "--name", "c1", "-m", "2", "-v")
	start(t, "copier", "--nats", url, "--name", "c2", "-m", "2", "-v")

	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	// Four workers at 1 MiB/s each: 40 MiB take ~10 s.
	const n, size = 20, 2 << 20
	total := makeTree(t, src, n, size)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rj := filepath.Join(t.TempDir(), "report.json")
	lister := start(t, "lister", "--nats", url, "--report-json", rj, "--progress-interval", "1s",
		"-bandwidth", "1", src, dst)
	exited := make(chan error, 1)
	go func() { exited <- lister.cmd.Wait() }()
	t.Cleanup(func() { // before start's cleanup, which must not Wait again
		select {
		case err := <-exited:
			exited <- err
		default:
			_ = lister.cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = lister.cmd.Process.Kill()
				<-exited
			}
		}
	})

	// Once a few files are in place (the copiers have just taken the next
	// ones), stop the server; start it again on the same port and store.
	if !waitFor(ctx, exited, func() bool { return countFiles(dst) >= 4 }) {
		t.Fatalf("lister ended before the restart: %v", <-exited)
	}
	_ = server.cmd.Process.Signal(sig)
	if err := server.cmd.Wait(); sig == syscall.SIGTERM && err != nil {
		t.Errorf("nats-server after SIGTERM: %v (want exit status 0)", err)
	}
	t.Logf("nats-server stopped (%s) with %d of %d files done", sig, countFiles(dst), n)
	time.Sleep(2 * time.Second)
	start(t, "nats-server", natsArgs...)
	waitPort(t, addr)

	var err error
	select {
	case err = <-exited:
		exited <- err
	case <-ctx.Done():
		t.Fatalf("lister did not end: %v", ctx.Err())
	}
	if err != nil {
		t.Fatalf("lister: %v (want exit status 0)", err)
	}
	var rep messages.Report
	data, err := os.ReadFile(rj)
	if err == nil {
		err = json.Unmarshal(data, &rep)
	}
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	if rep.FilesCopied != n {
		// Say which results were not "copied", and who reported them.
		for _, ev := range jobEvents(t, url, rep.Job) {
			if r := ev.Result; ev.Type == messages.EventResult && r != nil && r.Kind == messages.KindFile && r.Status != messages.StatusCopied {
				t.Logf("result %d %s attempt %d by %s at %s: %s%s", r.Index, r.Status, r.Attempt, r.Copier,
					ev.Time.Format("15:04:05.000"), r.Reason, r.Error)
			}
		}
	}
	if sig == syscall.SIGKILL {
		wantComplete(t, rep, n, total)
	} else {
		wantExact(t, 0, rep, n, total, "")
	}
	sameFiles(t, src, dst)
	if tmp := tempFiles(t, dst); len(tmp) > 0 {
		t.Errorf("temp files left at the target: %v", tmp)
	}
	t.Logf("job took %.1fs: %d files copied, %d skipped, %d retried", rep.DurationSeconds, rep.FilesCopied, rep.FilesSkipped, rep.FilesRetried)
}

// wantComplete checks a succeeded job that counted every file once, copied
// or (the target being empty at the start) skipped because a redelivered
// duplicate found it already copied.
func wantComplete(t *testing.T, rep messages.Report, files, bytes int64) {
	t.Helper()
	if rep.State != messages.StateSucceeded || rep.FilesFailed != 0 || rep.BytesFailed != 0 ||
		rep.FilesCopied+rep.FilesSkipped != files || rep.BytesCopied+rep.BytesSkipped != bytes || rep.BytesExpected != bytes {
		t.Fatalf("report %+v, want %d files and %d bytes copied or skipped, none failed", rep, files, bytes)
	}
}

// waitFor polls cond until it holds (true), or the process ends or ctx
// expires first (false); an exit status read stays in exited.
func waitFor(ctx context.Context, exited chan error, cond func() bool) bool {
	for !cond() {
		select {
		case err := <-exited:
			exited <- err
			return false
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return true
}

// countFiles counts the complete files under root (temp files excluded).
func countFiles(root string) int {
	n := 0
	_ = filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), distcp.TempPrefix) {
			n++
		}
		return nil
	})
	return n
}

// tempFiles lists the copiers' temp files under root.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	var tmp []string
	err := filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), distcp.TempPrefix) {
			tmp = append(tmp, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		t.Fatal(err)
	}
	return tmp
}
