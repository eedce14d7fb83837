// Package committer is the committer service, the end of the flow lister
// -> work stream -> copiers -> events (jetcp.events.<job>.<type>) ->
// committer. For every job it replays the job's events from the start of
// the events stream (so a restarted committer rebuilds its state from
// JetStream, not from memory), counts one terminal result per work item,
// and when listing is complete and every item has a result runs DistCp's
// commit phase: remove leftover temp files, -atomic rename or -delete,
// directory attributes deepest first, then the report on
// jetcp.events.<job>.done. It publishes results itself only for items
// that can no longer get one (lost) and for assembled chunked files.
//
// It reaches the streams only through the interfaces in bus.go (Jobs,
// Delivery, Events, Replay, Work), which internal/bus satisfies, so its
// logic is tested without a server.
package committer
