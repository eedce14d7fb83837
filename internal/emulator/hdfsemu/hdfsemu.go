// Package hdfsemu is an HDFS NameNode + DataNode emulator that speaks the real
// Hadoop wire protocols (Hadoop IPC with protobuf for ClientNamenodeProtocol,
// and the DataNode data-transfer protocol) over loopback TCP, so that
// unmodified HDFS clients such as github.com/colinmarc/hdfs/v2 can be tested
// against it without a Hadoop installation.
//
// One Cluster is one NameNode and one DataNode, each on its own port. The
// namespace and block data live in memory, or under Options.Dir when set.
// Faults (RPC errors, dropped connections, answers lost after the call ran,
// latency) can be injected at run time with SetFaults. Like a NameNode, the
// emulator keeps a retry cache: an at-most-once call sent again with the
// same client id and call id gets its first answer instead of running twice.
//
// It counts what it serves, each NameNode RPC by method name and each
// DataNode operation (Cluster.Stats), so tests and the benchmark can tell
// what a copy costs the NameNode. Another process reads them over HTTP:
// the hdfs-emulator program serves Cluster.StatsHandler (JSON) at
// -stats-addr, e.g. curl http://127.0.0.1:9001/stats.
package hdfsemu

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBlockSize is the block size used when Options.BlockSize is zero.
const DefaultBlockSize = 128 << 20

// Options configures a Cluster.
type Options struct {
	// Dir is where block data and the namespace are kept; "" keeps them in
	// memory only. A Cluster started on a Dir used before finds its files
	// again.
	Dir string
	// BlockSize is the default block size handed out by getServerDefaults
	// (and used when a create asks for 0). Default 128 MiB.
	BlockSize int64
	// Superuser is the user allowed to do anything (chown, writes anywhere,
	// ...); it owns "/". Default: the OS user running the emulator.
	Superuser string
}

// Faults are injected into the traffic of a running Cluster.
type Faults struct {
	// RPCErrorRate is the fraction of NameNode RPCs answered with an
	// org.apache.hadoop.ipc.RetriableException error instead of being run.
	RPCErrorRate float64
	// DropRate is the fraction of NameNode RPCs and DataNode operations for
	// which the connection is cut instead of answered (the RPC is not run).
	DropRate float64
	// LostReplyRate is the fraction of NameNode RPCs that are run and whose
	// connection is then cut before the answer is sent: the client cannot
	// tell whether the call happened. A call sent again with the same client
	// id and call id is answered from the retry cache if it is at-most-once
	// (create, rename, delete, ...), as a NameNode does.
	LostReplyRate float64
	// Latency is added before every NameNode RPC and DataNode operation.
	Latency time.Duration
	// MisstoreRate is the fraction of data packets the DataNode stores with
	// one byte changed and the chunk's checksum recomputed to match: a
	// faulty DataNode whose block is the right length and reads back
	// without an error, but holds other bytes than were sent. Only a
	// comparison with the source finds it.
	MisstoreRate float64
}

// Cluster is a running NameNode + DataNode pair.
type Cluster struct {
	opts Options
	nn   *nameNode
	dn   *dataNode

	faultMu sync.Mutex
	faults  Faults

	blockReads atomic.Int64
	stats      statCounts

	closeOnce sync.Once
	closeErr  error
}

// Start starts a NameNode listening on addr (for example "127.0.0.1:0") and
// one DataNode on another loopback port.
func Start(o Options, addr string) (*Cluster, error) {
	if o.BlockSize <= 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.Superuser == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			o.Superuser = u.Username
		} else {
			o.Superuser = "hdfs"
		}
	}
	if o.Dir != "" {
		if err := os.MkdirAll(filepath.Join(o.Dir, "blocks"), 0o755); err != nil {
			return nil, fmt.Errorf("hdfsemu: %w", err)
		}
	}

	c := &Cluster{opts: o}

	var store blockStore
	if o.Dir == "" {
		store = newMemStore()
	} else {
		store = &fileStore{dir: filepath.Join(o.Dir, "blocks")}
	}

	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("hdfsemu: address %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	dnl, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("hdfsemu: datanode listen: %w", err)
	}
	c.dn = newDataNode(c, dnl, store)

	ns, err := loadNamespace(o)
	if err != nil {
		dnl.Close()
		return nil, err
	}
	nnl, err := net.Listen("tcp", addr)
	if err != nil {
		dnl.Close()
		return nil, fmt.Errorf("hdfsemu: namenode listen: %w", err)
	}
	c.nn = newNameNode(c, nnl, ns)

	c.dn.start()
	c.nn.start()
	return c, nil
}

// Addr returns the NameNode address, "127.0.0.1:PORT".
func (c *Cluster) Addr() string { return c.nn.ln.Addr().String() }

// DataNodeAddr returns the DataNode's data-transfer address.
func (c *Cluster) DataNodeAddr() string { return c.dn.ln.Addr().String() }

// BlockReads counts READ_BLOCK operations served (data reads), for tests.
func (c *Cluster) BlockReads() int64 { return c.blockReads.Load() }

// SetFaults replaces the faults injected from now on; the zero Faults turns
// them off.
func (c *Cluster) SetFaults(f Faults) {
	c.faultMu.Lock()
	c.faults = f
	c.faultMu.Unlock()
}

func (c *Cluster) currentFaults() Faults {
	c.faultMu.Lock()
	defer c.faultMu.Unlock()
	return c.faults
}

// injectedFault sleeps for the configured latency and then reports whether
// the connection should be dropped, and whether (NameNode only) an RPC error
// should be returned.
func (c *Cluster) injectedFault() (drop, rpcErr bool) {
	f := c.currentFaults()
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	drop = f.DropRate > 0 && rand.Float64() < f.DropRate
	rpcErr = f.RPCErrorRate > 0 && rand.Float64() < f.RPCErrorRate
	return drop, rpcErr
}

// misstore reports whether a data packet should be stored wrong.
func (c *Cluster) misstore() bool {
	f := c.currentFaults()
	return f.MisstoreRate > 0 && rand.Float64() < f.MisstoreRate
}

// lostReply reports whether the answer to a NameNode RPC that has run
// should be lost (the connection cut instead).
func (c *Cluster) lostReply() bool {
	f := c.currentFaults()
	return f.LostReplyRate > 0 && rand.Float64() < f.LostReplyRate
}

// Close stops both servers, cuts open connections and, with Options.Dir,
// saves the namespace.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		err1 := c.nn.close()
		err2 := c.dn.close()
		c.closeErr = errors.Join(err1, err2)
	})
	return c.closeErr
}

// connSet tracks open connections so Close can cut them.
type connSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// serve accepts connections on ln and runs handle for each until ln is
// closed.
func serve(ln net.Listener, conns *connSet, handle func(net.Conn)) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		if !conns.add(conn) {
			conn.Close()
			return
		}
		go func() {
			defer conns.remove(conn)
			defer conn.Close()
			handle(conn)
		}()
	}
}
