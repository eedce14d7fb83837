package place

import (
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// RecordOf is the job manifest's record (messages.Result.Record) of a
// target dst that holds the bytes of a source with attributes a: the
// source's times count only where they are Stat's (statted), its version
// wherever the listing gave one.
func RecordOf(a messages.Attrs, statted bool, dst fs.FileInfo) *messages.Record {
	r := &messages.Record{SrcVersion: a.Version, DstSize: dst.Size, DstModTime: nanos(dst.ModTime),
		DstChangeTime: nanos(dst.ChangeTime), DstVersion: dst.Version}
	if statted {
		r.SrcModTime, r.SrcChangeTime = nanos(a.ModTime), nanos(a.ChangeTime)
	}
	return r
}

// nanos is t in Unix nanoseconds, 0 for the zero time (as manifests keep
// unknown times).
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
