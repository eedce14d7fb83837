package copier

import (
	"time"

	"github.com/jetcp/jetcp/messages"
)

// Outcomes of one delivery of a work item, as an Observer sees them.
const (
	OutcomeRetry    = "retry"    // failed, handed back for a later attempt
	OutcomeReleased = "released" // the copier is stopping; another takes it
	OutcomeCanceled = "canceled" // its job was canceled
	OutcomeRefused  = "refused"  // malformed, or of an unknown job
)

// Observer learns what the copier does, e.g. to export metrics. Calls come
// from many goroutines at once.
type Observer interface {
	// Begin is called when a delivery starts; attempt > 1 is a redelivery.
	Begin(attempt int)
	// End is called once per Begin: outcome is a result status (copied,
	// skipped, failed) or one of the Outcome constants; res is nil for those.
	End(outcome string, res *messages.Result, elapsed time.Duration)
	// Throttled adds time spent sleeping for -bandwidth.
	Throttled(d time.Duration)
}

type nopObserver struct{}

func (nopObserver) Begin(int)                                   {}
func (nopObserver) End(string, *messages.Result, time.Duration) {}
func (nopObserver) Throttled(time.Duration)                     {}

// WithObserver reports every delivery to o.
func WithObserver(o Observer) Option { return func(c *Copier) { c.obs = o } }

// WithDrain lets items in flight finish for up to d after Run's context
// ends (a graceful SIGTERM); what is not done by then is released for
// another copier. Zero releases at once.
func WithDrain(d time.Duration) Option { return func(c *Copier) { c.drain = d } }
