// Package retry is jetcp's one way of trying an operation again: a number
// of attempts, a first delay doubled for every try, and a test for errors
// no attempt will cure.
package retry

import (
	"context"
	"math"
	"time"
)

// Forever is Attempts for a policy that tries until its context ends.
const Forever = math.MaxInt

// Policy says how often to try and how long to wait in between.
type Policy struct {
	Attempts int           // tries in all; below 1 means 1
	Backoff  time.Duration // wait after the first try, doubled for every try after
	Max      time.Duration // longest wait, when above zero
	// Permanent, when set, says an error is not worth another try.
	Permanent func(error) bool
}

// Delay is the wait before the try after attempt (1-based).
func (p Policy) Delay(attempt int) time.Duration {
	d := p.Backoff
	for i := 1; i < attempt && (p.Max <= 0 || d < p.Max) && d < math.MaxInt64/2; i++ {
		d *= 2
	}
	if p.Max > 0 {
		d = min(d, p.Max)
	}
	return d
}

// Do runs op until it succeeds, returns a permanent error, the attempts
// run out or ctx ends; it returns op's last error (or ctx's).
func (p Policy) Do(ctx context.Context, op func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil || attempt >= p.Attempts || p.Permanent != nil && p.Permanent(err) {
			return err
		}
		t := time.NewTimer(p.Delay(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
