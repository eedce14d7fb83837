// Package copier is the copier service: it pulls work items from the shared
// work consumer, brings each source entry to its target with DistCp's
// per-file rules, and publishes exactly one terminal result per item.
// Acks and redelivery are the load balancing: a copier that dies simply
// stops acking, and its items go to another.
package copier
