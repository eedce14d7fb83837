package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	flaky := errors.New("flaky")
	fatal := errors.New("fatal")
	for _, tc := range []struct {
		name     string
		fails    []error // what each try returns until it runs out (then nil)
		attempts int
		tries    int
		want     error
	}{
		{"first try", nil, 3, 1, nil},
		{"second try", []error{flaky}, 3, 2, nil},
		{"out of attempts", []error{flaky, flaky, flaky}, 3, 3, flaky},
		{"permanent at once", []error{fatal, flaky}, 3, 1, fatal},
		{"zero attempts is one", []error{flaky}, 0, 1, flaky},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tries := 0
			p := Policy{Attempts: tc.attempts, Backoff: time.Millisecond, Permanent: func(err error) bool { return err == fatal }}
			err := p.Do(context.Background(), func(context.Context) error {
				tries++
				if tries <= len(tc.fails) {
					return tc.fails[tries-1]
				}
				return nil
			})
			if err != tc.want || tries != tc.tries {
				t.Errorf("err %v after %d tries, want %v after %d", err, tries, tc.want, tc.tries)
			}
		})
	}
	if d := (Policy{Backoff: 500 * time.Millisecond}).Delay(3); d != 2*time.Second {
		t.Errorf("Delay(3) = %v, want 2s", d)
	}
	capped := Policy{Backoff: 250 * time.Millisecond, Max: 5 * time.Second}
	for attempt, want := range map[int]time.Duration{1: 250 * time.Millisecond, 5: 4 * time.Second, 6: 5 * time.Second, 1000: 5 * time.Second} {
		if d := capped.Delay(attempt); d != want {
			t.Errorf("capped Delay(%d) = %v, want %v", attempt, d, want)
		}
	}
}
