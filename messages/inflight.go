package messages

import "time"

// InFlight is one copier's copies in flight of one job at one moment: how
// many bytes of each work item it has copied so far. A copier sends one,
// as a core NATS message on jetcp.progress.<job> (nothing is stored), at
// most every InFlightEvery while it has copies running, and one with no
// items when its last one ended. A live progress display adds the bytes to
// the results it counted, so bytes move while a big file is copied; the
// item's result replaces its bytes in flight.
type InFlight struct {
	V      int       `json:"v"`
	Job    string    `json:"job"`
	Copier string    `json:"copier"`
	Time   time.Time `json:"time"`
	// Bytes maps a work item's index to the bytes copied of it so far in
	// this delivery (a bundle: of its files so far; a chunk: of its range).
	Bytes map[int64]int64 `json:"bytes,omitempty"`
}

func (p *InFlight) version() *int { return &p.V }

// InFlightEvery is how often a copier with copies running reports them.
const InFlightEvery = 500 * time.Millisecond
