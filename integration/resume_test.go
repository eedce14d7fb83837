package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/lister"
)

// The done-when test: a lister SIGKILLed in the middle of its
// listing is resumed by `lister resume JOB` and the job finishes exact.
// Real processes: a nats-server, a committer, two copiers and the lister
// (killed, then the resume); the source is on the HDFS emulator, whose
// NameNode answers every call 15 ms late, so that listing 400 directories
// one at a time takes seconds. The kill comes once a checkpoint past the
// listing's start is stored, and the listing must not be closed by then.
// The report counts every file once, copied (none skipped: nothing was
// copied twice), and the target is the source byte for byte.
func TestProcessesListerKilledResumed(t *testing.T) {
	hdfs, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hdfs.Close() })
	t.Setenv("HADOOP_CONF_DIR", t.TempDir()) // the processes inherit it
	local := filepath.Join(t.TempDir(), "src")
	const dirs, perDir, size = 400, 2, 700
	for d := range dirs {
		for f := range perDir {
			p := filepath.Join(local, fmt.Sprintf("d%03d", d), fmt.Sprintf("f%d", f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.Repeat(fmt.Sprintf("%s|", p), size)[:size]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	src := "hdfs://" + hdfs.Addr() + "/data"
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var out strings.Builder
	if code := cli.Lister(ctx, []string{"--no-progress", local, src}, &out, &out); code != cli.ExitOK {
		t.Fatalf("seeding HDFS: exit %d\n%s", code, out.String())
	}

	url := startNATSAndCommitter(t)
	start(t, "copier", "--nats", url, "--name", "c1", "-m", "4")
	start(t, "copier", "--nats", url, "--name", "c2", "-m", "4")
	b := connect(t, url)
	hdfs.SetFaults(hdfsemu.Faults{Latency: 15 * time.Millisecond})
	dst := filepath.Join(t.TempDir(), "dst")
	first := start(t, "lister", "--nats", url, "--no-progress", "-numListstatusThreads", "1", src, dst)
	job, cp := waitCheckpoint(ctx, t, b, 100)
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	st, err := jobclient.JobStatus(ctx, b, job)
	if err != nil {
		t.Fatal(err)
	}
	if st.Listed != nil {
		t.Fatalf("the listing closed before the kill (%d items): the test did not kill it mid-listing", st.Listed.Items)
	}
	t.Logf("killed with a checkpoint at item %d (read-back from %d), %d results in", cp.Listed.Items, cp.From.Index, st.Results)

	resume := exec.CommandContext(ctx, filepath.Join(binDir, "lister"), "resume", job, "--nats", url)
	resumed, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("lister resume: %v\n%s", err, resumed)
	}
	rep := jobReport(t, url, job)
	wantExact(t, cli.ExitOK, rep, dirs*perDir, dirs*perDir*size, string(resumed))
	if !strings.Contains(string(resumed), "SUCCEEDED") {
		t.Errorf("lister resume printed no report:\n%s", resumed)
	}
	sameFiles(t, local, dst)
	if _, err := b.LoadCheckpoint(ctx, job); err == nil {
		t.Error("the closed listing's checkpoint is still stored")
	}
}

// connect is a bus on the server at url for the test's own looks.
func connect(t *testing.T, url string) *bus.Bus {
	t.Helper()
	nc, err := natsconn.Connect(natsconn.Config{URL: url}, "test", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b, err := bus.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitCheckpoint waits for the one job on the server to store a listing
// checkpoint at or past item n.
func waitCheckpoint(ctx context.Context, t *testing.T, b *bus.Bus, n int64) (string, *lister.Checkpoint) {
	t.Helper()
	for ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		ids, err := jobclient.Jobs(ctx, b)
		if err != nil || len(ids) == 0 {
			continue
		}
		data, err := b.LoadCheckpoint(ctx, ids[0])
		if err != nil {
			continue
		}
		cp, err := lister.DecodeCheckpoint(data)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Listed.Items >= n {
			return ids[0], cp
		}
	}
	t.Fatal("no checkpoint past the listing's start")
	return "", nil
}
