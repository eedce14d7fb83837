package copier_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/messages"
)

// A copier refuses malformed items, items of unknown jobs, and items that
// try to write outside their job's target or read outside its sources, and
// goes on serving the good ones.
func TestCopierRefusesHostileItemsAndKeepsServing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	js := startBus(t, ctx)
	base := t.TempDir()
	src, dst, outside := filepath.Join(base, "src"), filepath.Join(base, "dst"), filepath.Join(base, "outside")
	for _, d := range []string{src, dst, outside} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(src, "good"), []byte("good bytes"), 0o644)
	os.WriteFile(filepath.Join(base, "secret"), []byte("not a source"), 0o644)
	u := func(p string) string { return fs.MustParseURI(p).String() }
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{u(src)}, Target: u(dst), WriteRoot: u(dst)}
	results := recordJob(t, ctx, js, job)

	goodSrc := fs.MustParseURI(filepath.Join(src, "good"))
	item := func(i int64, s, d string) []byte {
		fi, _ := os.Stat(filepath.Join(src, "good"))
		b, _ := messages.Encode(&messages.WorkItem{Job: job.ID, Index: i, Kind: messages.KindFile, Src: s, Dst: d,
			Attr: messages.Attrs{Size: fi.Size(), ModTime: fi.ModTime()}})
		return b
	}
	subj := messages.WorkSubjectFor(job.ID)
	msgs := [][]byte{
		[]byte(`{not json`),
		[]byte(`{"v":99,"job":"` + job.ID + `"}`),
		func() []byte {
			b, _ := messages.Encode(&messages.WorkItem{Job: "no-such-job", Index: 0, Kind: messages.KindFile})
			return b
		}(),
		item(1, goodSrc.String(), u(filepath.Join(dst, "..", "outside", "escaped"))),
		item(2, goodSrc.String(), "file://"+dst+"/../outside/escaped2"),
		item(3, u(filepath.Join(base, "secret")), u(filepath.Join(dst, "stolen"))),
		item(4, goodSrc.String(), u(filepath.Join(outside, "absolute"))), // an absolute path elsewhere
		item(5, goodSrc.String(), "hdfs://127.0.0.1:1/elsewhere"),        // another file system
		item(0, goodSrc.String(), u(filepath.Join(dst, "good"))),
	}
	for _, m := range msgs {
		if _, err := js.Publish(ctx, subj, m); err != nil {
			t.Fatal(err)
		}
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { copier.New(js.bus, js.bus, reg, zerolog.Nop(), copier.WithWorkers(2)).Run(runCtx); close(done) }()

	got := map[int64]*messages.Result{}
	for len(got) < 6 {
		m, err := results.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("waiting for results (have %d): %v", len(got), err)
		}
		ev, err := messages.Decode[messages.Event](m.Data())
		if err != nil {
			t.Fatal(err)
		}
		got[ev.Result.Index] = ev.Result
	}
	if r := got[0]; r.Status != messages.StatusCopied {
		t.Fatalf("good item: %+v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "good")); string(data) != "good bytes" {
		t.Fatalf("good item bytes %q", data)
	}
	for _, i := range []int64{1, 2, 3, 4, 5} {
		if r := got[i]; r.Status != messages.StatusFailed || !strings.Contains(r.Error, "refused") {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	for _, p := range []string{filepath.Join(outside, "escaped"), filepath.Join(outside, "escaped2"), filepath.Join(dst, "stolen"), filepath.Join(outside, "absolute")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s was written", p)
		}
	}
	// Malformed and unknown-job items were terminated, not left to redeliver.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := js.Stream(ctx, bus.WorkStream)
		info, _ := st.Info(ctx)
		if info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d items left in the work stream", info.State.Msgs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	<-done
}

// testBus is an embedded server's bus, and JetStream itself for what a
// test publishes or inspects directly.
type testBus struct {
	jetstream.JetStream
	bus *bus.Bus
}

// startBus starts an embedded JetStream server with jetcp's streams.
func startBus(t *testing.T, ctx context.Context) testBus {
	t.Helper()
	b := bustest.Start(t, ctx, bus.Topology{Memory: true})
	js, _ := jetstream.New(b.Conn())
	return testBus{JetStream: js, bus: b}
}

// copyEnv starts a bus for one test and makes its source and target
// directories (both existing: files are looked up before they are written).
func copyEnv(t *testing.T) (ctx context.Context, js testBus, src, dst string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	js = startBus(t, ctx)
	base := t.TempDir()
	src, dst = filepath.Join(base, "src"), filepath.Join(base, "dst")
	for _, d := range []string{src, dst} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, js, src, dst
}

// recordJob records job as a lister would and follows its results.
func recordJob(t *testing.T, ctx context.Context, js testBus, job *messages.Job) jetstream.Consumer {
	t.Helper()
	if err := js.bus.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	results, err := js.OrderedConsumer(ctx, bus.EventStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{messages.EventSubjectFor(job.ID, messages.EventResult)}})
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// copyItems records job, publishes items to its work stream, runs a copier
// with workers over reg until every item has a result, stops it and
// returns the results by index.
func copyItems(t *testing.T, ctx context.Context, js testBus, reg *fs.Registry, log zerolog.Logger, workers int,
	job *messages.Job, items ...*messages.WorkItem) map[int64]*messages.Result {
	t.Helper()
	results := recordJob(t, ctx, js, job)
	for _, it := range items {
		b, _ := messages.Encode(it)
		if _, err := js.Publish(ctx, messages.WorkSubjectFor(job.ID), b); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		copier.New(js.bus, js.bus, reg, log, copier.WithWorkers(workers)).Run(runCtx)
		close(done)
	}()
	defer func() { stop(); <-done }()
	got := map[int64]*messages.Result{}
	for len(got) < len(items) {
		m, err := results.Next(jetstream.FetchMaxWait(20 * time.Second))
		if err != nil {
			t.Fatalf("waiting for results (have %d of %d): %v", len(got), len(items), err)
		}
		ev, err := messages.Decode[messages.Event](m.Data())
		if err != nil {
			t.Fatal(err)
		}
		got[ev.Result.Index] = ev.Result
	}
	return got
}
