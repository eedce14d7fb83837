package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/messages"
)

// Streams, consumers and buckets. Their names are part of a deployment:
// jobs recorded by an older version must survive an upgrade.
const (
	// WorkStream holds work items, jetcp.work.<job>; a WorkQueue: an item
	// leaves the stream when a copier acks or terminates it.
	WorkStream  = "JETCP_WORK"
	WorkSubject = messages.WorkPrefix + ".>"
	// CopierConsumer is the one durable pull consumer all copiers share.
	CopierConsumer = "copiers"

	// EventStream holds job events, jetcp.events.<job>.<type>, with limits
	// retention so that any number of subscribers can follow or replay a job.
	EventStream  = "JETCP_EVENTS"
	EventSubject = messages.EventPrefix + ".>"
	// CommitterConsumer sees every job's created event; a committer acks it
	// once the job is committed, so a restarted committer picks it up again.
	CommitterConsumer = "committer"

	// JobBucket is a KV bucket: job id -> Job spec.
	JobBucket = "jetcp_jobs"

	// HealthStream keeps the one message a service's health check stores
	// (Bus.Health), on HealthSubject.
	HealthStream  = "JETCP_HEALTH"
	HealthSubject = "jetcp.health"
)

// Topology sizes the streams. Zero values take defaults.
type Topology struct {
	Replicas     int           // 1 for a single server, 3 for a cluster
	Memory       bool          // keep the streams in memory (tests); else on disk
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
func (b *Bus) Ensure(ctx context.Context, t Topology) error {
	t = t.withDefaults()
	js := b.js
	storage := jetstream.FileStorage
	if t.Memory {
		storage = jetstream.MemoryStorage
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        WorkStream,
		Description: "jetcp work items, one per file or directory",
		Subjects:    []string{WorkSubject},
		Retention:   jetstream.WorkQueuePolicy,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     t.WorkMaxMsgs,
		Storage:     storage,
		Replicas:    t.Replicas,
		Duplicates:  10 * time.Minute,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", WorkStream, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, WorkStream, jetstream.ConsumerConfig{
		Durable:       CopierConsumer,
		Description:   "shared by all copiers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       messages.AckWait,
		MaxDeliver:    messages.MaxDeliver,
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
		Storage:     storage,
		Replicas:    t.Replicas,
		Duplicates:  10 * time.Minute,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", EventStream, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, EventStream, jetstream.ConsumerConfig{
		Durable:       CommitterConsumer,
		Description:   "job created events for committers",
		FilterSubject: messages.EventSubjectFor("*", messages.EventCreated),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       messages.AckWait,
		MaxAckPending: 1000,
		Replicas:      t.Replicas,
	}); err != nil {
		return fmt.Errorf("create consumer %s: %w", CommitterConsumer, err)
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      JobBucket,
		Description: "jetcp job specs",
		Storage:     storage,
		Replicas:    t.Replicas,
	}); err != nil {
		return fmt.Errorf("create bucket %s: %w", JobBucket, err)
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      ListingBucket,
		Description: "jetcp listing checkpoints, for lister resume",
		TTL:         ListingTTL,
		Storage:     storage,
		Replicas:    t.Replicas,
	}); err != nil {
		return fmt.Errorf("create bucket %s: %w", ListingBucket, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        HealthStream,
		Description: "jetcp services' health checks: can JetStream store a message",
		Subjects:    []string{HealthSubject},
		MaxMsgs:     1,
		Storage:     storage,
		Replicas:    t.Replicas,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", HealthStream, err)
	}
	return nil
}
