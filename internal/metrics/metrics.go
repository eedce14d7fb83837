// Package metrics exports the services' counters in Prometheus form. Each
// service builds its own registry: nothing is registered globally.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/messages"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Copier counts a copier's deliveries; it is a copier.Observer.
type Copier struct {
	files        *prometheus.CounterVec
	bytes        *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
	inflight     prometheus.Gauge
	latency      prometheus.Histogram
	redeliveries prometheus.Counter
	throttle     prometheus.Counter
}

var _ copier.Observer = (*Copier)(nil)

// NewCopier registers a copier's metrics with reg.
func NewCopier(reg prometheus.Registerer) *Copier {
	m := &Copier{
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jetcp_copier_files_total", Help: "Files and directories this copier brought to a terminal result, by result (copied, skipped, failed) and kind (file, dir): each file of a bundle; a chunked file once, with its first chunk's result (the committer assembles it). Not counted: files the lister skipped without a copier; the job report counts those.",
		}, []string{"result", "kind"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jetcp_copier_bytes_total", Help: "Bytes of the files counted in jetcp_copier_files_total, by result; a chunked file's chunk by chunk.",
		}, []string{"result"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jetcp_copier_deliveries_total", Help: "Deliveries of work items by outcome: a result status, or retry, released, canceled, refused.",
		}, []string{"outcome"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jetcp_copier_inflight", Help: "Work items being copied now.",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "jetcp_copier_copy_seconds", Help: "Time from delivery to terminal result of one work item.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12), // 1 ms .. ~70 min
		}),
		redeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jetcp_copier_redeliveries_total", Help: "Deliveries that were not a work item's first (retries, or items of a copier that stopped or died).",
		}),
		throttle: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jetcp_copier_throttle_seconds_total", Help: "Time spent sleeping to keep to -bandwidth.",
		}),
	}
	reg.MustRegister(m.files, m.bytes, m.deliveries, m.inflight, m.latency, m.redeliveries, m.throttle)
	for _, s := range []string{messages.StatusCopied, messages.StatusSkipped, messages.StatusFailed} {
		m.bytes.WithLabelValues(s) // export zeros, so rates work from the start
		m.files.WithLabelValues(s, messages.KindFile)
	}
	return m
}

// Begin implements copier.Observer.
func (m *Copier) Begin(attempt int) {
	m.inflight.Inc()
	if attempt > 1 {
		m.redeliveries.Inc()
	}
}

// End implements copier.Observer.
func (m *Copier) End(outcome string, res *messages.Result, elapsed time.Duration) {
	m.inflight.Dec()
	m.deliveries.WithLabelValues(outcome).Inc()
	if res == nil {
		return
	}
	// The copier metrics count what this copier did. Files the lister
	// settled without a copier (-update skips it could tell from metadata)
	// never reach a copier and are not counted: a dashboard adding up
	// these counters sees the copiers' work, the job report every file.
	// A chunked file counts once, by its first chunk (seq 0), with that
	// chunk's result; its final result is the committer's, after the
	// assembly.
	if res.Kind == messages.KindChunk {
		if res.Chunk != nil {
			m.bytes.WithLabelValues(res.Status).Add(float64(res.Chunk.Length))
			if res.Chunk.Seq == 0 {
				m.files.WithLabelValues(res.Status, messages.KindFile).Inc()
			}
		}
	}
	for e := range res.Entries() {
		m.files.WithLabelValues(e.Status, e.Kind).Inc()
		if e.Kind == messages.KindFile {
			m.bytes.WithLabelValues(e.Status).Add(float64(e.Size))
		}
	}
	m.latency.Observe(elapsed.Seconds())
}

// Throttled implements copier.Observer.
func (m *Copier) Throttled(d time.Duration) { m.throttle.Add(d.Seconds()) }

// Committer counts a committer's jobs; it is a committer.Observer.
type Committer struct {
	jobs    *prometheus.CounterVec
	running prometheus.Gauge
}

// NewCommitter registers a committer's metrics with reg.
func NewCommitter(reg prometheus.Registerer) *Committer {
	m := &Committer{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jetcp_committer_jobs_total", Help: "Jobs this committer ended, by state (succeeded, failed, canceled).",
		}, []string{"state"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jetcp_committer_jobs_running", Help: "Jobs this committer is following now.",
		}),
	}
	reg.MustRegister(m.jobs, m.running)
	return m
}

// JobStarted implements committer.Observer.
func (m *Committer) JobStarted() { m.running.Inc() }

// JobEnded implements committer.Observer; rep is nil when the committer
// let the job go (stopping, or another committer takes it).
func (m *Committer) JobEnded(rep *messages.Report) {
	m.running.Dec()
	if rep != nil {
		m.jobs.WithLabelValues(rep.State).Inc()
	}
}
