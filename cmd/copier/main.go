// Command copier runs the copier service against a JetStream server (--nats).
package main

import "github.com/jetcp/jetcp/internal/cli"

func main() { cli.Main(cli.Copier) }
