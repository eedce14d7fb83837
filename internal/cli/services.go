package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/jobweb"
	"github.com/jetcp/jetcp/internal/metrics"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/internal/service"
	"github.com/jetcp/jetcp/messages"
)

// serviceFlags are the options the copier and committer services share.
type serviceFlags struct {
	nats     natsconn.Config
	http     string
	replicas int
	verbose  bool
}

func (s *serviceFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&s.nats.URL, "nats", "", "NATS server URL(s), comma-separated, e.g. nats://n1:4222,nats://n2:4222 (required)")
	registerNATSFlags(fl, &s.nats)
	fl.StringVar(&s.http, "http", "", "serve /healthz and /metrics (the committer: and the job page at /) on this address, e.g. 127.0.0.1:9090")
	fl.IntVar(&s.replicas, "replicas", 0, "stream replicas (default: 3 in a cluster, else 1)")
	fl.BoolVar(&s.verbose, "v", false, "log every file")
}

func registerNATSFlags(fl *flag.FlagSet, c *natsconn.Config) {
	for _, f := range natsconn.Flags {
		fl.Func(f.Name, f.Usage, func(v string) error { f.Set(c, v); return nil })
	}
}

// Copier runs `copier --nats URL [-m N]` until ctx ends.
func Copier(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("copier", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var sf serviceFlags
	sf.register(fl)
	workers := fl.Int("m", messages.DefaultWorkers, "simultaneous copies")
	name := fl.String("name", "", "name of this copier in results (default host-pid)")
	drain := fl.Duration("drain", 20*time.Second, "on SIGTERM, let copies in flight finish for this long before releasing them")
	if code, ok := parseService(fl, args, &sf, stderr); !ok {
		return code
	}
	if *workers < 1 {
		fmt.Fprintln(stderr, "copier: -m must be at least 1")
		return ExitUsage
	}
	return runService(ctx, "copier", sf, nil, stderr, func(ctx context.Context, b *bus.Bus, reg *prometheus.Registry, log zerolog.Logger) error {
		opts := []copier.Option{copier.WithWorkers(*workers), copier.WithDrain(*drain), copier.WithObserver(metrics.NewCopier(reg))}
		if *name != "" {
			opts = append(opts, copier.WithName(*name))
		}
		return copier.New(b, b, Registry(hadoopconf.Env(os.Getenv), log), log, opts...).Run(ctx)
	})
}

// Committer runs `committer --nats URL` until ctx ends.
func Committer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("committer", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var sf serviceFlags
	sf.register(fl)
	retention := fl.Duration("results-retention", committer.DefaultResultRetention,
		"how long an ended job's per-file result events stay in the event stream (its report and manifest stay); negative keeps them")
	if code, ok := parseService(fl, args, &sf, stderr); !ok {
		return code
	}
	limitCommitterHeap()
	return runService(ctx, "committer", sf, jobweb.NewPage(NewLogger(stderr, sf.verbose)), stderr, func(ctx context.Context, b *bus.Bus, reg *prometheus.Registry, log zerolog.Logger) error {
		return committer.New(b, Registry(hadoopconf.Env(os.Getenv), log), log, committer.WithObserver(metrics.NewCommitter(reg)),
			committer.WithResultRetention(*retention)).Run(ctx)
	})
}

func parseService(fl *flag.FlagSet, args []string, sf *serviceFlags, stderr io.Writer) (int, bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q: the service takes only options (see -h)\n", fl.Name(), fl.Arg(0))
		return ExitUsage, false
	}
	sf.nats = sf.nats.WithEnv(os.Getenv)
	if err := sf.nats.Check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fl.Name(), err)
		return ExitUsage, false
	}
	return 0, true
}

// runService connects, serves health and metrics (and, with a page, the
// job page), and runs the service until ctx ends (SIGTERM).
func runService(ctx context.Context, name string, sf serviceFlags, page *jobweb.Page, stderr io.Writer,
	run func(context.Context, *bus.Bus, *prometheus.Registry, zerolog.Logger) error) int {
	log := NewLogger(stderr, sf.verbose)
	reg := metrics.NewRegistry()
	var conn atomic.Pointer[bus.Bus]
	// /healthz says what keeps the service from working (JetStream
	// trouble, a full store among it); /livez only what a restart could
	// cure, the connection, so a full store does not restart every service.
	check := func(deep bool) service.Health {
		return func() error {
			b := conn.Load()
			if b == nil {
				return errors.New("connecting to NATS")
			}
			if deep {
				return service.BusHealth(b)()
			}
			return service.ConnHealth(b.Conn())()
		}
	}
	httpCtx, stopHTTP := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHTTP()
	if sf.http != "" {
		// Up before connecting, so an orchestrator sees "not ready" rather
		// than nothing while the server is still starting.
		var ui http.Handler
		if page != nil {
			ui = page
		}
		if _, err := service.ServeHTTP(httpCtx, sf.http, reg, check(true), check(false), log, ui); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return ExitUsage
		}
	}
	c, b, err := service.Connect(ctx, sf.nats, "jetcp-"+name, sf.replicas, log.With().Str("component", name).Logger())
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		if natsconn.IsAuth(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	defer c.Close()
	conn.Store(b)
	if page != nil && sf.http != "" {
		if err := page.Connect(httpCtx, b, false); err != nil {
			log.Warn().Err(err).Msg("the job page cannot start")
		}
	}
	if err := run(ctx, b, reg, log); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	log.Info().Msg("stopped")
	return ExitOK
}
