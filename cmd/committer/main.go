// Command committer runs the committer service against a JetStream server (--nats).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/jetcp/jetcp/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Committer(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
