package copier_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/messages"
)

// A bundle delivered again (its copier died after renaming some of its
// files into place, before the ack) finds those files as this job's own
// copies: they count "copied", with their checksum, not "skipped"; a file
// another job put there is still skipped (the target existed), and a
// missing one is copied.
func TestRedeliveredBundleCountsOwnCopiesCopied(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	js := startBus(t, ctx)
	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	os.MkdirAll(src, 0o755)
	os.MkdirAll(dst, 0o755) // an existing target: files are looked up before they are written
	uri := func(p string) string { return fs.MustParseURI(p).String() }
	files := map[string]messages.BundledFile{}
	for _, name := range []string{"a", "b", "c", "other"} {
		p := filepath.Join(src, name)
		os.WriteFile(p, []byte("bytes of "+name), 0o644)
		fi, _ := os.Stat(p)
		files[name] = messages.BundledFile{Src: uri(p), Dst: uri(filepath.Join(dst, name)),
			Attr: messages.Attrs{Size: fi.Size(), ModTime: fi.ModTime()}}
	}
	bundle := func(job string, index int64, names ...string) *messages.WorkItem {
		it := &messages.WorkItem{Job: job, Index: index, Kind: messages.KindBundle}
		for _, n := range names {
			it.Files = append(it.Files, files[n])
		}
		return it
	}
	newJob := func() *messages.Job {
		return &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{uri(src)},
			Target: uri(dst), WriteRoot: uri(dst)}
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)

	// Another job copied "other" before.
	earlier := newJob()
	earlier.ID += "-k"
	if r := copyItems(t, ctx, js, reg, zerolog.Nop(), 1, earlier, bundle(earlier.ID, 0, "other"))[0]; r.Files[0].Status != messages.StatusCopied {
		t.Fatalf("the other job's copy: %+v", r.Files[0])
	}
	// This job's first delivery put a and b in place (and died: here a
	// first item renamed them, and the bundle holding them comes again).
	job := newJob()
	first := copyItems(t, ctx, js, reg, zerolog.Nop(), 1, job, bundle(job.ID, 0, "a", "b"))[0]
	// The same bundle with the rest, on its second delivery: the test takes
	// the first and gives it back, as a copier that died would (after the
	// ack wait).
	again := bundle(job.ID, 1, "a", "b", "c", "other")
	data, _ := messages.Encode(again)
	if _, err := js.Publish(ctx, messages.WorkSubjectFor(job.ID), data); err != nil {
		t.Fatal(err)
	}
	cons, err := js.Consumer(ctx, bus.WorkStream, bus.CopierConsumer)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		if err := m.Nak(); err != nil {
			t.Fatal(err)
		}
	}
	results, err := js.OrderedConsumer(ctx, bus.EventStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{messages.EventSubjectFor(job.ID, messages.EventResult)}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { copier.New(js.bus, js.bus, reg, zerolog.Nop(), copier.WithWorkers(1)).Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	var got *messages.Result
	for got == nil {
		m, err := results.Next(jetstream.FetchMaxWait(20 * time.Second))
		if err != nil {
			t.Fatalf("waiting for the bundle's result: %v", err)
		}
		if ev, err := messages.Decode[messages.Event](m.Data()); err == nil && ev.Result.Index == 1 {
			got = ev.Result
		}
	}
	if got.Attempt != 2 || len(got.Files) != 4 {
		t.Fatalf("result %+v, want attempt 2 with 4 files", got)
	}
	for i, want := range []struct{ status, reason, sum string }{
		{messages.StatusCopied, copier.ReasonOwnCopy, first.Files[0].Checksum},
		{messages.StatusCopied, copier.ReasonOwnCopy, first.Files[1].Checksum},
		{messages.StatusCopied, "target missing", ""},
		{messages.StatusSkipped, "target exists", ""},
	} {
		f := got.Files[i]
		if f.Status != want.status || f.Reason != want.reason || want.sum != "" && f.Checksum != want.sum {
			t.Errorf("%s: %s (%s) checksum %q, want %s (%s) %q", f.Dst, f.Status, f.Reason, f.Checksum, want.status, want.reason, want.sum)
		}
	}
	if first.Files[0].Checksum == "" {
		t.Error("the first copy reported no checksum")
	}
}
