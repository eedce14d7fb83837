// Package service holds what the long-running programs share: connecting
// to JetStream with retries, and the HTTP endpoint for health and metrics.
package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/internal/retry"
)

// EnsureTopology creates the streams as t says (t.Replicas 0: the
// replication the connected server calls for), retrying until limit: a
// cluster answers JetStream requests only once it has elected a meta
// leader. It returns the replication used.
func EnsureTopology(ctx context.Context, b *bus.Bus, t bus.Topology, limit time.Duration, log zerolog.Logger) (int, error) {
	if t.Replicas == 0 {
		t.Replicas = natsconn.Replicas(b.Conn())
	}
	replicas := t.Replicas
	deadline := time.Now().Add(limit)
	final := func(error) bool { return ctx.Err() != nil || time.Now().After(deadline) }
	p := retry.Policy{Attempts: retry.Forever, Backoff: time.Second, Max: time.Second, Permanent: final}
	err := p.Do(ctx, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := b.Ensure(actx, t)
		if err != nil && !final(err) {
			log.Warn().Err(err).Msg("JetStream not ready; retrying")
		}
		return err
	})
	return replicas, err
}

// Connect connects a service, retrying while the server is not up (a
// refused authentication ends it), and sets up the topology.
func Connect(ctx context.Context, cfg natsconn.Config, name string, replicas int, log zerolog.Logger) (*nats.Conn, *bus.Bus, error) {
	nc, err := natsconn.ConnectRetry(ctx, cfg, name, func(err error) {
		log.Warn().Err(err).Msg("NATS not reachable yet; retrying")
	},
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(c *nats.Conn, err error) {
			if err != nil && !c.IsClosed() { // not our own shutdown
				log.Warn().Err(err).Msg("disconnected from NATS; reconnecting")
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info().Str("server", c.ConnectedUrlRedacted()).Msg("reconnected to NATS")
		}))
	if err != nil {
		return nil, nil, err
	}
	b, err := bus.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	replicas, err = EnsureTopology(ctx, b, bus.Topology{Replicas: replicas}, 2*time.Minute, log)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	log.Info().Str("server", nc.ConnectedUrlRedacted()).Int("replicas", replicas).Msg("connected to JetStream")
	return nc, b, nil
}

// Health reports a service's state for /healthz; nil means healthy.
type Health func() error

// ConnHealth is healthy while nc is connected.
func ConnHealth(nc *nats.Conn) Health {
	return func() error {
		if s := nc.Status(); s != nats.CONNECTED {
			return fmt.Errorf("NATS connection %s", s)
		}
		return nil
	}
}

// BusHealth is healthy while b's connection is up and JetStream can store
// a message and serve jetcp's streams (bus.Health), each check bounded by
// two seconds.
func BusHealth(b *bus.Bus) Health {
	conn := ConnHealth(b.Conn())
	return func() error {
		if err := conn(); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return b.Health(ctx)
	}
}

// ServeHTTP serves /healthz (health: the service can do its work),
// /livez (live: restarting would not help it, e.g. connected),
// /metrics and, with a non-nil page, every other path from page (the job
// page) on addr until ctx ends. It listens before returning, so a bad
// or busy address is reported at start; it returns the bound address (for
// ":0").
func ServeHTTP(ctx context.Context, addr string, reg *prometheus.Registry, health, live Health, log zerolog.Logger, page http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("--http %s: %w (give a free host:port, e.g. 127.0.0.1:9090)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	for path, check := range map[string]Health{"/healthz": health, "/livez": live} {
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			if err := check(); err != nil {
				http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		})
	}
	served := "/healthz, /livez and /metrics"
	if page != nil {
		mux.Handle("/", page)
		served = "the job page (/), /healthz, /livez and /metrics"
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("http server stopped")
		}
	}()
	context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	log.Info().Str("addr", ln.Addr().String()).Msg("serving " + served)
	return ln.Addr().String(), nil
}
