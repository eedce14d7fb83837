package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// This file runs the measured processes: their output goes to a log
// file, and the first time each watched message appears is noted as it
// arrives (the programs log seconds only; this is the milliseconds).

// proc is one running program of a scale run.
type proc struct {
	name  string
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{}
	err   error // Wait's, once done is closed

	mu    sync.Mutex
	marks map[string]mark // watched message -> first sighting
	watch []string
}

// mark is when a watched message was first seen, with the process's peak
// RSS at that moment.
type mark struct {
	at      time.Time
	peakKiB int64
	line    []byte
}

// startProc runs bin args with extra env, its stdout and stderr into
// logPath, noting the watched messages (zerolog's "message":"..." text).
func startProc(name, bin string, args, env []string, logPath string, watch ...string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logf, "$ %s %s\n", bin, strings.Join(args, " "))
	r, w, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = w, w
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), marks: map[string]mark{}, watch: watch}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	w.Close() // the child holds its own copy
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		defer logf.Close()
		p.scan(r, logf)
	}()
	go func() {
		err := cmd.Wait()
		<-copied
		r.Close()
		p.err = err
		close(p.done)
	}()
	return p, nil
}

// scan copies the output to the log, noting watched messages.
func (p *proc) scan(r io.Reader, logf io.Writer) {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			_, _ = logf.Write(line)
			for _, m := range p.watch {
				if bytes.Contains(line, []byte(`"message":"`+m+`"`)) {
					p.note(m, line)
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proc) note(m string, line []byte) {
	now := time.Now()
	peak := hwmKiB(p.cmd.Process.Pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.marks[m]; !ok {
		p.marks[m] = mark{at: now, peakKiB: peak, line: bytes.Clone(line)}
	}
}

// seen is the first sighting of message m, if any.
func (p *proc) seen(m string) (mark, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mk, ok := p.marks[m]
	return mk, ok
}

// wait waits for the exit (up to timeout, then kills) and reports the
// error of a non-zero exit.
func (p *proc) wait(timeout time.Duration) error {
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %v; killed", p.name, timeout)
	}
	if p.err != nil {
		return fmt.Errorf("%s: %w", p.name, p.err)
	}
	return nil
}

// stop sends SIGTERM and waits; a process that does not stop in 20 s is
// killed.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(20 * time.Second)
}

// kill sends SIGKILL and waits: the process dies as a crash would.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// peakKiB is the exited process's peak RSS (getrusage's ru_maxrss).
func (p *proc) peakKiB() int64 {
	if ps := p.cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			return ru.Maxrss
		}
	}
	return 0
}

// hwmKiB is a running process's peak RSS so far (VmHWM), 0 if unknown.
func hwmKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

var errTimeout = errors.New("timed out")
