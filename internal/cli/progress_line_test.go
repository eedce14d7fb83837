package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/jobclient"
)

func TestFormatProgress(t *testing.T) {
	s := jobclient.Snapshot{FilesTotal: 20000, FilesDone: 12345, BytesTotal: 2 << 30, BytesDone: 1 << 30, FilesFailed: 2}
	got := formatProgress(s, 100<<20, 1000)
	// Bytes: 1 GiB left at 100 MiB/s = 10.24 s; files: 7655 left at 1000/s = 7.7 s: the slower wins.
	want := "12,345/20,000 files 61.7% | 1.0 GiB/2.0 GiB | 100.0 MiB/s, 1000 files/s | ETA 10s | 2 failed"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	s = jobclient.Snapshot{Listing: true, FilesTotal: 1500, BytesTotal: 3 << 20, FilesDone: 10}
	if got := formatProgress(s, 0, 0); got != "listing: 1,500 files (3.0 MiB) found, 10 done | 0 B/s, 0 files/s" {
		t.Fatalf("while listing: %q", got)
	}
}

func TestRateWindow(t *testing.T) {
	d := &progressDisplay{}
	for i := range 30 { // 1 MiB and 10 files a second, then 4x faster from 20 s
		at := time.Duration(i) * time.Second
		b, f := int64(i)<<20, int64(i*10)
		if i > 20 {
			b, f = (20+4*int64(i-20))<<20, int64(200+40*(i-20))
		}
		bps, fps := d.rate(jobclient.Snapshot{Elapsed: at, BytesCopied: b, FilesDone: f})
		if i == 15 && (bps != 1<<20 || fps != 10) {
			t.Fatalf("at 15 s: %v B/s, %v files/s; want 1 MiB/s, 10/s", bps, fps)
		}
		if i == 29 && fps < 35 { // 19 s to 29 s: (560-190)/10
			t.Fatalf("at 29 s the window still shows the old pace: %v files/s", fps)
		}
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
