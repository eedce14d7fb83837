// Command cos-emulator serves the Tencent COS protocol emulator
// (internal/emulator/cosemu) over HTTP:
//
//	cos-emulator -addr 127.0.0.1:9100 -secret-id ID -secret-key KEY [-dir DIR] [-bucket NAME ...] [-latency D]
//
// Clients keep the real host name (<bucket>.cos.<region>.myqcloud.com) and
// dial the emulator's address. It prints "cos-emulator serving <URL>" once
// listening and stops on SIGINT or SIGTERM. Secrets are never printed.
//
// The requests served so far, counted by kind, are at GET /cosemu/stats on
// the emulator's address (no bucket host, no signature): JSON, see
// cosemu.Stats.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/jetcp/jetcp/internal/emulator/cosemu"
)

func main() {
	var (
		addr    = flag.String("addr", "127.0.0.1:9100", "address to listen on")
		id      = flag.String("secret-id", "", "SecretId requests must be signed with (required)")
		key     = flag.String("secret-key", "", "SecretKey requests must be signed with (required)")
		dir     = flag.String("dir", "", "keep objects on disk under this directory (default: in memory)")
		latency = flag.Duration("latency", 0, "delay added before every response, e.g. 20ms (a distant COS region)")
		buckets []string
	)
	flag.Func("bucket", "bucket that exists at start, e.g. examplebucket-1250000000 (repeatable)", func(v string) error {
		buckets = append(buckets, v)
		return nil
	})
	flag.Parse()
	if *id == "" || *key == "" {
		fmt.Fprintln(os.Stderr, "cos-emulator: -secret-id and -secret-key are required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, url, err := cosemu.Start(cosemu.Options{SecretID: *id, SecretKey: *key, Dir: *dir, Buckets: buckets}, *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cos-emulator:", err)
		os.Exit(1)
	}
	if *latency > 0 {
		srv.SetFaults(cosemu.Faults{Latency: *latency})
	}
	fmt.Println("cos-emulator serving " + url)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "cos-emulator:", err)
		os.Exit(1)
	}
}
