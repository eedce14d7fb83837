package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/internal/natsembed"
	"github.com/jetcp/jetcp/messages"
)

// Only a stream at its own limits with DiscardNew is back-pressure (the
// consumers make room); any other failure to store, and a server out of
// resources, is not cured by waiting and says what is wrong.
func TestBackPressureOrStoreFailure(t *testing.T) {
	apiErr := func(code jetstream.ErrorCode, desc string) error {
		return fmt.Errorf("publish: %w", &jetstream.APIError{Code: 503, ErrorCode: code, Description: desc})
	}
	for _, tc := range []struct {
		err          error
		backPressure bool
		explained    string // in the explained error; "" when left as it is
	}{
		{apiErr(10077, "maximum messages exceeded"), true, ""},
		{apiErr(10077, "maximum bytes exceeded"), true, ""},
		{apiErr(10077, "maximum messages per subject exceeded"), true, ""},
		{apiErr(10077, "store is closed"), false, "could not store"},
		{apiErr(10077, "write /data/jetstream/blk: input/output error"), false, "could not store"},
		{apiErr(10077, "message too large"), false, "could not store"},
		{apiErr(10023, "insufficient resources"), false, "no room"},
		{apiErr(10059, "stream not found"), false, ""},
		{jetstream.ErrNoStreamResponse, false, ""},
		{errors.New("other"), false, ""},
	} {
		if got := bus.IsBackPressure(tc.err); got != tc.backPressure {
			t.Errorf("IsBackPressure(%v) = %v, want %v", tc.err, got, tc.backPressure)
		}
		got := bus.ExplainStoreError(tc.err)
		if !errors.Is(got, tc.err) {
			t.Errorf("ExplainStoreError(%v) = %v: does not wrap it", tc.err, got)
		}
		if tc.explained == "" && got != tc.err || tc.explained != "" && !strings.Contains(got.Error(), tc.explained) {
			t.Errorf("ExplainStoreError(%v) = %q, want it to say %q", tc.err, got, tc.explained)
		}
	}
}

// A real stream at its limit answers with back-pressure.
func TestFullStreamIsBackPressure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := natsembed.Start(t.TempDir(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	js, err := jetstream.New(srv.Conn())
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []jetstream.StreamConfig{
		{Name: "MSGS", Subjects: []string{"msgs"}, Storage: jetstream.MemoryStorage, Discard: jetstream.DiscardNew, MaxMsgs: 1},
		{Name: "BYTES", Subjects: []string{"bytes"}, Storage: jetstream.FileStorage, Discard: jetstream.DiscardNew, MaxBytes: 200},
	} {
		if _, err := js.CreateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, cfg.Subjects[0], []byte("first")); err != nil {
			t.Fatal(err)
		}
		_, err := js.Publish(ctx, cfg.Subjects[0], make([]byte, 150))
		if err == nil || !bus.IsBackPressure(err) || bus.ExplainStoreError(err) != err {
			t.Errorf("%s: publish to a full stream: %v, want back-pressure", cfg.Name, err)
		}
	}
}

// A work queue that met a full store says so at once, and again on every
// later Add or Flush (the futures it waited on are spent: waiting on them
// again would hang the lister closing its listing).
func TestWorkQueueStoreFailureSticks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := bustest.StartFull(t, ctx, 64<<10)
	if err := b.Health(ctx); err != nil {
		t.Fatalf("health of an empty store: %v", err)
	}
	q := b.WorkQueue("job1")
	var first error
	for i := int64(0); first == nil && i < 10000; i++ {
		if first = q.Add(ctx, &messages.WorkItem{Job: "job1", Index: i, Src: strings.Repeat("s", 200)}); first == nil && i%100 == 99 {
			first = q.Flush(ctx)
		}
	}
	if !bus.IsStoreFailure(first) || !strings.Contains(first.Error(), "no room left") {
		t.Fatalf("filling the store: %v, want an explained store failure", first)
	}
	for _, err := range []error{q.Flush(ctx), q.Add(ctx, &messages.WorkItem{Job: "job1", Index: 10001})} {
		if err != first {
			t.Errorf("after the failure: %v, want %v", err, first)
		}
	}
	if err := b.Health(ctx); err == nil || !strings.Contains(err.Error(), "no room left") {
		t.Errorf("health with the store full: %v", err)
	}
}
