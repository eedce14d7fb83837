package hdfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"google.golang.org/protobuf/encoding/protowire"
)

// nnConn is the connection colinmarc's client talks to a NameNode through
// (ClientOptions.NamenodeDialFunc), for SIMPLE authentication.
//
// colinmarc's NamenodeConnection (internal/rpc/namenode.go, v2.4.0) does
// not survive a cut connection: a failed write calls markFailure, which
// closes the connection and stamps the NameNode's lastErrorAt, and
// resolveConnection then skips every NameNode that failed within the last
// backoffDuration (5 s), answering "no available namenodes" without
// dialling; a failed read (EOF, reset) is returned as is and the dead
// connection is kept for the next call, whose write then fails. Only
// StandbyException is retried (on the next NameNode). So one cut
// connection failed every call of the client for 5 s, and a writer, whose
// lease belongs to its client, could not finish.
//
// nnConn hides cut connections below the client, the way Hadoop's Java
// client retries a call: it keeps the connection preamble and the request
// being answered, and when the connection fails it dials again, sends the
// preamble and the same request again (same call id, so the NameNode's
// retry cache answers a repeated at-most-once call such as create or
// rename2 without running it twice), and reads the answer from there. It
// also sends a request answered with RetriableException again after a
// pause. Both within rpcRetry; then the error goes up to the client (never
// as io.EOF, which a directory listing would take for its end), where FS.do
// takes over.
//
// The client uses a connection from one goroutine at a time (a request and
// its answer under its reqLock), so only conn and closed need a lock.
type nnConn struct {
	addr  string
	dial  func(ctx context.Context) (net.Conn, error)
	life  context.Context // ends when the FS is closed
	retry backoff
	log   zerolog.Logger
	stats *connStats

	mu     sync.Mutex
	conn   net.Conn // nil while broken
	closed bool

	local, remote net.Addr
	writes        int
	hello         []byte // preamble and connection context, sent on every new connection
	pending       []byte // the request being answered
	answer        []byte // the rest of its answer, being read
}

// connStats counts failures ridden out, for tests.
type connStats struct {
	redials  atomic.Int64 // NameNode connections made again after one failed
	resent   atomic.Int64 // requests sent again after RetriableException
	resumed  atomic.Int64 // listings started again after yielding entries
	answered atomic.Int64 // requests nnConn answered itself (pipeline.go)
}

// maxAnswer bounds an RPC answer; a larger length means a stream out of step.
const maxAnswer = 256 << 20

// connError is a NameNode connection that could not be made to work again.
// It does not unwrap to io.EOF: colinmarc's Readdir would take an io.EOF
// for the end of the directory and a listing would silently end early.
type connError struct {
	addr string
	err  error
}

func (e *connError) Error() string {
	return fmt.Sprintf("connection to NameNode %s lost: %v", e.addr, e.err)
}

func (e *connError) Unwrap() error {
	if errors.Is(e.err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return e.err
}

// dialNameNode is the client's NamenodeDialFunc: a real connection first
// (so a wrong address fails at once), wrapped to outlive its failures.
func (f *FS) dialNameNode(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := f.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &nnConn{
		addr:  addr,
		dial:  func(ctx context.Context) (net.Conn, error) { return f.dialer.DialContext(ctx, network, addr) },
		life:  f.life,
		retry: f.rpcRetry,
		log:   f.log,
		stats: &f.stats,
		conn:  conn,
		local: conn.LocalAddr(), remote: conn.RemoteAddr(),
	}, nil
}

// Write takes the preamble and connection context (the first two writes,
// see NamenodeConnection.doNamenodeHandshake) and then one whole request
// per write (basicTransport.writeRequest). A failed write is not an error:
// Read sends the request again on a new connection.
func (c *nnConn) Write(b []byte) (int, error) {
	if c.isClosed() {
		return 0, net.ErrClosed
	}
	c.writes++
	switch c.writes {
	case 1:
		if len(b) != 7 || string(b[:4]) != "hrpc" || b[6] != 0 {
			return 0, fmt.Errorf("NameNode %s: unexpected connection preamble %q", c.addr, b)
		}
		c.hello = append(c.hello, b...)
	case 2:
		c.hello = append(c.hello, b...)
	default:
		if a := localAnswer(b); a != nil { // pipeline.go
			c.pending, c.answer = nil, a
			c.stats.answered.Add(1)
			return len(b), nil
		}
		c.pending = append(c.pending[:0], b...)
		c.answer = nil
	}
	if conn := c.current(); conn != nil {
		if _, err := conn.Write(b); err != nil {
			c.drop(conn, err)
		}
	}
	return len(b), nil
}

// Read hands out the answer to the pending request, fetched whole first.
func (c *nnConn) Read(p []byte) (int, error) {
	if len(c.answer) == 0 {
		a, err := c.exchange()
		if err != nil {
			return 0, err
		}
		c.answer = a
	}
	n := copy(p, c.answer)
	c.answer = c.answer[n:]
	return n, nil
}

// exchange returns the whole answer (length prefix included) to the
// pending request, dialling again and sending the request again as needed.
func (c *nnConn) exchange() ([]byte, error) {
	if c.pending == nil {
		return nil, fmt.Errorf("NameNode %s: read without a request", c.addr)
	}
	broken, busy := 0, 0
	for {
		conn, err := c.connection()
		if err == nil {
			var frame []byte
			if frame, err = readFrame(conn); err == nil {
				if !retriableAnswer(frame) || busy+1 >= c.retry.attempts {
					c.pending = nil
					return frame, nil
				}
				// RetriableException: the same call again after a pause.
				if !sleep(c.life, c.retry.delay(busy)) {
					return nil, &connError{addr: c.addr, err: errClosed}
				}
				busy++
				c.stats.resent.Add(1)
				if _, err := conn.Write(c.pending); err != nil {
					c.drop(conn, err)
				}
				continue
			}
			c.drop(conn, err)
			if errors.Is(err, errHTTPAnswer) {
				return nil, &httpPortError{addr: c.addr} // no retry makes it an RPC port
			}
		}
		broken++
		if c.isClosed() || broken >= c.retry.attempts {
			return nil, &connError{addr: c.addr, err: err}
		}
		// A cut connection is dialled again at once; a NameNode that
		// refuses it (restarting) is given more and more time.
		if broken > 1 && !sleep(c.life, c.retry.delay(broken-2)) {
			return nil, &connError{addr: c.addr, err: err}
		}
	}
}

// connection returns the connection, or a new one with the preamble and
// the pending request already sent.
func (c *nnConn) connection() (net.Conn, error) {
	c.mu.Lock()
	conn, closed := c.conn, c.closed
	c.mu.Unlock()
	if closed {
		return nil, net.ErrClosed
	}
	if conn != nil {
		return conn, nil
	}
	conn, err := c.dial(c.life)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(append(slices.Clone(c.hello), c.pending...)); err != nil {
		conn.Close()
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		conn.Close()
		return nil, net.ErrClosed
	}
	c.conn = conn
	c.stats.redials.Add(1)
	c.log.Debug().Str("namenode", c.addr).Msg("NameNode connection made again")
	return conn, nil
}

func (c *nnConn) current() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

func (c *nnConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// drop forgets a failed connection.
func (c *nnConn) drop(conn net.Conn, err error) {
	c.mu.Lock()
	if c.conn == conn {
		c.conn = nil
	}
	c.mu.Unlock()
	conn.Close()
	c.log.Debug().Str("namenode", c.addr).Err(err).Msg("NameNode connection failed")
}

// Close closes the connection for good.
func (c *nnConn) Close() error {
	c.mu.Lock()
	conn := c.conn
	c.conn, c.closed = nil, true
	c.mu.Unlock()
	if conn != nil {
		return conn.Close()
	}
	return nil
}

func (c *nnConn) LocalAddr() net.Addr  { return c.local }
func (c *nnConn) RemoteAddr() net.Addr { return c.remote }

// The deadlines apply to the current connection only; the client sets none.
func (c *nnConn) SetDeadline(t time.Time) error {
	if conn := c.current(); conn != nil {
		return conn.SetDeadline(t)
	}
	return nil
}

func (c *nnConn) SetReadDeadline(t time.Time) error {
	if conn := c.current(); conn != nil {
		return conn.SetReadDeadline(t)
	}
	return nil
}

func (c *nnConn) SetWriteDeadline(t time.Time) error {
	if conn := c.current(); conn != nil {
		return conn.SetWriteDeadline(t)
	}
	return nil
}

// readFrame reads one RPC answer: a 4-byte length and that many bytes.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if string(hdr[:]) == "HTTP" {
		return nil, errHTTPAnswer
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxAnswer {
		return nil, fmt.Errorf("answer of %d bytes: stream out of step", n)
	}
	b := make([]byte, 4+int(n))
	copy(b, hdr[:])
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

// retriableAnswer reports whether an answer's RpcResponseHeaderProto (the
// first, varint-delimited message) has status ERROR (1, field 2) and
// exceptionClassName (field 4) RetriableException.
func retriableAnswer(frame []byte) bool {
	b := frame[4:]
	n, k := protowire.ConsumeVarint(b)
	if k < 0 || uint64(len(b)-k) < n {
		return false
	}
	h := b[k : k+int(n)]
	var status uint64
	var class string
	for len(h) > 0 {
		num, typ, k := protowire.ConsumeTag(h)
		if k < 0 {
			return false
		}
		h = h[k:]
		switch {
		case num == 2 && typ == protowire.VarintType:
			status, k = protowire.ConsumeVarint(h)
		case num == 4 && typ == protowire.BytesType:
			var v []byte
			v, k = protowire.ConsumeBytes(h)
			class = string(v)
		default:
			k = protowire.ConsumeFieldValue(num, typ, h)
		}
		if k < 0 {
			return false
		}
		h = h[k:]
	}
	return status == 1 && class == exRetriable
}

// errHTTPAnswer is an answer that starts "HTTP" where an RPC answer's
// length belongs: read as a length, 1213486160 bytes.
var errHTTPAnswer = errors.New("the server answered HTTP")

// httpPortError is a NameNode address whose port serves HTTP (the web UI,
// 9870 by default) rather than the RPC protocol. Trying again cannot help.
type httpPortError struct{ addr string }

func (e *httpPortError) Error() string {
	return fmt.Sprintf("NameNode %s answers HTTP: that is a web port (the NameNode's web UI listens on 9870), not the NameNode's RPC port; give the RPC port of fs.defaultFS, commonly 8020 or 9000 (hdfs://namenode:8020/path)", e.addr)
}

// dialSniffing is the NamenodeDialFunc when colinmarc's client reads the
// connection itself (Kerberos): it finds an HTTP answer the same way.
func (f *FS) dialSniffing(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := f.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: conn, addr: addr}, nil
}

// sniffConn checks the first four bytes read for "HTTP".
type sniffConn struct {
	net.Conn
	addr    string
	checked bool
	head    []byte // bytes read by the check, not yet handed out
}

func (c *sniffConn) Read(p []byte) (int, error) {
	if !c.checked {
		c.checked = true
		var hdr [4]byte
		n, err := io.ReadFull(c.Conn, hdr[:])
		if n == len(hdr) && string(hdr[:]) == "HTTP" {
			return 0, &httpPortError{addr: c.addr}
		}
		if n == 0 && err != nil {
			return 0, err
		}
		c.head = hdr[:n]
	}
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
