// Package messages defines everything jetcp's services say to each other
// over NATS JetStream: the wire types, their versioned JSON encoding, and the
// subjects, streams, consumers and buckets that carry them (topology.go is
// the one place the topology is defined).
package messages
