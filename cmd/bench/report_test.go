package main

import (
	"bytes"
	"strings"
	"testing"
)

func mkRow(wl, tool string, walls ...float64) *row {
	r := &row{Workload: wl, Tool: tool, Files: 100, Bytes: 100e6}
	for _, w := range walls {
		r.Runs = append(r.Runs, sample{WallS: w, MaxRSSMiB: w * 10})
	}
	r.summarize()
	return r
}

func TestSummarizeMedianAndPeak(t *testing.T) {
	r := mkRow(wlLarge, "cp", 3, 1, 2)
	if r.MedianWallS != 2 || r.MBPerS != 50 || r.FilesPerS != 50 || r.PeakRSSMiB != 30 {
		t.Fatalf("median %v, MB/s %v, files/s %v, peak %v; want 2, 50, 50, 30", r.MedianWallS, r.MBPerS, r.FilesPerS, r.PeakRSSMiB)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatalf("median of an even count = %v, want 2.5", m)
	}
}

func TestTargets(t *testing.T) {
	rows := []*row{
		mkRow(wlLarge, "jetcp", 1.2), mkRow(wlLarge, "cp", 1), mkRow(wlLarge, "rclone", 2),
		mkRow(wlSmall, "jetcp", 3.1), mkRow(wlSmall, "cp", 1), mkRow(wlSmall, "rclone", 4),
		mkRow(wlNoop, "jetcp", 1), mkRow(wlNoop, "rclone", 1), // a tie is not "<"
		mkRow(wlCOS, cosTool(1), 10), mkRow(wlCOS, cosTool(4), 3), mkRow(wlCOS, cosTool(16), 1),
	}
	compare(rows)
	got := map[string]string{}
	for _, tg := range evaluate(rows) {
		got[tg.Workload] = tg.Status
	}
	want := map[string]string{wlLarge: "met", wlSmall: "not met", wlNoop: "not met", wlHDFS: "not run", wlCOS: "met"}
	for wl, st := range want {
		if got[wl] != st {
			t.Errorf("%s: %q, want %q", wl, got[wl], st)
		}
	}
	if r := rows[0]; r.VsCP == nil || *r.VsCP != 1.2 || r.VsRclone == nil || *r.VsRclone != 0.6 {
		t.Errorf("large jetcp ratios %v %v, want 1.2 and 0.6", r.VsCP, r.VsRclone)
	}
	if rows[1].VsCP != nil {
		t.Error("a cp row got a ratio")
	}
	if r := rows[10]; r.VsM1 == nil || *r.VsM1 != 10 {
		t.Errorf("m16 vs m1 = %v, want 10", r.VsM1)
	}

	var buf bytes.Buffer
	printTable(&buf, rows, evaluate(rows))
	out := buf.String()
	for _, s := range []string{"1.20x", "0.60x", "10.00x", "NOT MET", "NOT RUN"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
}

func TestDiffManifests(t *testing.T) {
	want := manifest{"d": {dir: true}, "d/a": {size: 1, crc: 7}, "b": {size: 2, crc: 8}}
	if err := diffManifests(want, manifest{"d": {dir: true}, "d/a": {size: 1, crc: 7}, "b": {size: 2, crc: 8}}); err != nil {
		t.Fatal(err)
	}
	err := diffManifests(want, manifest{"d": {dir: true}, "d/a": {size: 1, crc: 9}, "x": {size: 2}})
	if err == nil {
		t.Fatal("no difference found")
	}
	for _, s := range []string{"1 missing (b)", "1 unexpected (x)", "d/a (content"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%v: lacks %q", err, s)
		}
	}
}

func TestNestedLayout(t *testing.T) {
	fs := nestedLayout(2000, 20, 4096)
	if len(fs) != 2000 || fs[0].rel != "d00/d00/f00000" || fs[399].rel != "d19/d19/f00399" || fs[400].rel != "d00/d00/f00400" {
		t.Fatalf("layout: %d files, %v %v %v", len(fs), fs[0], fs[399], fs[400])
	}
}
