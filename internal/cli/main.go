package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a program's command line with a context that ends on SIGINT or
// SIGTERM (a service's graceful stop), and exits with its status. It sets
// the garbage collector for copying first (tuneGC).
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks for a clean stop; a second one kills at once.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
