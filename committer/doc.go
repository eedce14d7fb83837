// Package committer is the committer service. For every job it replays the
// job's events from the start of the events stream (so a restarted
// committer rebuilds its state from JetStream, not from memory), counts one
// terminal result per work item, and when listing is complete and every item
// has a result runs DistCp's commit phase: remove leftover temp files,
// -atomic rename or -delete, directory attributes deepest first, then the
// report.
package committer
