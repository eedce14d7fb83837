package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// This file runs the job in each mode and takes its measurements.

const (
	listingComplete = "listing complete" // lister/submit.go
	replayCaughtUp  = "replay caught up" // committer/job.go
)

// modeResult is one mode's measurements.
type modeResult struct {
	Mode               string  `json:"mode"`
	WallSeconds        float64 `json:"wall_seconds"`
	FilesPerSecond     float64 `json:"files_per_second"`
	ListingSeconds     float64 `json:"listing_seconds"`
	ListingFilesPerSec float64 `json:"listing_files_per_second"`
	// CopySeconds (services) runs from the lister's start until the
	// copier has brought every file to a result: the copy without the
	// commit, nor the takeover wait after a committer was killed.
	CopySeconds     float64               `json:"copy_seconds,omitempty"`
	CopyFilesPerSec float64               `json:"copy_files_per_second,omitempty"`
	PeakRSSKiB      []procPeak            `json:"peak_rss_kib"`
	StreamSource    string                `json:"stream_source"`
	During          map[string]streamSize `json:"streams_during_max"`
	After           map[string]streamSize `json:"streams_after,omitempty"`
	AfterSeconds    float64               `json:"after_seconds_after_job,omitempty"`
	Replay          *replayResult         `json:"replay,omitempty"`
	// UpdateReplay (-update) is a committer's replay of a whole -update
	// job of the copied tree, started once its listing was complete.
	UpdateReplay *replayResult `json:"update_replay,omitempty"`
}

type procPeak struct {
	Process string `json:"process"`
	KiB     int64  `json:"kib"`
}

// replayResult is the takeover of the job by a second committer.
type replayResult struct {
	KilledAtFiles float64    `json:"killed_at_files"`
	EventsAtKill  streamSize `json:"events_at_kill"`
	// Seconds runs from the new committer's start to its "replay caught
	// up" line; FollowSeconds is the committer's own figure, from the
	// start of its follow of the job (the difference is the takeover
	// wait: the dead committer's created event coming back).
	Seconds          float64 `json:"seconds"`
	FollowSeconds    float64 `json:"follow_seconds"`
	PeakKiBCaughtUp  int64   `json:"peak_rss_kib_at_caught_up"`
	PeakKiBLifetime  int64   `json:"peak_rss_kib_lifetime"`
	CaughtUpObserved bool    `json:"caught_up_observed"`
}

func runEmbedded(ctx context.Context, c *config, w *workDir) (*modeResult, error) {
	tmp := filepath.Join(w.root, "tmp-embedded")
	dst := filepath.Join(w.root, "dst-embedded")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	s := startSampler(ctx, storeReader(tmp), 500*time.Millisecond)
	p, err := startProc("lister", filepath.Join(c.bin, "lister"),
		[]string{"--no-progress", "-m", strconv.Itoa(c.workers), filepath.Join(w.root, "src"), dst},
		[]string{"TMPDIR=" + tmp}, filepath.Join(w.logs, "embedded-lister.log"), listingComplete)
	if err != nil {
		s.finish()
		return nil, err
	}
	err = p.wait(c.timeout)
	wall := time.Since(p.start)
	during := s.finish()
	if err != nil {
		return nil, err
	}
	r := &modeResult{Mode: "embedded", StreamSource: "store files on the tmpfs", During: during,
		PeakRSSKiB: []procPeak{{"lister (embedded)", p.peakKiB()}}}
	r.setTimes(c.files, wall, p)
	return r, checkTarget(dst, c.files)
}

// setTimes records the wall time and the listing's, from the lister.
func (r *modeResult) setTimes(files int, wall time.Duration, lister *proc) {
	r.WallSeconds = wall.Seconds()
	r.FilesPerSecond = float64(files) / wall.Seconds()
	if mk, ok := lister.seen(listingComplete); ok {
		r.ListingSeconds = mk.at.Sub(lister.start).Seconds()
		r.ListingFilesPerSec = float64(files) / r.ListingSeconds
	}
}

// checkTarget counts the copied files and removes them (the next mode
// starts from an empty target, and the tmpfs keeps its memory). The job
// manifest's directory, .jetcp, is not a copied file.
func checkTarget(dst string, want int) error {
	n, err := dirFiles(dst, filepath.Join(dst, ".jetcp"))
	if err != nil {
		return err
	}
	if n != int64(want) {
		return fmt.Errorf("%s holds %d files, want %d", dst, n, want)
	}
	return os.RemoveAll(dst)
}

// services are the processes of a services run.
type services struct {
	c         *config
	w         *workDir
	url       string
	mon       string // the nats-server's monitoring address
	copierWeb string
	nats      *proc
	copier    *proc
	committer *proc // the one running now
	killed    *proc // the one killed mid-job, if any
	// updated commits the -update job (-update); committer is then the
	// copy's, stopped before it.
	updated *proc
}

func runServices(ctx context.Context, c *config, w *workDir) (*modeResult, error) {
	sv := &services{c: c, w: w}
	defer sv.stopAll()
	if err := sv.start(ctx); err != nil {
		return nil, err
	}
	s := startSampler(ctx, jszReader(sv.mon), 250*time.Millisecond)
	dst := filepath.Join(w.root, "dst-services")
	lister, err := startProc("lister", filepath.Join(c.bin, "lister"),
		[]string{"--nats", sv.url, "--no-progress", filepath.Join(w.root, "src"), dst},
		nil, filepath.Join(w.logs, "services-lister.log"), listingComplete)
	if err != nil {
		s.finish()
		return nil, err
	}
	replay := make(chan *replayResult, 1)
	go func() { replay <- sv.takeover(ctx, lister, s) }()
	copied := make(chan time.Time, 1)
	go func() { copied <- sv.allCopied(ctx, lister) }()
	err = lister.wait(c.timeout)
	wall := time.Since(lister.start)
	rep := <-replay
	copyEnd := <-copied
	during := s.finish()
	if err != nil {
		return nil, err
	}
	r := &modeResult{Mode: "services", StreamSource: "nats-server /jsz", During: during, Replay: rep}
	r.setTimes(c.files, wall, lister)
	if !copyEnd.IsZero() {
		r.CopySeconds = copyEnd.Sub(lister.start).Seconds()
		r.CopyFilesPerSec = float64(c.files) / r.CopySeconds
	}
	ended := time.Now()
	r.After = sv.afterDrop(ctx, during[eventStream])
	r.AfterSeconds = time.Since(ended).Seconds()
	if c.update {
		if r.UpdateReplay, err = sv.updateReplay(ctx, dst); err != nil {
			return nil, err
		}
	}
	if err := checkTarget(dst, c.files); err != nil {
		return nil, err
	}
	sv.stopAll()
	r.PeakRSSKiB = sv.peaks(lister)
	if rep != nil {
		rep.PeakKiBLifetime = sv.committer.peakKiB()
	}
	if r.UpdateReplay != nil {
		r.UpdateReplay.PeakKiBLifetime = sv.updated.peakKiB()
	}
	return r, nil
}

// updateReplay stops the committer, runs an -update of the copied tree
// until its listing is complete (every file is skipped by the listing,
// which publishes their results in batches of 512), then starts a
// committer and times its replay of the whole job, as one taking over a
// job of that size would; the job then ends under it.
func (sv *services) updateReplay(ctx context.Context, dst string) (*replayResult, error) {
	read := jszReader(sv.mon)
	before, err := read(ctx)
	if err != nil {
		return nil, err
	}
	sv.committer.kill()
	lister, err := startProc("lister-update", filepath.Join(sv.c.bin, "lister"),
		[]string{"--nats", sv.url, "--no-progress", "-update", filepath.Join(sv.w.root, "src"), dst},
		nil, filepath.Join(sv.w.logs, "update-lister.log"), listingComplete)
	if err != nil {
		return nil, err
	}
	for {
		if _, ok := lister.seen(listingComplete); ok {
			break
		}
		select {
		case <-lister.done:
			return nil, errors.New("the -update lister ended before its listing was complete")
		case <-time.After(100 * time.Millisecond):
		}
	}
	after, err := read(ctx)
	if err != nil {
		return nil, err
	}
	rep := &replayResult{EventsAtKill: streamSize{Messages: after[eventStream].Messages - before[eventStream].Messages,
		Bytes: after[eventStream].Bytes - before[eventStream].Bytes}}
	next, err := sv.startCommitter(ctx, "committer-update")
	if next == nil {
		return nil, err
	}
	sv.updated = next
	if err := lister.wait(sv.c.timeout); err != nil {
		return nil, fmt.Errorf("-update job: %w", err)
	}
	if mk, ok := next.seen(replayCaughtUp); ok {
		rep.CaughtUpObserved = true
		rep.Seconds = mk.at.Sub(next.start).Seconds()
		rep.PeakKiBCaughtUp = mk.peakKiB
		var line struct {
			After float64 `json:"after"` // milliseconds
		}
		if json.Unmarshal(mk.line, &line) == nil {
			rep.FollowSeconds = line.After / 1000
		}
	}
	return rep, nil
}

func (sv *services) start(ctx context.Context) error {
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	sv.url = "nats://127.0.0.1:" + strconv.Itoa(ports[0])
	sv.mon = "127.0.0.1:" + strconv.Itoa(ports[1])
	sv.nats, err = startProc("nats-server", filepath.Join(sv.c.bin, "nats-server"),
		[]string{"-js", "-sd", filepath.Join(sv.w.root, "nats-store"), "-a", "127.0.0.1",
			"-p", strconv.Itoa(ports[0]), "-m", strconv.Itoa(ports[1])},
		nil, filepath.Join(sv.w.logs, "nats-server.log"))
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, sv.mon, "/healthz", 30*time.Second); err != nil {
		return err
	}
	if sv.committer, err = sv.startCommitter(ctx, "committer"); err != nil {
		return err
	}
	sv.copierWeb = "127.0.0.1:" + strconv.Itoa(ports[3])
	sv.copier, err = startProc("copier", filepath.Join(sv.c.bin, "copier"),
		[]string{"--nats", sv.url, "-m", strconv.Itoa(sv.c.workers), "--http", sv.copierWeb},
		nil, filepath.Join(sv.w.logs, "copier.log"))
	if err != nil {
		return err
	}
	return waitHTTP(ctx, sv.copierWeb, "/healthz", 30*time.Second)
}

// startCommitter starts a committer and waits until it is connected.
func (sv *services) startCommitter(ctx context.Context, name string) (*proc, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	web := "127.0.0.1:" + strconv.Itoa(ports[0])
	p, err := startProc(name, filepath.Join(sv.c.bin, "committer"),
		[]string{"--nats", sv.url, "--results-retention", sv.c.retention.String(), "--http", web},
		nil, filepath.Join(sv.w.logs, name+".log"), replayCaughtUp)
	if err != nil {
		return nil, err
	}
	return p, waitHTTP(ctx, web, "/healthz", 30*time.Second)
}

// takeover SIGKILLs the committer once the copier has copied the
// -kill-at fraction of the files, starts another, and times its replay
// of the job's events. Nil when there is no kill (-kill-at 0, or the job
// ended first).
func (sv *services) takeover(ctx context.Context, lister *proc, s *sampler) *replayResult {
	if sv.c.killAt <= 0 {
		return nil
	}
	want := sv.c.killAt * float64(sv.c.files)
	var copied float64
	for copied < want {
		select {
		case <-lister.done:
			return nil
		case <-time.After(100 * time.Millisecond):
		}
		copied, _ = metricSum(ctx, sv.copierWeb, "jetcp_copier_files_total")
	}
	rep := &replayResult{KilledAtFiles: copied, EventsAtKill: s.latest()[eventStream]}
	sv.committer.kill()
	sv.killed = sv.committer
	next, err := sv.startCommitter(ctx, "committer-2")
	if next == nil {
		fmt.Fprintf(os.Stderr, "scale: cannot start the second committer: %v\n", err)
		return rep
	}
	sv.committer = next
	var ended <-chan time.Time // once the job is over, a last while
	listerDone := lister.done
	for {
		if mk, ok := next.seen(replayCaughtUp); ok {
			rep.CaughtUpObserved = true
			rep.Seconds = mk.at.Sub(next.start).Seconds()
			rep.PeakKiBCaughtUp = mk.peakKiB
			var line struct {
				After float64 `json:"after"` // milliseconds (zerolog's default)
			}
			if json.Unmarshal(mk.line, &line) == nil {
				rep.FollowSeconds = line.After / 1000
			}
			return rep
		}
		select {
		case <-next.done:
			return rep
		case <-ended:
			return rep
		case <-listerDone:
			ended, listerDone = time.After(5*time.Second), nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// allCopied is when the copier's count of files brought to a result
// reached -files (zero if the lister ended first).
func (sv *services) allCopied(ctx context.Context, lister *proc) time.Time {
	for {
		select {
		case <-lister.done:
			return time.Time{}
		case <-time.After(100 * time.Millisecond):
		}
		if n, err := metricSum(ctx, sv.copierWeb, "jetcp_copier_files_total"); err == nil && n >= float64(sv.c.files) {
			return time.Now()
		}
	}
}

// afterDrop waits for the committer to drop the ended job's results
// (the event stream shrinks) and reads the streams once settled.
func (sv *services) afterDrop(ctx context.Context, during streamSize) map[string]streamSize {
	read := jszReader(sv.mon)
	deadline := time.Now().Add(sv.c.retention + time.Minute)
	for time.Now().Before(deadline) {
		got, err := read(ctx)
		if err == nil && got[eventStream].Messages < during.Messages/2 {
			time.Sleep(time.Second) // let a purge in progress finish
			if got, err = read(ctx); err == nil {
				return got
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	got, _ := read(ctx)
	return got
}

// stopAll ends the services that still run (SIGTERM).
func (sv *services) stopAll() {
	for _, p := range []*proc{sv.copier, sv.committer, sv.updated, sv.nats} {
		if p != nil {
			_ = p.stop()
		}
	}
}

func (sv *services) peaks(lister *proc) []procPeak {
	out := []procPeak{{"nats-server", sv.nats.peakKiB()}, {"lister", lister.peakKiB()}, {"copier", sv.copier.peakKiB()}}
	if sv.killed != nil {
		out = append(out, procPeak{"committer (killed)", sv.killed.peakKiB()}, procPeak{"committer-2 (replay)", sv.committer.peakKiB()})
	} else {
		out = append(out, procPeak{"committer", sv.committer.peakKiB()})
	}
	if sv.updated != nil {
		out = append(out, procPeak{"committer (-update job)", sv.updated.peakKiB()})
	}
	return out
}

// freePorts finds n loopback TCP ports nobody listens on.
func freePorts(n int) ([]int, error) {
	var out []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
