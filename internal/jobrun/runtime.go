package jobrun

import (
	"context"
	"encoding/json"
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
	// store is the embedded server's store directory, nil with --nats.
	store *natsembed.Store
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
		err = rt.embed(ctx, reg, log)
	} else {
		err = rt.connect(opts.NATS)
	}
	if err != nil {
		return nil, err
	}
	if rt.bus, err = bus.New(rt.nc); err != nil {
		return nil, err
	}
	// An embedded server's streams live as long as its process, which is
	// the job's: they are kept in memory (a small-file copy spent most of
	// its time writing them to disk). A killed run is resumed by -update,
	// never from its streams.
	topo := bus.Topology{Replicas: opts.Replicas, Memory: embedded}
	if _, err := service.EnsureTopology(ctx, rt.bus, topo, 30*time.Second, log); err != nil {
		return nil, err
	}
	if embedded {
		rt.startServices(context.WithoutCancel(ctx), reg, log, opts.Workers)
	}
	return rt, nil
}

// embed starts a JetStream server in this process, storing its streams in
// a private directory removed at close; a run killed before its close
// leaves its directory, which the next embedded run removes after
// sweeping what that run's job left at its target (sweepDead).
func (rt *runtime) embed(ctx context.Context, reg *fs.Registry, log zerolog.Logger) error {
	store, dead, err := natsembed.OpenStore(natsembed.StoreParent())
	if err != nil {
		return err
	}
	rt.undo = append(rt.undo, store.Remove)
	rt.store = store
	sweepDead(ctx, reg, dead, log)
	srv, err := natsembed.Start(store.Dir, log)
	if err != nil {
		return err
	}
	rt.undo = append(rt.undo, srv.Close)
	rt.nc = srv.Conn()
	return nil
}

// deadJob is the note an embedded run keeps with its store: its job, for
// a later run to clean up after should this one be killed.
type deadJob struct {
	Job       string `json:"job"`
	WriteRoot string `json:"write_root"`
}

// noteJob notes the run's job with its embedded store (when it has one).
func (rt *runtime) noteJob(job *messages.Job, log zerolog.Logger) {
	if rt.store == nil {
		return
	}
	note, _ := json.Marshal(deadJob{Job: job.ID, WriteRoot: job.WriteRoot})
	if err := rt.store.Note(string(note)); err != nil {
		log.Warn().Err(err).Msg("cannot note the job with the embedded store; if this run is killed, its temp files stay at the target")
	}
}

// sweepDead removes the temp files and chunk assemblies that the jobs of
// killed embedded runs left at their targets. Their stores were private,
// so those jobs are not alive anywhere.
// A sweep that fails leaves the dead run's note for the next run.
func sweepDead(ctx context.Context, reg *fs.Registry, dead []*natsembed.Leftover, log zerolog.Logger) {
	for _, d := range dead {
		var j deadJob
		if err := json.Unmarshal([]byte(d.Note), &j); err != nil || !messages.ValidJobID(j.Job) || j.WriteRoot == "" {
			d.Done() // killed before its job was noted: it wrote nothing
			continue
		}
		n, err := committer.SweepLeftovers(ctx, reg, j.WriteRoot, j.Job, log)
		if err != nil {
			log.Warn().Err(err).Str("job", j.Job).Msg("cannot sweep what a killed run left at its target; the next run tries again")
			d.Keep()
			continue
		}
		d.Done()
		log.Info().Str("job", j.Job).Str("target", j.WriteRoot).Int("removed", n).Msg("a killed run's job: swept its temp files")
	}
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
	// The job manifest's spool goes in the private store too, so a killed
	// run's goes with it.
	cm := committer.New(rt.bus, reg, log, committer.WithSpoolDir(rt.store.Dir))
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
