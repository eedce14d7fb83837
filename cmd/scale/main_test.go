package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	c, err := parseArgs([]string{"-files", "2000000", "-modes", "services", "-retention", "1s", "-kill-at", "0.5", "-update"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.files != 2_000_000 || len(c.modes) != 1 || c.modes[0] != "services" || c.retention != time.Second || c.killAt != 0.5 || !c.update {
		t.Fatalf("parsed %+v", c)
	}
	c, err = parseArgs(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.modes, ",") != "embedded,services" || c.files != 200_000 || c.update {
		t.Fatalf("defaults %+v", c)
	}
	for _, bad := range [][]string{{"-files", "0"}, {"-modes", "cluster"}, {"-kill-at", "1"}, {"extra"}} {
		if _, err := parseArgs(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// The per-file figures the table prints: bytes over files, "-" where a
// mode has no reading (embedded has no "after": its store goes with it).
func TestPerFile(t *testing.T) {
	s := map[string]streamSize{eventStream: {Bytes: 1_280_000}}
	if got := perFile(s, eventStream, 20_000); got != "64.0" {
		t.Errorf("perFile = %q, want 64.0", got)
	}
	if got := perFile(s, workStream, 20_000); got != "0.0" {
		t.Errorf("missing stream = %q, want 0.0", got)
	}
	if got := perFile(map[string]streamSize{eventStream: {Bytes: 3480}}, eventStream, 2_000_000); got != "0.0017" {
		t.Errorf("after the drop = %q, want 0.0017", got)
	}
	if got := perFile(nil, eventStream, 20_000); got != "-" {
		t.Errorf("no reading = %q, want -", got)
	}
}

func TestMetricSum(t *testing.T) {
	// metricSum reads a live /metrics; its parsing is checked through a
	// test server in the same process.
	srv := newMetricsServer(t, "# HELP x\njetcp_copier_files_total{kind=\"file\",result=\"copied\"} 1500\n"+
		"jetcp_copier_files_total{kind=\"dir\",result=\"copied\"} 2\njetcp_copier_files_totalx 9\n")
	n, err := metricSum(t.Context(), srv, "jetcp_copier_files_total")
	if err != nil || n != 1502 {
		t.Fatalf("metricSum = %v, %v; want 1502", n, err)
	}
}

// newMetricsServer serves body at /metrics and returns its host:port.
func newMetricsServer(t *testing.T, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// The table adds the two streams' largest readings into issue #22's
// budget row.
func TestPrintTableBudgetRow(t *testing.T) {
	var out bytes.Buffer
	printTable(&out, &results{Files: 1000, Modes: []*modeResult{{Mode: "services",
		During: map[string]streamSize{eventStream: {Bytes: 24_500}, workStream: {Bytes: 15_200}}}}})
	if !regexp.MustCompile(`JetStream B/file during \(events \+ work\) +39\.7\s`).MatchString(out.String()) {
		t.Fatalf("no budget row of 39.7 in\n%s", out.String())
	}
}
