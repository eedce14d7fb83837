package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// makeTree writes n random files of size bytes under root, spread over
// a few directories, and returns their total size.
func makeTree(t *testing.T, root string, n, size int) int64 {
	t.Helper()
	for i := range n {
		p := filepath.Join(root, fmt.Sprintf("d%d", i%3), fmt.Sprintf("f%03d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, size)
		_, _ = rand.Read(b)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return int64(n) * int64(size)
}

// sameFiles fails unless every file under src is byte-identical under dst
// and dst holds nothing else (in particular no temp files) but the job
// manifests the committer keeps in dst/.jetcp.
func sameFiles(t *testing.T, src, dst string) {
	t.Helper()
	want := readTree(t, src)
	got := readTree(t, dst)
	for p := range got {
		if strings.HasPrefix(p, manifest.DirName+"/") {
			delete(got, p)
		}
	}
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			t.Errorf("missing at target: %s", p)
		} else if !bytes.Equal(w, g) {
			t.Errorf("differs at target: %s", p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("extra at target: %s", p)
		}
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		m[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// listerJob runs `lister --nats URL ARGS...` in-process with a report file.
func listerJob(ctx context.Context, t *testing.T, url string, args ...string) (int, messages.Report, string) {
	t.Helper()
	rj := filepath.Join(t.TempDir(), "report.json")
	var out, errb bytes.Buffer
	code := cli.Lister(ctx, append([]string{"--nats", url, "--report-json", rj}, args...), &out, &errb)
	var rep messages.Report
	data, err := os.ReadFile(rj)
	if err == nil {
		err = json.Unmarshal(data, &rep)
	}
	if err != nil {
		t.Fatalf("lister exit %d, no report (%v)\n%s%s", code, err, out.String(), errb.String())
	}
	return code, rep, out.String() + errb.String()
}

// jobEvents replays a finished job's events with `lister watch --json`.
func jobEvents(t *testing.T, url, job string) []messages.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	if code := cli.Lister(ctx, []string{"watch", job, "--json", "--nats", url}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("watch: exit %d: %s", code, errb.String())
	}
	var evs []messages.Event
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev messages.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("watch line %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// copiersAndRetries counts file results per copier, and results that took
// more than one delivery.
func copiersAndRetries(evs []messages.Event) (map[string]int, int) {
	by, redelivered := map[string]int{}, 0
	for _, ev := range evs {
		if ev.Type == messages.EventResult && ev.Result != nil && ev.Result.Kind == messages.KindFile {
			by[ev.Result.Copier]++
			if ev.Result.Attempt > 1 {
				redelivered++
			}
		}
	}
	return by, redelivered
}

// wantExact checks a succeeded job's counters against what was listed.
func wantExact(t *testing.T, code int, rep messages.Report, files, bytes int64, out string) {
	t.Helper()
	if code != cli.ExitOK || rep.State != messages.StateSucceeded {
		t.Fatalf("exit %d, state %s\n%s", code, rep.State, out)
	}
	if rep.FilesCopied != files || rep.FilesFailed != 0 || rep.FilesSkipped != 0 || rep.BytesCopied != bytes || rep.BytesExpected != bytes {
		t.Fatalf("report %+v, want exactly %d files and %d bytes copied", rep, files, bytes)
	}
}
