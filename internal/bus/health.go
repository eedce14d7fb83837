package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Health reports JetStream trouble, nil when there is none: a publish
// that cannot be stored (the server or account out of storage, a store
// that cannot write), JetStream not answering, or a stream of jetcp's
// without a leader. It stores one byte on HealthStream, which holds one
// message: the account info cannot tell a server's own limit
// (max_file_store) is reached, only a publish meets it.
func (b *Bus) Health(ctx context.Context) error {
	if _, err := b.js.Publish(ctx, HealthSubject, []byte{'.'}); err != nil {
		if IsStoreFailure(err) {
			return ExplainStoreError(err)
		}
		return fmt.Errorf("JetStream unavailable: %w", err)
	}
	var errs []error
	for _, name := range []string{WorkStream, EventStream} {
		st, err := b.js.Stream(ctx, name)
		if err == nil {
			_, err = st.Info(ctx, jetstream.WithSubjectFilter(""))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("stream %s unavailable: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
