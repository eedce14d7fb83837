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
//
// Snapshots are made against a running emulator (or any NameNode that
// takes SIMPLE authentication) from the shell, as `hdfs dfsadmin
// -allowSnapshot DIR` and `hdfs dfs -createSnapshot DIR NAME` would:
//
//	go run ./cmd/hdfs-emulator snapshot -addr HOST:PORT [-user U] DIR NAME
//	go run ./cmd/hdfs-emulator snapshot -addr HOST:PORT -delete DIR NAME
//
// The first allows snapshots on DIR if needed (the superuser's right: by
// default the user running the emulator) and makes snapshot NAME, read
// back under DIR/.snapshot/NAME; -delete removes it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"os/user"
	"path"
	"syscall"

	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "snapshot" {
		os.Exit(snapshot(os.Args[2:]))
	}
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: hdfs-emulator [flags]\n       hdfs-emulator snapshot -addr HOST:PORT [-delete] DIR NAME   (see hdfs-emulator snapshot -h)\n")
		flag.PrintDefaults()
	}
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

// snapshot is the "snapshot" subcommand: exit status 2 for bad usage, 1
// for a refused or failed call.
func snapshot(args []string) int {
	fl := flag.NewFlagSet("hdfs-emulator snapshot", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:9000", "NameNode address")
	me := ""
	if u, err := user.Current(); err == nil {
		me = u.Username
	}
	name := fl.String("user", me, "HDFS user to act as (allowing snapshots needs the superuser)")
	del := fl.Bool("delete", false, "delete snapshot NAME of DIR instead of making it")
	fl.Usage = func() {
		fmt.Fprintf(fl.Output(), "usage: hdfs-emulator snapshot -addr HOST:PORT [-user U] [-delete] DIR NAME\n"+
			"Makes snapshot NAME of directory DIR (allowing snapshots on DIR first if needed), as\n"+
			"`hdfs dfsadmin -allowSnapshot DIR; hdfs dfs -createSnapshot DIR NAME` would; it reads\n"+
			"back under DIR/.snapshot/NAME. With -delete, removes snapshot NAME of DIR.\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "hdfs-emulator snapshot: give DIR and NAME, e.g. hdfs-emulator snapshot -addr 127.0.0.1:9000 /data s1")
		return 2
	}
	dir, snap := fl.Arg(0), fl.Arg(1)
	ctx := context.Background()
	f, err := hdfs.New(ctx, "hdfs://"+*addr, hdfs.Config{Addresses: []string{*addr}, User: *name})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hdfs-emulator snapshot:", err)
		return 1
	}
	defer f.Close()
	if *del {
		err = f.DeleteSnapshot(ctx, dir, snap)
	} else {
		err = f.CreateSnapshot(ctx, dir, snap)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hdfs-emulator snapshot:", err)
		return 1
	}
	if *del {
		fmt.Printf("deleted snapshot %s of %s\n", snap, dir)
	} else {
		fmt.Printf("created snapshot %s\n", path.Join(dir, ".snapshot", snap))
	}
	return 0
}
