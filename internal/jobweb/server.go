package jobweb

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

//go:embed static
var static embed.FS

// Server serves the job page and its API for the jobs on one bus.
type Server struct {
	ctx  context.Context
	bus  *bus.Bus
	log  zerolog.Logger
	mu   sync.Mutex
	jobs map[string]*tracker
}

// maxTracked bounds the jobs followed at once; the least recently asked
// for stops first (it starts again, replaying, when asked for again).
const maxTracked = 16

// maxListed is how many of the newest jobs the job list shows.
const maxListed = 50

// New returns the page's server; it follows jobs until ctx ends.
func New(ctx context.Context, b *bus.Bus, log zerolog.Logger) *Server {
	s := &Server{ctx: ctx, bus: b, log: log, jobs: map[string]*tracker{}}
	context.AfterFunc(ctx, s.closeAll)
	return s
}

// WatchNewJobs starts following each job created from now on, so its
// chart starts with the job (a job first asked for mid-run is counted
// from its first event, but charted from then on).
func (s *Server) WatchNewJobs() error {
	stop, err := s.bus.Watch(messages.EventSubjectFor("*", messages.EventCreated), func(subject string, _ []byte) {
		if job := messages.JobOfEventSubject(subject); job != "" {
			if _, err := s.tracker(job); err != nil {
				s.log.Debug().Err(err).Str("job", job).Msg("job page: cannot follow the new job")
			}
		}
	})
	if err != nil {
		return err
	}
	context.AfterFunc(s.ctx, stop)
	return nil
}

// Register adds the page and the API to mux: / and /jobs/{id} (the
// page), /static/ (its script and style), /api/jobs and /api/jobs/{id}.
func (s *Server) Register(mux *http.ServeMux) {
	sub, _ := fs.Sub(static, "static")
	page := func(w http.ResponseWriter, r *http.Request) { http.ServeFileFS(w, r, sub, "index.html") }
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /jobs/{id}", page)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /api/jobs", s.listJobs)
	mux.HandleFunc("GET /api/jobs/{id}", s.showJob)
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.jobs {
		t.close()
		delete(s.jobs, id)
	}
}

// tracker is the job's tracker, started if need be.
func (s *Server) tracker(job string) (*tracker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.jobs[job]; ok {
		t.used = time.Now()
		return t, nil
	}
	if s.ctx.Err() != nil {
		return nil, s.ctx.Err()
	}
	t, err := startTracker(s.ctx, s.bus, job)
	if err != nil {
		return nil, err
	}
	s.jobs[job] = t
	if len(s.jobs) > maxTracked {
		oldest := ""
		for id, o := range s.jobs {
			if oldest == "" || o.used.Before(s.jobs[oldest].used) {
				oldest = id
			}
		}
		s.jobs[oldest].close()
		delete(s.jobs, oldest)
	}
	return t, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// JobSummary is one job in GET /api/jobs.
type JobSummary struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	State   string    `json:"state"`
	Sources []string  `json:"sources"`
	Target  string    `json:"target"`
	// FilesTotal and BytesTotal are the listing's (0 while listing);
	// Results counts the work items with a result so far.
	FilesTotal int64            `json:"files_total"`
	BytesTotal int64            `json:"bytes_total"`
	Items      int64            `json:"items"`
	Results    int64            `json:"results"`
	Report     *messages.Report `json:"report,omitempty"`
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	ids, err := jobclient.Jobs(ctx, s.bus)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	slices.Reverse(ids) // newest first
	list := []JobSummary{}
	for _, id := range ids[:min(len(ids), maxListed)] {
		st, err := jobclient.JobStatus(ctx, s.bus, id)
		if err != nil {
			continue // removed meanwhile
		}
		list = append(list, summary(st))
	}
	writeJSON(w, map[string]any{"jobs": list})
}

func summary(st *jobclient.Status) JobSummary {
	js := JobSummary{ID: st.Job.ID, Created: st.Job.Created, State: st.State, Sources: st.Job.Sources,
		Target: st.Job.Target, Results: st.Results, Report: st.Report}
	if st.Listed != nil {
		js.FilesTotal, js.BytesTotal, js.Items = st.Listed.Files, st.Listed.Bytes, st.Listed.Items
	}
	return js
}

// JobView is GET /api/jobs/{id}: the job's state and everything its page
// shows.
type JobView struct {
	JobSummary
	Progress Progress `json:"progress"`
	// BytesPerS and FilesPerS are the rates over the last couple of
	// seconds; ETASeconds is the time left, absent while unknown.
	BytesPerS  float64                  `json:"bytes_per_s"`
	FilesPerS  float64                  `json:"files_per_s"`
	ETASeconds *float64                 `json:"eta_s,omitempty"`
	History    []Point                  `json:"history"`
	Copiers    []jobclient.CopierFlight `json:"copiers"`
	Failures   []jobclient.ItemFailure  `json:"failures"`
	Canceled   *messages.Canceled       `json:"canceled,omitempty"`
	Listing    *messages.Listed         `json:"listed,omitempty"`
	// Final says nothing will change any more: the job is done and its
	// last result counted (a page stops polling).
	Final bool `json:"final"`
}

// Progress is a job's counts as its page follows them.
type Progress struct {
	Listing      bool  `json:"listing"`
	FilesTotal   int64 `json:"files_total"`
	FilesDone    int64 `json:"files_done"`
	FilesCopied  int64 `json:"files_copied"`
	FilesSkipped int64 `json:"files_skipped"`
	FilesFailed  int64 `json:"files_failed"`
	DirsFailed   int64 `json:"dirs_failed"`
	BytesTotal   int64 `json:"bytes_total"`
	BytesDone    int64 `json:"bytes_done"`
	BytesCopied  int64 `json:"bytes_copied"`
	// ElapsedS is the time since the job was created (done: the
	// report's duration).
	ElapsedS float64 `json:"elapsed_s"`
}

func (s *Server) showJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	st, err := jobclient.JobStatus(ctx, s.bus, id)
	if errors.Is(err, messages.ErrUnknownJob) {
		writeError(w, http.StatusNotFound, "no job "+id+": GET /api/jobs lists the jobs")
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	t, err := s.tracker(id)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, view(st, t))
}

func view(st *jobclient.Status, t *tracker) JobView {
	snap, pace, history := t.view()
	v := JobView{JobSummary: summary(st), BytesPerS: pace.BytesPerS, FilesPerS: pace.FilesPerS, History: history,
		Copiers: t.progress.Copiers(), Failures: t.progress.Failures(), Canceled: st.Canceled, Listing: st.Listed}
	v.Progress = Progress{Listing: snap.Listing, FilesTotal: snap.FilesTotal, FilesDone: snap.FilesDone,
		FilesCopied: snap.FilesCopied, FilesSkipped: snap.FilesSkipped, FilesFailed: snap.FilesFailed,
		DirsFailed: snap.DirsFailed, BytesTotal: snap.BytesTotal, BytesDone: snap.BytesDone,
		BytesCopied: snap.BytesCopied, ElapsedS: time.Since(st.Job.Created).Seconds()}
	if v.Report == nil {
		v.Report = t.progress.Report()
	}
	if v.Report != nil {
		v.Progress.ElapsedS = v.Report.DurationSeconds
	}
	v.Final = t.final()
	if v.Report == nil && pace.ETAKnown {
		secs := pace.ETA.Seconds()
		v.ETASeconds = &secs
	}
	if v.Copiers == nil {
		v.Copiers = []jobclient.CopierFlight{}
	}
	if v.Failures == nil {
		v.Failures = []jobclient.ItemFailure{}
	}
	return v
}
