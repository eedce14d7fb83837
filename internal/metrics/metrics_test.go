package metrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jetcp/jetcp/internal/metrics"
	"github.com/jetcp/jetcp/messages"
)

// sample is a gathered sample of a counter with the given labels.
func sample(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// A chunked file counts once in files_total (by its first chunk), not once
// per chunk and not never; its bytes count chunk by chunk.
func TestCopierCountsChunkedFilesOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.NewCopier(reg)
	for seq := range 3 {
		m.Begin(1)
		m.End(messages.StatusCopied, &messages.Result{Kind: messages.KindChunk, Status: messages.StatusCopied, Size: 2500,
			Chunk: &messages.Chunk{File: 3, Seq: seq, Count: 3, Offset: int64(seq) * 1000, Length: min(1000, 2500-int64(seq)*1000)}}, 1)
	}
	m.Begin(1)
	m.End(messages.StatusCopied, &messages.Result{Kind: messages.KindFile, Status: messages.StatusCopied, Size: 7}, 1)
	files := sample(t, reg, "jetcp_copier_files_total", map[string]string{"result": "copied", "kind": "file"})
	bytes := sample(t, reg, "jetcp_copier_bytes_total", map[string]string{"result": "copied"})
	if files != 2 || bytes != 2507 {
		t.Fatalf("files_total %v, bytes_total %v: want 2 files (one chunked, once), 2507 bytes", files, bytes)
	}
}
