package cli

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/jobclient"
)

func TestFormatProgress(t *testing.T) {
	s := jobclient.Snapshot{FilesTotal: 20000, FilesDone: 12345, BytesTotal: 2 << 30, BytesDone: 1 << 30, FilesFailed: 2}
	got := formatProgress(s, jobclient.Pace{BytesPerS: 100 << 20, FilesPerS: 1000, ETA: 10240 * time.Millisecond, ETAKnown: true})
	want := "12,345/20,000 files 61.7% | 2 failed | 1.0 GiB/2.0 GiB | 100.0 MiB/s | ETA 10s | 1000 files/s"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	s = jobclient.Snapshot{Listing: true, FilesTotal: 1500, BytesTotal: 3 << 20, FilesDone: 10}
	if got := formatProgress(s, jobclient.Pace{}); got != "listing: 1,500 files (3.0 MiB) found, 10 done | 0 B/s | 0 files/s" {
		t.Fatalf("while listing: %q", got)
	}
}

// Log lines written while the status line is up appear above it, and the
// line is drawn again below them.
func TestTermLineKeepsLogsAbove(t *testing.T) {
	var b bytes.Buffer
	tl := &termLine{out: &b}
	tl.Set("1/2 files", false)
	tl.Write([]byte("a log line\n"))
	tl.Set("2/2 files", true)
	tl.Write([]byte("after\n"))
	want := "\r1/2 files\x1b[K" + "\r\x1b[Ka log line\n1/2 files\x1b[K" + "\r2/2 files\x1b[K\n" + "after\n"
	if got := b.String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if strings.Count(humanBytes(1536), "KiB") != 1 || groupDigits(1234567) != "1,234,567" || groupDigits(999) != "999" {
		t.Fatal(humanBytes(1536), groupDigits(1234567))
	}
}

// A line wider than the terminal loses whole fields from the right, the
// least important first; a first field wider than the terminal is cut.
func TestFitLine(t *testing.T) {
	line := "12,345/20,000 files 61.7% | 2 failed | 1.0 GiB/2.0 GiB | 100.0 MiB/s | ETA 10s | 1000 files/s"
	for width, want := range map[int]string{
		200:           line,
		len(line):     line,
		len(line) - 1: "12,345/20,000 files 61.7% | 2 failed | 1.0 GiB/2.0 GiB | 100.0 MiB/s | ETA 10s",
		59:            "12,345/20,000 files 61.7% | 2 failed | 1.0 GiB/2.0 GiB",
		40:            "12,345/20,000 files 61.7% | 2 failed",
		30:            "12,345/20,000 files 61.7%",
		10:            "12,345/20,",
	} {
		if got := fitLine(line, width); got != want {
			t.Errorf("width %d: %q, want %q", width, got, want)
		}
	}
	var b bytes.Buffer
	tl := &termLine{out: &b, cols: func() int { return 30 }}
	tl.Set(line, false)
	if got, want := b.String(), "\r12,345/20,000 files 61.7%\x1b[K"; got != want {
		t.Fatalf("on a 30-column terminal: %q, want %q", got, want)
	}
}

// The final frame shows the end state even when the last results reach
// the display after the job's report (they come by their own
// subscription): Stop waits for the counts to settle.
func TestFinalFrameShowsEndState(t *testing.T) {
	var calls atomic.Int64
	src := func() jobclient.Snapshot {
		s := jobclient.Snapshot{FilesTotal: 55, BytesTotal: 55 << 20, FilesDone: 54, BytesDone: 54 << 20, Elapsed: 10 * time.Second}
		if calls.Add(1) > 3 { // the last result arrives a few polls late
			s.FilesDone, s.BytesDone = 55, 55<<20
		}
		return s
	}
	var b bytes.Buffer
	tl := &termLine{out: &b, cols: func() int { return 200 }}
	d := startProgress(src, tl, zerolog.Nop(), time.Hour)
	d.Stop()
	out := b.String()
	if !strings.HasPrefix(out, "\r55/55 files 100.0% | 55.0 MiB/55.0 MiB") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("final frame %q, want the end state 55/55 files 100.0%%", out)
	}

	// A job stopped early (Ctrl-C) never completes: the frame is drawn
	// once the counts stop changing, well within the limit.
	stopped := func() jobclient.Snapshot { return jobclient.Snapshot{FilesTotal: 55, FilesDone: 20} }
	start := time.Now()
	if s := settle(stopped, 50*time.Millisecond, 5*time.Second); s.FilesDone != 20 || time.Since(start) > time.Second {
		t.Fatalf("settle of a stopped job: %+v after %v", s, time.Since(start))
	}
}
