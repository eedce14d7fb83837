// Command lister plans a copy job and enqueues it; without --nats it also
// runs the whole job in this process.
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
	code := cli.Lister(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
