package lister

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/messages"
)

func TestParseArgsDistCpCommandLines(t *testing.T) {
	cases := []struct {
		args []string
		want func(c *Config)
	}{
		{[]string{"-update", "-delete", "-pugpt", "-m", "20", "-bandwidth", "50", "/a", "/b"}, func(c *Config) {
			c.Options.Update, c.Options.Delete = true, true
			c.Options.Preserve = messages.Preserve{User: true, Group: true, Permission: true, Times: true}
			c.Workers, c.Options.BandwidthMBps = 20, 50
			c.Sources, c.Target = []string{"/a"}, "/b"
		}},
		{[]string{"--overwrite", "--i", "-p", "/a", "/b", "/c"}, func(c *Config) {
			c.Options.Overwrite, c.Options.IgnoreFailures = true, true
			c.Options.Preserve = messages.Preserve{Replication: true, BlockSize: true, User: true, Group: true, Permission: true, ChecksumType: true, Times: true}
			c.Sources, c.Target = []string{"/a", "/b"}, "/c"
		}},
		{[]string{"-pc", "-atomic", "-tmp", "/w", "/a", "/b"}, func(c *Config) {
			c.Options.Preserve = messages.Preserve{ChecksumType: true, BlockSize: true}
			c.Options.Atomic, c.Tmp = true, "/w"
			c.Sources, c.Target = []string{"/a"}, "/b"
		}},
		{[]string{"--src", "/a", "--src=/b", "--dst", "/c", "--dry-run", "--report-json", "r.json"}, func(c *Config) {
			c.Options.DryRun, c.ReportJSON = true, "r.json"
			c.Sources, c.Target = []string{"/a", "/b"}, "/c"
		}},
		{[]string{"-f", "list", "-filters", "flt", "-log", "logs", "-direct", "-v", "-copybuffersize", "64KiB", "/t"}, func(c *Config) {
			c.SourceList, c.Filters, c.LogDir, c.Target = "list", "flt", "logs", "/t"
			c.Options.Direct, c.Options.Verbose, c.Options.CopyBufferSize = true, true, 64<<10
		}},
		{[]string{"-update", "-skipcrccheck", "-strategy", "dynamic", "--attempts", "5", "--retry-backoff", "10ms", "--", "-odd-name", "/t"}, func(c *Config) {
			c.Options.Update, c.Options.SkipCRC, c.Options.Attempts = true, true, 5
			c.Options.RetryBackoff = 10_000_000
			c.Sources, c.Target = []string{"-odd-name"}, "/t"
			c.Notes = []string{"-strategy dynamic: accepted; jetcp always balances dynamically (copiers pull work items from the work stream as they free up)"}
		}},
		{[]string{"-Dmapreduce.job.queuename=etl", "-D", "fs.defaultFS=hdfs://nn:8020", "-fs", "hdfs://other:8020", "-Ddfs.replication=2", "/a", "/b"}, func(c *Config) {
			c.Warnings = []string{"-D mapreduce.job.queuename has no effect: jetcp does not run MapReduce jobs"}
			c.HadoopSet = map[string]string{"fs.defaultFS": "hdfs://other:8020", "dfs.replication": "2"}
			c.Sources, c.Target = []string{"/a"}, "/b"
		}},
		{[]string{"/a", "/b", "--nats", "nats://127.0.0.1:4222"}, func(c *Config) {
			c.NATS.URL, c.Sources, c.Target = "nats://127.0.0.1:4222", []string{"/a"}, "/b"
		}},
		{[]string{"-async", "--nats", "nats://h:4222", "--nats-user", "u", "--nats-ca", "/ca.pem", "/a", "/b"}, func(c *Config) {
			c.Async, c.Sources, c.Target = true, []string{"/a"}, "/b"
			c.NATS.URL, c.NATS.User, c.NATS.CA = "nats://h:4222", "u", "/ca.pem"
		}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, err := ParseArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			var want Config
			tc.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseArgsRefusals(t *testing.T) {
	cases := map[string]string{
		"-atomic -update /a /b":                         "-atomic cannot be combined",
		"-atomic -overwrite -delete /a /b":              "-atomic cannot be combined",
		"-delete /a /b":                                 "-delete needs",
		"-update -overwrite /a /b":                      "exclude each other",
		"-append /a /b":                                 "-append is only valid with -update",
		"-update -append -skipcrccheck /a /b":           "-append cannot be used with -skipcrccheck",
		"-px /a /b":                                     "extended attributes",
		"-m x /a /b":                                    "-m \"x\"",
		"-copybuffersize 2GiB /a /b":                    "-copybuffersize",
		"-copybuffersize -x /a /b":                      "-copybuffersize",
		"--attempts 99 /a /b":                           "--attempts",
		"-update=yes /a /b":                             "takes no value",
		"-async /a /b":                                  "-async needs --nats",
		"--nats-user u /a /b":                           "need --nats URL",
		"--nats n:1 --nats-user u --nats-token t /a /b": "only one of",
		"--nats n:1 --nats-cert c /a /b":                "together",
		"--nats n:1 -async -log /l /a /b":               "cannot write -log",
		"-numListstatusThreads many /a /b":              "-numListstatusThreads",
		"--chunk-size 1000 /a /b":                       "--chunk-size",
		"--bundle-files 0 /a /b":                        "--bundle-files",
		"--bundle-bytes 1 /a /b":                        "--bundle-bytes",
		"-blocksperchunk -1 /a /b":                      "-blocksperchunk",
		"-blocksperchunk":                               "needs a value",
		"/a":                                            "missing source",
		"":                                              "missing source and target",
		"-f l /a /b":                                    "not both",
		"--src /a":                                      "missing target",
	}
	for line, want := range cases {
		t.Run(line, func(t *testing.T) {
			_, err := ParseArgs(strings.Fields(line))
			if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), want) {
				t.Fatalf("err %v, want usage error with %q", err, want)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"8192": 8192, "64KiB": 65536, "1MiB": 1 << 20, "2G": 2 << 30, "3k": 3072, "10B": 10} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1.5MiB", "99999999999GiB"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Values Hadoop 3.4's DistCp accepts and adjusts instead of refusing
// (DistCpOptions.Builder: maxMaps(max(n, 1)), withNumListstatusThreads caps
// at MAX_NUM_LISTSTATUS_THREADS = 40 and takes <= 0 as unset,
// withCopyBufferSize takes <= 0 as the default; its validate() no longer
// ties -skipcrccheck to -update).
func TestParseArgsDistCpAdjustments(t *testing.T) {
	cases := []struct {
		line             string
		workers, threads int
		buffer           int
		skipCRC          bool
		notes, warnings  []string
	}{
		{line: "-m 0 /a /b", workers: 1,
			notes: []string{"-m 0: copying one file at a time (DistCp runs at least one map)"}},
		{line: "-m -3 /a /b", workers: 1,
			notes: []string{"-m -3: copying one file at a time (DistCp runs at least one map)"}},
		{line: "-numListstatusThreads 0 /a /b", threads: 0,
			notes: []string{"-numListstatusThreads 0: listing with the default number of threads (DistCp takes 0 or less as unset)"}},
		{line: "-numListstatusThreads 41 /a /b", threads: 40,
			warnings: []string{"-numListstatusThreads 41: capped at 40, the most DistCp allows too (it lowers larger values to 40)"}},
		{line: "-numListstatusThreads 40 /a /b", threads: 40},
		{line: "-copybuffersize 0 /a /b", buffer: 0,
			notes: []string{"-copybuffersize 0: using the default copy buffer (DistCp takes 0 or less as the default)"}},
		{line: "-copybuffersize -5 /a /b", buffer: 0,
			notes: []string{"-copybuffersize -5: using the default copy buffer (DistCp takes 0 or less as the default)"}},
		{line: "-skipcrccheck /a /b", skipCRC: true,
			notes: []string{"-skipcrccheck without -update: each copy is checked by its length only, not its checksum (as DistCp 3.4)"}},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			c, err := ParseArgs(strings.Fields(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			if c.Workers != tc.workers || c.ListThreads != tc.threads || c.Options.CopyBufferSize != tc.buffer || c.Options.SkipCRC != tc.skipCRC {
				t.Fatalf("-m %d, threads %d, buffer %d, skipCRC %v; want %d, %d, %d, %v",
					c.Workers, c.ListThreads, c.Options.CopyBufferSize, c.Options.SkipCRC, tc.workers, tc.threads, tc.buffer, tc.skipCRC)
			}
			if !reflect.DeepEqual(c.Notes, tc.notes) || !reflect.DeepEqual(c.Warnings, tc.warnings) {
				t.Fatalf("notes %q, warnings %q; want %q, %q", c.Notes, c.Warnings, tc.notes, tc.warnings)
			}
		})
	}
}

// An unknown option names the closest known one when it is close enough.
func TestUnknownOptionSuggestion(t *testing.T) {
	cases := map[string]string{
		"-updat":                "unknown option -updat: did you mean -update? (see -h for the options jetcp understands)",
		"--overwite":            "unknown option --overwite: did you mean -overwrite? (see -h for the options jetcp understands)",
		"-skipCrcCheck":         "unknown option -skipCrcCheck: did you mean -skipcrccheck? (see -h for the options jetcp understands)",
		"--report-jsn":          "unknown option --report-jsn: did you mean --report-json? (see -h for the options jetcp understands)",
		"-numlistStatusThreads": "unknown option -numlistStatusThreads: did you mean -numListstatusThreads? (see -h for the options jetcp understands)",
		"-frobnicate":           "unknown option -frobnicate: see -h for the options jetcp understands",
		"-x":                    "unknown option -x: see -h for the options jetcp understands",
		"-pz":                   "unknown option -pz: see -h for the options jetcp understands",
	}
	for opt, want := range cases {
		t.Run(opt, func(t *testing.T) {
			_, err := ParseArgs([]string{opt, "/a", "/b"})
			if err == nil || !IsUsage(err) || err.Error() != want {
				t.Fatalf("err %v\nwant %s", err, want)
			}
		})
	}
}

// -append, -updateRoot and -useiterator as DistCp takes them: accepted,
// with a note (-v) where they change nothing or DistCp turns them off.
func TestParityOptionNotes(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		append bool
		note   string
	}{
		{[]string{"-update", "-append"}, true, ""},
		{[]string{"-update", "-append", "-blocksperchunk", "4"}, false, "-append: off, as DistCp turns it off when -blocksperchunk splits files"},
		{[]string{"-updateRoot"}, false, "-updateRoot: changes nothing without -update or -overwrite"},
		{[]string{"-useiterator"}, false, "-useiterator: accepted; jetcp always streams its listing"},
	} {
		c, err := ParseArgs(append(tc.args, "/a", "/b"))
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if c.Options.Append != tc.append {
			t.Errorf("%v: Append %v, want %v", tc.args, c.Options.Append, tc.append)
		}
		joined := strings.Join(c.Notes, "\n")
		if tc.note != "" && !strings.Contains(joined, tc.note) || tc.note == "" && joined != "" {
			t.Errorf("%v: notes %q, want %q", tc.args, c.Notes, tc.note)
		}
	}
}
