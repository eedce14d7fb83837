// Package retry is jetcp's one way of trying an operation again: a number
// of attempts, a first delay doubled for every try, and a test for errors
// no attempt will cure.
package retry

import (
	"context"
	"time"
)

// Policy says how often to try and how long to wait in between.
type Policy struct {
	Attempts int           // tries in all; below 1 means 1
	Backoff  time.Duration // wait after the first try, doubled for every try after
	// Permanent, when set, says an error is not worth another try.
	Permanent func(error) bool
}

// Delay is the wait before the try after attempt (1-based).
func (p Policy) Delay(attempt int) time.Duration {
	return p.Backoff << (attempt - 1)
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
