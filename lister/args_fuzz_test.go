package lister

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/messages"
)

// FuzzParseArgs checks ParseArgs on arbitrary command lines:
//
//	go test ./lister -run '^$' -fuzz FuzzParseArgs
//
// The input is a line and a separator byte that splits it into arguments
// (so arguments may be empty or hold spaces and newlines). Properties: it
// never panics; every error is a *UsageError whose message is one line; every
// accepted value is in its documented range and the options can be sent in a
// job; a command line that will run (no -h, no --print-config) has a target,
// a source (operands or -f) and only the option combinations validate lets
// through.
func FuzzParseArgs(f *testing.F) {
	for _, line := range []string{
		"-update -delete -pugpt -m 20 -bandwidth 50 /a /b",
		"-Dmapreduce.job.queuename=x -strategy dynamic /a /b",
		"-p", "--", "-m", "-D", "-f", "-", "", " ", "-h", "--help", "-h -update -overwrite", "--print-config",
		"--nats nats://x -async /a /b",
		"--overwrite --i -p /a /b /c",
		"-pc -atomic -tmp /w /a /b",
		"--src /a --src=/b --dst /c --dry-run --report-json r.json",
		"-f list -filters flt -log logs -direct -v -copybuffersize 64KiB /t",
		"-update -skipcrccheck -strategy dynamic --attempts 5 --retry-backoff 10ms -- -odd-name /t",
		"-Dmapreduce.job.queuename=etl -D fs.defaultFS=hdfs://nn:8020 -fs hdfs://other:8020 -Ddfs.replication=2 /a /b",
		"/a /b --nats nats://127.0.0.1:4222",
		"-async --nats nats://h:4222 --nats-user u --nats-ca /ca.pem /a /b",
		"--nats n:1 --nats-user u --nats-token t /a /b", "--nats n:1 --nats-cert c /a /b", "--nats n:1 -async -log /l /a /b",
		"--nats nats://u:pw@h --nats-password p /a /b", "--nats-user u /a /b", "--nats= /a /b",
		"-update -overwrite /a /b", "-delete /a /b", "-atomic -update /a /b", "-atomic -direct /a /b", "-tmp /w /a /b",
		"-skipcrccheck /a /b", "-append /a /b", "-update -append -skipcrccheck /a /b", "-update -append /a /b",
		"-pa /a /b", "-px /a /b", "-pz /a /b", "-p=z /a /b", "-p= /a /b", "-prbugpcaxt /a /b", "--p=ug /a /b",
		"-m 0 /a /b", "-m -3 /a /b", "-m 99999999999999999999 /a /b", "-m=4 /a /b",
		"-bandwidth 0 /a /b", "-bandwidth NaN /a /b", "-bandwidth Inf /a /b", "-bandwidth 1e400 /a /b", "-bandwidth 0x1p-2 /a /b",
		"-copybuffersize 0 /a /b", "-copybuffersize 1GiB /a /b", "-copybuffersize 2GiB /a /b", "-copybuffersize 9223372036854775807B /a /b",
		"--attempts 99 /a /b", "--attempts 0 /a /b", "--retry-backoff -1s /a /b", "--progress-interval 10ms /a /b",
		"--progress-interval 10s --no-progress /a /b", "--replicas 6 /a /b", "--replicas 3 /a /b",
		"-update=yes /a /b", "-strategy uniformsize /a /b", "-strategy x /a /b",
		"-numListstatusThreads 40 /a /b", "-numListstatusThreads 41 /a /b", "-numListstatusThreads 0 /a /b", "-copybuffersize -1 /a /b", "-updat /a /b", "-blocksperchunk", "-diff s1 s2 /a /b", "-diff=s1 s2 /a /b", "-useiterator /a /b",
		"-libjars x.jar /a /b", "-conf c.xml /a /b", "-Dnovalue /a /b", "-D =v /a /b", "-D  k = v /a /b",
		"/a", "--src /a", "--dst /b", "-f l /a /b", "-f l /b", "-- -h", "-- -- /a /b", "-frobnicate /a /b", "---update /a /b",
	} {
		f.Add(line, byte(' '))
	}
	// Arguments with spaces, newlines, empty ones: split on NUL.
	for _, line := range []string{
		"/a b\x00/c d", "-D\x00k=v\nw\x00/a\x00/b", "-frob\nnicate\x00/a\x00/b", "-p\nu\x00/a\x00/b", "-update=\n\x00/a\x00/b",
		"\x00/a\x00/b", "/a\x00\x00", "-m\x00\x00/a\x00/b", "--dst\x00\x00/a", "--src\x00\x00--dst\x00/b", "-\r\x00/a\x00/b",
		"-strategy\x00dyn\namic\x00/a\x00/b", "--nats\x00nats://h\n\x00--nats-cert\x00c\x00/a\x00/b", "-\xff\x00/a\x00/b",
	} {
		f.Add(line, byte(0))
	}

	f.Fuzz(func(t *testing.T, line string, sep byte) {
		var args []string
		if line != "" {
			args = strings.Split(line, string([]byte{sep}))
		}
		c, err := ParseArgs(args)
		if err != nil {
			var u *UsageError
			if !errors.As(err, &u) || !IsUsage(err) {
				t.Fatalf("ParseArgs(%q): %T %v is not a usage error", args, err, err)
			}
			if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("ParseArgs(%q): usage error is not one line: %q", args, msg)
			}
			return
		}

		// Values as the options document them, whatever else is on the line.
		o := c.Options
		switch {
		case c.Workers < 0 || c.Workers > 0 && c.Workers < 1:
			t.Fatalf("ParseArgs(%q): -m %d", args, c.Workers)
		case c.ListThreads < 0 || c.ListThreads > 40:
			t.Fatalf("ParseArgs(%q): -numListstatusThreads %d", args, c.ListThreads)
		case c.Replicas < 0 || c.Replicas > 5:
			t.Fatalf("ParseArgs(%q): --replicas %d", args, c.Replicas)
		case c.ProgressEvery != 0 && c.ProgressEvery < 100*time.Millisecond:
			t.Fatalf("ParseArgs(%q): --progress-interval %v", args, c.ProgressEvery)
		case o.Attempts < 0 || o.Attempts > messages.MaxAttempts:
			t.Fatalf("ParseArgs(%q): --attempts %d", args, o.Attempts)
		case o.RetryBackoff < 0:
			t.Fatalf("ParseArgs(%q): --retry-backoff %v", args, o.RetryBackoff)
		case o.CopyBufferSize < 0 || o.CopyBufferSize > 1<<30:
			t.Fatalf("ParseArgs(%q): -copybuffersize %d", args, o.CopyBufferSize)
		case o.BandwidthMBps < 0 || math.IsNaN(o.BandwidthMBps) || math.IsInf(o.BandwidthMBps, 0):
			t.Fatalf("ParseArgs(%q): -bandwidth %v is not a finite MB/s", args, o.BandwidthMBps)
		case o.Preserve.ChecksumType && !o.Preserve.BlockSize:
			t.Fatalf("ParseArgs(%q): -pc without -pb", args)
		}
		// The options travel in the job spec: they must encode.
		if _, err := messages.Encode(&messages.Job{ID: "j", Options: o}); err != nil {
			t.Fatalf("ParseArgs(%q) accepted options that cannot be sent: %v", args, err)
		}

		if c.Help || c.PrintConfig {
			return // neither runs a copy, so neither is validated
		}
		switch {
		case c.Target == "":
			t.Fatalf("ParseArgs(%q): no target: %+v", args, c)
		case len(c.Sources) == 0 && c.SourceList == "":
			t.Fatalf("ParseArgs(%q): no source: %+v", args, c)
		case len(c.Sources) > 0 && c.SourceList != "":
			t.Fatalf("ParseArgs(%q): sources both with -f and as operands", args)
		case o.Update && o.Overwrite:
			t.Fatalf("ParseArgs(%q): -update with -overwrite", args)
		case o.Delete && !o.Update && !o.Overwrite:
			t.Fatalf("ParseArgs(%q): -delete without -update or -overwrite", args)
		case o.Atomic && (o.Update || o.Delete || o.Direct):
			t.Fatalf("ParseArgs(%q): -atomic with -update, -delete or -direct", args)
		case c.Tmp != "" && !o.Atomic:
			t.Fatalf("ParseArgs(%q): -tmp without -atomic", args)
		case o.Preserve.ACL || o.Preserve.XAttr:
			t.Fatalf("ParseArgs(%q): -pa or -px accepted", args)
		case c.Async && c.NATS.URL == "":
			t.Fatalf("ParseArgs(%q): -async without --nats", args)
		case c.NATS.URL != "" && len(c.HadoopSet) > 0:
			t.Fatalf("ParseArgs(%q): -D with --nats", args)
		case c.NATS.URL != "" && c.NATS.Check() != nil:
			t.Fatalf("ParseArgs(%q): NATS options that Check refuses: %v", args, c.NATS.Check())
		}
	})
}
