package jobrun_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/internal/jobrun"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// plan makes files files of size bytes under a new source and plans a
// copy of them with the lister's arguments args (options before SRC DST).
func plan(t *testing.T, files, size int, args ...string) (*fs.Registry, *lister.Plan) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		b := make([]byte, size)
		_, _ = rand.Read(b)
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := lister.ParseArgs(append(args, src, filepath.Join(t.TempDir(), "dst")))
	if err != nil {
		t.Fatal(err)
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	t.Cleanup(func() { reg.Close() })
	p, err := lister.MakePlan(context.Background(), reg, cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return reg, p
}

// storeDir points the embedded server's temporary store at a directory
// the test can look into.
func storeDir(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return dir
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
		t.Fatalf("%s after the run: %v %v, want nothing left", dir, ents, err)
	}
}

// A run on the embedded server announces the job before listing, stops
// the progress display before it returns (the last line precedes the
// report) and leaves no server store behind.
func TestRunEmbedded(t *testing.T) {
	tmp := storeDir(t)
	reg, p := plan(t, 5, 1000)
	var events []string
	opts := jobrun.Options{
		Submitting: func() { events = append(events, "submitting") },
		Progress: func(snapshot func() jobclient.Snapshot) func() {
			events = append(events, "progress")
			_ = snapshot()
			return func() { events = append(events, "stop") }
		},
	}
	rep, err := jobrun.Run(context.Background(), reg, p, zerolog.Nop(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateSucceeded || rep.FilesCopied != 5 {
		t.Fatalf("report %+v, want 5 files copied", rep)
	}
	if got := strings.Join(events, ","); got != "submitting,progress,stop" {
		t.Fatalf("callbacks %s, want submitting,progress,stop", got)
	}
	assertEmpty(t, tmp)
}

// Ctrl-C cancels the job cleanly: a partial, canceled report, no error,
// and the embedded server's store removed.
func TestInterruptReturnsPartialReport(t *testing.T) {
	tmp := storeDir(t)
	const n = 10
	// 2 copies at 2 MiB/s: one file a second each; stop after about 2.5 s.
	reg, p := plan(t, n, 2<<20, "-m", "2", "-bandwidth", "2")
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(2500*time.Millisecond, cancel)
	defer timer.Stop()
	rep, err := jobrun.Run(ctx, reg, p, zerolog.Nop(), jobrun.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateCanceled || rep.FilesCopied == 0 || rep.FilesCopied >= n || rep.FilesFailed != 0 {
		t.Fatalf("report %+v: want canceled, some but not all of %d copied", rep, n)
	}
	assertEmpty(t, tmp)
}

// A job that does not stop (here: no committer to end it) holds an
// interrupted run no longer than its patience.
func TestInterruptPatience(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	reg, p := plan(t, 3, 10)
	ctx, cancel := context.WithCancel(context.Background())
	// Long enough for the job to be recorded and listed.
	timer := time.AfterFunc(time.Second, cancel)
	defer timer.Stop()
	start := time.Now()
	_, err = jobrun.Run(ctx, reg, p, zerolog.Nop(), jobrun.Options{NATS: natsconn.Config{URL: ns.ClientURL()}, Patience: time.Second})
	if err == nil || !strings.Contains(err.Error(), "did not stop within 1s") {
		t.Fatalf("error %v, want the job not stopped within the patience", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("returned after %s", d)
	}
}

// An embedded run keeps its streams in memory: while its job runs, the
// server's store holds no message blocks (a small-file copy spent most of
// its time writing them to disk).
func TestEmbeddedStreamsInMemory(t *testing.T) {
	tmp := storeDir(t)
	reg, p := plan(t, 5, 1000)
	var blocks []string
	opts := jobrun.Options{
		Progress: func(snapshot func() jobclient.Snapshot) func() {
			_ = filepath.WalkDir(tmp, func(path string, d os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(path, ".blk") {
					blocks = append(blocks, path)
				}
				return nil
			})
			return func() {}
		},
	}
	rep, err := jobrun.Run(context.Background(), reg, p, zerolog.Nop(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateSucceeded || rep.FilesCopied != 5 {
		t.Fatalf("report %+v, want 5 files copied", rep)
	}
	if len(blocks) > 0 {
		t.Fatalf("the embedded server wrote message blocks: %v", blocks)
	}
}
