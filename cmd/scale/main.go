// Command scale measures jetcp at scale (issue #22): it generates N empty
// files on a private tmpfs, copies them embedded and over services (a
// nats-server, a committer, a copier and the lister as separate
// processes), and prints files/s, listing files/s, each process's peak
// RSS, the event and work streams' bytes per file during the job and after
// its per-file results are dropped, and how long a committer taking over
// the job (the first one SIGKILLed mid-job) needs to replay it. Run it with
// `go tool task scale -- -files N`; not part of CI.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	files     int
	modes     []string
	workers   int
	bin       string
	dir       string
	retention time.Duration
	killAt    float64
	jsonPath  string
	timeout   time.Duration
	perDir    int
	update    bool
}

const usageLine = "usage: scale [-files N] [-modes embedded,services] [-m WORKERS] [-bin DIR] [-dir DIR] [-retention D] [-kill-at F] [-update] [-json FILE]"

// parseArgs reads the command line; a bad one is an error naming the fix.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fl := flag.NewFlagSet("scale", flag.ContinueOnError)
	fl.SetOutput(stderr)
	c := &config{}
	fl.IntVar(&c.files, "files", 200_000, "empty files to generate and copy")
	modes := fl.String("modes", "embedded,services", "what to run, comma-separated: embedded, services")
	fl.IntVar(&c.workers, "m", 20, "copy workers (lister -m embedded, copier -m over services)")
	fl.StringVar(&c.bin, "bin", "bin", "directory holding lister, copier, committer and nats-server")
	fl.StringVar(&c.dir, "dir", "", "work directory, a tmpfs is mounted on it (default: a new one under /tmp)")
	fl.DurationVar(&c.retention, "retention", 3*time.Second, "committer --results-retention: the \"after\" reading is taken once it has dropped the results")
	fl.Float64Var(&c.killAt, "kill-at", 0.8, "SIGKILL the services' committer once this fraction of the files is copied, and time its successor's replay (0: no kill)")
	fl.StringVar(&c.jsonPath, "json", "", "also write the results as JSON to this file")
	fl.DurationVar(&c.timeout, "timeout", 2*time.Hour, "give up on a job after this long")
	fl.IntVar(&c.perDir, "per-dir", 1000, "files per source directory")
	fl.BoolVar(&c.update, "update", false, "services: after the copy, run an -update of it while no committer runs (the listing skips every file: its results are skip batches), then time a new committer's replay of that whole job")
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	if fl.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: scale takes only options (%s)", fl.Arg(0), usageLine)
	}
	if c.files < 1 || c.perDir < 1 || c.workers < 1 {
		return nil, errors.New("-files, -per-dir and -m must be at least 1")
	}
	if c.killAt < 0 || c.killAt >= 1 {
		return nil, fmt.Errorf("-kill-at %v: give a fraction in [0, 1), e.g. 0.8", c.killAt)
	}
	for _, m := range strings.Split(*modes, ",") {
		m = strings.TrimSpace(m)
		if m != "embedded" && m != "services" {
			return nil, fmt.Errorf("-modes: unknown mode %q; use embedded, services or both, comma-separated", m)
		}
		c.modes = append(c.modes, m)
	}
	return c, nil
}

func main() {
	c, err := parseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *config, out io.Writer) error {
	for _, b := range []string{"lister", "copier", "committer", "nats-server"} {
		if _, err := os.Stat(filepath.Join(c.bin, b)); err != nil {
			return fmt.Errorf("%s: build the programs first (go tool task scale does): %w", b, err)
		}
	}
	w, err := newWorkDir(c.dir)
	if err != nil {
		return err
	}
	defer w.remove()
	fmt.Fprintf(out, "work directory %s (%s)\n", w.root, w.kind)
	start := time.Now()
	if err := generate(filepath.Join(w.root, "src"), c.files, c.perDir); err != nil {
		return err
	}
	fmt.Fprintf(out, "generated %d empty files in %.1fs\n", c.files, time.Since(start).Seconds())
	res := &results{Files: c.files, Workers: c.workers, Storage: w.kind, LoadAvg: []string{loadAvg()}}
	for _, m := range c.modes {
		var r *modeResult
		if m == "embedded" {
			r, err = runEmbedded(ctx, c, w)
		} else {
			r, err = runServices(ctx, c, w)
		}
		if err != nil {
			return fmt.Errorf("%s: %w (logs in %s)", m, err, w.logs)
		}
		res.Modes = append(res.Modes, r)
	}
	res.LoadAvg = append(res.LoadAvg, loadAvg())
	printTable(out, res)
	fmt.Fprintf(out, "processes' logs: %s\n", w.logs)
	if c.jsonPath != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(c.jsonPath, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// workDir is the run's private file system: sources, targets and the
// JetStream stores, all in memory so the disk does not set the pace.
type workDir struct {
	root    string // the tmpfs (or /dev/shm directory)
	logs    string // the processes' logs, kept after the run
	kind    string // what root is
	mounted bool
}

// newWorkDir mounts a private tmpfs on dir (a new temp directory if
// empty); where mounting is not allowed it uses a directory in /dev/shm.
func newWorkDir(dir string) (*workDir, error) {
	base, err := os.MkdirTemp("", "jetcp-scale-")
	if err != nil {
		return nil, err
	}
	w := &workDir{logs: filepath.Join(base, "logs"), root: dir}
	if err := os.MkdirAll(w.logs, 0o755); err != nil {
		return nil, err
	}
	if w.root == "" {
		w.root = filepath.Join(base, "mnt")
	}
	if err := os.MkdirAll(w.root, 0o755); err != nil {
		return nil, err
	}
	// nr_inodes=0: no inode limit (2M files twice exceed the default).
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8g,nr_inodes=0", "tmpfs", w.root).CombinedOutput(); err == nil {
		w.mounted, w.kind = true, "private tmpfs"
		return w, nil
	} else if len(out) > 0 {
		fmt.Fprintf(os.Stderr, "scale: cannot mount a tmpfs (%s); using /dev/shm\n", strings.TrimSpace(string(out)))
	}
	w.root = filepath.Join("/dev/shm", filepath.Base(base))
	w.kind = "/dev/shm directory"
	return w, os.MkdirAll(w.root, 0o755)
}

func (w *workDir) remove() {
	if w.mounted {
		if out, err := exec.Command("umount", w.root).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "scale: umount %s: %v %s\n", w.root, err, out)
		}
		return
	}
	_ = os.RemoveAll(w.root)
}

// generate makes n empty files under dir, perDir to a directory.
func generate(dir string, n, perDir int) error {
	for i := 0; i < n; i++ {
		d := filepath.Join(dir, fmt.Sprintf("d%05d", i/perDir))
		if i%perDir == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		f, err := os.OpenFile(filepath.Join(d, fmt.Sprintf("f%08d", i)), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
