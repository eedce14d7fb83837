// Package bus is jetcp's one JetStream package: the topology (streams,
// consumers, the job bucket and their configuration), publishing events
// and work items (with back-pressure), pulling work and job-created
// events with ack / retry / release / fail / keep-alive, replaying a
// job's events, purging and counting its work, and the job bucket; and
// the core NATS subjects that need no storage: cancel requests
// (jetcp.cancel.<job>, answered by the committer following the job), the
// lister's listing heartbeats (jetcp.lease.<job>) and the copiers' bytes
// in flight (jetcp.progress.<job>); plus the health check that shows
// whether JetStream can store at all.
//
// The data flows lister -> work stream (JETCP_WORK, jetcp.work.<job>) ->
// copiers -> events (JETCP_EVENTS, jetcp.events.<job>.<type>) ->
// committer. Each service declares the few methods it needs as its own
// interfaces (copier.Work, committer.Jobs, lister.Publisher, ...) and a
// *Bus satisfies them, so a service's logic runs against an in-memory
// fake in its tests and against JetStream in the binaries, and no service
// imports a NATS package. Where a method returns something with methods
// of its own (a delivery, a replay, a work queue), the service and this
// package each name the same interface literal with a type alias:
// identical literals are one type, so neither package imports the other.
package bus
