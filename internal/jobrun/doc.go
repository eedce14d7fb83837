// Package jobrun runs one copy job for the lister program, from the plan
// to the report: it connects to JetStream, or embeds a server with a
// committer and copier workers in this process when no --nats URL is given;
// it submits the plan, follows the job's results (the -log lines and the
// progress counts) and waits for the committer's report. When the caller's
// context ends (Ctrl-C) it cancels the job and waits, with bounded
// patience, for the partial report, so what was copied is whole and
// -update finishes the job.
//
// The flow it drives is the one of the services: the lister publishes work
// items to the work stream, copiers take them and publish result events,
// the committer tallies the events and publishes the job's done event with
// the report, which Run returns.
//
// It wires internal/bus into the services (copier.New, committer.New,
// lister.New take the bus as the interfaces they declare) and follows the
// job through internal/jobclient.
//
// Run takes a zerolog logger and a small Options value rather than the
// lister's Config: Config is what the command line parses to (help,
// --print-config, --report-json, the -log directory, notes and warnings)
// and would tie the runtime to the parser and to every CLI setting. The
// runtime needs half a dozen values; the command line (internal/cli) maps
// its settings to them, resolves the environment (NATS credentials) and
// keeps argv, output and exit statuses. For the same reason progress is a
// callback: the runtime counts, the command line draws.
package jobrun
