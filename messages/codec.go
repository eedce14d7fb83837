package messages

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the wire version this build writes and reads.
const Version = 1

// ErrVersion marks a message from an incompatible jetcp.
var ErrVersion = errors.New("unsupported message version")

// versioned is implemented by every top-level wire type.
type versioned interface{ version() *int }

func (j *Job) version() *int      { return &j.V }
func (w *WorkItem) version() *int { return &w.V }
func (e *Event) version() *int    { return &e.V }

// Encode stamps the current version and marshals m.
func Encode[T any, P interface {
	*T
	versioned
}](m P) ([]byte, error) {
	*m.version() = Version
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	return b, nil
}

// Decode unmarshals data and checks its version.
func Decode[T any, P interface {
	*T
	versioned
}](data []byte) (P, error) {
	m := P(new(T))
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode %T: %w", m, err)
	}
	if v := *m.version(); v != Version {
		return nil, fmt.Errorf("decode %T: version %d, this jetcp speaks %d: %w", m, v, Version, ErrVersion)
	}
	return m, nil
}
