package committer

import (
	"context"
	"fmt"
	"hash/maphash"
	"path"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/internal/tally"
	"github.com/jetcp/jetcp/messages"
)

// job is one job's state, rebuilt from its events.
type job struct {
	c    *Committer
	spec *messages.Job
	log  zerolog.Logger

	listed *messages.Listed
	// tally counts the results (each item once), the same way a progress
	// line does; report holds what only the committer keeps (failures,
	// slowest files, directories made, deletions) and takes the tally's
	// counts at the commit.
	tally  *tally.Tally
	report messages.Report
	extras messages.CategoryCount // a verify job's extra target entries
	dirs   dirList                // directories whose attributes to apply at commit
	// sweepIn are target directories that may hold leftover temp files
	// (bounded: past maxSweepDirs, sweepAll walks the write root instead).
	sweepIn      map[string]bool
	sweepAll     bool
	sweepDirsMax int             // maxSweepDirs (tests lower it)
	alive        map[string]bool // other jobs whose temp files the commit found: alive or not
	// sweepFiles are targets of retried or failed items, which may have
	// open multipart uploads of a killed copier (bounded: see maxSweepFiles).
	sweepFiles map[string]bool
	progress   time.Time
	// beats has a heartbeat of the lister waiting; lastBeat is when one
	// came (or the follow started).
	beats    chan struct{}
	lastBeat time.Time
	// started is when the follow began; caughtUp, once its replay had
	// delivered every event stored then (logged once: takeover timing).
	started  time.Time
	caughtUp bool
	canceled *messages.Canceled
	purged   bool // the job's remaining work items were removed after a cancel
	ended    bool // this committer published the job's done event
	// made holds the target directories counted in dirs_created (hashes
	// of their paths), so that one made by several copies at once counts
	// once; root is the job's write root, the tree they are counted in.
	made     map[uint64]struct{}
	madeSeed maphash.Seed
	root     fs.URI
	rootErr  error
	// chunks are the chunked files seen, by their file result index.
	chunks     map[int64]*assembling
	assemblies sync.WaitGroup
	asmSlots   chan struct{}
	ctx        context.Context // the follow's, for assemblies
	// track is -xtrack's list while the delete walk runs (xtrack.go).
	track *tracker
	// spool collects the job manifest's lines until the commit writes it;
	// noManifest: the job writes none after all (see noteManifest).
	spool      *manifest.Spool
	noManifest bool
	// manifestNews counts the spooled lines not settled by the previous
	// manifest: with none, that manifest stays (publishManifest).
	manifestNews int64
}

// maxSweepFiles bounds the targets remembered for the upload sweep.
const maxSweepFiles = 100000

// maxSweepDirs bounds the directories remembered for the temp sweep;
// a job with more retried or failed items' directories sweeps its whole
// write root (slower, once, at its commit) rather than hold one entry
// per directory.
const maxSweepDirs = 100000

// cancelSettle is how long a canceled job waits for no further results
// (copiers abandon its items in flight) before it is closed.
const cancelSettle = 2 * time.Second

func newJob(c *Committer, spec *messages.Job, log zerolog.Logger) *job {
	j := &job{c: c, spec: spec, log: log, sweepIn: map[string]bool{}, sweepDirsMax: maxSweepDirs, sweepFiles: map[string]bool{},
		chunks: map[int64]*assembling{}, asmSlots: make(chan struct{}, maxAssemblies),
		made: map[uint64]struct{}{}, madeSeed: maphash.MakeSeed(), tally: tally.New(), beats: make(chan struct{}, 1),
		report: messages.Report{Job: spec.ID, Failures: []messages.Failure{}, Slowest: []messages.SlowFile{}}}
	j.dirs = dirList{dir: c.spoolDir, job: spec.ID, memMax: maxDirsInMemory}
	j.root, j.rootErr = fs.ParseURI(spec.WriteRoot)
	return j
}

// follow replays and then tails the job's events until it is committed.
func (j *job) follow(ctx context.Context) error {
	defer j.dropManifest() // written by the commit, if there was one
	defer j.dirs.close()
	defer j.assemblies.Wait() // after cancel, below: none outlives the follow
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	j.ctx = ctx
	events := newEventQueue(j.c.replayBuffer, &j.c.buffered)
	defer events.discard() // what the follow did not apply; a push waiting ends with ctx
	replay, err := j.c.bus.ReplayEvents(ctx, j.spec.ID, func(subject string, data []byte) {
		events.push(ctx, event{subject, data})
	})
	if err != nil {
		return fmt.Errorf("follow job %s: %w", j.spec.ID, err)
	}
	defer j.closeReplay(replay)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	j.progress = time.Now()
	j.lastBeat = time.Now()
	j.started = time.Now()
	for {
		var done bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-j.beats:
			j.lastBeat = time.Now()
		case m := <-events.ch:
			done, err = j.onEvent(ctx, m.subject, m.data)
			events.done(m)
		case <-tick.C:
			done, err = j.onTick(ctx, replay, events.buffered())
		}
		if done || err != nil {
			return err
		}
		if j.tally.Complete() {
			j.logCaughtUp() // a replay that ends the job catches up here
			return j.commit(ctx)
		}
	}
}

// beat notes a heartbeat of the lister (from the watch's goroutine).
func (j *job) beat() {
	select {
	case j.beats <- struct{}{}:
	default: // one waiting is enough
	}
}

// checkLease fails a job whose lister stopped while listing: no
// heartbeat for the job's listing lease, and no listed event. It records
// the failure as a canceled event, so the job closes as a cancel does
// (its work items removed) and ends failed; -update finishes the copy.
// Only once the replay has caught up: a committer taking over a job
// replays its events for a while before it meets the listed event.
func (j *job) checkLease(ctx context.Context, replay Replay, buffered int) {
	lease := j.spec.ListingLease
	if lease <= 0 || j.listed != nil || j.canceled != nil || time.Since(j.lastBeat) <= lease || buffered > 0 {
		return
	}
	if pending, err := replay.Pending(ctx); err != nil || pending > 0 {
		return
	}
	j.lastBeat = time.Now() // try again after another lease
	j.log.Error().Dur("lease", lease).Msg("no heartbeat from the lister: failing the job")
	ev := &messages.Event{Type: messages.EventCanceled, Job: j.spec.ID, Time: time.Now().UTC(),
		Canceled: &messages.Canceled{By: "committer", Reason: messages.ListerLost, Failed: true}}
	if err := j.c.bus.PublishEvent(ctx, ev, j.spec.ID+"/"+messages.EventCanceled); err != nil {
		j.log.Warn().Err(err).Msg("cannot record the failure of the listing")
	}
}

// noteCaughtUp logs, once, that the replay has delivered every stored
// event: how long a committer taking over a job needs before it follows
// the job live (cmd/scale measures it). Checked on the follow's tick, so
// the time is at most a tick late; a replay that completes the job logs
// it before the commit (follow).
func (j *job) noteCaughtUp(ctx context.Context, replay Replay, buffered int) {
	if j.caughtUp || buffered > 0 {
		return
	}
	if pending, err := replay.Pending(ctx); err != nil || pending > 0 {
		return
	}
	j.logCaughtUp()
}

func (j *job) logCaughtUp() {
	if !j.caughtUp {
		j.caughtUp = true
		j.log.Info().Dur("after", time.Since(j.started)).Msg("replay caught up")
	}
}

// onEvent applies one replayed event. It reports true when the follow
// ends: the job was committed earlier (by us before a restart, or by
// another committer).
func (j *job) onEvent(ctx context.Context, subject string, data []byte) (bool, error) {
	ev, err := messages.Decode[messages.Event](data)
	if err != nil {
		j.log.Error().Err(err).Str("subject", subject).Msg("ignoring malformed event")
		return false, nil
	}
	if ev.Type == messages.EventDone {
		return true, nil
	}
	j.apply(ev)
	if j.canceled != nil && !j.purged {
		return false, j.purgeWork(ctx)
	}
	return false, nil
}

// onTick closes a canceled job once its results have settled, and looks
// for lost items when a listed job has made no progress for a while. It
// reports true when the follow ends.
func (j *job) onTick(ctx context.Context, replay Replay, buffered int) (bool, error) {
	j.checkLease(ctx, replay, buffered)
	j.noteCaughtUp(ctx, replay, buffered)
	if j.canceled != nil {
		if time.Since(j.progress) > cancelSettle {
			return true, j.commit(ctx)
		}
		return false, nil
	}
	if j.listed != nil && !j.tally.Complete() && time.Since(j.progress) > j.c.sweepIdle {
		if err := j.sweepLost(ctx, replay, buffered); err != nil {
			j.log.Warn().Err(err).Msg("lost-item check failed")
		}
		j.progress = time.Now()
	}
	return false, nil
}

// closeReplay ends the follow's replay and removes it from the server.
func (j *job) closeReplay(r Replay) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(j.ctx), 5*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		j.log.Debug().Err(err).Msg("cannot delete the job's event consumer; the server drops it when idle")
	}
}

// apply counts one event; a second result for an index is a redelivered
// duplicate and is ignored.
func (j *job) apply(ev *messages.Event) {
	switch ev.Type {
	case messages.EventListed:
		if ev.Listed != nil && j.listed == nil {
			j.listed = ev.Listed
			j.report.BytesExpected = ev.Listed.Bytes
			// Results for indexes the listing never made can only come from
			// forged or corrupt messages; they were counted before the total
			// was known, so the counts cannot be trusted: the tally says how
			// many (Bogus) and the commit says so.
			j.tally.Listed(ev.Listed.Items)
		}
	case messages.EventCanceled:
		if j.canceled == nil {
			j.canceled = &messages.Canceled{By: "unknown"}
			if ev.Canceled != nil {
				j.canceled = ev.Canceled
			}
			j.progress = time.Now()
		}
	case messages.EventResult:
		if !j.tally.Add(ev.Result) {
			return
		}
		j.progress = time.Now()
		j.note(ev.Result)
	}
}

// note keeps what the commit needs of a new result beyond the tally's
// counts: directories made, each entry's leftovers, attributes, failures
// and copy times; a chunk goes towards its file's assembly.
func (j *job) note(r *messages.Result) {
	if r.Kind == messages.KindChunk {
		j.countDirs(r)
		j.chunkDone(j.ctx, r)
		return
	}
	// A chunked file's state ends with its own result (assembled, or
	// failed): only files still coming together keep an entry.
	delete(j.chunks, r.Index)
	for e := range r.Entries() {
		j.countDirs(e)
		j.noteEntry(e)
	}
}

// countDirs adds the directories a result says its copy made to
// dirs_created, each directory once. DistCp counts the listing's
// directories it copied; here a directory counts when it is the job's
// target root or below it (the listing's directories, and any a filter
// left out but whose files were copied) and this job made it: not one
// that existed, and not the target's missing parents. Several copies may
// make the same directory at once (a directory's item, its files, a
// file's chunks; an object store's marker or HDFS's mkdirs cannot tell the
// racers apart), so the directories are counted by path. A result's
// DirsCreated are the deepest ones of its path (fs.MkdirAll makes the
// missing tail): the directory itself for a directory item, else the
// file's parent, then theirs.
func (j *job) countDirs(r *messages.Result) {
	if r.DirsCreated <= 0 || j.rootErr != nil {
		return
	}
	u, err := fs.ParseURI(r.Dst)
	if err != nil {
		return
	}
	if r.Kind != messages.KindDir {
		u = u.Dir()
	}
	for range r.DirsCreated {
		if !j.root.Contains(u) {
			return
		}
		h := maphash.String(j.madeSeed, u.Path)
		if _, ok := j.made[h]; !ok {
			j.made[h] = struct{}{}
			j.report.DirsCreated++
		}
		u = u.Dir()
	}
}

// noteEntry keeps what the commit needs of one file or directory: where
// leftovers of earlier attempts may be, a directory's attributes, a
// failure, a copy's time.
func (j *job) noteEntry(r *messages.Result) {
	if r.Attempt > 1 || r.Status == messages.StatusFailed {
		if dst, err := parseDst(r.Dst); err == nil {
			j.noteSweepDir(path.Dir(dst))
			if len(j.sweepFiles) < maxSweepFiles {
				j.sweepFiles[dst] = true
			}
		}
	}
	switch {
	case r.Status == messages.StatusFailed:
		j.addFailure(r)
	case r.Status == messages.StatusSkipped && r.Kind != messages.KindDir:
		j.noteManifest(r)
	case r.Kind == messages.KindDir:
		if r.Attr != nil && j.spec.Options.Preserve.Any() && !j.spec.Options.DryRun {
			j.dirs.add(dirAttr{path: r.Dst, attr: *r.Attr})
		}
	case r.Status == messages.StatusCopied:
		j.noteManifest(r)
		j.report.NoteSlow(messages.SlowFile{Src: r.Src, Dst: r.Dst, Size: r.Size, DurationMS: r.DurationMS, Attempt: r.Attempt})
	}
}

// noteSweepDir remembers a directory the commit sweeps for temp files,
// up to maxSweepDirs; past it, the commit sweeps the whole write root.
func (j *job) noteSweepDir(dir string) {
	switch {
	case j.sweepAll:
	case len(j.sweepIn) >= j.sweepDirsMax && !j.sweepIn[dir]:
		j.sweepAll, j.sweepIn = true, nil
	default:
		j.sweepIn[dir] = true
	}
}

func (j *job) addFailure(r *messages.Result) {
	if len(j.report.Failures) < messages.MaxReportFailures {
		j.report.Failures = append(j.report.Failures, messages.Failure{Src: r.Src, Dst: r.Dst, Error: r.Error})
	}
}

// purgeWork removes the canceled job's remaining work items, so no copier
// starts them. A lister still enqueueing stops when it sees the job end.
func (j *job) purgeWork(ctx context.Context) error {
	if err := j.c.bus.PurgeWork(ctx, j.spec.ID); err != nil {
		return fmt.Errorf("cancel job %s: %w", j.spec.ID, err)
	}
	j.purged = true
	j.log.Info().Str("by", j.canceled.By).Msg("job canceled; its remaining work items were removed")
	return nil
}

// sweepLost turns work items that can never produce a result into failures.
// Order matters: a copier publishes an item's result before acking or
// terminating it, so once the work stream holds nothing for the job, every
// result that will ever exist is already in the events stream; once our
// replay has nothing pending either, the missing indexes are lost.
func (j *job) sweepLost(ctx context.Context, replay Replay, buffered int) error {
	if settled, err := j.allDelivered(ctx, replay, buffered); err != nil || !settled {
		return err
	}
	lost := int64(0)
	publish := func(res *messages.Result) error {
		lost++
		return j.publishLost(ctx, res)
	}
	settled, err := j.sweepChunks(publish)
	if err != nil {
		return err
	}
	for i := range j.listed.Items {
		if j.tally.Seen(i) || settled[i] {
			continue
		}
		if st := j.chunks[i]; st != nil && st.launched {
			continue // being assembled: its result is on the way
		}
		if err := publish(&messages.Result{Index: i, Kind: messages.KindFile}); err != nil {
			return err
		}
	}
	if lost > 0 {
		j.log.Error().Int64("lost", lost).Msg("recorded lost work items as failed")
	}
	return nil
}

// allDelivered reports whether every result the job will ever have is
// here: the work stream holds none of its items, and the replay has
// nothing pending or buffered.
func (j *job) allDelivered(ctx context.Context, replay Replay, buffered int) (bool, error) {
	left, err := j.c.bus.WorkLeft(ctx, j.spec.ID)
	if err != nil || left > 0 {
		return false, err
	}
	pending, err := replay.Pending(ctx)
	if err != nil {
		return false, err
	}
	return pending == 0 && buffered == 0, nil
}

// publishLost publishes a lost item's failed result.
func (j *job) publishLost(ctx context.Context, res *messages.Result) error {
	res.Status = messages.StatusFailed
	res.Error = fmt.Sprintf("work item %d lost: it left the work stream without a result (malformed, or its copier gave up)", res.Index)
	ev := &messages.Event{Type: messages.EventResult, Job: j.spec.ID, Time: time.Now().UTC(), Result: res}
	return j.c.bus.PublishEvent(ctx, ev, messages.ResultMsgID(j.spec.ID, res.Index))
}

// sweepChunks fails the lost chunks of files whose other chunks came in:
// such a file then fails once, when the committer has all its chunks, with
// its own result. (The lister puts a file's chunks at the Count indexes
// just before the file's.) It returns the indexes settled so: the lost
// chunks, and their files when those are complete now.
func (j *job) sweepChunks(publish func(*messages.Result) error) (map[int64]bool, error) {
	settled := map[int64]bool{}
	for f, st := range j.chunks {
		first := f - int64(st.count)
		if st.launched || first < 0 {
			continue
		}
		missing := 0
		for seq := range st.count {
			i := first + int64(seq)
			if j.tally.Seen(i) {
				continue
			}
			missing++
			settled[i] = true
			res := &messages.Result{Index: i, Kind: messages.KindChunk, Src: st.a.File.Src, Dst: st.a.File.Dst, Size: st.size,
				Chunk: &messages.Chunk{File: f, Seq: seq, Count: st.count}}
			if err := publish(res); err != nil {
				return nil, err
			}
		}
		if st.got+missing == st.count {
			settled[f] = true // its assembly fails it, once
		}
	}
	return settled, nil
}
