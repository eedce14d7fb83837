// Package jobclient is what a person (or script) asks about jobs on the
// bus: a job's status, the list of jobs, waiting for a job's report,
// following its events live (watch, -log), canceling it, and a live count
// of its progress. It reads only the streams and the job bucket, through
// internal/bus, so any machine can ask; it is not part of any service.
package jobclient
