package jobweb_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/internal/jobweb"
	"github.com/jetcp/jetcp/messages"
)

// The API follows a job on the bus from its events: the counts, a
// copier's bytes in flight, the failures with their errors, and, once
// done, the report and final; an unknown job is 404; the page and its
// assets are served from the binary.
func TestJobAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := bustest.Start(t, ctx, bus.Topology{Memory: true})
	page := jobweb.NewPage(zerolog.Nop())
	srv := httptest.NewServer(page)
	defer srv.Close()
	if code, _ := get(t, srv.URL+"/api/jobs"); code != http.StatusServiceUnavailable {
		t.Fatalf("before Connect: %d, want 503", code)
	}
	if err := page.Connect(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{"file:///s"}, Target: "file:///d"}
	if err := b.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	publish := func(ev *messages.Event) {
		t.Helper()
		ev.Job, ev.Time = job.ID, time.Now()
		if err := b.PublishEvent(ctx, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	publish(&messages.Event{Type: messages.EventListed, Listed: &messages.Listed{Items: 3, Files: 3, Bytes: 1000}})
	publish(&messages.Event{Type: messages.EventResult, Result: &messages.Result{Index: 0, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 100, Attempt: 1}})
	publish(&messages.Event{Type: messages.EventResult, Result: &messages.Result{Index: 1, Kind: messages.KindFile, Status: messages.StatusFailed,
		Src: "file:///s/bad", Dst: "file:///d/bad", Size: 300, Error: "permission denied", Attempt: 3}})

	var v struct {
		State    string
		Progress jobweb.Progress
		Copiers  []struct {
			Name  string
			Items []struct{ Index, Bytes int64 }
		}
		Failures []struct{ Src, Error string }
		Report   *messages.Report
		Final    bool
	}
	view := func(want func() bool) {
		t.Helper()
		var body string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			_ = b.PublishInFlight(&messages.InFlight{Job: job.ID, Copier: "c1", Time: time.Now(), Bytes: map[int64]int64{2: 250}})
			var code int
			code, body = get(t, srv.URL+"/api/jobs/"+job.ID)
			v.Copiers, v.Failures, v.Report = nil, nil, nil
			if code == http.StatusOK && json.Unmarshal([]byte(body), &v) == nil && want() {
				return
			}
		}
		t.Fatalf("never as wanted:\n%s", body)
	}
	view(func() bool {
		return v.State == "copying" && v.Progress.FilesDone == 2 && v.Progress.FilesFailed == 1 && v.Progress.BytesDone == 350 &&
			v.Progress.BytesTotal == 1000 && len(v.Copiers) == 1 && v.Copiers[0].Name == "c1" && len(v.Copiers[0].Items) == 1 &&
			v.Copiers[0].Items[0].Bytes == 250 && len(v.Failures) == 1 && v.Failures[0].Error == "permission denied" && !v.Final
	})
	publish(&messages.Event{Type: messages.EventResult, Result: &messages.Result{Index: 2, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 600, Attempt: 1}})
	publish(&messages.Event{Type: messages.EventDone, Report: &messages.Report{Job: job.ID, State: messages.StateFailed, FilesCopied: 2, FilesFailed: 1}})
	view(func() bool {
		return v.State == messages.StateFailed && v.Report != nil && v.Report.FilesFailed == 1 && v.Final && len(v.Copiers) == 0 &&
			v.Progress.BytesDone == 700 && v.Progress.FilesDone == 3
	})

	code, body := get(t, srv.URL+"/api/jobs")
	if code != http.StatusOK || !strings.Contains(body, `"id": "`+job.ID+`"`) || !strings.Contains(body, `"state": "failed"`) {
		t.Errorf("job list: %d\n%s", code, body)
	}
	if code, body := get(t, srv.URL+"/api/jobs/20990101-000000-00000000"); code != http.StatusNotFound || !strings.Contains(body, "GET /api/jobs lists the jobs") {
		t.Errorf("unknown job: %d %s", code, body)
	}
	for path, want := range map[string]string{"/": "<svg id=\"chart\"", "/jobs/" + job.ID: "<svg id=\"chart\"", "/static/app.js": "/api/jobs/", "/static/style.css": "#bar-fill"} {
		if code, body := get(t, srv.URL+path); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, without %q", path, code, want)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}
