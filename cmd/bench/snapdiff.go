package main

import (
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	hdfsclient "github.com/colinmarc/hdfs/v2"

	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// This file is the snapshot-diff workload (issue #19): a tree on the HDFS
// emulator (seeded straight into its namespace) is snapshotted (s1) and
// copied to COS; then 0.5% of its files change (a third rewritten, a third
// deleted, a third added) and one leaf directory is renamed, and a second
// snapshot (s2) is taken. The target is caught up by -update -diff s1 s2
// (the difference report, the changed paths only, the rename as
// server-side copies); then another 0.5% change the same way (s3) and it
// is caught up by -update -delete from s3 (every file listed and compared
// on both sides). Each is timed, with the requests it costs the NameNode
// and COS.

const wlDiff = "snapshot-diff"

// diffRow is one catch-up of the snapshot-diff workload.
type diffRow struct {
	Run      string           `json:"run"`
	Files    int64            `json:"files"`
	Changed  int              `json:"changed"`
	WallS    float64          `json:"wall_s"`
	CPUS     float64          `json:"cpu_s"`
	NameNode int64            `json:"namenode_rpcs"`
	COS      int64            `json:"cos_requests"`
	ByKind   map[string]int64 `json:"requests"` // "hdfs:getListing", "cos:copy", ...
	Command  string           `json:"command"`
}

// diffChanges changes the tree at /src through a plain HDFS client, as a
// user would between two snapshots, and returns how many files changed.
// Round 0 changes every 200th file and renames d00/d00; round 1 the files
// halfway between (named as after round 0) and renames d01/d00.
func diffChanges(addr, user string, w *workload, round int) (int, error) {
	cl, err := hdfsclient.NewClient(hdfsclient.ClientOptions{Addresses: []string{addr}, User: user})
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	files := make([]string, 0, len(w.want))
	for rel, e := range w.want {
		if !e.dir {
			files = append(files, rel)
		}
	}
	sort.Strings(files)
	n := max(len(files)/200, 3) // 0.5%
	step := len(files) / n
	body := []byte("changed between the snapshots\n")
	for i := range n {
		rel := files[i*step+round*step/2]
		if round > 0 {
			if r, ok := strings.CutPrefix(rel, "d00/d00/"); ok {
				rel = "d00/renamed/" + r
			}
		}
		p := "/src/" + rel
		switch i % 3 {
		case 0: // rewritten
			if err := cl.Remove(p); err != nil {
				return 0, err
			}
			if err := putHDFS(cl, p, body); err != nil {
				return 0, err
			}
		case 1:
			if err := cl.Remove(p); err != nil {
				return 0, err
			}
		default:
			if err := putHDFS(cl, p+".new", body); err != nil {
				return 0, err
			}
		}
	}
	// One leaf directory renamed (d00/d00 when nothing of it changed: the
	// changed files are spread evenly, so some are usually in it; that is
	// fine, the report names them below the rename).
	dir := fmt.Sprintf("/src/d%02d/d00", round)
	if err := cl.Rename(dir, path.Dir(dir)+"/renamed"); err != nil {
		return 0, err
	}
	return n, nil
}

func putHDFS(cl *hdfsclient.Client, p string, b []byte) error {
	f, err := cl.Create(p)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Close()
}

// snapshotDiff measures the workload on w (see the file comment).
func (b *bench) snapshotDiff(w *workload) ([]diffRow, error) {
	cos, env, err := b.startCOS("diff-cos", "snapshot-diff.cos-emulator.log")
	if err != nil {
		return nil, err
	}
	defer func() { _ = cos.stop() }()
	// In process and in memory, seeded straight into its namespace
	// (hdfsemu SeedFile): through a client, 200,000 files took more than
	// 13 minutes. The copies and catch-ups measured still go over the
	// NameNode and DataNode protocols.
	hdfs, err := hdfsemu.Start(hdfsemu.Options{Superuser: b.hdfsUser}, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%s: start the HDFS emulator: %w", wlDiff, err)
	}
	defer func() { _ = hdfs.Close() }()
	src := "hdfs://" + hdfs.Addr() + "/src"
	target := "cosn://" + benchBucket + "/t"
	m := fmt.Sprint(b.opts.diffM)
	step := func(name string, argv ...string) (*outcome, error) {
		argv = append([]string{b.lister, "--no-progress", "-m", m}, argv...)
		out, err := timed(b.ctx, b.opts.timeout, argv, env, filepath.Join(b.logDir, "snapshot-diff."+name+".log"))
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", wlDiff, name, err)
		}
		return out, nil
	}
	snapshot := func(name string) error {
		if err := hdfs.Snapshot("/src", name); err != nil {
			return fmt.Errorf("%s: %w", wlDiff, err)
		}
		return nil
	}
	start := time.Now()
	if err := seedHDFS(hdfs, w.src, "/src"); err != nil {
		return nil, fmt.Errorf("%s: seed the HDFS emulator: %w", wlDiff, err)
	}
	fmt.Fprintf(os.Stderr, "bench: %s: %d files seeded into the HDFS emulator in %.1fs\n", wlDiff, w.files, time.Since(start).Seconds())
	if err := snapshot("s1"); err != nil {
		return nil, err
	}
	// One copy of s1 (at 200,000 files it takes most of the run), then
	// each catch-up in turn on the same target, each after a round of
	// changes of the same size and kinds: -diff s1 s2 on the target as
	// the s1 copy left it, then -update -delete from s3, whose manifest
	// (the diff job's) records sources in s2, not s3, as the s1 copy's
	// would: every file is compared, as in a catch-up from s1.
	if _, err := step("copy-s1", "-update", src+"/.snapshot/s1", target); err != nil {
		return nil, err
	}
	var rows []diffRow
	for round, run := range []struct{ name, label, snap string }{
		{"diff", "-update -diff s1 s2", "s2"}, {"update", "-update -delete from s3", "s3"}} {
		changed, err := diffChanges(hdfs.Addr(), b.hdfsUser, w, round)
		if err != nil {
			return rows, fmt.Errorf("%s: change the tree: %w", wlDiff, err)
		}
		if err := snapshot(run.snap); err != nil {
			return rows, err
		}
		argv := []string{"-update", "-diff", "s1", "s2", src, target}
		if run.name == "update" {
			argv = []string{"-update", "-delete", src + "/.snapshot/s3", target}
		}
		nn0 := inProcessStats(hdfs)
		cos0, err := cosStats(cos)
		if err != nil {
			return rows, err
		}
		out, err := step(run.name, argv...)
		if err != nil {
			return rows, err
		}
		nn1 := inProcessStats(hdfs)
		cos1, err := cosStats(cos)
		if err != nil {
			return rows, err
		}
		rows = append(rows, newDiffRow(run.label, w, changed, out, nn1.sub(nn0), cos1.sub(cos0), shellJoin(argv)))
	}
	slices.Reverse(rows) // -update first, as the table always had it
	return rows, nil
}

// seedHDFS puts the local tree at dir into the emulator at root, with no
// RPC (hdfsemu SeedDir, SeedFile).
func seedHDFS(c *hdfsemu.Cluster, dir, root string) error {
	return filepath.WalkDir(dir, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		at := path.Join(root, filepath.ToSlash(rel))
		if d.IsDir() {
			return c.SeedDir(at)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return c.SeedFile(at, data)
	})
}

// inProcessStats is what hdfsStats reads over HTTP, of an emulator in
// this process.
func inProcessStats(c *hdfsemu.Cluster) emuStats {
	st := c.Stats()
	m := emuStats{}
	for k, v := range st.NameNode {
		m[k] = v
	}
	for k, v := range st.DataNode {
		m[k] = v
	}
	return m
}

func newDiffRow(run string, w *workload, changed int, out *outcome, nn, cos emuStats, cmd string) diffRow {
	r := diffRow{Run: run, Files: w.files, Changed: changed, WallS: out.wall.Seconds(), CPUS: out.cpu.Seconds(),
		ByKind: map[string]int64{}, Command: "lister " + cmd}
	for k, v := range nn {
		if len(k) > 0 && k[0] >= 'a' && k[0] <= 'z' { // NameNode RPCs; DataNode operations are upper case
			r.NameNode += v
		}
		r.ByKind["hdfs:"+k] = v
	}
	for k, v := range cos {
		r.COS += v
		r.ByKind["cos:"+k] = v
	}
	return r
}

// printDiff writes the snapshot-diff table.
func printDiff(out io.Writer, w *workload, m int, rows []diffRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(out, "\nsnapshot-diff (HDFS emulator -> COS emulator, %d files of %s in %d directories, %d changed (0.5%%) and one directory renamed; jetcp -m %d):\n",
		w.files, fmtBytes(w.bytes/max(w.files, 1)), w.dirs, rows[0].Changed, m)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "catch-up\twall s\tCPU s\tNameNode RPCs\tCOS requests\tlargest kinds")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%d\t%d\t%s\n", r.Run, r.WallS, r.CPUS, r.NameNode, r.COS, topKinds(r.ByKind, 5))
	}
	tw.Flush()
}

// topKinds is "kind n, ..." for the n most frequent kinds.
func topKinds(by map[string]int64, n int) string {
	var keys []string
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.SliceStable(keys, func(i, j int) bool { return by[keys[i]] > by[keys[j]] })
	s := ""
	for i, k := range keys {
		if i == n {
			break
		}
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, by[k])
	}
	return s
}

// runDiff generates the snapshot-diff tree and measures it, into res.
func (b *bench) runDiff(res *results) error {
	o := b.opts
	shape := fmt.Sprintf("%d x %d KiB in 20x20 directories", o.diffFiles, o.diffKiB)
	start := time.Now()
	w, err := generate(wlDiff, filepath.Join(b.srcDir, wlDiff), nestedLayout(o.diffFiles, 20, int64(o.diffKiB)<<10))
	if err != nil {
		return fmt.Errorf("generate %s: %w", wlDiff, err)
	}
	fmt.Fprintf(os.Stderr, "bench: generated %s: %s in %.1fs; copying to HDFS and COS, then catching up\n", wlDiff, shape, time.Since(start).Seconds())
	res.Workloads = append(res.Workloads, workloadInfo{Name: wlDiff, Files: w.files, Dirs: w.dirs, Bytes: w.bytes, Shape: shape})
	res.Diff, err = b.snapshotDiff(w)
	b.diffWL = w
	return err
}
