package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	hdfsclient "github.com/colinmarc/hdfs/v2"
)

// backoff is a bounded exponential back-off: attempts tries in all, the
// pauses between them growing from first to at most max, with ±20 % jitter.
type backoff struct {
	first, max time.Duration
	attempts   int
}

var (
	// callRetry retries a whole metadata call (Stat, Mkdir, Rename, ...),
	// pausing 0.1+0.2+0.4+0.8+1.6 s: at most about 3 s of waiting.
	callRetry = backoff{first: 100 * time.Millisecond, max: 2 * time.Second, attempts: 6}
	// rpcRetry retries one RPC inside the NameNode connection (see nnConn):
	// a cut connection is dialled again at once, then after 25, 50, ... ms
	// up to 1 s between tries, about 3.6 s of pauses in all (a NameNode
	// restart); a RetriableException answer is sent again after 25 ms,
	// 50 ms, ..., about 4.6 s of pauses in all. Short first pauses: the
	// client holds its one connection while it waits.
	rpcRetry = backoff{first: 25 * time.Millisecond, max: time.Second, attempts: 10}
)

// delay is the pause after failed try i (0-based).
func (b backoff) delay(i int) time.Duration {
	d := b.first
	for ; i > 0 && d < b.max; i-- {
		d *= 2
	}
	d = min(d, b.max)
	return d - d/5 + rand.N(2*d/5+1)
}

// sleep waits d, or less if ctx ends; it reports whether the wait was whole.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Java exceptions after which Hadoop's own client tries the same call again.
const (
	exRetriable = "org.apache.hadoop.ipc.RetriableException"
	exStandby   = "org.apache.hadoop.ipc.StandbyException"
	exSafeMode  = "org.apache.hadoop.hdfs.server.namenode.SafeModeException"
)

// errClosed is the error of calls on a closed FS.
var errClosed = errors.New("HDFS client closed")

// failure says what a failed NameNode call means for trying it again.
type failure struct {
	retry bool // worth another try
	// mayHaveRun: the request may have reached the NameNode and run, only
	// its answer was lost, so a non-idempotent call tried again can meet
	// its own earlier success ("already exists", "not found").
	mayHaveRun bool
	// reconnect: the client's connection is broken (or the client refuses
	// to use the NameNode for a while): use a new client.
	reconnect bool
}

// classify sorts a NameNode call's error. Answers from the NameNode are
// retried only when they say "not now" (RetriableException, StandbyException,
// SafeModeException); connection failures always are.
func classify(err error) failure {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failure{}
	}
	var nn interface{ Exception() string }
	if errors.As(err, &nn) {
		switch nn.Exception() {
		case exRetriable, exStandby, exSafeMode:
			return failure{retry: true}
		}
		return failure{}
	}
	var ce *connError
	if errors.As(err, &ce) {
		return failure{retry: true, mayHaveRun: true, reconnect: true}
	}
	msg := err.Error()
	switch {
	// colinmarc's resolveConnection: every NameNode failed within the last
	// 5 s (or the dial failed); the request was not sent.
	case strings.Contains(msg, "no available namenodes"):
		return failure{retry: true, reconnect: true}
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{retry: true, reconnect: true}
	// The stream is out of step with the calls: the connection is useless.
	case strings.Contains(msg, "unexpected sequence number"), strings.Contains(msg, "invalid response from namenode"):
		return failure{retry: true, mayHaveRun: true, reconnect: true}
	}
	// Not net.Error: every syscall.Errno (ENOTEMPTY, ...) is one.
	var oe *net.OpError
	var de *net.DNSError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &oe) || errors.As(err, &de) {
		return failure{retry: true, mayHaveRun: true, reconnect: true}
	}
	return failure{}
}

// client is one generation of the underlying client. A generation found
// broken is retired: new calls get a new one, and the old one is closed
// once the last reader, writer or call using it lets go (a writer's lease
// lives in its client, so it cannot move to another).
type client struct {
	*hdfsclient.Client
	gen     uint64
	refs    int  // guarded by FS.mu
	retired bool // guarded by FS.mu
}

// acquire returns the current client, connecting a new one if the last was
// retired; release must follow.
func (f *FS) acquire() (*client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errClosed
	}
	if f.cur == nil {
		c, err := f.connect()
		if err != nil {
			return nil, err
		}
		f.gens++
		f.cur = &client{Client: c, gen: f.gens}
		f.log.Debug().Str("fs", f.name).Uint64("generation", f.gens).Msg("new HDFS client")
	}
	f.cur.refs++
	return f.cur, nil
}

// hold adds a user to c (a reader or writer outliving the call that made it).
func (f *FS) hold(c *client) {
	f.mu.Lock()
	c.refs++
	f.mu.Unlock()
}

// release drops a user of c, closing c if it was the last of a retired one.
// The close runs apart: it waits for the client's lease renewal, which may
// itself be waiting for a NameNode that is down.
func (f *FS) release(c *client) {
	f.mu.Lock()
	c.refs--
	last := c.retired && c.refs == 0
	f.mu.Unlock()
	if last {
		go c.Close()
	}
}

// retire stops handing out c, if it is still the current client: the next
// acquire connects anew. c is closed by its last release.
func (f *FS) retire(c *client, why error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != c {
		return // another caller already replaced it
	}
	f.cur = nil
	c.retired = true
	f.log.Debug().Str("fs", f.name).Uint64("generation", c.gen).Err(why).Msg("HDFS client retired")
}

// do runs call on a client, trying it again with back-off while it fails
// with an error classify deems retriable, at most f.retry.attempts times.
// mayHaveRun tells call that an earlier try failed after its request may
// have run, so that a non-idempotent call can recognise its own success.
func (f *FS) do(ctx context.Context, call func(c *client, mayHaveRun bool) error) error {
	r := retrier{f: f}
	for {
		err := r.try(ctx, call)
		if !r.again(ctx, &err) {
			return err
		}
	}
}

// retrier counts the tries of one call.
type retrier struct {
	f          *FS
	tries      int
	mayHaveRun bool
}

// try runs call once on the current client, retiring a broken client.
func (r *retrier) try(ctx context.Context, call func(c *client, mayHaveRun bool) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := r.f.acquire()
	if err != nil {
		return err
	}
	defer r.f.release(c)
	err = call(c, r.mayHaveRun)
	if classify(err).reconnect {
		r.f.retire(c, err)
	}
	return err
}

// again reports whether to try again after *err, having paused if so; if
// not, *err is the error to return.
func (r *retrier) again(ctx context.Context, err *error) bool {
	fl := classify(*err)
	if !fl.retry {
		return false
	}
	r.tries++
	if r.tries >= r.f.retry.attempts {
		*err = fmt.Errorf("%w (gave up after %d tries)", unwrapPath(*err), r.tries)
		return false
	}
	r.mayHaveRun = r.mayHaveRun || fl.mayHaveRun
	d := r.f.retry.delay(r.tries - 1)
	r.f.log.Debug().Str("fs", r.f.name).Err(*err).Int("try", r.tries).Dur("pause", d).Msg("HDFS call failed; trying again")
	if !sleep(ctx, d) {
		*err = fmt.Errorf("%w (interrupted while trying again after: %v)", ctx.Err(), unwrapPath(*err))
		return false
	}
	return true
}

// get is do for a call with a result.
func get[T any](ctx context.Context, f *FS, call func(c *client, mayHaveRun bool) (T, error)) (T, error) {
	var v T
	err := f.do(ctx, func(c *client, mayHaveRun bool) error {
		var err error
		v, err = call(c, mayHaveRun)
		return err
	})
	return v, err
}

// unwrapPath drops the client's *os.PathError, whose path the caller adds.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
