package copier

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/messages"
)

// bundle copies a bundle's small files one after another, each with its
// own retries, and returns the bundle's result with one result per file.
// It returns an error only when ctx ends (the copier stops or the job is
// canceled): the whole bundle is then delivered again, and files already
// in place are found so.
func (c *Copier) bundle(ctx context.Context, job *messages.Job, item *messages.WorkItem, attempt int, moved *atomic.Int64, log zerolog.Logger) (messages.Result, error) {
	res := messages.Result{Status: messages.StatusCopied, Files: make([]messages.Result, 0, len(item.Files))}
	attempts := attemptsFor(job)
	dirs := map[string]bool{} // directories this bundle found or made
	for i, f := range item.Files {
		sub := &messages.WorkItem{Job: item.Job, Index: item.Index, Kind: messages.KindFile,
			Src: f.Src, Dst: f.Dst, Attr: f.Attr, Statted: item.Statted, ParentInJob: f.ParentInJob}
		start := time.Now()
		var r messages.Result
		made := 0 // directories made, by failed tries too
		try := 1
		base := moved.Load() // a failed try's bytes do not count
		for ; ; try++ {
			moved.Store(base)
			var err error
			r, err = guard(log.With().Str("src", f.Src).Logger(), func() (messages.Result, error) {
				t, err := c.newTask(ctx, job, sub, attempt+try-1)
				if err != nil {
					return messages.Result{}, err
				}
				t.tempID = strconv.FormatInt(item.Index, 10) + "-" + strconv.Itoa(i)
				t.dirs, t.moved = dirs, moved
				return t.file(ctx)
			})
			made += r.DirsCreated
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			if isPermanent(err) || try >= attempts {
				r.Status, r.Error = messages.StatusFailed, err.Error()
				break
			}
			delay := retryDelay(job, try)
			log.Warn().Err(err).Str("src", f.Src).Int("attempt", try).Dur("retry_in", delay).Msg("copy failed; will retry")
			sleep(ctx, delay)
		}
		r.Index, r.Kind, r.Src, r.Dst, r.Size = item.Index, messages.KindFile, f.Src, f.Dst, f.Attr.Size
		r.Attempt, r.Copier, r.DirsCreated = attempt+try-1, c.name, made
		r.DurationMS = time.Since(start).Milliseconds()
		if r.Status == messages.StatusFailed {
			moved.Store(base) // a failed file moved no bytes
			res.Status = messages.StatusFailed
		}
		res.Files = append(res.Files, r)
	}
	return res, nil
}
