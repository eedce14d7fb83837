// Package lister is the lister service, the start of the flow lister ->
// work stream (jetcp.work.<job>) -> copiers -> events -> committer: it
// parses DistCp's options (args.go), plans a job (where each source lands,
// plan.go) and submits it: records the job, publishes its created event,
// walks the sources and publishes one work item per entry (bundles of
// small files, chunks of large ones) with dense indexes 0..N-1, and closes
// the listing with N on jetcp.events.<job>.listed. It checkpoints the
// listing as it goes (checkpoint.go), so that another lister can resume
// it under the same job id when it dies (resumejob.go).
//
// It reaches the streams only through Publisher, WorkQueue (submit.go)
// and Checkpoints (checkpoint.go), which internal/bus satisfies; asking
// about jobs afterwards (status, wait, watch, cancel, progress) is
// internal/jobclient's.
package lister
