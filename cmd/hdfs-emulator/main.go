// Command hdfs-emulator runs an HDFS NameNode + DataNode emulator that real
// HDFS clients (github.com/colinmarc/hdfs/v2, hdfs-cli, rclone) can talk to:
//
//	go run ./cmd/hdfs-emulator -addr 127.0.0.1:9000 [-dir DIR] [-block-size N]
//
// It prints "hdfs-emulator serving hdfs://ADDR" once listening and stops on
// SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
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
	flag.Parse()

	c, err := hdfsemu.Start(hdfsemu.Options{Dir: *dir, BlockSize: *blockSize, Superuser: *superuser}, *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hdfs-emulator:", err)
		os.Exit(1)
	}
	fmt.Printf("hdfs-emulator serving hdfs://%s\n", c.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "hdfs-emulator:", err)
		os.Exit(1)
	}
}
