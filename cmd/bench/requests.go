package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jetcp/jetcp/internal/emulator/cosemu"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// This file counts the requests jetcp makes per file (issue #17): it
// copies a small tree of new files, then runs the same command again with
// -update on the up-to-date target, in four directions, and reads what
// the emulators served from their stats endpoints. Nothing is timed.

// reqRow is what one command cost one backend, per file.
type reqRow struct {
	Direction string             `json:"direction"` // "local->cos", ...
	Run       string             `json:"run"`       // "new files" or "no-op -update"
	Side      string             `json:"side"`      // "cos" or "hdfs": whose requests
	Files     int64              `json:"files"`
	Dirs      int                `json:"dirs"`
	Total     int64              `json:"total"`
	PerFile   float64            `json:"per_file"`
	ByKind    map[string]int64   `json:"by_kind"`
	PerKind   map[string]float64 `json:"per_file_by_kind"`
	Minimum   float64            `json:"physical_minimum_per_file"`
	MinimumIs string             `json:"physical_minimum"`
	Command   string             `json:"command"`
}

const (
	runNew  = "new files"
	runNoop = "no-op -update"
)

// emuStats reads what an emulator served: COS stats as cosemu.Stats'
// JSON fields, HDFS as RPC names and DataNode operations.
type emuStats map[string]int64

func (s emuStats) sub(old emuStats) emuStats {
	d := emuStats{}
	for k, v := range s {
		if v -= old[k]; v != 0 {
			d[k] = v
		}
	}
	return d
}

func getJSON(url string, v any) error {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func cosStats(e *emulator) (emuStats, error) {
	var st cosemu.Stats
	if err := getJSON(e.url+cosemu.StatsPath, &st); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(st)
	var m emuStats
	_ = json.Unmarshal(b, &m)
	delete(m, "total")
	return m, nil
}

func hdfsStats(e *emulator) (emuStats, error) {
	var st hdfsemu.Stats
	if err := getJSON(e.statsURL, &st); err != nil {
		return nil, err
	}
	m := emuStats{}
	for k, v := range st.NameNode {
		m[k] = v
	}
	for k, v := range st.DataNode {
		m[k] = v
	}
	return m, nil
}

// reqLayout is n files of size spread over dirs directories (dNN/fNNNNN).
func reqLayout(n, dirs int, size int64) []genFile {
	out := make([]genFile, n)
	for i := range out {
		out[i] = genFile{fmt.Sprintf("d%02d/f%05d", i%max(dirs, 1), i), size}
	}
	return out
}

// requests runs the requests table's commands on w against a COS and an
// HDFS emulator started for it, and returns its rows. Targets are new
// directories at the top of the bucket and the HDFS namespace (a missing
// parent would add its own lookups and marker).
func (b *bench) requests(w *workload) ([]reqRow, error) {
	const bucket = benchBucket
	cos, env, err := b.startCOS("req-cos", "requests.cos-emulator.log")
	if err != nil {
		return nil, err
	}
	defer func() { _ = cos.stop() }()
	hdfs, err := startEmulator(b.hdfsEmu, []string{"-superuser", b.hdfsUser, "-stats-addr", "127.0.0.1:0"},
		filepath.Join(b.emuDir, "req-hdfs"), filepath.Join(b.logDir, "requests.hdfs-emulator.log"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = hdfs.stop() }()
	if hdfs.statsURL, err = hdfs.printed("hdfs-emulator stats at "); err != nil {
		return nil, err
	}
	cosURI := func(p string) string { return "cosn://" + bucket + p }
	hdfsURI := func(p string) string { return "hdfs://" + hdfs.addr + p }
	localOut := filepath.Join(b.dstDir, "requests", "cos-local")
	if err := freshDir(localOut); err != nil {
		return nil, err
	}
	dirs := w.dirs + 1 // and the root
	f, d := float64(w.files), float64(dirs)
	type side struct {
		name    string
		stats   func() (emuStats, error)
		min     float64
		minText string
	}
	cosSide := func(newMin bool) side {
		if newMin {
			return side{"cos", func() (emuStats, error) { return cosStats(cos) }, (f + d) / f, "PUT 1 per file + 1 marker per directory"}
		}
		return side{"cos", func() (emuStats, error) { return cosStats(cos) }, d / f, "1 list page per directory"}
	}
	hdfsSide := func(min float64, text string) side {
		return side{"hdfs", func() (emuStats, error) { return hdfsStats(hdfs) }, min, text}
	}
	type direction struct {
		name     string
		src, dst string
		sides    [2][]side // new, noop
	}
	dirsList := []direction{
		{"local->cos", w.src, cosURI("/local-cos"), [2][]side{{cosSide(true)}, {cosSide(false)}}},
		{"local->hdfs", w.src, hdfsURI("/local-hdfs"), [2][]side{
			// A safe copy: written under a temp name, verified by the
			// DataNodes' block checksums, its origin recorded, renamed.
			{hdfsSide((8*f+d)/f, "per file create + addBlock + complete, 1 lookup to verify (status + block locations), setXAttr (origin record), rename2 (temp -> final), WRITE_BLOCK + BLOCK_CHECKSUM; mkdirs 1 per directory")},
			{hdfsSide(d/f, "1 getListing per directory")}}},
		{"hdfs->cos", hdfsURI("/local-hdfs"), cosURI("/hdfs-cos"), [2][]side{
			{hdfsSide((f+d)/f, "getBlockLocations 1 per file (READ_BLOCK 1), getListing 1 per directory"), cosSide(true)},
			{hdfsSide(d/f, "1 getListing per directory"), cosSide(false)}}},
		{"cos->local", cosURI("/local-cos"), localOut, [2][]side{
			{side{"cos", func() (emuStats, error) { return cosStats(cos) }, (f + d) / f, "GET 1 per file + 1 list page per directory"}},
			{cosSide(false)}}},
	}
	var rows []reqRow
	for _, dir := range dirsList {
		for i, run := range []string{runNew, runNoop} {
			argv := []string{b.lister, "--no-progress", "-m", fmt.Sprint(b.opts.reqM)}
			if run == runNoop {
				argv = append(argv, "-update")
			}
			argv = append(argv, dir.src, dir.dst)
			var before []emuStats
			for _, s := range dir.sides[i] {
				st, err := s.stats()
				if err != nil {
					return rows, err
				}
				before = append(before, st)
			}
			logPath := filepath.Join(b.logDir, fmt.Sprintf("requests.%s.%s.log", strings.ReplaceAll(dir.name, "->", "-"), strings.Fields(run)[0]))
			if _, err := timed(b.ctx, b.opts.timeout, argv, env, logPath); err != nil {
				return rows, fmt.Errorf("requests, %s, %s: %w", dir.name, run, err)
			}
			for j, s := range dir.sides[i] {
				st, err := s.stats()
				if err != nil {
					return rows, err
				}
				rows = append(rows, newReqRow(dir.name, run, s.name, w, dirs, st.sub(before[j]), s.min, s.minText, shellJoin(argv)))
			}
		}
	}
	if err := verifyTree(w, localOut); err != nil {
		return rows, fmt.Errorf("requests, cos->local: %w", err)
	}
	return rows, nil
}

func newReqRow(direction, run, side string, w *workload, dirs int, by emuStats, min float64, minText, cmd string) reqRow {
	r := reqRow{Direction: direction, Run: run, Side: side, Files: w.files, Dirs: dirs, ByKind: by,
		PerKind: map[string]float64{}, Minimum: min, MinimumIs: minText, Command: cmd}
	for k, v := range by {
		r.Total += v
		r.PerKind[k] = float64(v) / float64(w.files)
	}
	r.PerFile = float64(r.Total) / float64(w.files)
	return r
}

// printRequests writes the requests table.
func printRequests(out io.Writer, w *workload, m int, rows []reqRow) {
	fmt.Fprintf(out, "\nrequests per file (%d new files of %s in %d directories, jetcp -m %d; by kind, largest first):\n",
		w.files, fmtBytes(w.bytes/max(w.files, 1)), w.dirs, m)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "direction\trun\tside\tper file\tminimum\tby kind\tminimum is")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\n", r.Direction, r.Run, r.Side, r.PerFile, r.Minimum,
			kindsText(r.ByKind, r.PerKind), r.MinimumIs)
	}
	tw.Flush()
}

// kindsText renders requests per file by kind, the most frequent first:
// "put 1.03, head 0.02".
func kindsText(by map[string]int64, per map[string]float64) string {
	kinds := make([]string, 0, len(by))
	for k := range by {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if by[kinds[i]] != by[kinds[j]] {
			return by[kinds[i]] > by[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %.2f", k, per[k])
	}
	return strings.Join(parts, ", ")
}

// printed waits for a line the emulator prints starting with prefix and
// returns the rest of it.
func (e *emulator) printed(prefix string) (string, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(e.logf.Name())
		lines := strings.Split(string(b), "\n")
		for _, l := range lines[:len(lines)-1] { // whole lines only
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				return strings.TrimSpace(rest), nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s did not print %q", e.cmd.Path, prefix)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
