// Package copier is the copier service, the middle of the flow lister ->
// work stream (jetcp.work.<job>) -> copiers -> events -> committer: it
// pulls work items from the shared work consumer, brings each source entry
// to its target with DistCp's per-file rules, and publishes exactly one
// terminal result per item on jetcp.events.<job>.result. Acks and
// redelivery are the load balancing: a copier that dies simply stops
// acking, and its items go to another.
//
// It reaches the streams only through the interfaces in bus.go (Work,
// Delivery, Jobs), which internal/bus satisfies, so its logic is tested
// without a server.
package copier
