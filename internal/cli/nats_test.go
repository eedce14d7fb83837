package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/jetcp/jetcp/internal/cli"
)

// startServer runs a JetStream server on a loopback port.
func startServer(t *testing.T) string {
	t.Helper()
	_, url := startServerHandle(t)
	return url
}

func startServerHandle(t *testing.T) (*server.Server, string) {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns, ns.ClientURL()
}

// The design card's shape: lister, two copier services and a committer
// service, separate components talking only through a JetStream server
// over TCP; the services then serve a second job.
func TestServicesOverTCP(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var wg sync.WaitGroup
	var logs [3]bytes.Buffer
	codes := make([]int, 3)
	wg.Go(func() { codes[0] = cli.Committer(ctx, []string{"--nats", url}, &logs[0], &logs[0]) })
	wg.Go(func() {
		codes[1] = cli.Copier(ctx, []string{"--nats", url, "-m", "3", "--name", "c1"}, &logs[1], &logs[1])
	})
	wg.Go(func() {
		codes[2] = cli.Copier(ctx, []string{"--nats", url, "-m", "3", "--name", "c2"}, &logs[2], &logs[2])
	})
	defer func() {
		cancel()
		wg.Wait()
		for i, c := range codes {
			if c != cli.ExitOK {
				t.Errorf("service %d exited %d:\n%s", i, c, logs[i].String())
			}
		}
	}()

	src := filepath.Join(t.TempDir(), "src")
	files, bytes := sampleTree(t, src)
	for i := range 40 {
		writeFile(t, filepath.Join(src, "many", string(rune('a'+i%26))+strings.Repeat("x", i)), randBytes(t, 1000+i))
		files++
		bytes += int64(1000 + i)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	code, rep, out := runReport(t, "--nats", url, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sameTree(t, src, dst)
	wantCounts(t, rep, int64(files), 0, 0)
	if rep.BytesCopied != bytes {
		t.Fatalf("bytes %d, want %d", rep.BytesCopied, bytes)
	}
	code, rep, out = runReport(t, "--nats", url, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("second job: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
}

// An unreachable server fails within seconds with a clear error, not a hang.
func TestNATSUnreachable(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	start := time.Now()
	code, _, errs := run(t, "--nats", "nats://127.0.0.1:1", src, filepath.Join(t.TempDir(), "dst"))
	if code != cli.ExitFailed || !strings.Contains(errs, "connect to NATS at nats://127.0.0.1:1") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}
