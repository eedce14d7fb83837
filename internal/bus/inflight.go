package bus

import (
	"fmt"

	"github.com/jetcp/jetcp/messages"
)

// PublishInFlight sends a copier's bytes in flight of p's job (a core
// message on jetcp.progress.<job>: nothing is stored, and with no one
// watching it costs the server nothing).
func (b *Bus) PublishInFlight(p *messages.InFlight) error {
	data, err := messages.Encode(p)
	if err != nil {
		return err
	}
	if err := b.nc.Publish(messages.ProgressSubjectFor(p.Job), data); err != nil {
		return fmt.Errorf("publish the bytes in flight of job %s: %w", p.Job, err)
	}
	return nil
}
