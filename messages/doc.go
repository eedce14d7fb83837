// Package messages defines everything jetcp's services say to each other:
// the wire types (work items, job events, reports, job specs), their
// versioned encoding (JSON, and for what a job stores per file, its work
// items and result events, a compact binary form: compact.go), and the
// subjects that carry them. The data flows lister -> work stream
// (jetcp.work.<job>) -> copiers -> events (jetcp.events.<job>.<type>) ->
// committer.
//
// It imports only the standard library, so the schema can be used and
// tested without a NATS client; streams, consumers and buckets are
// internal/bus's.
package messages
