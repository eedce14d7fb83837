package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/jetcp/jetcp/internal/jobclient"
)

// progressDisplay shows a running job's progress: on a terminal one line
// redrawn in place (log lines are printed above it), otherwise a log line
// every interval.
type progressDisplay struct {
	src      func() jobclient.Snapshot
	log      zerolog.Logger
	term     *termLine // nil without a terminal
	every    time.Duration
	rate     *jobclient.Rate
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// terminalRefresh is how often the line on a terminal is redrawn.
const terminalRefresh = 500 * time.Millisecond

func startProgress(src func() jobclient.Snapshot, term *termLine, log zerolog.Logger, every time.Duration) *progressDisplay {
	d := &progressDisplay{src: src, term: term, log: log, every: every, rate: jobclient.NewRate(0), stop: make(chan struct{}), done: make(chan struct{})}
	if term != nil {
		d.every = terminalRefresh
	}
	go d.run()
	return d
}

func (d *progressDisplay) run() {
	defer close(d.done)
	t := time.NewTicker(d.every)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.show(false)
		}
	}
}

// Stop shows the last counts (on a terminal the line stays, finished) and
// ends the display.
func (d *progressDisplay) Stop() {
	d.stopOnce.Do(func() {
		close(d.stop)
		<-d.done
		if d.term != nil {
			d.showSnapshot(settle(d.src, settleQuiet, settleMax), true)
		}
	})
}

// How long the final frame waits for the counts to settle: the job's
// last results reach the display by a subscription of their own, which
// may lag the report by a few messages (54/55 files shown for a job that
// copied 55).
const (
	settleQuiet = 200 * time.Millisecond // unchanged this long: settled
	settleMax   = time.Second
	settleTick  = 10 * time.Millisecond
)

// settle returns src's snapshot once every file is counted, or once the
// counts stopped changing for quiet (a job stopped early), but no later
// than limit.
func settle(src func() jobclient.Snapshot, quiet, limit time.Duration) jobclient.Snapshot {
	s := src()
	start, changed := time.Now(), time.Now()
	for !complete(s) && time.Since(changed) < quiet && time.Since(start) < limit {
		time.Sleep(settleTick)
		next := src()
		if next.FilesDone != s.FilesDone || next.BytesDone != s.BytesDone || next.Listing != s.Listing {
			changed = time.Now()
		}
		s = next
	}
	return s
}

// complete says the listing is done and every listed file has a result.
func complete(s jobclient.Snapshot) bool {
	return !s.Listing && s.FilesDone >= s.FilesTotal
}

func (d *progressDisplay) show(final bool) { d.showSnapshot(d.src(), final) }

func (d *progressDisplay) showSnapshot(s jobclient.Snapshot, final bool) {
	pace := d.rate.Add(s)
	bps, fps := pace.BytesPerS, pace.FilesPerS
	if d.term != nil {
		d.term.Set(formatProgress(s, pace), final)
		return
	}
	ev := d.log.Info().Bool("listing", s.Listing).
		Int64("files_done", s.FilesDone).Int64("files_total", s.FilesTotal).
		Int64("bytes_done", s.BytesDone).Int64("bytes_total", s.BytesTotal).
		Int64("failed", s.FilesFailed).
		Float64("mib_per_s", float64(int64(bps/(1<<20)*10))/10).Float64("files_per_s", float64(int64(fps*10))/10)
	if pace.ETAKnown {
		ev = ev.Int64("eta_s", int64(pace.ETA.Seconds()))
	}
	ev.Msg("progress")
}

// formatProgress is the terminal line, e.g.
// "12,345/20,000 files 61.7% | 2 failed | 1.2 GiB/2.0 GiB | 85.3 MiB/s | ETA 12s | 410 files/s".
func formatProgress(s jobclient.Snapshot, pace jobclient.Pace) string {
	var b strings.Builder
	if s.Listing {
		fmt.Fprintf(&b, "listing: %s files (%s) found, %s done", groupDigits(s.FilesTotal), humanBytes(s.BytesTotal), groupDigits(s.FilesDone))
	} else {
		pct := 100.0
		if s.FilesTotal > 0 {
			pct = 100 * float64(s.FilesDone) / float64(s.FilesTotal)
		}
		fmt.Fprintf(&b, "%s/%s files %.1f%%", groupDigits(s.FilesDone), groupDigits(s.FilesTotal), pct)
	}
	// Fields go from the most to the least important: a narrow terminal
	// drops them from the right (fitLine), and failures must stay in view.
	if n := s.FilesFailed + s.DirsFailed; n > 0 {
		fmt.Fprintf(&b, fieldSep+"%d failed", n)
	}
	if !s.Listing {
		fmt.Fprintf(&b, fieldSep+"%s/%s", humanBytes(s.BytesDone), humanBytes(s.BytesTotal))
	}
	fmt.Fprintf(&b, fieldSep+"%s/s", humanBytes(int64(pace.BytesPerS)))
	if pace.ETAKnown {
		fmt.Fprintf(&b, fieldSep+"ETA %s", pace.ETA.Round(time.Second))
	}
	// Last: a narrow terminal keeps the ETA rather than this.
	fmt.Fprintf(&b, fieldSep+"%.0f files/s", pace.FilesPerS)
	return b.String()
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// termLine is a terminal's last line, kept as a live status line: log
// output written through it appears above the line, which is then redrawn.
type termLine struct {
	mu   sync.Mutex
	out  io.Writer
	line string
	// cols is the terminal's width; nil asks the terminal (terminalWidth).
	cols func() int
}

// Set redraws the status line, cut to the terminal's width (a line that
// wraps cannot be redrawn in place: each redraw would leave a fragment);
// final leaves it on the screen for good.
func (t *termLine) Set(line string, final bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := 0
	if t.cols != nil {
		w = t.cols()
	} else {
		w = terminalWidth(t.out, os.Getenv)
	}
	// The last column stays free: some terminals wrap as soon as it is
	// written.
	line = fitLine(line, w-1)
	t.line = line
	fmt.Fprintf(t.out, "\r%s\x1b[K", line)
	if final {
		fmt.Fprintln(t.out)
		t.line = ""
	}
}

// Write prints log output above the status line.
func (t *termLine) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.line == "" {
		return t.out.Write(p)
	}
	if _, err := fmt.Fprintf(t.out, "\r\x1b[K%s", p); err != nil {
		return 0, err
	}
	_, err := fmt.Fprintf(t.out, "%s\x1b[K", t.line)
	return len(p), err
}

// terminalWidth is the width of the terminal w writes to, asked each time
// (a terminal can be resized while a job runs), else $COLUMNS, else 80.
func terminalWidth(w io.Writer, getenv func(string) string) int {
	if f, ok := w.(*os.File); ok {
		if rc, err := f.SyscallConn(); err == nil {
			var ws *unix.Winsize
			var werr error
			if err := rc.Control(func(fd uintptr) { ws, werr = unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ) }); err == nil && werr == nil && ws.Col > 0 {
				return int(ws.Col)
			}
		}
	}
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// fieldSep separates the status line's fields.
const fieldSep = " | "

// fitLine cuts a status line to width columns by dropping whole fields
// from the right, the least important first; a first field wider than
// the terminal is cut itself.
func fitLine(line string, width int) string {
	width = max(width, 1)
	if utf8.RuneCountInString(line) <= width {
		return line
	}
	fields := strings.Split(line, fieldSep)
	out := fields[0]
	for _, f := range fields[1:] {
		next := out + fieldSep + f
		if utf8.RuneCountInString(next) > width {
			break
		}
		out = next
	}
	if utf8.RuneCountInString(out) > width {
		out = string([]rune(out)[:width])
	}
	return out
}
