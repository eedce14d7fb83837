package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/messages"
)

// Copier runs `copier --nats URL [-m N]` until ctx ends.
func Copier(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("copier", flag.ContinueOnError)
	fl.SetOutput(stderr)
	url := fl.String("nats", "", "NATS server URL (required), e.g. nats://127.0.0.1:4222")
	workers := fl.Int("m", messages.DefaultWorkers, "simultaneous copies")
	name := fl.String("name", "", "name of this copier in results (default host-pid)")
	verbose := fl.Bool("v", false, "log every file")
	if err := fl.Parse(args); err != nil {
		return ExitUsage
	}
	if *url == "" || *workers < 1 {
		fmt.Fprintln(stderr, "copier: give --nats URL of the JetStream server (and -m of at least 1)")
		return ExitUsage
	}
	log := NewLogger(stderr, *verbose)
	reg := Registry(os.Getenv)
	defer reg.Close()
	return serve(ctx, *url, "jetcp-copier", stderr, func(js jetstream.JetStream) error {
		var opts []copier.Option
		opts = append(opts, copier.WithWorkers(*workers))
		if *name != "" {
			opts = append(opts, copier.WithName(*name))
		}
		return copier.New(js, reg, log, opts...).Run(ctx)
	})
}

// Committer runs `committer --nats URL` until ctx ends.
func Committer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("committer", flag.ContinueOnError)
	fl.SetOutput(stderr)
	url := fl.String("nats", "", "NATS server URL (required), e.g. nats://127.0.0.1:4222")
	if err := fl.Parse(args); err != nil {
		return ExitUsage
	}
	if *url == "" {
		fmt.Fprintln(stderr, "committer: give --nats URL of the JetStream server")
		return ExitUsage
	}
	log := NewLogger(stderr, false)
	reg := Registry(os.Getenv)
	defer reg.Close()
	return serve(ctx, *url, "jetcp-committer", stderr, func(js jetstream.JetStream) error {
		return committer.New(js, reg, log).Run(ctx)
	})
}

func serve(ctx context.Context, url, name string, stderr io.Writer, run func(jetstream.JetStream) error) int {
	nc, err := nats.Connect(url, nats.Name(name), nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	if err != nil {
		fmt.Fprintf(stderr, "%s: connect to NATS at %s: %v (is the server running?)\n", name, url, err)
		return ExitFailed
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	if err := messages.Ensure(ctx, js, messages.Topology{Storage: jetstream.FileStorage}); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	if err := run(js); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	return ExitOK
}
