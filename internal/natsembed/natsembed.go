// Package natsembed runs a JetStream server inside the process, for the
// single-machine default: one command copies with nothing installed.
package natsembed

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Server is an in-process JetStream server and a connection to it.
type Server struct {
	ns *server.Server
	nc *nats.Conn
}

// Start starts a server storing streams under dir, reachable only from
// this process (no listening socket), logging through log.
func Start(dir string, log zerolog.Logger) (*Server, error) {
	ns, err := server.NewServer(&server.Options{
		ServerName: "jetcp-embedded",
		DontListen: true,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats server: %w", err)
	}
	ns.SetLoggerV2(logAdapter{log.With().Str("component", "nats").Logger()}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded nats server did not start within 10s")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("jetcp-embedded"))
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("connect to embedded nats server: %w", err)
	}
	return &Server{ns: ns, nc: nc}, nil
}

// Conn is the in-process connection.
func (s *Server) Conn() *nats.Conn { return s.nc }

// Close drains the connection and stops the server. The streams go first:
// the server's Shutdown pauses 50ms whenever a consumer still holds a pull
// request (an idle copier's Fetch), and the store is temporary anyway.
func (s *Server) Close() {
	if js, err := jetstream.New(s.nc); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for name := range js.StreamNames(ctx).Name() {
			_ = js.DeleteStream(ctx, name)
		}
		cancel()
	}
	_ = s.nc.Drain()
	s.nc.Close()
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// logAdapter sends the server's logs through zerolog; its notices are
// chatter for a CLI user, so they go to debug.
type logAdapter struct{ log zerolog.Logger }

func (a logAdapter) Noticef(f string, v ...any) { a.log.Debug().Msgf(f, v...) }
func (a logAdapter) Warnf(f string, v ...any)   { a.log.Warn().Msgf(f, v...) }
func (a logAdapter) Fatalf(f string, v ...any)  { a.log.Error().Msgf(f, v...) }
func (a logAdapter) Errorf(f string, v ...any)  { a.log.Error().Msgf(f, v...) }
func (a logAdapter) Debugf(f string, v ...any)  { a.log.Trace().Msgf(f, v...) }
func (a logAdapter) Tracef(f string, v ...any)  { a.log.Trace().Msgf(f, v...) }
