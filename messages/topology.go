package messages

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Streams, consumers and buckets. Subjects carry the job id and a type, never
// paths (every subject is indexed by the server).
const (
	// WorkStream holds work items, jetcp.work.<job>; a WorkQueue: an item
	// leaves the stream when a copier acks or terminates it.
	WorkStream  = "JETCP_WORK"
	WorkPrefix  = "jetcp.work"
	WorkSubject = WorkPrefix + ".>"
	// CopierConsumer is the one durable pull consumer all copiers share.
	CopierConsumer = "copiers"

	// EventStream holds job events, jetcp.events.<job>.<type>, with limits
	// retention so that any number of subscribers can follow or replay a job.
	EventStream  = "JETCP_EVENTS"
	EventPrefix  = "jetcp.events"
	EventSubject = EventPrefix + ".>"
	// CommitterConsumer sees every job's created event; a committer acks it
	// once the job is committed, so a restarted committer picks it up again.
	CommitterConsumer = "committer"

	// JobBucket is a KV bucket: job id -> Job spec.
	JobBucket = "jetcp_jobs"

	// MaxDeliver is the server-side backstop above the copiers' own attempt
	// budget: the copier always gets one delivery to record the failure.
	MaxDeliver = 10
	// AckWait is how long a copier may hold an item without a heartbeat.
	AckWait = 30 * time.Second
)

// WorkSubjectFor is the subject of a job's work items.
func WorkSubjectFor(job string) string { return WorkPrefix + "." + job }

// EventSubjectFor is the subject of a job's events of one type ("*" for all).
func EventSubjectFor(job, typ string) string { return EventPrefix + "." + job + "." + typ }

// Topology sizes the streams. Zero values take defaults.
type Topology struct {
	Replicas     int // 1 for a single server, 3 for a cluster
	Storage      jetstream.StorageType
	WorkMaxMsgs  int64         // back-pressure: publishers get an error past it
	EventsMaxAge time.Duration // how long jobs can be replayed
}

func (t Topology) withDefaults() Topology {
	if t.Replicas == 0 {
		t.Replicas = 1
	}
	if t.WorkMaxMsgs == 0 {
		t.WorkMaxMsgs = 1_000_000
	}
	if t.EventsMaxAge == 0 {
		t.EventsMaxAge = 7 * 24 * time.Hour
	}
	return t
}

// Ensure creates or updates every stream, consumer and bucket jetcp uses.
// Every service calls it at start, so whichever starts first sets things up.
func Ensure(ctx context.Context, js jetstream.JetStream, t Topology) error {
	t = t.withDefaults()
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        WorkStream,
		Description: "jetcp work items, one per file or directory",
		Subjects:    []string{WorkSubject},
		Retention:   jetstream.WorkQueuePolicy,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     t.WorkMaxMsgs,
		Storage:     t.Storage,
		Replicas:    t.Replicas,
		Duplicates:  10 * time.Minute,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", WorkStream, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, WorkStream, jetstream.ConsumerConfig{
		Durable:       CopierConsumer,
		Description:   "shared by all copiers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       AckWait,
		MaxDeliver:    MaxDeliver,
		MaxAckPending: 100_000,
		Replicas:      t.Replicas,
	}); err != nil {
		return fmt.Errorf("create consumer %s: %w", CopierConsumer, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        EventStream,
		Description: "jetcp job events: created, listed, result, done",
		Subjects:    []string{EventSubject},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      t.EventsMaxAge,
		Storage:     t.Storage,
		Replicas:    t.Replicas,
		Duplicates:  10 * time.Minute,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", EventStream, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, EventStream, jetstream.ConsumerConfig{
		Durable:       CommitterConsumer,
		Description:   "job created events for committers",
		FilterSubject: EventPrefix + ".*." + EventCreated,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       AckWait,
		MaxAckPending: 1000,
		Replicas:      t.Replicas,
	}); err != nil {
		return fmt.Errorf("create consumer %s: %w", CommitterConsumer, err)
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      JobBucket,
		Description: "jetcp job specs",
		Storage:     t.Storage,
		Replicas:    t.Replicas,
	}); err != nil {
		return fmt.Errorf("create bucket %s: %w", JobBucket, err)
	}
	return nil
}

// JetStream's error codes for a publish the server refused to store
// (nats-server's JSStreamStoreFailedF and JSInsufficientResourcesErr).
const (
	codeStoreFailed           jetstream.ErrorCode = 10077
	codeInsufficientResources jetstream.ErrorCode = 10023
)

// fullStream are the descriptions a 10077 answer carries when a stream with
// DiscardNew is at its own limits (nats-server's ErrMaxMsgs, ErrMaxBytes,
// ErrMaxMsgsPerSubject): its consumers make room. Every other 10077 is a
// store that cannot take the message at all (closed, an I/O error, a
// message too large).
var fullStream = map[string]bool{
	"maximum messages exceeded":             true,
	"maximum bytes exceeded":                true,
	"maximum messages per subject exceeded": true,
}

// IsBackPressure reports whether a publish failed because the stream is
// full (DiscardNew): the publisher should wait and retry.
func IsBackPressure(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == codeStoreFailed && fullStream[apiErr.Description]
}

// ExplainStoreError wraps a publish error that waiting will not cure (a
// store failure, or a server out of resources) with its cause and what to
// do; any other error comes back as it is.
func ExplainStoreError(err error) error {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || IsBackPressure(err) {
		return err
	}
	switch apiErr.ErrorCode {
	case codeInsufficientResources:
		return fmt.Errorf("JetStream has no room left (the server's storage limit, max_file_store or max_memory_store, or its disk is full): "+
			"free space or raise the limit, then run the job again with -update: %w", err)
	case codeStoreFailed:
		return fmt.Errorf("JetStream could not store the message (%s): see the nats-server log for its store: %w", apiErr.Description, err)
	}
	return err
}
