package cli_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/messages"
)

// serveOn starts a JetStream server on a loopback port with its store in
// dir.
func serveOn(t *testing.T, port int, dir string) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	return ns
}

// The job commands wait for JetStream, a server restarting (as a cluster
// electing its leader): status, wait, watch and cancel run after it comes
// back.
func TestJobCommandsWaitForJetStream(t *testing.T) {
	_, p, _ := net.SplitHostPort(freeAddr(t))
	port, _ := strconv.Atoi(p)
	dir := t.TempDir()
	ns := serveOn(t, port, dir)
	url := ns.ClientURL()
	job := recordJob(t, url, true)
	for _, args := range [][]string{{"status"}, {"status", job.ID}, {"wait", job.ID}, {"watch", job.ID}, {"cancel", job.ID}} {
		ns.Shutdown()
		ns.WaitForShutdown()
		back := make(chan *server.Server)
		go func() {
			time.Sleep(2 * time.Second)
			back <- serveOn(t, port, dir)
		}()
		start := time.Now()
		code, out, errs := run(t, append(args, "--nats", url)...)
		ns = <-back
		if code != cli.ExitOK || time.Since(start) < 2*time.Second {
			t.Errorf("%v with the server back after 2s: exit %d after %v\n%s%s", args, code, time.Since(start), out, errs)
		}
	}
	ns.Shutdown()
}

// A server that never comes: each job command gives up after
// --jetstream-wait with one line and exit status 3, not 1 ("failed").
func TestJobCommandsCannotReachJetStream(t *testing.T) {
	url := "nats://" + freeAddr(t)
	id := messages.NewJobID(time.Now())
	for _, args := range [][]string{{"status"}, {"status", id}, {"wait", id}, {"watch", id}, {"cancel", id}} {
		start := time.Now()
		code, out, errs := run(t, append(args, "--nats", url, "--jetstream-wait", "1s")...)
		lines := strings.Split(strings.TrimSpace(errs), "\n")
		if code != cli.ExitNoJetStream || out != "" || len(lines) != 1 ||
			!strings.HasPrefix(lines[0], "lister "+args[0]+": could not reach JetStream within 1s: connect to NATS at "+url) {
			t.Errorf("%v: exit %d, want %d with one line:\n%s%s", args, code, cli.ExitNoJetStream, out, errs)
		}
		if d := time.Since(start); d < time.Second || d > 10*time.Second {
			t.Errorf("%v gave up after %v, want about 1s", args, d)
		}
	}
}

// Connected to a server whose JetStream does not answer (as while a
// cluster elects its meta leader), a job command keeps asking: it
// succeeds once JetStream is back, or exits 3 after --jetstream-wait.
func TestJobCommandsWaitForTheMetaLeader(t *testing.T) {
	dir := t.TempDir()
	ns := serveOn(t, -1, dir)
	defer ns.Shutdown()
	job := recordJob(t, ns.ClientURL(), false)
	cfg := *ns.JetStreamConfig()
	cfg.StoreDir = dir
	ns.DisableJetStream()

	code, out, errs := run(t, "status", job.ID, "--nats", ns.ClientURL(), "--jetstream-wait", "1s")
	if code != cli.ExitNoJetStream || out != "" || strings.Count(errs, "\n") != 1 ||
		!strings.HasPrefix(errs, "lister status: could not reach JetStream: ") {
		t.Errorf("status with JetStream away: exit %d, want %d with one line:\n%s%s", code, cli.ExitNoJetStream, out, errs)
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		if err := ns.EnableJetStream(&cfg); err != nil {
			t.Error(err)
		}
	}()
	start := time.Now()
	code, out, errs = run(t, "status", job.ID, "--nats", ns.ClientURL())
	if code != cli.ExitOK || !strings.Contains(out, "state:    listing") || time.Since(start) < time.Second {
		t.Errorf("status with JetStream back after 1.5s: exit %d after %v\n%s%s", code, time.Since(start), out, errs)
	}
}

// recordJob records a job on the server at url as a lister would, ended
// (its done event, a success) or not, and disconnects.
func recordJob(t *testing.T, url string, done bool) *messages.Job {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	b, _ := bus.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now()}
	if err := b.Ensure(ctx, bus.Topology{}); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if done {
		rep := &messages.Report{Job: job.ID, State: messages.StateSucceeded}
		if err := b.PublishEvent(ctx, &messages.Event{Type: messages.EventDone, Job: job.ID, Report: rep}, ""); err != nil {
			t.Fatal(err)
		}
	}
	return job
}
