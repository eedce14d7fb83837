// Command bench times jetcp against cp -r and rclone on generated workloads
// (issue #6) and prints a table and the targets met, and writes the
// results as JSON:
//
//	go tool task bench [-- -only small,noop-update -runs 1 ...]
//	bin/bench [-dir DIR] [-runs N] [-only W,...] [-quick] [-json FILE] [size flags]
//
// Workloads, run in this order: large (a few big files), small (many 4 KiB
// files in nested directories), noop-update (small again with -update on
// up-to-date targets), hdfs (local tree to the HDFS emulator, jetcp against
// rclone's HDFS backend) and cos-scaling (local tree to the COS emulator
// with added latency, jetcp at -m 1, 4, 16, 64) and requests (not timed: the
// requests per file, by kind, that the COS and HDFS emulators served for
// new small files and a no-op -update, local -> COS, local -> HDFS, HDFS ->
// COS and COS -> local, next to the physical minimum; issue #17) and
// cos-verify (a tree of small files copied to the COS emulator, then
// proven by lister verify with no GET: both timed, with COS's requests
// per file; issue #18) and snapshot-diff (a tree on the HDFS emulator
// copied from its snapshot s1 to COS, 0.5% of it changed and a directory
// renamed, then caught up from snapshot s2 by -update -delete and by
// -update -diff s1 s2: both timed, with the NameNode's and COS's
// requests; issue #19; run only when named in -only). Each
// measurement is repeated
// -runs times, tools interleaved, and the median wall time reported; every
// copy is checked against the source. A failed run stops bench with exit
// status 1 and the reason.
//
// The work directory defaults to /dev/shm/jetcp-bench (tmpfs) when there is
// room: disk timings on a VM vary too much between identical runs. The
// generated data is removed at the end unless -keep; logs of every run stay
// in DIR/logs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	dir, jsonPath, binDir string
	runs, warmup          int
	only                  []string
	quick, keep           bool
	timeout               time.Duration
	jetcpTmp              string

	largeFiles, largeMiB int
	smallFiles, smallKiB int
	hdfsFiles, hdfsMiB   int
	hdfsM                int
	hdfsBlock            int64
	cosFiles, cosKiB     int
	cosLatency           time.Duration
	cosM                 []int
	reqFiles, reqKiB     int
	reqDirs, reqM        int
	verifyFiles          int
	verifyKiB, verifyM   int
	diffFiles, diffKiB   int
	diffM                int
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bench [options]\n\nTimes jetcp against cp -r and rclone (issue #6). Workloads: %s.\n\n", strings.Join(workloadNames, ", "))
		fs.PrintDefaults()
	}
	fs.StringVar(&o.dir, "dir", "", "work directory (default /dev/shm/jetcp-bench when it has room, else $TMPDIR/jetcp-bench)")
	fs.StringVar(&o.jsonPath, "json", "", "write the results here (default DIR/bench-results.json)")
	fs.StringVar(&o.binDir, "bin", "", "directory holding lister, hdfs-emulator and cos-emulator (default: bench's own)")
	fs.IntVar(&o.runs, "runs", 3, "timed runs per tool and workload; the median is reported")
	fs.IntVar(&o.warmup, "warmup", 1, "untimed rounds of every tool before the timed runs (not on cos-scaling, whose -m 1 run is long)")
	only := fs.String("only", "", "comma-separated workloads to run (default all but "+wlDiff+", which is opt-in: "+strings.Join(defaultWorkloads(), ",")+")")
	fs.BoolVar(&o.quick, "quick", false, "small sizes and -runs 1, for a smoke run (flags given explicitly still win)")
	fs.BoolVar(&o.keep, "keep", false, "keep the generated sources and targets")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "limit on each timed command")
	fs.StringVar(&o.jetcpTmp, "jetcp-tmpdir", "work", "TMPDIR for jetcp, where its embedded JetStream server keeps its streams: \"work\" = DIR/tmp, on the\nwork directory's file system like the copies; \"inherit\" = this process's TMPDIR (the disk's /tmp, usually)")
	fs.IntVar(&o.largeFiles, "large-files", 4, "large: number of files")
	fs.IntVar(&o.largeMiB, "large-mib", 512, "large: MiB per file")
	fs.IntVar(&o.smallFiles, "small-files", 20000, "small and noop-update: number of files (spread over 20x20 directories)")
	fs.IntVar(&o.smallKiB, "small-kib", 4, "small and noop-update: KiB per file")
	fs.IntVar(&o.hdfsFiles, "hdfs-files", 64, "hdfs: number of files")
	fs.IntVar(&o.hdfsMiB, "hdfs-mib", 8, "hdfs: MiB per file")
	fs.IntVar(&o.hdfsM, "hdfs-m", 8, "hdfs: jetcp -m and rclone --transfers")
	fs.Int64Var(&o.hdfsBlock, "hdfs-block-size", 128<<20, "hdfs: the emulator's block size in bytes")
	fs.IntVar(&o.cosFiles, "cos-files", 256, "cos-scaling: number of files")
	fs.IntVar(&o.cosKiB, "cos-kib", 1024, "cos-scaling: KiB per file (keep >= 1024: smaller files may be bundled)")
	fs.DurationVar(&o.cosLatency, "cos-latency", 20*time.Millisecond, "cos-scaling: delay the emulator adds to every request")
	cosM := fs.String("cos-m", "1,4,16,64", "cos-scaling: jetcp -m values (the target compares 16 with 1)")
	fs.IntVar(&o.reqFiles, "req-files", 100, "requests: number of new files")
	fs.IntVar(&o.reqKiB, "req-kib", 5, "requests: KiB per file")
	fs.IntVar(&o.reqDirs, "req-dirs", 2, "requests: directories the files are spread over")
	fs.IntVar(&o.reqM, "req-m", 1, "requests: jetcp -m")
	fs.IntVar(&o.verifyFiles, "verify-files", 20000, "cos-verify: number of files copied to COS, then verified (spread over 20x20 directories)")
	fs.IntVar(&o.verifyKiB, "verify-kib", 4, "cos-verify: KiB per file")
	fs.IntVar(&o.verifyM, "verify-m", 20, "cos-verify: jetcp -m of the copy and the verify")
	fs.IntVar(&o.diffFiles, "diff-files", 200000, "snapshot-diff: number of files in the HDFS tree (spread over 20x20 directories); 0.5% of them change")
	fs.IntVar(&o.diffKiB, "diff-kib", 1, "snapshot-diff: KiB per file")
	fs.IntVar(&o.diffM, "diff-m", 20, "snapshot-diff: jetcp -m of every copy")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q (options only)", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		for name, p := range map[string]*int{"runs": &o.runs, "warmup": &o.warmup, "large-mib": &o.largeMiB, "small-files": &o.smallFiles,
			"hdfs-files": &o.hdfsFiles, "hdfs-mib": &o.hdfsMiB, "cos-files": &o.cosFiles, "verify-files": &o.verifyFiles, "diff-files": &o.diffFiles} {
			if !set[name] {
				*p = map[string]int{"runs": 1, "warmup": 0, "large-mib": 32, "small-files": 2000, "hdfs-files": 16, "hdfs-mib": 2, "cos-files": 32, "verify-files": 2000, "diff-files": 20000}[name]
			}
		}
	}
	if *only == "" {
		o.only = defaultWorkloads()
	} else {
		for _, w := range strings.Split(*only, ",") {
			w = strings.TrimSpace(w)
			if !slices.Contains(workloadNames, w) {
				return nil, fmt.Errorf("-only: unknown workload %q (known: %s)", w, strings.Join(workloadNames, ", "))
			}
			o.only = append(o.only, w)
		}
	}
	for _, v := range strings.Split(*cosM, ",") {
		m, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || m < 1 {
			return nil, fmt.Errorf("-cos-m: %q is not a positive number", v)
		}
		o.cosM = append(o.cosM, m)
	}
	for name, v := range map[string]int{"runs": o.runs, "large-files": o.largeFiles, "large-mib": o.largeMiB, "small-files": o.smallFiles,
		"small-kib": o.smallKiB, "hdfs-files": o.hdfsFiles, "hdfs-mib": o.hdfsMiB, "hdfs-m": o.hdfsM, "cos-files": o.cosFiles, "cos-kib": o.cosKiB,
		"req-files": o.reqFiles, "req-kib": o.reqKiB, "req-dirs": o.reqDirs, "req-m": o.reqM,
		"verify-files": o.verifyFiles, "verify-kib": o.verifyKiB, "verify-m": o.verifyM,
		"diff-files": o.diffFiles, "diff-kib": o.diffKiB, "diff-m": o.diffM} {
		if v < 1 {
			return nil, fmt.Errorf("-%s must be at least 1", name)
		}
	}
	if o.warmup < 0 {
		return nil, errors.New("-warmup must not be negative")
	}
	return o, nil
}

func (o *options) selected(w string) bool { return slices.Contains(o.only, w) }

// needBytes estimates the work directory's peak use: each source, plus one
// large target at a time, three small targets (4 KiB pages on tmpfs) and
// the emulators' copies.
func (o *options) needBytes() int64 {
	var n int64
	if o.selected(wlLarge) {
		n += 2 * int64(o.largeFiles) * int64(o.largeMiB) << 20
	}
	if o.selected(wlSmall) || o.selected(wlNoop) {
		n += 4 * int64(o.smallFiles) * int64(max(o.smallKiB, 4)) << 10
	}
	if o.selected(wlHDFS) {
		n += 2 * int64(o.hdfsFiles) * int64(o.hdfsMiB) << 20
	}
	if o.selected(wlCOS) {
		n += 2 * int64(o.cosFiles) * int64(o.cosKiB) << 10
	}
	if o.selected(wlReq) {
		n += 6 * int64(o.reqFiles) * int64(max(o.reqKiB, 4)) << 10
	}
	if o.selected(wlVerify) {
		n += 2 * int64(o.verifyFiles) * int64(max(o.verifyKiB, 4)) << 10
	}
	if o.selected(wlDiff) {
		n += 4 * int64(o.diffFiles) * int64(max(o.diffKiB, 4)) << 10
	}
	return n + 64<<20
}

// bench is one benchmark run: where things are and what has been measured.
type bench struct {
	ctx  context.Context
	opts *options

	work, srcDir, dstDir, emuDir, logDir, confDir string
	lister, hdfsEmu, cosEmu                       string
	hdfsUser                                      string

	smallDone bool // small left up-to-date targets for noop-update

	reqWL    *workload // the requests workload, once counted
	verifyWL *workload // the cos-verify workload, once measured
	diffWL   *workload // the snapshot-diff workload, once measured
}

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	opts, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := setUp(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	if opts.jsonPath == "" {
		opts.jsonPath = filepath.Join(b.work, "bench-results.json")
	}
	res := &results{Machine: describeMachine(ctx, b.work, opts.jetcpTmp), Config: opts.config(b)}
	fmt.Fprintf(os.Stderr, "bench: work directory %s (%s), %d CPUs, %s RAM, %s\n", b.work, res.Machine.FSType,
		res.Machine.NProc, fmtBytes(res.Machine.MemTotalBytes), res.Machine.RcloneVersion)

	rows, err := b.runAll(res)
	res.Rows = rows
	compare(rows)
	for _, t := range evaluate(rows) {
		if opts.selected(t.Workload) {
			res.Targets = append(res.Targets, t)
		}
	}
	res.OK = err == nil
	if err != nil {
		res.Error = err.Error()
	}
	if len(rows) > 0 {
		fmt.Println()
		printTable(os.Stdout, rows, res.Targets)
	}
	if len(res.Requests) > 0 {
		printRequests(os.Stdout, b.reqWL, opts.reqM, res.Requests)
	}
	if len(res.Verify) > 0 {
		printVerify(os.Stdout, b.verifyWL, opts.verifyM, res.Verify)
	}
	if len(res.Diff) > 0 {
		printDiff(os.Stdout, b.diffWL, opts.diffM, res.Diff)
	}
	if !opts.keep {
		for _, d := range []string{b.srcDir, b.dstDir, b.emuDir, filepath.Join(b.work, "tmp")} {
			_ = os.RemoveAll(d)
		}
	}
	if werr := writeJSON(opts.jsonPath, res); werr != nil {
		fmt.Fprintln(os.Stderr, "bench: write results:", werr)
		return 1
	}
	fmt.Printf("\nresults: %s\nlogs: %s\n", opts.jsonPath, b.logDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "\nbench: FAILED:", err)
		return 1
	}
	return 0
}

// setUp finds the programs and prepares the work directory.
func setUp(ctx context.Context, o *options) (*bench, error) {
	b := &bench{ctx: ctx, opts: o}
	if err := b.findPrograms(); err != nil {
		return nil, err
	}
	b.hdfsUser = os.Getenv("HADOOP_USER_NAME") // as jetcp picks it (fs/hdfs UserFrom)
	if b.hdfsUser == "" {
		if u, err := user.Current(); err == nil {
			b.hdfsUser = u.Username
		} else {
			b.hdfsUser = "root"
		}
	}
	work, why := chooseWorkDir(o.dir, o.needBytes())
	if why != "" {
		fmt.Fprintln(os.Stderr, "bench: warning:", why)
	}
	if err := claimWorkDir(work); err != nil {
		return nil, err
	}
	if err := b.makeDirs(work); err != nil {
		return nil, err
	}
	return b, nil
}

// findPrograms locates lister and the emulators the selected workloads
// need, and rclone where it runs.
func (b *bench) findPrograms() error {
	o := b.opts
	if o.binDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		o.binDir = filepath.Dir(exe)
	}
	b.lister = filepath.Join(o.binDir, "lister")
	b.hdfsEmu = filepath.Join(o.binDir, "hdfs-emulator")
	b.cosEmu = filepath.Join(o.binDir, "cos-emulator")
	need := []string{b.lister}
	if o.selected(wlHDFS) || o.selected(wlReq) || o.selected(wlDiff) {
		need = append(need, b.hdfsEmu)
	}
	if o.selected(wlCOS) || o.selected(wlReq) || o.selected(wlVerify) || o.selected(wlDiff) {
		need = append(need, b.cosEmu)
	}
	for _, p := range need {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s not found: build the programs first (go tool task build), or give -bin DIR", p)
		}
	}
	if o.selected(wlLarge) || o.selected(wlSmall) || o.selected(wlNoop) || o.selected(wlHDFS) {
		if _, err := exec.LookPath("rclone"); err != nil {
			return errors.New("rclone not found in PATH: apt-get install -y rclone (go tool task bench installs it)")
		}
	}
	return nil
}

// makeDirs empties and makes the work directory's parts, and jetcp's
// TMPDIR.
func (b *bench) makeDirs(work string) error {
	o := b.opts
	b.work = work
	b.srcDir, b.dstDir = filepath.Join(work, "src"), filepath.Join(work, "dst")
	b.emuDir, b.logDir = filepath.Join(work, "emu"), filepath.Join(work, "logs")
	b.confDir = filepath.Join(work, "conf")
	for _, d := range []string{b.srcDir, b.dstDir, b.emuDir, b.logDir, b.confDir, filepath.Join(work, "tmp")} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	// An empty Hadoop configuration directory: nothing of this machine's
	// Hadoop set-up (Kerberos, fs.defaultFS) leaks into the runs.
	for _, d := range []string{b.srcDir, b.dstDir, b.emuDir, b.logDir, filepath.Join(b.confDir, "hadoop")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(b.rcloneConf(), []byte("# rclone configuration of jetcp's bench: no remotes\n"), 0o644); err != nil {
		return err
	}
	switch o.jetcpTmp {
	case "work":
		o.jetcpTmp = filepath.Join(work, "tmp")
	case "inherit":
		o.jetcpTmp = ""
	}
	if o.jetcpTmp != "" {
		return os.MkdirAll(o.jetcpTmp, 0o755)
	}
	return nil
}

// claimWorkDir creates dir, or accepts it when empty or used by bench
// before (it has the marker file): bench deletes its subdirectories. The
// marker stays locked (flock) while this process runs, so that a second
// bench cannot delete the first one's files from under it.
func claimWorkDir(dir string) error {
	const marker = ".jetcp-bench"
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return fmt.Errorf("work directory %s is not empty and was not made by bench (no %s): give an empty or new -dir", dir, marker)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, marker), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner, _ := os.ReadFile(f.Name())
		f.Close()
		return fmt.Errorf("work directory %s is in use by another bench run (%s): wait for it, or give another -dir", dir, strings.TrimSpace(string(owner)))
	}
	workDirLock = f // held until exit
	_ = f.Truncate(0)
	_, err = fmt.Fprintf(f, "pid %d, since %s\n", os.Getpid(), time.Now().Format(time.RFC3339))
	return err
}

var workDirLock *os.File

func (b *bench) rcloneConf() string { return filepath.Join(b.confDir, "rclone.conf") }

func (b *bench) rcloneEnv() []string { return []string{"RCLONE_CONFIG=" + b.rcloneConf()} }

// hdfsRcloneConf writes an rclone configuration with the remote
// "hdfsemu" on the emulator at addr, as the HDFS user jetcp uses. (The
// on-the-fly form needs the address quoted, for its colon:
// :hdfs,namenode='127.0.0.1:PORT',username=USER:/path.)
func (b *bench) hdfsRcloneConf(addr string) string {
	p := filepath.Join(b.confDir, "rclone-hdfs-"+strings.ReplaceAll(addr, ":", "-")+".conf")
	conf := fmt.Sprintf("[hdfsemu]\ntype = hdfs\nnamenode = %s\nusername = %s\n", addr, b.hdfsUser)
	_ = os.WriteFile(p, []byte(conf), 0o644)
	return p
}

// jetcpEnv pins what jetcp reads from the environment.
func (b *bench) jetcpEnv() []string {
	env := []string{"HADOOP_USER_NAME=" + b.hdfsUser, "HADOOP_CONF_DIR=" + filepath.Join(b.confDir, "hadoop")}
	if b.opts.jetcpTmp != "" {
		env = append(env, "TMPDIR="+b.opts.jetcpTmp)
	}
	return env
}

func (o *options) config(b *bench) map[string]any {
	return map[string]any{
		"runs": o.runs, "warmup": o.warmup, "only": o.only, "quick": o.quick,
		"large_files": o.largeFiles, "large_mib": o.largeMiB,
		"small_files": o.smallFiles, "small_kib": o.smallKiB,
		"hdfs_files": o.hdfsFiles, "hdfs_mib": o.hdfsMiB, "hdfs_m": o.hdfsM, "hdfs_block_size": o.hdfsBlock, "hdfs_user": b.hdfsUser,
		"cos_files": o.cosFiles, "cos_kib": o.cosKiB, "cos_latency": o.cosLatency.String(), "cos_m": o.cosM,
		"req_files": o.reqFiles, "req_kib": o.reqKiB, "req_dirs": o.reqDirs, "req_m": o.reqM,
		"verify_files": o.verifyFiles, "verify_kib": o.verifyKiB, "verify_m": o.verifyM,
		"diff_files": o.diffFiles, "diff_kib": o.diffKiB, "diff_m": o.diffM,
		"bin": o.binDir, "jetcp_tmpdir": o.jetcpTmp,
	}
}

// runAll generates the sources the selected workloads need, then measures
// each workload in turn. It returns the rows measured so far with the
// first error.
func (b *bench) runAll(res *results) ([]*row, error) {
	o := b.opts
	gen := func(name string, files []genFile, shape string) (*workload, error) {
		start := time.Now()
		w, err := generate(name, filepath.Join(b.srcDir, name), files)
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "bench: generated %s: %s, %d files, %s, in %.1fs\n", name, shape, w.files, fmtBytes(w.bytes), time.Since(start).Seconds())
		res.Workloads = append(res.Workloads, workloadInfo{Name: name, Files: w.files, Dirs: w.dirs, Bytes: w.bytes, Shape: shape})
		return w, nil
	}
	var large, small, hdfs, cos *workload
	var err error
	if o.selected(wlLarge) {
		if large, err = gen(wlLarge, flatLayout(o.largeFiles, int64(o.largeMiB)<<20),
			fmt.Sprintf("%d x %d MiB", o.largeFiles, o.largeMiB)); err != nil {
			return nil, err
		}
	}
	if o.selected(wlSmall) || o.selected(wlNoop) {
		if small, err = gen(wlSmall, nestedLayout(o.smallFiles, 20, int64(o.smallKiB)<<10),
			fmt.Sprintf("%d x %d KiB in 20x20 directories", o.smallFiles, o.smallKiB)); err != nil {
			return nil, err
		}
	}
	if o.selected(wlHDFS) {
		if hdfs, err = gen(wlHDFS, nestedLayout(o.hdfsFiles, 4, int64(o.hdfsMiB)<<20),
			fmt.Sprintf("%d x %d MiB in 4x4 directories", o.hdfsFiles, o.hdfsMiB)); err != nil {
			return nil, err
		}
	}
	if o.selected(wlCOS) {
		if cos, err = gen("cos", nestedLayout(o.cosFiles, 4, int64(o.cosKiB)<<10),
			fmt.Sprintf("%d x %d KiB in 4x4 directories", o.cosFiles, o.cosKiB)); err != nil {
			return nil, err
		}
	}

	var rows []*row
	for _, s := range []struct {
		name  string
		w     *workload
		suite func(*workload) []contender
	}{
		{wlLarge, large, b.largeSuite},
		{wlSmall, small, b.smallSuite},
		{wlNoop, small, b.noopSuite},
		{wlHDFS, hdfs, b.hdfsSuite},
		{wlCOS, cos, b.cosSuite},
	} {
		if !o.selected(s.name) {
			continue
		}
		if err := b.ctx.Err(); err != nil {
			return rows, errors.New("interrupted")
		}
		warm := o.warmup
		if s.name == wlCOS {
			warm = 0
		}
		rs, err := b.measure(s.name, s.w, s.suite(s.w), warm)
		if err != nil {
			return rows, err
		}
		rows = append(rows, rs...)
		if s.name == wlSmall {
			b.smallDone = true
		}
	}
	return rows, b.runCounted(res)
}

// runCounted runs the selected workloads that count requests as well as
// time (requests, cos-verify, snapshot-diff), into res.
func (b *bench) runCounted(res *results) error {
	for _, w := range []struct {
		name string
		run  func(*results) error
	}{{wlReq, b.runRequests}, {wlVerify, b.runVerify}, {wlDiff, b.runDiff}} {
		if !b.opts.selected(w.name) {
			continue
		}
		if err := w.run(res); err != nil {
			return err
		}
	}
	return nil
}

// runRequests generates the requests workload and counts what copying it
// costs in requests (requests.go), into res.
func (b *bench) runRequests(res *results) error {
	o := b.opts
	shape := fmt.Sprintf("%d x %d KiB in %d directories", o.reqFiles, o.reqKiB, o.reqDirs)
	w, err := generate(wlReq, filepath.Join(b.srcDir, wlReq), reqLayout(o.reqFiles, o.reqDirs, int64(o.reqKiB)<<10))
	if err != nil {
		return fmt.Errorf("generate %s: %w", wlReq, err)
	}
	res.Workloads = append(res.Workloads, workloadInfo{Name: wlReq, Files: w.files, Dirs: w.dirs, Bytes: w.bytes, Shape: shape})
	fmt.Fprintf(os.Stderr, "bench: counting requests: %s\n", shape)
	res.Requests, err = b.requests(w)
	b.reqWL = w
	return err
}

// defaultWorkloads are those run without -only: all but snapshot-diff,
// which at its default 200,000 files takes most of an hour on a small
// machine (one full copy to the COS emulator) and is asked for by name.
func defaultWorkloads() []string {
	return slices.DeleteFunc(slices.Clone(workloadNames), func(w string) bool { return w == wlDiff })
}
