package committer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// A committer that takes up a job replays its events within its replay
// buffer, however large they are: 24 bundle results of 100 skipped files
// each (tens of KB an event, as an -update's skip batches are) replayed
// from a nats-server through a buffer of two and a half events. Every
// file is counted, and the bytes the committer held at once (its
// ReplayBuffered counter) stay within the buffer.
func TestReplayStaysWithinItsBuffer(t *testing.T) {
	// Longer than setup's minute: it decodes 2,400 entries' JSON, slow
	// under -race on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	js := bustest.Start(t, ctx, bus.Topology{Memory: true})
	root := fs.MustParseURI(t.TempDir()).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root},
		Target: root, WriteRoot: root, TargetIsDir: true}
	if err := js.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	const bundles, perBundle = 24, 100
	var size int
	for b := range int64(bundles) {
		res := &messages.Result{Index: b, Kind: messages.KindBundle, Status: messages.StatusSkipped, Attempt: 1}
		for f := range perBundle {
			name := fmt.Sprintf("/dir-%03d/%s-%05d", b, strings.Repeat("long-file-name-", 12), f)
			res.Files = append(res.Files, messages.Result{Index: b, Kind: messages.KindFile, Status: messages.StatusSkipped,
				Src: root + name, Dst: root + name, Size: 1, Attempt: 1, Reason: "same size and checksum"})
		}
		ev := &messages.Event{Type: messages.EventResult, Job: job.ID, Result: res}
		data, err := messages.Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		size = max(size, len(data))
		pub(t, ctx, js, ev)
	}
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID,
		Listed: &messages.Listed{Items: bundles, Files: bundles * perBundle, Bytes: bundles * perBundle}})
	buffer := int64(size) * 5 / 2

	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	c := committer.New(js, reg, zerolog.Nop(), committer.WithReplayBuffer(buffer))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan struct{})
	go func() { c.Run(runCtx); close(ran) }()
	pub(t, ctx, js, &messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job})
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateSucceeded || rep.FilesSkipped != bundles*perBundle {
		t.Errorf("report: %s, %d skipped; want succeeded, %d skipped", rep.State, rep.FilesSkipped, bundles*perBundle)
	}
	stop()
	<-ran // the job's follow has ended
	now, peak := c.ReplayBuffered()
	if peak > buffer || peak < int64(size) {
		t.Errorf("the replay held %d bytes at once; want between one event (%d) and the buffer (%d)", peak, size, buffer)
	}
	if now != 0 {
		t.Errorf("%d bytes still held after the job ended", now)
	}
	t.Logf("events of %d bytes, buffer %d, held at most %d", size, buffer, peak)
}
