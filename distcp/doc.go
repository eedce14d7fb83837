// Package distcp holds DistCp's rules that more than one service applies
// (Hadoop's DistCpUtils and CopyMapper): where each source lands, the
// per-file copy/skip decision, the options a file is created with, the
// attributes -p preserves, and the names of temp files and assemblies.
//
// The rules live here, not in a service, so that the lister, the copiers
// and the committer apply one copy of them without importing each other
// (data flows lister -> work stream -> copiers -> events -> committer),
// and so that they can be tested as tables, without a NATS server.
//
// The package does no I/O except ReadOrigin, the one read the decision
// may need, kept out of Decide so that Decide stays a pure table. It takes
// the job's options and a source's attributes as the wire types
// (messages.Options, messages.Attrs): copying them into types of its own
// would put the same conversion into every service.
//
// Making a chunked file whole is not here: it writes to the target, and
// in DistCp it is the committer's job (CopyCommitter concatenates the
// chunks); see internal/place.
package distcp
