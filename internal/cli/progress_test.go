package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// Without a terminal, a running job logs a progress line every
// --progress-interval; the counts grow and end at the listing's totals.
func TestProgressLinesWithoutTerminal(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	const n = 12
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("d%d/f%d", i%3, i)), randBytes(t, 1<<20))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	// 12 MiB at 2 copies of 2 MiB/s: about 3 s, so several lines at 300ms.
	code, out, errs := run(t, "-m", "2", "-bandwidth", "2", "--progress-interval", "300ms", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, src, dst)
	checkProgressLines(t, errs, n, n<<20)

	// --no-progress: none.
	code, _, errs = run(t, "-update", "--no-progress", src, dst)
	if code != cli.ExitOK || strings.Contains(errs, `"progress"`) {
		t.Fatalf("--no-progress: exit %d\n%s", code, errs)
	}

	// With --nats the lister is fed by the services' result events alike.
	url := startServer(t)
	startServices(t, url, "-m", "2")
	dst2 := filepath.Join(t.TempDir(), "dst2")
	code, out, errs = run(t, "--nats", url, "-bandwidth", "2", "--progress-interval", "300ms", src, dst2)
	if code != cli.ExitOK {
		t.Fatalf("--nats: exit %d\n%s%s", code, out, errs)
	}
	sameTree(t, src, dst2)
	checkProgressLines(t, errs, n, n<<20)
}

// checkProgressLines checks the progress log lines in logs: several, never
// going back, moving, with a rate, ending at the listing's totals.
func checkProgressLines(t *testing.T, logs string, files, bytes int64) {
	t.Helper()
	type line struct {
		Message    string
		Job        string
		Component  string
		Listing    bool
		FilesDone  int64   `json:"files_done"`
		FilesTotal int64   `json:"files_total"`
		BytesDone  int64   `json:"bytes_done"`
		BytesTotal int64   `json:"bytes_total"`
		MiBPerS    float64 `json:"mib_per_s"`
	}
	var lines []line
	for _, l := range strings.Split(logs, "\n") {
		var pl line
		if json.Unmarshal([]byte(l), &pl) == nil && pl.Message == "progress" {
			lines = append(lines, pl)
		}
	}
	if len(lines) < 4 {
		t.Fatalf("%d progress lines, want at least 4:\n%s", len(lines), logs)
	}
	last := lines[len(lines)-1]
	if last.Listing || last.FilesTotal != files || last.BytesTotal != bytes || last.Job == "" || last.Component != "lister" {
		t.Fatalf("last progress line %+v: want the listing's totals %d files, %d bytes, with job and component", last, files, bytes)
	}
	moving := 0
	for i := 1; i < len(lines); i++ {
		if lines[i].FilesDone < lines[i-1].FilesDone || lines[i].BytesDone < lines[i-1].BytesDone {
			t.Fatalf("progress went back: %+v then %+v", lines[i-1], lines[i])
		}
		if lines[i].FilesDone > lines[i-1].FilesDone {
			moving++
		}
		if lines[i].FilesDone > files {
			t.Fatalf("progress beyond the total: %+v", lines[i])
		}
	}
	if moving < 2 || lines[len(lines)/2].MiBPerS <= 0 {
		t.Fatalf("progress did not move (%d steps) or shows no rate:\n%s", moving, logs)
	}
}

// Ctrl-C (the context ends) stops the job cleanly: exit 130, a partial
// report, every file at the target whole, no temp files; the same command
// with -update then copies exactly the rest.
func TestInterruptLeavesResumableState(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	const n = 10
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%02d", i)), randBytes(t, 2<<20))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	rj := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithCancel(context.Background())
	// 2 copies at 2 MiB/s: one file a second each; stop after about 2.5 s.
	timer := time.AfterFunc(2500*time.Millisecond, cancel)
	defer timer.Stop()
	var out, errb bytes.Buffer
	code := cli.Lister(ctx, []string{"-m", "2", "-bandwidth", "2", "--report-json", rj, src, dst}, &out, &errb)
	if code != cli.ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s%s", code, cli.ExitInterrupted, out.String(), errb.String())
	}
	resume := "lister -update -m 2 -bandwidth 2 --report-json " + rj + " " + src + " " + dst
	if !strings.Contains(out.String(), "CANCELED") || !strings.Contains(errb.String(), "to copy the rest, run:\n  "+resume+"\n") {
		t.Fatalf("no partial report or no hint %q:\n%s%s", resume, out.String(), errb.String())
	}
	rep := readReport(t, rj)
	if rep.State != "canceled" || rep.FilesCopied == 0 || rep.FilesCopied >= n || rep.FilesFailed != 0 {
		t.Fatalf("partial report %+v: want some but not all of %d copied", rep, n)
	}
	landedWhole(t, src, dst, rep.FilesCopied)
	code, rep2, logs := runReport(t, "-update", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("-update after the interrupt: exit %d\n%s", code, logs)
	}
	sameTree(t, src, dst)
	wantCounts(t, rep2, n-rep.FilesCopied, rep.FilesCopied, 0)
}

// Bytes move while a big file is copied, not only when it is whole:
// copiers report their bytes in flight. A 40 MiB file at -bandwidth 2
// takes 20 s; within the first 6 s (then the run is stopped) the progress
// lines, one per 500 ms, show bytes_done rise every second and the ETA
// count down, and never the whole file. Embedded, and with --nats (the copier a
// service of its own) alike.
func TestProgressMovesOnABigFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	const size = 40 << 20
	writeFile(t, filepath.Join(src, "big"), randBytes(t, size))
	url := startServer(t)
	startServices(t, url)
	for _, mode := range [][]string{nil, {"--nats", url}} {
		t.Run(fmt.Sprint("mode", mode), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timer := time.AfterFunc(6*time.Second, cancel)
			defer timer.Stop()
			var out, errb bytes.Buffer
			args := append(mode, "-bandwidth", "2", "--progress-interval", "500ms", src, filepath.Join(t.TempDir(), "dst"))
			if code := cli.Lister(ctx, args, &out, &errb); code != cli.ExitInterrupted {
				t.Fatalf("exit %d, want %d (stopped)\n%s%s", code, cli.ExitInterrupted, out.String(), errb.String())
			}
			checkBytesMove(t, errb.String(), size)
		})
	}
}

// checkBytesMove checks progress lines, 500 ms apart, of a run of one file
// of size bytes stopped before it was copied, up to the stop: bytes move
// within the first 2 s, then bytes_done rises from each line to the one a
// second later and never reaches size, and eta_s is there and changes
// within every second (the rate behind it is a moving average over 2 s,
// jobclient.Rate), and ends below its highest.
func checkBytesMove(t *testing.T, logs string, size int64) {
	t.Helper()
	type line struct {
		Message   string
		BytesDone int64  `json:"bytes_done"`
		ETA       *int64 `json:"eta_s"`
	}
	var lines []line // until the run is stopped
	for _, l := range strings.Split(logs, "\n") {
		var pl line
		if json.Unmarshal([]byte(l), &pl) != nil {
			continue
		}
		if strings.HasPrefix(pl.Message, "interrupted") {
			break
		}
		if pl.Message == "progress" {
			lines = append(lines, pl)
		}
	}
	first := slices.IndexFunc(lines, func(l line) bool { return l.BytesDone > 0 })
	if first < 0 || first > 3 {
		t.Fatalf("no bytes within 2 s (%d progress lines, first with bytes: %d):\n%s", len(lines), first, logs)
	}
	moving := lines[first:]
	if len(moving) < 6 {
		t.Fatalf("%d progress lines with bytes, want at least 6 in 6 s:\n%s", len(moving), logs)
	}
	for i, l := range moving {
		if l.BytesDone <= 0 || l.BytesDone >= size {
			t.Fatalf("line %d: bytes_done %d, want some of the file's %d", i, l.BytesDone, size)
		}
		if i < 2 {
			continue
		}
		before := moving[i-2]
		if l.BytesDone <= before.BytesDone {
			t.Fatalf("bytes_done did not rise in a second: %d, then %d\n%s", before.BytesDone, l.BytesDone, logs)
		}
		if l.ETA == nil {
			t.Fatalf("line %d: no eta_s a second after bytes moved\n%s", i, logs)
		}
		if i < 4 { // the lines before need their ETA too
			continue
		}
		etas := []int64{*before.ETA, *moving[i-1].ETA, *l.ETA}
		if slices.Min(etas) == slices.Max(etas) {
			t.Fatalf("line %d: the ETA did not move in a second: %v\n%s", i, etas, logs)
		}
	}
	peak := slices.MaxFunc(moving[2:], func(a, b line) int { return int(*a.ETA - *b.ETA) })
	if last := moving[len(moving)-1]; *last.ETA >= *peak.ETA {
		t.Fatalf("the ETA did not count down: %d at most, %d at the end\n%s", *peak.ETA, *last.ETA, logs)
	}
}
