package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// A copier that stops in the middle of a bundle releases it, and another
// copier takes it again: the bundle is one retry, and one file needed
// another attempt (the one the stopped copier was writing), not every
// file of the bundle.
func TestBundleRedeliveredOnce(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var logs [3]syncBuffer
	wg.Go(func() { cli.Committer(ctx, []string{"--nats", url}, &logs[0], &logs[0]) })
	victimCtx, stopVictim := context.WithCancel(ctx)
	defer stopVictim()
	wg.Go(func() {
		cli.Copier(victimCtx, []string{"--nats", url, "-m", "1", "--name", "victim", "--drain", "0s"}, &logs[1], &logs[1])
	})

	// The lister's first eight bundles hold one file each (sent as file
	// items), the next ones two: ten files make one bundle of two, the
	// second of which is slow to copy at 0.1 MB/s when it is b0 or b1.
	src := filepath.Join(t.TempDir(), "src")
	var files, bytes int64
	for i := range 8 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("a%d", i)), []byte("a"))
		files, bytes = files+1, bytes+1
	}
	for i := range 2 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("b%d", i)), randBytes(t, 150<<10))
		files, bytes = files+1, bytes+150<<10
	}
	dst := filepath.Join(t.TempDir(), "dst")
	// Once the bundle's second file is being written (its temp file is
	// there), the victim stops, and a survivor takes over.
	wg.Go(func() {
		defer func() {
			wg.Go(func() {
				cli.Copier(ctx, []string{"--nats", url, "-m", "1", "--name", "survivor", "--drain", "0s"}, &logs[2], &logs[2])
			})
		}()
		defer stopVictim()
		for ctx.Err() == nil {
			entries, _ := os.ReadDir(dst)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".jetcp.tmp.") && strings.Contains(e.Name(), "-1.") {
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	code, rep, out := runReport(t, "--nats", url, "-bandwidth", "0.1", src, dst)
	cancel()
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if rep.FilesCopied+rep.FilesSkipped != files || rep.FilesFailed != 0 {
		t.Fatalf("copied %d + skipped %d, failed %d: want %d files in place", rep.FilesCopied, rep.FilesSkipped, rep.FilesFailed, files)
	}
	addsUp(t, rep, files, bytes)
	if rep.Retries != 1 || rep.FilesRetried != 1 {
		t.Fatalf("retries %d, files retried %d: want the bundle's one redelivery, and one file retried\n%s%s%s",
			rep.Retries, rep.FilesRetried, logs[0].String(), logs[1].String(), logs[2].String())
	}
	sameTree(t, src, dst)
	noTemps(t, dst)
}
