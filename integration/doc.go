// Package integration runs jetcp as users deploy it: separate lister,
// copier and committer programs over a real JetStream server, as processes
// (no Docker needed) and as containers built from scratch images
// (testcontainers-go; skipped with a message where no Docker engine is
// reachable). Faults are real: SIGKILL of a copier or committer, a NATS
// node stopped in a three-node R3 cluster.
package integration
