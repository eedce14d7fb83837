package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// This file is the cos-verify workload (issue #18): a tree of small files
// copied to a COS emulator by jetcp, then proven by lister verify, which
// must download nothing (no GET): the wall time of each and what each cost
// COS per file, by kind.

const wlVerify = "cos-verify"

// verifyRow is one command of the cos-verify workload.
type verifyRow struct {
	Run     string             `json:"run"` // "copy" or "verify"
	Files   int64              `json:"files"`
	Dirs    int                `json:"dirs"`
	WallS   float64            `json:"wall_s"`
	CPUS    float64            `json:"cpu_s"`
	FilesPS float64            `json:"files_per_s"`
	Gets    int64              `json:"cos_gets"`
	ByKind  map[string]int64   `json:"cos_requests"`
	PerKind map[string]float64 `json:"cos_requests_per_file"`
	// Proofs are verify's proofs (entries per proof), from its report.
	Proofs  map[string]int64 `json:"proofs,omitempty"`
	Command string           `json:"command"`
}

// verifyLayout is the small workload's shape: n files of size over 20x20
// directories.
func verifyLayout(n int, size int64) []genFile { return nestedLayout(n, 20, size) }

// cosVerify copies w to a fresh COS emulator with jetcp, then runs lister
// verify on it, timing both and counting COS's requests. The verify must
// find every entry the same, with no GET.
func (b *bench) cosVerify(w *workload) ([]verifyRow, error) {
	cos, env, err := b.startCOS("verify-cos", "cos-verify.cos-emulator.log")
	if err != nil {
		return nil, err
	}
	defer func() { _ = cos.stop() }()
	dst := "cosn://" + benchBucket + "/verify"
	m := fmt.Sprint(b.opts.verifyM)
	copyReport := filepath.Join(b.logDir, "cos-verify.copy.report.json")
	verifyReport := filepath.Join(b.logDir, "cos-verify.verify.report.json")
	var rows []verifyRow
	for _, run := range []struct {
		name string
		argv []string
	}{
		{"copy", []string{b.lister, "--no-progress", "-m", m, "--report-json", copyReport, w.src, dst}},
		{"verify", []string{b.lister, "verify", "--no-progress", "-m", m, "-update", "--report-json", verifyReport, w.src, dst}},
	} {
		before, err := cosStats(cos)
		if err != nil {
			return rows, err
		}
		out, err := timed(b.ctx, b.opts.timeout, run.argv, env, filepath.Join(b.logDir, "cos-verify."+run.name+".log"))
		if err != nil {
			return rows, fmt.Errorf("%s, %s: %w", wlVerify, run.name, err)
		}
		after, err := cosStats(cos)
		if err != nil {
			return rows, err
		}
		rows = append(rows, newVerifyRow(run.name, w, out, after.sub(before), shellJoin(run.argv)))
	}
	if err := checkReport(copyReport, w.files, w.bytes, 0); err != nil {
		return rows, fmt.Errorf("%s, copy: %w", wlVerify, err)
	}
	proofs, err := checkVerifyReport(verifyReport, w.files+int64(w.dirs)+1)
	rows[1].Proofs = proofs
	if err != nil {
		return rows, fmt.Errorf("%s, verify: %w", wlVerify, err)
	}
	if rows[1].Gets != 0 {
		return rows, fmt.Errorf("%s: verify downloaded %d objects from COS (GET); it must read none", wlVerify, rows[1].Gets)
	}
	return rows, nil
}

func newVerifyRow(run string, w *workload, out *outcome, by emuStats, cmd string) verifyRow {
	r := verifyRow{Run: run, Files: w.files, Dirs: w.dirs, WallS: out.wall.Seconds(), CPUS: out.cpu.Seconds(),
		Gets: by["get"], ByKind: by, PerKind: map[string]float64{}, Command: cmd}
	r.FilesPS = float64(w.files) / max(out.wall.Seconds(), 1e-9)
	for k, v := range by {
		r.PerKind[k] = float64(v) / float64(w.files)
	}
	return r
}

// checkVerifyReport checks lister verify's report: every one of entries
// (files, directories and the root) the same. It returns the proofs.
func checkVerifyReport(path string, entries int64) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep struct {
		State  string `json:"state"`
		Verify struct {
			Categories map[string]struct {
				Entries int64 `json:"entries"`
			} `json:"categories"`
			Proofs map[string]int64 `json:"proofs"`
		} `json:"verify"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, err
	}
	if same := rep.Verify.Categories["same"].Entries; rep.State != "succeeded" || same != entries || len(rep.Verify.Categories) != 1 {
		return rep.Verify.Proofs, fmt.Errorf("state %s, categories %v: want all %d entries the same", rep.State, rep.Verify.Categories, entries)
	}
	return rep.Verify.Proofs, nil
}

// printVerify writes the cos-verify table.
func printVerify(out io.Writer, w *workload, m int, rows []verifyRow) {
	fmt.Fprintf(out, "\ncos-verify (%d files of %s in %d directories to the COS emulator, jetcp -m %d; COS requests per file by kind):\n",
		w.files, fmtBytes(w.bytes/max(w.files, 1)), w.dirs, m)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\twall s\tfiles/s\tCPU s\tCOS GETs\trequests per file\tproofs")
	for _, r := range rows {
		var proofs []string
		for k, n := range r.Proofs {
			proofs = append(proofs, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(proofs)
		fmt.Fprintf(tw, "%s\t%.3f\t%.0f\t%.2f\t%d\t%s\t%s\n", r.Run, r.WallS, r.FilesPS, r.CPUS, r.Gets,
			kindsText(r.ByKind, r.PerKind), strings.Join(proofs, ", "))
	}
	tw.Flush()
}

// runVerify generates the cos-verify tree and measures it, into res.
func (b *bench) runVerify(res *results) error {
	o := b.opts
	shape := fmt.Sprintf("%d x %d KiB in 20x20 directories", o.verifyFiles, o.verifyKiB)
	start := time.Now()
	w, err := generate(wlVerify, filepath.Join(b.srcDir, wlVerify), verifyLayout(o.verifyFiles, int64(o.verifyKiB)<<10))
	if err != nil {
		return fmt.Errorf("generate %s: %w", wlVerify, err)
	}
	fmt.Fprintf(os.Stderr, "bench: generated %s: %s in %.1fs; copying to COS and verifying\n", wlVerify, shape, time.Since(start).Seconds())
	res.Workloads = append(res.Workloads, workloadInfo{Name: wlVerify, Files: w.files, Dirs: w.dirs, Bytes: w.bytes, Shape: shape})
	res.Verify, err = b.cosVerify(w)
	b.verifyWL = w
	return err
}
