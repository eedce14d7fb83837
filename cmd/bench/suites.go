package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jetcp/jetcp/messages"
)

// This file says, per workload, what each tool runs, how its target is made
// fresh before a run and how the copy is checked after it; measure runs
// them interleaved.

// contender is one tool on one workload.
type contender struct {
	tool string
	// prepare makes the target ready (untimed) and returns what to run.
	prepare func(run int) (*invocation, error)
	// check verifies the copy (untimed); nil checks nothing.
	check func(inv *invocation, out *outcome) error
	// finish frees what prepare set up (untimed); nil does nothing.
	finish func(inv *invocation) error
}

// invocation is one prepared run.
type invocation struct {
	argv   []string
	env    []string
	report string    // jetcp's --report-json file
	emu    *emulator // the emulator this run copies to
	target string    // what check looks at: a local path or an rclone remote path
	run    int       // 1, 2, ... -runs
}

// measure times the contenders on w, runs times, interleaved (a, b, c, a,
// b, c, ...) so that drifts of the machine spread over all of them, and
// returns one row per contender, after warmups untimed rounds. The first
// failure stops it.
func (b *bench) measure(wlName string, w *workload, cs []contender, warmups int) ([]*row, error) {
	rows := make([]*row, len(cs))
	for i, c := range cs {
		rows[i] = &row{Workload: wlName, Tool: c.tool, Files: w.files, Bytes: w.bytes}
	}
	// Warm-up runs (numbered 0, not counted): the first copy into fresh
	// memory is much slower on a VM (2x on the large workload here).
	for range warmups {
		for _, c := range cs {
			s, _, err := b.once(wlName, c, 0)
			if err != nil {
				return rows, fmt.Errorf("%s, %s, warm-up: %w", wlName, c.tool, err)
			}
			fmt.Fprintf(os.Stderr, "bench: %-12s %-12s warm-up  %8.3fs  (not counted)\n", wlName, c.tool, s.WallS)
		}
	}
	for run := 1; run <= b.opts.runs; run++ {
		for i, c := range cs {
			s, cmdline, err := b.once(wlName, c, run)
			if err != nil {
				return rows, fmt.Errorf("%s, %s, run %d of %d: %w", wlName, c.tool, run, b.opts.runs, err)
			}
			rows[i].Command = cmdline
			rows[i].Runs = append(rows[i].Runs, s)
			fmt.Fprintf(os.Stderr, "bench: %-12s %-12s run %d/%d  %8.3fs  cpu %7.2fs  rss %7.1f MiB  ok\n",
				wlName, c.tool, run, b.opts.runs, s.WallS, s.CPUS, s.MaxRSSMiB)
		}
	}
	for _, r := range rows {
		r.summarize()
	}
	return rows, nil
}

func (b *bench) once(wlName string, c contender, run int) (sample, string, error) {
	inv, err := c.prepare(run)
	if err != nil {
		return sample{}, "", fmt.Errorf("prepare: %w", err)
	}
	inv.run = run
	finished := c.finish == nil
	defer func() {
		if !finished {
			_ = c.finish(inv)
		}
	}()
	syscall.Sync()
	logPath := filepath.Join(b.logDir, fmt.Sprintf("%s.%s.%d.log", wlName, strings.ReplaceAll(c.tool, " ", ""), run))
	busy0, busyOK := machineBusy()
	emu0 := inv.emuCPU()
	out, err := timed(b.ctx, b.opts.timeout, inv.argv, inv.env, logPath)
	if err != nil {
		return sample{}, "", err
	}
	// What the rest of the machine used meanwhile: neither the command nor
	// its emulator (bench itself only waits). Large means noisy timings.
	var other time.Duration
	if busy1, ok := machineBusy(); ok && busyOK {
		other = max(0, busy1-busy0-out.cpu-(inv.emuCPU()-emu0))
	}
	if c.check != nil {
		if err := c.check(inv, out); err != nil {
			return sample{}, "", fmt.Errorf("check: %w (output: %s)", err, out.logPath)
		}
	}
	if !finished {
		finished = true
		if err := c.finish(inv); err != nil {
			return sample{}, "", fmt.Errorf("after the run: %w", err)
		}
	}
	return sample{
		WallS:     out.wall.Seconds(),
		CPUS:      out.cpu.Seconds(),
		MaxRSSMiB: float64(out.maxRSSKiB) / 1024,
		OtherCPUS: other.Seconds(),
		OtherLoad: otherLoad(other, out.wall),
	}, shellJoin(inv.argv), nil
}

// otherLoad is other CPU time as a share of all CPUs over wall; 0 below
// /proc/stat's resolution (a few 10 ms ticks), which short runs cannot beat.
func otherLoad(other, wall time.Duration) float64 {
	if other < 50*time.Millisecond || wall <= 0 {
		return 0
	}
	return other.Seconds() / (wall.Seconds() * float64(runtime.NumCPU()))
}

func (inv *invocation) emuCPU() time.Duration {
	if inv.emu == nil {
		return 0
	}
	return processCPU(inv.emu.cmd.Process.Pid)
}

// checkReport reads jetcp's report and wants it succeeded with copied
// files and bytes as given.
func checkReport(path string, files, bytes, skipped int64) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("jetcp report: %w", err)
	}
	var r messages.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("jetcp report %s: %w", path, err)
	}
	if r.State != messages.StateSucceeded || r.FilesFailed != 0 || r.FilesCopied != files || r.BytesCopied != bytes || r.FilesSkipped != skipped {
		return fmt.Errorf("jetcp report %s: state %s, %d files copied (%d bytes), %d skipped, %d failed; want succeeded, %d copied (%d bytes), %d skipped, 0 failed",
			path, r.State, r.FilesCopied, r.BytesCopied, r.FilesSkipped, r.FilesFailed, files, bytes, skipped)
	}
	return nil
}

// localTarget is dst/<workload>/<tool>: removed before each run unless
// keep, so that every run copies everything into a missing directory.
func (b *bench) localTarget(wlName, tool string) string {
	return filepath.Join(b.dstDir, wlName, tool)
}

func freshDir(target string) error {
	if err := os.RemoveAll(target); err != nil {
		return err
	}
	return os.MkdirAll(filepath.Dir(target), 0o755)
}

// jetcpLocal copies w into a fresh local target with lister and flags.
func (b *bench) jetcpLocal(wlName string, w *workload, flags []string, removeAfter bool) contender {
	target := b.localTarget(wlName, "jetcp")
	report := filepath.Join(b.logDir, wlName+".jetcp.report.json")
	return contender{
		tool: "jetcp",
		prepare: func(int) (*invocation, error) {
			if err := freshDir(target); err != nil {
				return nil, err
			}
			argv := append([]string{b.lister, "--no-progress", "--report-json", report}, flags...)
			return &invocation{argv: append(argv, w.src, target), env: b.jetcpEnv(), report: report, target: target}, nil
		},
		check: func(inv *invocation, _ *outcome) error {
			if err := checkReport(inv.report, w.files, w.bytes, 0); err != nil {
				return err
			}
			return verifyTree(w, inv.target)
		},
		finish: removeIf(removeAfter, target),
	}
}

// cpLocal is cp -r into a missing directory, which makes it a copy of the
// source's contents, as jetcp and rclone do.
func (b *bench) cpLocal(wlName string, w *workload, removeAfter bool) contender {
	target := b.localTarget(wlName, "cp")
	return contender{
		tool: "cp",
		prepare: func(int) (*invocation, error) {
			if err := freshDir(target); err != nil {
				return nil, err
			}
			return &invocation{argv: []string{"cp", "-r", w.src, target}, target: target}, nil
		},
		check:  func(inv *invocation, _ *outcome) error { return verifyTree(w, inv.target) },
		finish: removeIf(removeAfter, target),
	}
}

// rcloneLocal is rclone copy with transfers (and checkers, if > 0).
func (b *bench) rcloneLocal(wlName string, w *workload, transfers, checkers int, removeAfter bool) contender {
	target := b.localTarget(wlName, "rclone")
	return contender{
		tool: "rclone",
		prepare: func(int) (*invocation, error) {
			if err := freshDir(target); err != nil {
				return nil, err
			}
			return &invocation{argv: append(rcloneCopyArgs(transfers, checkers), w.src, target), env: b.rcloneEnv(), target: target}, nil
		},
		check:  func(inv *invocation, _ *outcome) error { return verifyTree(w, inv.target) },
		finish: removeIf(removeAfter, target),
	}
}

func rcloneCopyArgs(transfers, checkers int) []string {
	a := []string{"rclone", "copy", "--transfers", fmt.Sprint(transfers)}
	if checkers > 0 {
		a = append(a, "--checkers", fmt.Sprint(checkers))
	}
	return a
}

func removeIf(remove bool, target string) func(*invocation) error {
	if !remove {
		return nil
	}
	return func(*invocation) error { return os.RemoveAll(target) }
}

// large: a few big files; jetcp's default against cp -r and rclone's.
func (b *bench) largeSuite(w *workload) []contender {
	return []contender{
		b.jetcpLocal(wlLarge, w, nil, true),
		b.cpLocal(wlLarge, w, true),
		b.rcloneLocal(wlLarge, w, 4, 0, true),
	}
}

// small: many 4 KiB files at the same parallelism; the targets stay for
// noop-update.
func (b *bench) smallSuite(w *workload) []contender {
	return []contender{
		b.jetcpLocal(wlSmall, w, []string{"-m", "20"}, false),
		b.cpLocal(wlSmall, w, false),
		b.rcloneLocal(wlSmall, w, 20, 20, false),
	}
}

// noop-update: the same command again on small's targets, which are
// already up to date: every file must be skipped. cp has no equivalent.
// Targets small did not leave (-only noop-update) are seeded, untimed, by
// the same tool.
func (b *bench) noopSuite(w *workload) []contender {
	jt, rt := b.localTarget(wlSmall, "jetcp"), b.localTarget(wlSmall, "rclone")
	report := filepath.Join(b.logDir, wlNoop+".jetcp.report.json")
	jetcpArgv := []string{b.lister, "--no-progress", "--report-json", report, "-update", "-m", "20", w.src, jt}
	// -v logs one INFO line per copied file and nothing per skipped one.
	rcloneArgv := append(rcloneCopyArgs(20, 20), "-v", w.src, rt)
	seed := func(target string, argv, env []string) error {
		if _, err := os.Stat(target); err == nil && b.smallDone {
			return nil
		}
		if err := freshDir(target); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: %s: seeding %s (untimed)\n", wlNoop, target)
		_, err := untimed(b.ctx, argv, env)
		return err
	}
	return []contender{{
		tool: "jetcp",
		prepare: func(int) (*invocation, error) {
			if err := seed(jt, []string{b.lister, "--no-progress", "-m", "20", w.src, jt}, b.jetcpEnv()); err != nil {
				return nil, err
			}
			return &invocation{argv: jetcpArgv, env: b.jetcpEnv(), report: report, target: jt}, nil
		},
		check: func(inv *invocation, _ *outcome) error {
			if err := checkReport(inv.report, 0, 0, w.files); err != nil {
				return err
			}
			return verifyTree(w, inv.target)
		},
	}, {
		tool: "rclone",
		prepare: func(int) (*invocation, error) {
			if err := seed(rt, append(rcloneCopyArgs(20, 20), w.src, rt), b.rcloneEnv()); err != nil {
				return nil, err
			}
			return &invocation{argv: rcloneArgv, env: b.rcloneEnv(), target: rt}, nil
		},
		check: func(inv *invocation, out *outcome) error {
			log, err := os.ReadFile(out.logPath)
			if err != nil {
				return err
			}
			if n := strings.Count(string(log), ": Copied ("); n != 0 {
				return fmt.Errorf("rclone copied %d files on a target that was up to date", n)
			}
			return verifyTree(w, inv.target)
		},
	}}
}

// hdfs: local tree to a fresh HDFS emulator per run, jetcp against rclone's
// HDFS backend, both as the same HDFS user.
func (b *bench) hdfsSuite(w *workload) []contender {
	start := func(tool string, run int) (*emulator, error) {
		dir := filepath.Join(b.emuDir, fmt.Sprintf("hdfs-%s-%d", tool, run))
		return startEmulator(b.hdfsEmu, []string{"-block-size", fmt.Sprint(b.opts.hdfsBlock), "-superuser", b.hdfsUser}, dir,
			filepath.Join(b.logDir, fmt.Sprintf("hdfs.emulator.%s.%d.log", tool, run)))
	}
	stop := func(inv *invocation) error { return inv.emu.stop() }
	// check reads the target back through rclone: file count and bytes on
	// every run, the content (--download) on the first.
	check := func(inv *invocation) error {
		env := []string{"RCLONE_CONFIG=" + b.hdfsRcloneConf(inv.emu.addr)}
		out, err := untimed(b.ctx, []string{"rclone", "size", "--json", inv.target}, env)
		if err != nil {
			return err
		}
		var sz struct{ Count, Bytes int64 }
		if err := json.Unmarshal(out, &sz); err != nil {
			return fmt.Errorf("rclone size: %w: %s", err, out)
		}
		if sz.Count != w.files || sz.Bytes != w.bytes {
			return fmt.Errorf("HDFS target %s holds %d files, %d bytes; want %d, %d", inv.target, sz.Count, sz.Bytes, w.files, w.bytes)
		}
		if inv.run == 1 {
			if _, err := untimed(b.ctx, []string{"rclone", "check", "--one-way", "--download", w.src, inv.target}, env); err != nil {
				return fmt.Errorf("content differs: %w", err)
			}
		}
		return nil
	}
	report := filepath.Join(b.logDir, wlHDFS+".jetcp.report.json")
	return []contender{{
		tool: "jetcp",
		prepare: func(run int) (*invocation, error) {
			e, err := start("jetcp", run)
			if err != nil {
				return nil, err
			}
			argv := []string{b.lister, "--no-progress", "--report-json", report, "-m", fmt.Sprint(b.opts.hdfsM),
				w.src, "hdfs://" + e.addr + "/bench/jetcp"}
			return &invocation{argv: argv, env: b.jetcpEnv(), report: report, emu: e, target: "hdfsemu:/bench/jetcp"}, nil
		},
		check: func(inv *invocation, _ *outcome) error {
			if err := checkReport(inv.report, w.files, w.bytes, 0); err != nil {
				return err
			}
			return check(inv)
		},
		finish: stop,
	}, {
		tool: "rclone",
		prepare: func(run int) (*invocation, error) {
			e, err := start("rclone", run)
			if err != nil {
				return nil, err
			}
			argv := append(rcloneCopyArgs(b.opts.hdfsM, 0), w.src, "hdfsemu:/bench/rclone")
			return &invocation{argv: argv, env: []string{"RCLONE_CONFIG=" + b.hdfsRcloneConf(e.addr)}, emu: e, target: "hdfsemu:/bench/rclone"}, nil
		},
		check:  func(inv *invocation, _ *outcome) error { return check(inv) },
		finish: stop,
	}}
}

// cos-scaling: local tree to a fresh COS emulator per run that answers
// every request after a delay, jetcp at several -m.
func (b *bench) cosSuite(w *workload) []contender {
	const bucket = "examplebucket-1250000000"
	var cs []contender
	for _, m := range b.opts.cosM {
		tool := cosTool(m)
		report := filepath.Join(b.logDir, fmt.Sprintf("%s.jetcp-m%d.report.json", wlCOS, m))
		cs = append(cs, contender{
			tool: tool,
			prepare: func(run int) (*invocation, error) {
				dir := filepath.Join(b.emuDir, fmt.Sprintf("cos-m%d-%d", m, run))
				e, err := startEmulator(b.cosEmu, []string{"-secret-id", cosSecretID, "-secret-key", cosSecretKey,
					"-bucket", bucket, "-latency", b.opts.cosLatency.String()}, dir,
					filepath.Join(b.logDir, fmt.Sprintf("%s.emulator.m%d.%d.log", wlCOS, m, run)))
				if err != nil {
					return nil, err
				}
				env := append(b.jetcpEnv(), "COS_ENDPOINT="+e.url, "COS_SECRET_ID="+cosSecretID,
					"COS_SECRET_KEY="+cosSecretKey, "COS_REGION=ap-guangzhou", "COS_SESSION_TOKEN=")
				argv := []string{b.lister, "--no-progress", "--report-json", report, "-m", fmt.Sprint(m),
					w.src, fmt.Sprintf("cosn://%s/bench/m%d", bucket, m)}
				return &invocation{argv: argv, env: env, report: report, emu: e}, nil
			},
			check:  func(inv *invocation, _ *outcome) error { return checkReport(inv.report, w.files, w.bytes, 0) },
			finish: func(inv *invocation) error { return inv.emu.stop() },
		})
	}
	return cs
}

// The emulator's made-up credentials.
const (
	cosSecretID  = "AKIDbenchbenchbenchbenchbenchbench"
	cosSecretKey = "benchbenchbenchbenchbenchbenchbe"
)
