package messages

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the wire version this build writes. Version 2 writes work
// items and result events in the compact binary form (compact.go) and
// everything else as JSON with "v":2. A build reads what it writes and
// version 1's JSON (every message was JSON then), so it takes over the
// jobs of a version-1 lister, copier or committer; a version-1 build
// refuses version 2's JSON with a version error, and cannot read its
// compact messages: upgrade every service together (no mixed versions
// within a job).
const Version = 2

// oldestVersion is the oldest JSON version a build still reads.
const oldestVersion = 1

// ErrVersion marks a message from an incompatible jetcp.
var ErrVersion = errors.New("unsupported message version")

// versioned is implemented by every top-level wire type.
type versioned interface{ version() *int }

func (j *Job) version() *int      { return &j.V }
func (w *WorkItem) version() *int { return &w.V }
func (e *Event) version() *int    { return &e.V }

// Encode stamps the current version and marshals m: work items and result
// events in the compact form, the rest as JSON.
func Encode[T any, P interface {
	*T
	versioned
}](m P) ([]byte, error) {
	*m.version() = Version
	switch v := any(m).(type) {
	case *WorkItem:
		return encodeWork(v), nil
	case *Event:
		if isCompactResult(v) {
			return encodeResultEvent(v), nil
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	return b, nil
}

// Decode unmarshals data, in the compact form or JSON, and checks its
// version.
func Decode[T any, P interface {
	*T
	versioned
}](data []byte) (P, error) {
	m := P(new(T))
	if len(data) > 0 && data[0] == compactMark {
		var err error
		switch v := any(m).(type) {
		case *WorkItem:
			err = decodeWork(data, v)
		case *Event:
			err = decodeResultEvent(data, v)
		default:
			if err = checkHeader(data, fmt.Sprintf("%T", m)); err == nil {
				err = fmt.Errorf("decode %T: %w: no such message is compact", m, errCompact)
			}
		}
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode %T: %w", m, err)
	}
	if v := *m.version(); v < oldestVersion || v > Version {
		return nil, fmt.Errorf("decode %T: version %d, this jetcp speaks %d to %d: %w", m, v, oldestVersion, Version, ErrVersion)
	}
	return m, nil
}
