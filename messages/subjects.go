package messages

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Subjects carry the job id and a type, never paths (every subject is
// indexed by the server). They are plain strings: the wire schema needs no
// client library, and internal/bus maps them onto streams.
const (
	// WorkPrefix is the work items' subjects, jetcp.work.<job>: the lister
	// publishes them, copiers take them.
	WorkPrefix = "jetcp.work"
	// EventPrefix is the job events' subjects, jetcp.events.<job>.<type>:
	// the lister publishes created and listed, copiers (and the lister, for
	// entries already in place) results, the committer done, a job client
	// canceled.
	EventPrefix = "jetcp.events"
	// CancelPrefix is the subjects of cancel requests, jetcp.cancel.<job>:
	// core NATS requests (nothing is stored) that the committer following
	// the job answers, so a job can be stopped when JetStream cannot store
	// anything.
	CancelPrefix = "jetcp.cancel"
	// LeasePrefix is the subjects of a lister's heartbeats while it lists,
	// jetcp.lease.<job>: core NATS messages, not stored, that the
	// committer following the job watches (Job.ListingLease).
	LeasePrefix = "jetcp.lease"
	// ProgressPrefix is the subjects of copiers' bytes in flight,
	// jetcp.progress.<job>: core NATS messages (InFlight), not stored, that
	// a live progress display watches.
	ProgressPrefix = "jetcp.progress"
)

// DefaultListingLease is the lease a lister takes on its listing: it
// beats five times in it.
const DefaultListingLease = 30 * time.Second

// ListerLost is the failure of a job whose lister stopped while listing.
const ListerLost = "the lister stopped during the listing: run the same command again with -update"

// Delivery limits every consumer of work and job-created events shares.
const (
	// MaxDeliver is the server-side backstop above the copiers' own attempt
	// budget: the copier always gets one delivery to record the failure.
	MaxDeliver = 10
	// AckWait is how long a service may hold a delivery without keeping it
	// alive: a copier's items and a committer's job come back this soon
	// after the process holding them dies (issue #22: within 5 s). Short,
	// so services keep long deliveries alive every KeepAliveEvery; a
	// delivery that ends sooner sends no keep-alive.
	AckWait = 4 * time.Second
	// KeepAliveEvery is how often a service keeps a delivery it still
	// works on alive: a quarter of the ack wait, so three keep-alives may
	// be late or lost before the server gives the delivery to another.
	KeepAliveEvery = AckWait / 4
)

// ErrUnknownJob is returned for a job id the job bucket does not hold.
var ErrUnknownJob = errors.New("unknown job")

// WorkSubjectFor is the subject of a job's work items.
func WorkSubjectFor(job string) string { return WorkPrefix + "." + job }

// EventSubjectFor is the subject of a job's events of one type ("*" for all).
func EventSubjectFor(job, typ string) string { return EventPrefix + "." + job + "." + typ }

// CancelSubjectFor is the subject of a job's cancel requests.
func CancelSubjectFor(job string) string { return CancelPrefix + "." + job }

// LeaseSubjectFor is the subject of a job's listing heartbeats.
func LeaseSubjectFor(job string) string { return LeasePrefix + "." + job }

// ProgressSubjectFor is the subject of a job's bytes in flight.
func ProgressSubjectFor(job string) string { return ProgressPrefix + "." + job }

// JobOfEventSubject is the job token of an event subject,
// jetcp.events.<job>.<type>, or "" when subject is not one.
func JobOfEventSubject(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || parts[0]+"."+parts[1] != EventPrefix || !ValidJobID(parts[2]) {
		return ""
	}
	return parts[2]
}

// ResultMsgID is the msg id of an item's result: whoever publishes it
// (the copier, or the committer recording a lost item), it counts once.
func ResultMsgID(job string, index int64) string {
	return job + "/result/" + strconv.FormatInt(index, 10)
}

// WorkMsgID is the msg id of a work item: re-listing the same index is
// idempotent.
func WorkMsgID(job string, index int64) string {
	return job + "/" + strconv.FormatInt(index, 10)
}
