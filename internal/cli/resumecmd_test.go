package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// lister resume refuses, with exit status 2 and one line saying why and
// what to do, a job it cannot resume: an unknown one, and one listed in
// full (here also ended). The job it refused is untouched.
func TestResumeRefusals(t *testing.T) {
	url := startServer(t)
	startServices(t, url)
	src := filepath.Join(t.TempDir(), "src")
	for i := range 3 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), []byte("x"))
	}
	code, out, errs := run(t, "-async", "--nats", url, src, filepath.Join(t.TempDir(), "dst"))
	id := strings.TrimSpace(out)
	if code != cli.ExitOK {
		t.Fatalf("-async: exit %d\n%s", code, errs)
	}
	if code, _, errs := run(t, "resume", "20200101-000000-00000000", "--nats", url); code != cli.ExitUsage || !strings.Contains(errs, "check the id") {
		t.Errorf("resume of an unknown job: exit %d: %s", code, errs)
	}
	if code, out, _ := run(t, "wait", id, "--nats", url); code != cli.ExitOK {
		t.Fatalf("wait: exit %d\n%s", code, out)
	}
	code, _, errs = run(t, "resume", id, "--nats", url)
	if code != cli.ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "-update") {
		t.Errorf("resume of an ended job: exit %d: %q; want exit 2 and one line naming -update", code, errs)
	}
	if code, out, _ := run(t, "status", id, "--nats", url); code != cli.ExitOK || !strings.Contains(out, "SUCCEEDED") {
		t.Errorf("the refused job's status: exit %d\n%s", code, out)
	}
}

// A job whose lister still sends its heartbeat is not taken over (exit 2);
// once the heartbeat stops, lister resume lists the rest, waits and prints
// the report: every file copied once.
func TestResumeWaitsOutALiveLister(t *testing.T) {
	url := startServer(t)
	startServices(t, url)
	src := filepath.Join(t.TempDir(), "src")
	const n = 200
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%03d", i)), []byte(fmt.Sprint(i)))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	b, _ := bus.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reg := cli.Registry(hadoopconf.Env(os.Getenv), zerolog.Nop())
	cfg, err := lister.ParseArgs([]string{src, dst})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := lister.MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The lister stops after 30 items; the test beats for it meanwhile.
	listCtx, stop := context.WithCancel(ctx)
	var items int64
	l := lister.New(b, reg, zerolog.Nop(), lister.WithListingLease(10*time.Second), lister.WithCheckpoints(2, time.Hour),
		lister.WithProgress(func(i, _, _ int64) {
			if items += i; items >= 30 {
				stop()
			}
		}))
	if listed, err := l.Submit(listCtx, plan); listed != nil || err == nil {
		t.Fatalf("the stopped listing closed: %+v, %v", listed, err)
	}
	beating, stopBeats := context.WithCancel(ctx)
	go func() {
		for beating.Err() == nil {
			_ = b.RenewLease(plan.Job.ID)
			time.Sleep(300 * time.Millisecond)
		}
	}()
	code, _, errs := run(t, "resume", plan.Job.ID, "--nats", url)
	stopBeats()
	if code != cli.ExitUsage || !strings.Contains(errs, "still being listed") {
		t.Fatalf("resume of a job whose lister beats: exit %d\n%s", code, errs)
	}
	code, out, errs := run(t, "resume", plan.Job.ID, "--nats", url)
	if code != cli.ExitOK || !strings.Contains(out, "SUCCEEDED") {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errs)
	}
	rep := reportOf(t, url, plan.Job.ID)
	wantCounts(t, rep, n, 0, 0)
	sameTree(t, src, dst)
}

func reportOf(t *testing.T, url, id string) messages.Report {
	t.Helper()
	_, out, _ := run(t, "status", "--nats", url, "--json", id)
	var st struct{ Report messages.Report }
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	return st.Report
}
