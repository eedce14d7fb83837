// Command lister plans a copy job and enqueues it; without --nats it also
// runs the whole job in this process.
package main

import "github.com/jetcp/jetcp/internal/cli"

func main() { cli.Main(cli.ListerMain) }
