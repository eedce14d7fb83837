package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// This file runs the timed commands and the emulators they copy to.

// outcome is what one timed command cost.
type outcome struct {
	wall      time.Duration
	cpu       time.Duration // user + system
	maxRSSKiB int64
	logPath   string // the command's stdout and stderr
}

// timed runs argv (extra env on top of this process's), with its output
// in logPath, and measures wall time from start to exit, CPU time and
// peak RSS. A non-zero exit is an error quoting the end of the output.
func timed(ctx context.Context, timeout time.Duration, argv, env []string, logPath string) (*outcome, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "$ %s\n", shellJoin(argv))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %v", timeout)
		}
		return nil, fmt.Errorf("%s: %w\n%s", argv[0], err, tail(logPath, 15))
	}
	out := &outcome{wall: wall, logPath: logPath}
	if ps := cmd.ProcessState; ps != nil {
		out.cpu = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			out.maxRSSKiB = ru.Maxrss // KiB on Linux
		}
	}
	return out, nil
}

// untimed runs a helper command (verification, seeding) and returns its
// stdout; a failure quotes its output.
func untimed(ctx context.Context, argv, env []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s%s", shellJoin(argv), err, lastLines(stdout.String(), 10), lastLines(stderr.String(), 10))
	}
	return stdout.Bytes(), nil
}

// tail is the last n lines of the file at path, indented.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return lastLines(string(b), n) + "  (whole output: " + path + ")"
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString("  | " + l + "\n")
		}
	}
	return b.String()
}

// shellJoin renders argv for a log or the JSON, quoting what a shell would need quoted.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$*?;&|<>()[]{}`!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// freePort finds a loopback TCP port nobody listens on.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// emulator is a running cmd/hdfs-emulator or cmd/cos-emulator process.
type emulator struct {
	cmd  *exec.Cmd
	addr string // 127.0.0.1:PORT
	url  string // what it printed after "serving "
	// statsURL is where an HDFS emulator started with -stats-addr
	// serves its counts.
	statsURL string
	dir      string // its -dir, removed by stop
	logf     *os.File
	done     chan error
}

// startEmulator runs bin with args plus -addr on a free loopback port and
// -dir dir, and waits until it prints "<name> serving URL".
func startEmulator(bin string, args []string, dir, logPath string) (*emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(dir); err != nil {
		logf.Close()
		return nil, err
	}
	argv := append([]string{"-addr", addr}, args...)
	if dir != "" {
		argv = append([]string{"-addr", addr, "-dir", dir}, args...)
	}
	fmt.Fprintf(logf, "$ %s %s\n", bin, shellJoin(argv))
	cmd := exec.Command(bin, argv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	e := &emulator{cmd: cmd, addr: addr, dir: dir, logf: logf, done: make(chan error, 1)}
	go func() { e.done <- cmd.Wait() }()
	marker := filepath.Base(bin) + " serving "
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if i := bytes.Index(b, []byte(marker)); i >= 0 {
			if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
				e.url = strings.TrimSpace(string(b[i+len(marker) : i+j]))
				return e, nil
			}
		}
		select {
		case err := <-e.done:
			e.done <- err
			e.logf.Close()
			return nil, fmt.Errorf("%s exited before serving: %v\n%s", bin, err, tail(logPath, 10))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = e.stop()
			return nil, fmt.Errorf("%s did not say %q within 15s\n%s", bin, marker, tail(logPath, 10))
		}
	}
}

// stop ends the emulator (SIGTERM, then SIGKILL after 10 s) and removes
// its data directory.
func (e *emulator) stop() error {
	defer e.logf.Close()
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-e.done:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		err = errors.Join(errors.New("did not stop within 10s of SIGTERM; killed"), <-e.done)
	}
	if rmErr := os.RemoveAll(e.dir); rmErr != nil {
		return rmErr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(e.cmd.Path), err)
	}
	return nil
}

// benchBucket is the bucket the COS emulators of the requests and
// cos-verify workloads serve.
const benchBucket = "examplebucket-1250000000"

// startCOS starts a COS emulator (no added latency) with benchBucket in
// DIR/emu/dir, logging to DIR/logs/logName, and returns it with the
// environment that points jetcp at it.
func (b *bench) startCOS(dir, logName string) (*emulator, []string, error) {
	e, err := startEmulator(b.cosEmu, []string{"-secret-id", cosSecretID, "-secret-key", cosSecretKey, "-bucket", benchBucket},
		filepath.Join(b.emuDir, dir), filepath.Join(b.logDir, logName))
	if err != nil {
		return nil, nil, err
	}
	env := append(b.jetcpEnv(), "COS_ENDPOINT="+e.url, "COS_SECRET_ID="+cosSecretID,
		"COS_SECRET_KEY="+cosSecretKey, "COS_REGION=ap-guangzhou", "COS_SESSION_TOKEN=")
	return e, env, nil
}
