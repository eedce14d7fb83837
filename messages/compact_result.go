package messages

import (
	"fmt"
	"time"
)

// Result events in the compact form (compact.go). A bundle's files are
// written each as it differs from the one before (the first: from the
// bundle's result), so that a file copied like its neighbour costs its
// name, its record's times and a few bytes more.

// Result fields present in the compact form, in the order written: those
// marked "differs" are there when they differ from the previous entry's
// (absent, they are its value), the others when they are set (absent,
// they are zero).
const (
	resPaths       = 1 << iota // differs: Src and Dst
	resSize                    // differs
	resRecord                  // set
	resChecksum                // differs
	resDuration                // differs
	resStatus                  // differs
	resReason                  // differs
	resKind                    // differs
	resIndex                   // differs: the distance from the previous index
	resAttempt                 // differs
	resCopier                  // differs
	resDirsCreated             // differs
	resError                   // differs
	resAttr                    // set: as it differs from the previous entry's Attr
	resStatted                 // differs: the other value
	resFiles                   // set: the count, then each file
	resChunk                   // set
	resPart                    // differs
	resCategory                // differs
	resProof                   // differs
	resAll         = 1<<iota - 1
)

// isCompactResult reports whether an event is written in the compact form:
// a result, nothing else, whose files have no files of their own.
func isCompactResult(e *Event) bool {
	if e.Type != EventResult || e.Result == nil || e.Spec != nil || e.Listed != nil || e.Report != nil || e.Canceled != nil {
		return false
	}
	for i := range e.Result.Files {
		if len(e.Result.Files[i].Files) > 0 {
			return false
		}
	}
	return true
}

func encodeResultEvent(e *Event) []byte {
	w := newWriter(compactResultType)
	w.bytes(e.Job)
	w.time(e.Time, time.Time{})
	w.result(e.Result, &Result{})
	return w.b
}

func decodeResultEvent(data []byte, e *Event) error {
	r, err := newReader(data, compactResultType, "*messages.Event")
	if err != nil {
		return err
	}
	e.V, e.Type = Version, EventResult
	e.Job = r.bytes()
	e.Time = r.time(time.Time{})
	res := r.result(&Result{}, 0)
	e.Result = &res
	if err := r.done(); err != nil {
		return fmt.Errorf("decode *messages.Event: %w", err)
	}
	return nil
}

// resultBits are the fields of r to write after prev.
func resultBits(r, prev *Result) uint64 {
	var m uint64
	set := func(bit uint64, on bool) {
		if on {
			m |= bit
		}
	}
	set(resPaths, r.Src != prev.Src || r.Dst != prev.Dst)
	set(resSize, r.Size != prev.Size)
	set(resRecord, r.Record != nil)
	set(resChecksum, r.Checksum != prev.Checksum)
	set(resDuration, r.DurationMS != prev.DurationMS)
	set(resStatus, r.Status != prev.Status)
	set(resReason, r.Reason != prev.Reason)
	set(resKind, r.Kind != prev.Kind)
	set(resIndex, r.Index != prev.Index)
	set(resAttempt, r.Attempt != prev.Attempt)
	set(resCopier, r.Copier != prev.Copier)
	set(resDirsCreated, r.DirsCreated != prev.DirsCreated)
	set(resError, r.Error != prev.Error)
	set(resAttr, r.Attr != nil)
	set(resStatted, r.Statted != prev.Statted)
	set(resFiles, len(r.Files) > 0)
	set(resChunk, r.Chunk != nil)
	set(resPart, r.Part != prev.Part)
	set(resCategory, r.Category != prev.Category)
	set(resProof, r.Proof != prev.Proof)
	return m
}

// result writes r as it differs from prev.
func (w *writer) result(r, prev *Result) {
	m := resultBits(r, prev)
	w.uvarint(m)
	if m&resPaths != 0 {
		w.paths(r.Src, r.Dst, prev.Src, prev.Dst)
	}
	if m&resSize != 0 {
		w.varint(r.Size)
	}
	if m&resRecord != 0 {
		w.record(r.Record, recordOr(prev.Record), r.Size)
	}
	if m&resChecksum != 0 {
		w.blob(r.Checksum)
	}
	if m&resDuration != 0 {
		w.varint(r.DurationMS)
	}
	w.resultWords(m, r)
	w.resultRest(m, r, prev)
}

// resultWords writes r's words that m says are there.
func (w *writer) resultWords(m uint64, r *Result) {
	for _, f := range []struct {
		bit uint64
		s   string
	}{{resStatus, r.Status}, {resReason, r.Reason}, {resKind, r.Kind}} {
		if m&f.bit != 0 {
			w.word(f.s)
		}
	}
}

func (w *writer) resultRest(m uint64, r, prev *Result) {
	if m&resIndex != 0 {
		w.varint(r.Index - prev.Index)
	}
	if m&resAttempt != 0 {
		w.varint(int64(r.Attempt))
	}
	if m&resCopier != 0 {
		w.word(r.Copier)
	}
	if m&resDirsCreated != 0 {
		w.varint(int64(r.DirsCreated))
	}
	if m&resError != 0 {
		w.word(r.Error)
	}
	if m&resAttr != 0 {
		w.attrs(r.Attr, attrsOr(prev.Attr))
	}
	if m&resFiles != 0 {
		w.uvarint(uint64(len(r.Files)))
		p := r
		for i := range r.Files {
			w.result(&r.Files[i], p)
			p = &r.Files[i]
		}
	}
	if m&resChunk != 0 {
		w.chunk(r.Chunk, r.Index)
	}
	if m&resPart != 0 {
		w.blob(r.Part)
	}
	if m&resCategory != 0 {
		w.word(r.Category)
	}
	if m&resProof != 0 {
		w.word(r.Proof)
	}
}

// result reads what writer.result wrote after prev; depth is 0 for an
// event's result, 1 for a bundle's file (which has no files).
func (r *reader) result(prev *Result, depth int) Result {
	m := r.uvarint()
	if m&^resAll != 0 || depth > 0 && m&resFiles != 0 {
		r.fail("result bits %#x", m)
		return Result{}
	}
	// What is absent is the previous entry's.
	res := Result{Index: prev.Index, Kind: prev.Kind, Status: prev.Status, Src: prev.Src, Dst: prev.Dst, Size: prev.Size,
		Checksum: prev.Checksum, DirsCreated: prev.DirsCreated, Reason: prev.Reason, Error: prev.Error, Attempt: prev.Attempt,
		DurationMS: prev.DurationMS, Statted: prev.Statted, Copier: prev.Copier, Part: prev.Part, Category: prev.Category, Proof: prev.Proof}
	if m&resPaths != 0 {
		res.Src, res.Dst = r.paths(prev.Src, prev.Dst)
	}
	if m&resSize != 0 {
		res.Size = r.varint()
	}
	if m&resRecord != 0 {
		res.Record = r.record(recordOr(prev.Record), res.Size)
	}
	if m&resChecksum != 0 {
		res.Checksum = r.blob()
	}
	if m&resDuration != 0 {
		res.DurationMS = r.varint()
	}
	for _, f := range []struct {
		bit uint64
		s   *string
	}{{resStatus, &res.Status}, {resReason, &res.Reason}, {resKind, &res.Kind}} {
		if m&f.bit != 0 {
			*f.s = r.word()
		}
	}
	r.resultRest(m, &res, prev, depth)
	return res
}

func (r *reader) resultRest(m uint64, res, prev *Result, depth int) {
	if m&resIndex != 0 {
		res.Index = prev.Index + r.varint()
	}
	if m&resAttempt != 0 {
		res.Attempt = r.int()
	}
	if m&resCopier != 0 {
		res.Copier = r.word()
	}
	if m&resDirsCreated != 0 {
		res.DirsCreated = r.int()
	}
	if m&resError != 0 {
		res.Error = r.word()
	}
	if m&resAttr != 0 {
		a := r.attrs(attrsOr(prev.Attr))
		res.Attr = &a
	}
	if m&resStatted != 0 {
		res.Statted = !prev.Statted
	}
	if m&resFiles != 0 {
		r.files(res, depth)
	}
	if m&resChunk != 0 {
		res.Chunk = r.chunk(res.Index)
	}
	if m&resPart != 0 {
		res.Part = r.blob()
	}
	if m&resCategory != 0 {
		res.Category = r.word()
	}
	if m&resProof != 0 {
		res.Proof = r.word()
	}
}

func (r *reader) files(res *Result, depth int) {
	n := r.count(1)
	if n == 0 {
		r.fail("a bundle of no files")
		return
	}
	res.Files = make([]Result, n)
	p := res
	for i := range res.Files {
		res.Files[i] = r.result(p, depth+1)
		if r.err != nil {
			return
		}
		p = &res.Files[i]
	}
}

// Record fields present in the compact form. Times are nanoseconds from
// a reference: the source's and the target's mtime from the previous
// entry's, each change time from its own mtime.
const (
	recSrcModTime    = 1 << iota // differs from the previous record's
	recSrcChangeTime             // not zero
	recDstSize                   // differs from the result's Size
	recDstModTime                // differs from the previous record's
	recDstChangeTime             // not zero
	recSrcVersion                // not empty
	recDstVersion                // differs from SrcVersion
	recAll           = 1<<iota - 1
)

func recordBits(c, prev *Record, size int64) uint64 {
	var m uint64
	set := func(bit uint64, on bool) {
		if on {
			m |= bit
		}
	}
	set(recSrcModTime, c.SrcModTime != prev.SrcModTime)
	set(recSrcChangeTime, c.SrcChangeTime != 0)
	set(recDstSize, c.DstSize != size)
	set(recDstModTime, c.DstModTime != prev.DstModTime)
	set(recDstChangeTime, c.DstChangeTime != 0)
	set(recSrcVersion, c.SrcVersion != "")
	set(recDstVersion, c.DstVersion != c.SrcVersion)
	return m
}

// record writes c as it differs from the previous record and the
// result's size. Differences wrap around: the reader's sums wrap back.
func (w *writer) record(c, prev *Record, size int64) {
	m := recordBits(c, prev, size)
	w.uvarint(m)
	if m&recSrcModTime != 0 {
		w.varint(c.SrcModTime - prev.SrcModTime)
	}
	if m&recSrcChangeTime != 0 {
		w.varint(c.SrcChangeTime - c.SrcModTime)
	}
	if m&recDstSize != 0 {
		w.varint(c.DstSize - size)
	}
	if m&recDstModTime != 0 {
		w.varint(c.DstModTime - prev.DstModTime)
	}
	if m&recDstChangeTime != 0 {
		w.varint(c.DstChangeTime - c.DstModTime)
	}
	if m&recSrcVersion != 0 {
		w.blob(c.SrcVersion)
	}
	if m&recDstVersion != 0 {
		w.blob(c.DstVersion)
	}
}

func (r *reader) record(prev *Record, size int64) *Record {
	m := r.uvarint()
	if m&^recAll != 0 {
		r.fail("record bits %#x", m)
		return nil
	}
	c := &Record{SrcModTime: prev.SrcModTime, DstSize: size, DstModTime: prev.DstModTime}
	if m&recSrcModTime != 0 {
		c.SrcModTime = prev.SrcModTime + r.varint()
	}
	if m&recSrcChangeTime != 0 {
		c.SrcChangeTime = c.SrcModTime + r.varint()
	}
	if m&recDstSize != 0 {
		c.DstSize = size + r.varint()
	}
	if m&recDstModTime != 0 {
		c.DstModTime = prev.DstModTime + r.varint()
	}
	if m&recDstChangeTime != 0 {
		c.DstChangeTime = c.DstModTime + r.varint()
	}
	if m&recSrcVersion != 0 {
		c.SrcVersion = r.blob()
	}
	c.DstVersion = c.SrcVersion
	if m&recDstVersion != 0 {
		c.DstVersion = r.blob()
	}
	return c
}

func recordOr(c *Record) *Record {
	if c == nil {
		return &Record{}
	}
	return c
}

func attrsOr(a *Attrs) *Attrs {
	if a == nil {
		return &Attrs{}
	}
	return a
}
