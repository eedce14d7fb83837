// Command hdfs-emulator runs an HDFS NameNode + DataNode emulator that real
// HDFS clients (github.com/colinmarc/hdfs/v2, hdfs-cli, rclone) can talk to:
//
//	go run ./cmd/hdfs-emulator -addr 127.0.0.1:9000 [-dir DIR] [-block-size N] [-stats-addr 127.0.0.1:9001]
//
// It prints "hdfs-emulator serving hdfs://ADDR" once listening and stops on
// SIGINT or SIGTERM. With -stats-addr it also serves, over HTTP, the
// NameNode RPCs (by method) and DataNode operations it has served so far
// as JSON (hdfsemu.Stats) at any path, and prints
// "hdfs-emulator stats at http://ADDR/stats".
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "NameNode listen address")
	dir := flag.String("dir", "", "keep namespace and block data under this directory (default: in memory)")
	blockSize := flag.Int64("block-size", hdfsemu.DefaultBlockSize, "default block size in bytes")
	superuser := flag.String("superuser", "", "HDFS superuser (default: the OS user running the emulator)")
	statsAddr := flag.String("stats-addr", "", "serve the counts of RPCs and DataNode operations as JSON over HTTP here, e.g. 127.0.0.1:9001")
	flag.Parse()

	c, err := hdfsemu.Start(hdfsemu.Options{Dir: *dir, BlockSize: *blockSize, Superuser: *superuser}, *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hdfs-emulator:", err)
		os.Exit(1)
	}
	fmt.Printf("hdfs-emulator serving hdfs://%s\n", c.Addr())
	if *statsAddr != "" {
		ln, err := net.Listen("tcp", *statsAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hdfs-emulator: stats:", err)
			os.Exit(1)
		}
		fmt.Printf("hdfs-emulator stats at http://%s/stats\n", ln.Addr())
		go func() { _ = http.Serve(ln, c.StatsHandler()) }()
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "hdfs-emulator:", err)
		os.Exit(1)
	}
}
