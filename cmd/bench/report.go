package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// This file turns timings into rows, evaluates issue #6's targets, prints
// the table and writes the JSON.

// Workload names, as -only takes them, in the order they run.
const (
	wlLarge = "large"
	wlSmall = "small"
	wlNoop  = "noop-update"
	wlHDFS  = "hdfs"
	wlCOS   = "cos-scaling"
	wlReq   = "requests"
)

var workloadNames = []string{wlLarge, wlSmall, wlNoop, wlHDFS, wlCOS, wlReq, wlVerify, wlDiff}

// sample is one timed run.
type sample struct {
	WallS     float64 `json:"wall_s"`
	CPUS      float64 `json:"cpu_s"`
	MaxRSSMiB float64 `json:"max_rss_mib"`
	// CPU time the rest of the machine (not the command, not its
	// emulator) used during the run, and that as a fraction of all CPUs.
	OtherCPUS float64 `json:"other_cpu_s"`
	OtherLoad float64 `json:"other_load"`
}

// row is one tool on one workload: its runs and what they add up to.
type row struct {
	Workload string   `json:"workload"`
	Tool     string   `json:"tool"`
	Command  string   `json:"command"`
	Files    int64    `json:"files"`
	Bytes    int64    `json:"bytes"`
	Runs     []sample `json:"runs"`

	MedianWallS float64  `json:"median_wall_s"`
	MedianCPUS  float64  `json:"median_cpu_s"`
	MBPerS      float64  `json:"mb_per_s"` // 10^6 bytes of the workload per second of median wall time
	FilesPerS   float64  `json:"files_per_s"`
	PeakRSSMiB  float64  `json:"peak_rss_mib"`              // the highest of the runs
	OtherLoad   float64  `json:"max_other_load"`            // the highest of the runs
	VsCP        *float64 `json:"jetcp_vs_cp,omitempty"`     // wall-time ratio jetcp/cp, on jetcp rows
	VsRclone    *float64 `json:"jetcp_vs_rclone,omitempty"` // wall-time ratio jetcp/rclone, on jetcp rows
	VsM1        *float64 `json:"throughput_vs_m1,omitempty"`
}

// summarize fills the medians, rates and peak from the runs.
func (r *row) summarize() {
	var walls, cpus []float64
	r.PeakRSSMiB, r.OtherLoad = 0, 0
	for _, s := range r.Runs {
		walls = append(walls, s.WallS)
		cpus = append(cpus, s.CPUS)
		r.PeakRSSMiB = max(r.PeakRSSMiB, s.MaxRSSMiB)
		r.OtherLoad = max(r.OtherLoad, s.OtherLoad)
	}
	r.MedianWallS, r.MedianCPUS = median(walls), median(cpus)
	if r.MedianWallS > 0 {
		r.MBPerS = float64(r.Bytes) / 1e6 / r.MedianWallS
		r.FilesPerS = float64(r.Files) / r.MedianWallS
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func isJetcp(tool string) bool { return tool == "jetcp" || strings.HasPrefix(tool, "jetcp ") }

// findRow is the row of tool on workload, or nil.
func findRow(rows []*row, workload, tool string) *row {
	for _, r := range rows {
		if r.Workload == workload && r.Tool == tool && r.MedianWallS > 0 {
			return r
		}
	}
	return nil
}

// cosTool is the row label of jetcp at -m m on the COS workload.
func cosTool(m int) string { return fmt.Sprintf("jetcp -m %d", m) }

// compare sets the jetcp rows' ratios to cp and rclone on the same
// workload, and the COS rows' throughput relative to -m 1.
func compare(rows []*row) {
	ratio := func(a, b float64) *float64 { v := a / b; return &v }
	for _, r := range rows {
		if !isJetcp(r.Tool) || r.MedianWallS == 0 {
			continue
		}
		if cp := findRow(rows, r.Workload, "cp"); cp != nil {
			r.VsCP = ratio(r.MedianWallS, cp.MedianWallS)
		}
		if rc := findRow(rows, r.Workload, "rclone"); rc != nil {
			r.VsRclone = ratio(r.MedianWallS, rc.MedianWallS)
		}
		if m1 := findRow(rows, r.Workload, cosTool(1)); m1 != nil && r.Workload == wlCOS {
			r.VsM1 = ratio(m1.MedianWallS, r.MedianWallS)
		}
	}
}

// target is one of issue #6's goals and whether this run met it.
type target struct {
	Workload string `json:"workload"`
	Goal     string `json:"goal"`
	Status   string `json:"status"` // "met", "not met", "not run"
	Detail   string `json:"detail"`
}

// goal is one of issue #6's targets: the rows it needs (by tool) and the test.
type goal struct {
	workload, text string
	tools          []string
	met            func(rs []*row) (bool, string)
}

// wallRatio describes a/b as wall times: "jetcp 1.20s / cp 1.00s = 1.20x".
func wallRatio(a, b *row) string {
	return fmt.Sprintf("%s %.2fs / %s %.2fs = %.2fx", a.Tool, a.MedianWallS, b.Tool, b.MedianWallS, a.MedianWallS/b.MedianWallS)
}

var goals = []goal{
	{wlLarge, "jetcp <= 1.2 x cp", []string{"jetcp", "cp"}, func(rs []*row) (bool, string) {
		return rs[0].MedianWallS <= 1.2*rs[1].MedianWallS, wallRatio(rs[0], rs[1])
	}},
	{wlSmall, "jetcp < rclone and jetcp <= 3 x cp", []string{"jetcp", "rclone", "cp"}, func(rs []*row) (bool, string) {
		j, rc, cp := rs[0], rs[1], rs[2]
		return j.MedianWallS < rc.MedianWallS && j.MedianWallS <= 3*cp.MedianWallS, wallRatio(j, rc) + "; " + wallRatio(j, cp)
	}},
	{wlNoop, "jetcp < rclone", []string{"jetcp", "rclone"}, func(rs []*row) (bool, string) {
		return rs[0].MedianWallS < rs[1].MedianWallS, wallRatio(rs[0], rs[1])
	}},
	{wlHDFS, "jetcp <= rclone", []string{"jetcp", "rclone"}, func(rs []*row) (bool, string) {
		return rs[0].MedianWallS <= rs[1].MedianWallS, wallRatio(rs[0], rs[1])
	}},
	{wlCOS, "throughput at -m 16 >= 10 x at -m 1", []string{cosTool(16), cosTool(1)}, func(rs []*row) (bool, string) {
		m16, m1 := rs[0], rs[1]
		return m1.MedianWallS >= 10*m16.MedianWallS,
			fmt.Sprintf("%.1f MB/s / %.1f MB/s = %.2fx", m16.MBPerS, m1.MBPerS, m1.MedianWallS/m16.MedianWallS)
	}},
}

// evaluate checks the goals against rows that compare has filled; a goal
// whose rows are missing (-only) is "not run".
func evaluate(rows []*row) []target {
	var out []target
	for _, g := range goals {
		t := target{Workload: g.workload, Goal: g.text}
		var rs []*row
		for _, tool := range g.tools {
			if r := findRow(rows, g.workload, tool); r != nil {
				rs = append(rs, r)
			} else {
				t.Status, t.Detail = "not run", "no "+tool+" timing"
				break
			}
		}
		if t.Status == "" {
			ok, detail := g.met(rs)
			t.Status, t.Detail = "not met", detail
			if ok {
				t.Status = "met"
			}
		}
		out = append(out, t)
	}
	return out
}

// noisyLoad is the share of the CPUs other processes may take during a run
// before the table warns that its timings are not to be trusted.
const noisyLoad = 0.10

// printTable writes the rows and the targets as aligned text.
func printTable(w io.Writer, rows []*row, targets []target) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\ttool\truns\twall s\tMB/s\tfiles/s\tCPU s\tpeak RSS MiB\tjetcp/cp\tjetcp/rclone\tvs -m 1\tother load\t")
	var noisy []string
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.1f\t%.0f\t%.2f\t%.1f\t%s\t%s\t%s\t%.0f%%\t\n",
			r.Workload, r.Tool, len(r.Runs), r.MedianWallS, r.MBPerS, r.FilesPerS, r.MedianCPUS, r.PeakRSSMiB,
			fmtRatio(r.VsCP), fmtRatio(r.VsRclone), fmtRatio(r.VsM1), 100*r.OtherLoad)
		if r.OtherLoad > noisyLoad {
			noisy = append(noisy, r.Workload+"/"+r.Tool)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "(wall s, CPU s: medians; MB/s, files/s: of the median; peak RSS: the highest run; ratios: of median wall times;")
	fmt.Fprintln(w, " other load: the most the rest of the machine used of all CPUs during one run)")
	if len(noisy) > 0 {
		fmt.Fprintf(w, "WARNING: other processes used more than %.0f%% of the CPUs during runs of %s: those timings are unreliable\n",
			100*noisyLoad, strings.Join(noisy, ", "))
	}
	if len(targets) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, t := range targets {
			fmt.Fprintf(tw, "target\t%s:\t%s\t%s\t(%s)\n", t.Workload, t.Goal, strings.ToUpper(t.Status), t.Detail)
		}
		tw.Flush()
	}
}

func fmtRatio(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.2fx", *p)
}

// workloadInfo describes a generated tree in the JSON.
type workloadInfo struct {
	Name  string `json:"name"`
	Files int64  `json:"files"`
	Dirs  int    `json:"dirs"`
	Bytes int64  `json:"bytes"`
	Shape string `json:"shape"`
}

// results is the JSON document.
type results struct {
	OK        bool           `json:"ok"`
	Error     string         `json:"error,omitempty"`
	Machine   machineInfo    `json:"machine"`
	Config    map[string]any `json:"config"`
	Workloads []workloadInfo `json:"workloads"`
	Rows      []*row         `json:"results"`
	Targets   []target       `json:"targets"`
	// Requests is the requests table: requests per file by kind.
	Requests []reqRow `json:"requests,omitempty"`
	// Verify is the cos-verify workload's copy and verify.
	Verify []verifyRow `json:"cos_verify,omitempty"`
	// Diff is the snapshot-diff workload's two catch-ups.
	Diff []diffRow `json:"snapshot_diff,omitempty"`
}

func writeJSON(path string, res *results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
