package committer

import (
	"context"
	"fmt"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// maxAssemblies bounds the chunked files made whole at once: each reads
// its file back to verify it, where the target cannot tell its checksum.
const maxAssemblies = 4

// assembling is one chunked file while its chunks come in.
type assembling struct {
	a        assembly
	count    int
	got      int
	sums     []string
	lengths  []int64
	err      string // the first failed chunk's error
	attempt  int
	longest  int64 // ms, the slowest chunk
	size     int64 // the whole file's, which every chunk's result carries
	launched bool
}

// chunkDone records one chunk's result; once a file's chunks are all in,
// it is assembled in the background and its own result published.
func (j *job) chunkDone(ctx context.Context, r *messages.Result) {
	c := r.Chunk
	if c == nil || c.Count < 1 || c.Seq < 0 || c.Seq >= c.Count || c.File < 0 ||
		(j.listed != nil && c.File >= j.listed.Items) {
		j.log.Error().Int64("index", r.Index).Msg("ignoring a malformed chunk result")
		return
	}
	st := j.chunks[c.File]
	if st == nil {
		st = &assembling{count: c.Count, sums: make([]string, c.Count), lengths: make([]int64, c.Count)}
		st.a = assembly{Index: c.File, Upload: c.Upload, Receipts: make([]string, c.Count),
			File: messages.WorkItem{Job: j.spec.ID, Index: c.File, Kind: messages.KindFile, Src: r.Src, Dst: r.Dst}}
		j.chunks[c.File] = st
	}
	if st.launched || c.Count != st.count {
		return
	}
	st.got++
	st.sums[c.Seq], st.lengths[c.Seq], st.a.Receipts[c.Seq] = r.Checksum, c.Length, r.Part
	if r.Status == messages.StatusFailed && st.err == "" {
		st.err = r.Error
	}
	st.attempt = max(st.attempt, r.Attempt)
	st.longest = max(st.longest, r.DurationMS)
	st.size = max(st.size, r.Size)
	if r.Attr != nil {
		st.a.File.Attr, st.a.File.Statted = *r.Attr, r.Statted
	}
	if st.got < st.count {
		return
	}
	st.launched = true
	j.assemblies.Go(func() {
		select {
		case j.asmSlots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-j.asmSlots }()
		res := j.assemble(ctx, st)
		ev := &messages.Event{Type: messages.EventResult, Job: j.spec.ID, Time: time.Now().UTC(), Result: res}
		// Until it is published or the follow ends: a committer taking over
		// assembles again.
		publishRetry := retry.Policy{Attempts: retry.Forever, Backoff: 250 * time.Millisecond, Max: 5 * time.Second,
			Permanent: func(error) bool { return ctx.Err() != nil }}
		_ = publishRetry.Do(ctx, func(ctx context.Context) error {
			err := j.c.bus.PublishEvent(ctx, ev, messages.ResultMsgID(j.spec.ID, res.Index))
			if err != nil && ctx.Err() == nil {
				j.log.Warn().Err(err).Int64("index", res.Index).Msg("cannot publish an assembled file's result yet; retrying")
			}
			return err
		})
	})
}

// assemble makes one file whole from its chunks, or discards them when a
// chunk failed, and returns the file's result.
func (j *job) assemble(ctx context.Context, st *assembling) *messages.Result {
	f := &st.a.File
	// The size comes from the chunks' results, failed ones too: the
	// attributes only come with chunks that were copied.
	r := &messages.Result{Index: st.a.Index, Kind: messages.KindFile, Src: f.Src, Dst: f.Dst, Size: max(st.size, f.Attr.Size),
		Attempt: st.attempt, Copier: "committer", // its chunks' results count the directories they made
		Chunk: &messages.Chunk{File: st.a.Index, Count: st.count}}
	start := time.Now()
	defer func() { r.DurationMS = st.longest + time.Since(start).Milliseconds() }()
	fail := func(msg string) *messages.Result {
		if err := abortAssembly(context.WithoutCancel(ctx), j.c.reg, j.spec, st.a); err != nil {
			j.log.Warn().Err(err).Str("dst", f.Dst).Msg("cannot discard a failed file's chunks")
		}
		r.Status, r.Error = messages.StatusFailed, msg
		return r
	}
	if st.err != "" {
		return fail(st.err)
	}
	var sum uint32
	for i, s := range st.sums {
		c, err := fs.ParseChecksum(s)
		v, ok := c.Uint32()
		if err != nil || !ok {
			return fail(fmt.Sprintf("chunk %d of %d came without a CRC32C (%q)", i+1, st.count, s))
		}
		sum = fs.CombineCRC32C(sum, v, st.lengths[i])
	}
	st.a.Sum = fs.CRC32C(sum)
	rec, err := assembleFile(ctx, j.c.reg, j.spec, st.a)
	if err != nil {
		r.Status, r.Error = messages.StatusFailed, err.Error()
		return r
	}
	r.Record = rec
	r.Status, r.Checksum = messages.StatusCopied, st.a.Sum.String()
	r.Reason = fmt.Sprintf("assembled from %d chunks", st.count)
	return r
}

// abortAssemblies discards the chunks of files that will never be
// assembled (the job was canceled before all their chunks were in).
func (j *job) abortAssemblies(ctx context.Context) {
	for _, st := range j.chunks {
		if st.launched {
			continue
		}
		if err := abortAssembly(ctx, j.c.reg, j.spec, st.a); err != nil {
			j.log.Warn().Err(err).Str("dst", st.a.File.Dst).Msg("cannot discard a chunked file's parts")
		}
	}
}
