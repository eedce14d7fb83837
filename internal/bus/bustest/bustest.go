// Package bustest starts jetcp's bus on an in-process JetStream server,
// for the tests of the packages built on it: the real server and the real
// client, no network, torn down with the test.
package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/natsembed"
)

// Start starts an embedded server with jetcp's streams, consumers and job
// bucket as topo sizes them.
func Start(t testing.TB, ctx context.Context, topo bus.Topology) *bus.Bus {
	t.Helper()
	srv, err := natsembed.Start(t.TempDir(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return ensure(t, ctx, srv.Conn(), topo)
}

// StartFull starts a server whose JetStream stores at most maxStore bytes
// on disk, for tests of a full store.
func StartFull(t testing.TB, ctx context.Context, maxStore int64) *bus.Bus {
	t.Helper()
	ns, err := server.NewServer(&server.Options{DontListen: true, JetStream: true, StoreDir: t.TempDir(),
		JetStreamMaxStore: maxStore, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("server did not start")
	}
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return ensure(t, ctx, nc, bus.Topology{})
}

func ensure(t testing.TB, ctx context.Context, nc *nats.Conn, topo bus.Topology) *bus.Bus {
	t.Helper()
	b, err := bus.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ensure(ctx, topo); err != nil {
		t.Fatal(err)
	}
	return b
}
