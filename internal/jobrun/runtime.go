package jobrun

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/internal/natsembed"
	"github.com/jetcp/jetcp/internal/service"
	"github.com/jetcp/jetcp/messages"
)

// runtime is a run's connection to JetStream with the topology in place
// and, without a --nats URL, the embedded server and services behind it.
type runtime struct {
	nc  *nats.Conn
	bus *bus.Bus
	// undo holds what close releases, in the order acquired: the services
	// stop before the server they use, the server before its store goes.
	undo []func()
}

// start connects (or embeds a server), makes sure the streams exist and
// starts the embedded services. The services outlive an interrupt of ctx:
// they are what stops the job cleanly, and close ends them.
func start(ctx context.Context, reg *fs.Registry, log zerolog.Logger, opts Options) (_ *runtime, err error) {
	rt := &runtime{}
	defer func() {
		if err != nil {
			rt.close()
		}
	}()
	embedded := opts.NATS.URL == ""
	if embedded {
		err = rt.embed(log)
	} else {
		err = rt.connect(opts.NATS)
	}
	if err != nil {
		return nil, err
	}
	if rt.bus, err = bus.New(rt.nc); err != nil {
		return nil, err
	}
	if _, err := service.EnsureTopology(ctx, rt.bus, opts.Replicas, 30*time.Second, log); err != nil {
		return nil, err
	}
	if embedded {
		rt.startServices(context.WithoutCancel(ctx), reg, log, opts.Workers)
	}
	return rt, nil
}

// embed starts a JetStream server in this process, storing its streams in
// a temporary directory removed at close.
func (rt *runtime) embed(log zerolog.Logger) error {
	dir, err := os.MkdirTemp("", "jetcp-nats-")
	if err != nil {
		return fmt.Errorf("embedded server store: %w", err)
	}
	rt.undo = append(rt.undo, func() { os.RemoveAll(dir) })
	srv, err := natsembed.Start(dir, log)
	if err != nil {
		return err
	}
	rt.undo = append(rt.undo, srv.Close)
	rt.nc = srv.Conn()
	return nil
}

// connect reaches an external server within seconds, or says why not.
func (rt *runtime) connect(cfg natsconn.Config) error {
	nc, err := natsconn.Connect(cfg, "jetcp-lister", 5*time.Second)
	if err != nil {
		return err
	}
	rt.undo = append(rt.undo, nc.Close)
	rt.nc = nc
	return nil
}

// startServices runs a committer and a copier with workers workers on the
// embedded server until close.
func (rt *runtime) startServices(ctx context.Context, reg *fs.Registry, log zerolog.Logger, workers int) {
	if workers == 0 {
		workers = messages.DefaultWorkers
	}
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	cm := committer.New(rt.bus, reg, log)
	cp := copier.New(rt.bus, rt.bus, reg, log, copier.WithWorkers(workers), copier.WithName("embedded"))
	wg.Go(func() { logIfErr(log, cm.Run(ctx)) })
	wg.Go(func() { logIfErr(log, cp.Run(ctx)) })
	rt.undo = append(rt.undo, func() { stop(); wg.Wait() })
}

// close stops the services, then the server, then removes its store.
func (rt *runtime) close() {
	for i := len(rt.undo) - 1; i >= 0; i-- {
		rt.undo[i]()
	}
	rt.undo = nil
}

func logIfErr(log zerolog.Logger, err error) {
	if err != nil {
		log.Error().Err(err).Msg("service stopped")
	}
}
