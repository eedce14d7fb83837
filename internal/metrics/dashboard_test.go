package metrics_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jetcp/jetcp/internal/metrics"
	"github.com/jetcp/jetcp/messages"
)

// The Grafana dashboard in deployments/ queries only metrics and labels the
// services export, so it cannot drift from them unnoticed.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	data, err := os.ReadFile("../../deployments/grafana/jetcp.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	// Every exported metric with its label names. A metric must have a
	// sample to be gathered: touch each once.
	reg := prometheus.NewRegistry()
	c := metrics.NewCopier(reg)
	c.Begin(2)
	c.End("copied", &messages.Result{Kind: messages.KindFile, Status: messages.StatusCopied, Size: 1}, 1)
	c.Throttled(1)
	cm := metrics.NewCommitter(reg)
	cm.JobStarted()
	cm.JobEnded(&messages.Report{State: messages.StateSucceeded})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{}
	for _, f := range fams {
		ls := map[string]bool{"instance": true, "job": true, "le": true} // added by Prometheus, and histogram buckets
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				ls[l.GetName()] = true
			}
		}
		labels[f.GetName()] = ls
	}
	metricRe := regexp.MustCompile(`\b(jetcp_[a-z_]+)(\{[^}]*\})?`)
	labelRe := regexp.MustCompile(`([a-z_]+)\s*(=~|!=|!~|=)`)
	byRe := regexp.MustCompile(`by \(([a-z_, ]+)\)`)
	queries := 0
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			queries++
			ms := metricRe.FindAllStringSubmatch(tg.Expr, -1)
			if len(ms) == 0 {
				t.Errorf("panel %q: query %q names no jetcp metric", p.Title, tg.Expr)
			}
			for _, m := range ms {
				name := m[1]
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if base := strings.TrimSuffix(name, suffix); base != name && labels[base] != nil {
						name = base
					}
				}
				ls, ok := labels[name]
				if !ok {
					t.Errorf("panel %q: %s is not exported", p.Title, m[1])
					continue
				}
				for _, l := range labelRe.FindAllStringSubmatch(m[2], -1) {
					if !ls[l[1]] {
						t.Errorf("panel %q: %s has no label %q", p.Title, name, l[1])
					}
				}
				for _, by := range byRe.FindAllStringSubmatch(tg.Expr, -1) {
					for _, l := range strings.Split(by[1], ",") {
						if l = strings.TrimSpace(l); !ls[l] {
							t.Errorf("panel %q: grouping by %q, which %s lacks", p.Title, l, name)
						}
					}
				}
			}
		}
	}
	if dash.Title != "jetcp" || queries < 10 {
		t.Fatalf("dashboard %q with %d queries", dash.Title, queries)
	}
}
