package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/jetcp/jetcp/internal/cli"
)

// openPTY opens a pseudo-terminal of cols columns and returns its
// terminal side (what a program writes to) and its master (what a
// terminal emulator reads).
func openPTY(t *testing.T, cols uint16) (tty, master *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal side: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: 24}); err != nil {
		t.Fatal(err)
	}
	return tty, master
}

// runOnTerminal runs the lister with its stderr on a terminal of cols
// columns and returns the exit status, stdout and what the terminal got.
func runOnTerminal(t *testing.T, cols uint16, args ...string) (int, string, string) {
	t.Helper()
	tty, master := openPTY(t, cols)
	var screen bytes.Buffer
	read := make(chan error, 1)
	go func() {
		_, err := io.Copy(&screen, master)
		read <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	code := cli.Lister(ctx, args, &out, tty)
	tty.Close()
	// The master reads EIO once the terminal side is closed and drained.
	if err := <-read; err != nil && !errors.Is(err, unix.EIO) {
		t.Fatal(err)
	}
	return code, out.String(), screen.String()
}

// frames are the status lines drawn on a terminal's output: text drawn
// from the start of a line and ended by erase-to-end-of-line.
var frameRE = regexp.MustCompile("[\r\n]([^\r\n\x1b]+)\x1b\\[K")

func frames(screen string) []string {
	var f []string
	for _, m := range frameRE.FindAllStringSubmatch(screen, -1) {
		f = append(f, m[1])
	}
	return f
}

// On a 60-column terminal no frame of the live line is wider than 60
// columns (fields are dropped from the right, nothing wraps), whatever
// $COLUMNS says; the last frame shows the end state.
func TestProgressLineFitsTerminal(t *testing.T) {
	t.Setenv("COLUMNS", "200")
	src := filepath.Join(t.TempDir(), "src")
	const n = 8
	for i := range n {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), randBytes(t, 1<<20))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	// 8 MiB at 2 copies of 2 MiB/s: 2 s, 4 frames at 500 ms.
	code, out, screen := runOnTerminal(t, 60, "-m", "2", "-bandwidth", "2", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s\n%q", code, out, screen)
	}
	sameTree(t, src, dst)
	f := frames(screen)
	if len(f) < 3 {
		t.Fatalf("%d frames drawn, want at least 3:\n%q", len(f), screen)
	}
	for _, l := range f {
		if w := utf8.RuneCountInString(l); w > 60 {
			t.Errorf("a frame of %d columns on a 60-column terminal: %q", w, l)
		}
	}
	if last := f[len(f)-1]; !strings.HasPrefix(last, "8/8 files 100.0% | 8.0 MiB/8.0 MiB") {
		t.Errorf("last frame %q, want the end state: 8/8 files 100.0%% | 8.0 MiB/8.0 MiB", last)
	}
}

// On a terminal, a big file's line moves while it copies (issue #21): a
// 40 MiB file at -bandwidth 2 on a 60-column terminal, watched for 6 s,
// draws no frame wider than the terminal, and from the first frame with
// bytes on, the bytes and the ETA drawn each change within a second of
// every frame (frames come every 500 ms; half a frame more is allowed for
// a loaded machine's scheduling).
func TestProgressMovesOnATerminal(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "big"), randBytes(t, 40<<20))
	tty, master := openPTY(t, 60)
	type chunk struct {
		at   time.Time
		text string
	}
	var chunks []chunk
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				chunks = append(chunks, chunk{time.Now(), string(buf[:n])})
			}
			if err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Second)
	defer cancel()
	var out bytes.Buffer
	code := cli.Lister(ctx, []string{"-bandwidth", "2", src, filepath.Join(t.TempDir(), "dst")}, &out, tty)
	tty.Close()
	<-read
	if code != cli.ExitInterrupted {
		t.Fatalf("exit %d, want %d (stopped)\n%s", code, cli.ExitInterrupted, out.String())
	}
	type frame struct {
		at         time.Time
		bytes, eta string
	}
	field := regexp.MustCompile(`\| ([0-9.]+ [KMG]?i?B)/40\.0 MiB.*ETA ([0-9hms]+)`)
	var screen strings.Builder
	var got []frame
	for _, c := range chunks {
		if strings.Contains(screen.String(), "interrupted") {
			break // the stop: bytes stand still from here
		}
		from := screen.Len()
		screen.WriteString(c.text)
		for _, m := range frameRE.FindAllStringSubmatchIndex(screen.String(), -1) {
			if m[1] <= from {
				continue // drawn by an earlier chunk
			}
			l := screen.String()[m[2]:m[3]]
			if w := utf8.RuneCountInString(l); w > 60 {
				t.Errorf("a frame of %d columns on a 60-column terminal: %q", w, l)
			}
			if f := field.FindStringSubmatch(l); f != nil && f[1] != "0 B" {
				got = append(got, frame{c.at, f[1], f[2]})
			}
		}
	}
	if len(got) < 6 {
		t.Fatalf("%d frames with bytes and an ETA, want at least 6 in 6 s:\n%q", len(got), screen.String())
	}
	const within = 1500 * time.Millisecond
	last := got[len(got)-1].at
	for i, f := range got {
		if last.Sub(f.at) < within {
			break // the stop came before a second could pass
		}
		bytesMoved, etaMoved := false, false
		for _, g := range got[i+1:] {
			if g.at.Sub(f.at) > within {
				break
			}
			bytesMoved = bytesMoved || g.bytes != f.bytes
			etaMoved = etaMoved || g.eta != f.eta
		}
		if !bytesMoved || !etaMoved {
			t.Errorf("frame at +%v (%s, ETA %s): bytes moved %v, ETA moved %v within %v",
				f.at.Sub(got[0].at).Round(time.Millisecond), f.bytes, f.eta, bytesMoved, etaMoved, within)
		}
	}
}
