package jobweb

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
)

// Page is the job page of a process whose HTTP server is up before it
// is connected to the bus (so a bad --http address is reported at once):
// it answers 503 until Connect.
type Page struct {
	mux atomic.Pointer[http.ServeMux]
	log zerolog.Logger
}

// NewPage returns a page waiting for its bus.
func NewPage(log zerolog.Logger) *Page { return &Page{log: log} }

// Connect serves the jobs on b until ctx ends. With followNew it follows
// each job created from now on from its start (the lister's page, made
// for the job it submits); else a job is followed once its page is asked
// for, so a committer serving the page for its health checks does not
// read every job's events twice.
func (p *Page) Connect(ctx context.Context, b *bus.Bus, followNew bool) error {
	s := New(ctx, b, p.log)
	if followNew {
		if err := s.WatchNewJobs(); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	s.Register(mux)
	p.mux.Store(mux)
	return nil
}

// ServeHTTP serves the page once connected.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mux := p.mux.Load()
	if mux == nil {
		http.Error(w, "connecting to NATS", http.StatusServiceUnavailable)
		return
	}
	mux.ServeHTTP(w, r)
}

// Health is nil once connected.
func (p *Page) Health() error {
	if p.mux.Load() == nil {
		return errors.New("connecting to NATS")
	}
	return nil
}
