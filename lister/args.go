package lister

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/messages"
)

// Config is a parsed command line: what to copy, where, and how.
type Config struct {
	Sources    []string // as given: paths, URIs or globs
	SourceList string   // -f: a file listing sources, one per line
	Target     string
	Filters    string // -filters: a file of regular expressions
	Tmp        string // -tmp: work directory for -atomic
	LogDir     string // -log: per-file COPY/SKIP/FAIL lines go here
	ReportJSON string // --report-json
	// Differences is lister verify's --differences: one JSON line per
	// entry that is not the same.
	Differences string
	NATS        natsconn.Config // --nats and its auth options; no URL = embedded
	Async       bool            // -async: return once the work is enqueued
	Replicas    int             // --replicas of the streams; 0 = as the server suggests
	Workers     int             // -m
	// ListThreads is how many directories are listed at once
	// (-numListstatusThreads); 0 = the default.
	ListThreads int
	// ChunkSet says -blocksperchunk or --chunk-size was given (0 means off).
	ChunkSet   bool
	NoProgress bool // --no-progress: no live progress line or progress log lines
	// HTTP is --http: the address the job page is served on while the
	// job runs ("" = none).
	HTTP string
	// ProgressEvery is how often progress is logged without a terminal.
	ProgressEvery time.Duration
	// Notes are remarks on the command line for the log (-v), e.g. an
	// accepted DistCp option that changes nothing in jetcp.
	Notes []string
	// Warnings are remarks shown without -v: an option that has no effect.
	Warnings []string
	// HadoopSet holds Hadoop configuration overrides (-D key=value, -fs).
	HadoopSet map[string]string
	// PrintConfig (--print-config) shows the resolved configuration instead of copying.
	PrintConfig bool
	Help        bool
	Options     messages.Options
	// Manifest is --manifest (where manifests go, instead of the target's
	// .jetcp directory); NoManifest is --no-manifest.
	Manifest   string
	NoManifest bool

	// CopyFromManifest (--copy-from-manifest) names a file listing the
	// entries to copy (JSON lines with "src" and "dst", e.g. verify's
	// --differences, or source paths): they are copied instead of the
	// sources' trees.
	CopyFromManifest string
	// VerifyAfter (--verify): once the copy has committed, verify the
	// target as lister verify would.
	VerifyAfter bool
	// DiffFrom and DiffTo are -diff's (or, with RDiff, -rdiff's)
	// snapshots (diff.go, rdiff.go).
	DiffFrom, DiffTo string
	RDiff            bool
	bothDiffs        bool // -diff and -rdiff both given
}

// maxListThreads is DistCpOptions.MAX_NUM_LISTSTATUS_THREADS.
const maxListThreads = 40

// UsageError is bad input found before anything was copied (exit status 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// IsUsage reports whether err is, or wraps, a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// shown is an argument as a usage error shows it: as typed, or quoted when
// it holds a newline or another unprintable character, so that the error
// stays one line.
func shown(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}

type argKind int

const (
	argBool argKind = iota
	argValue
	argUnsupported // a DistCp option jetcp does not implement yet
	argPair        // an option with two values (-diff s1 s2)
)

type argSpec struct {
	kind  argKind
	nargs int    // values an unsupported option takes
	why   string // for unsupported options
	set   func(c *Config, v string) error
	set2  func(c *Config, a, b string) error // argPair
}

func boolArg(f func(c *Config)) argSpec {
	return argSpec{kind: argBool, set: func(c *Config, _ string) error { f(c); return nil }}
}

func valueArg(f func(c *Config, v string) error) argSpec {
	return argSpec{kind: argValue, set: f}
}

func unsupported(nargs int, why string) argSpec {
	return argSpec{kind: argUnsupported, nargs: nargs, why: why}
}

// argSpecs are DistCp's options (one or two dashes) plus jetcp's own.
var argSpecs = map[string]argSpec{
	"update":       boolArg(func(c *Config) { c.Options.Update = true }),
	"overwrite":    boolArg(func(c *Config) { c.Options.Overwrite = true }),
	"delete":       boolArg(func(c *Config) { c.Options.Delete = true }),
	"i":            boolArg(func(c *Config) { c.Options.IgnoreFailures = true }),
	"skipcrccheck": boolArg(func(c *Config) { c.Options.SkipCRC = true }),
	"atomic":       boolArg(func(c *Config) { c.Options.Atomic = true }),
	"direct":       boolArg(func(c *Config) { c.Options.Direct = true }),
	"v":            boolArg(func(c *Config) { c.Options.Verbose = true }),
	"dry-run":      boolArg(func(c *Config) { c.Options.DryRun = true }),
	"trust-mtime":  boolArg(func(c *Config) { c.Options.TrustMtime = true }),
	"no-manifest":  boolArg(func(c *Config) { c.NoManifest = true }),
	"manifest": valueArg(func(c *Config, v string) error {
		if v == "" {
			return usagef("--manifest: give a directory URI for the job manifests, e.g. --manifest hdfs://nn:8020/jetcp/manifests")
		}
		c.Manifest = v
		return nil
	}),
	"h":    boolArg(func(c *Config) { c.Help = true }),
	"help": boolArg(func(c *Config) { c.Help = true }),
	"m": valueArg(func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return usagef("-m %q: give the number of simultaneous copies, a whole number such as 20", v)
		}
		if n < 1 { // DistCpOptions.Builder.maxMaps: max(n, 1)
			n = 1
			c.Notes = append(c.Notes, fmt.Sprintf("-m %s: copying one file at a time (DistCp runs at least one map)", v))
		}
		c.Workers = n
		return nil
	}),
	"bandwidth": valueArg(func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) { // not NaN or Inf: the job is JSON
			return usagef("-bandwidth %q: give MB/s per copy as a positive number, e.g. -bandwidth 50", v)
		}
		c.Options.BandwidthMBps = f
		return nil
	}),
	"copybuffersize": valueArg(func(c *Config, v string) error {
		n, err := ParseBytes(v)
		if err != nil {
			// DistCp reads an int: a negative one is the default, as 0 is.
			if neg, nerr := strconv.Atoi(strings.TrimSpace(v)); nerr == nil && neg < 0 {
				n, err = 0, nil
			}
		}
		if err != nil || n > 1<<30 {
			return usagef("-copybuffersize %q: give a size in bytes up to 1GiB, e.g. 8192 or 1MiB", v)
		}
		if n == 0 { // DistCpOptions.Builder.withCopyBufferSize: <= 0 is the default
			c.Notes = append(c.Notes, fmt.Sprintf("-copybuffersize %s: using the default copy buffer (DistCp takes 0 or less as the default)", v))
		}
		c.Options.CopyBufferSize = int(n)
		return nil
	}),
	"f":           valueArg(func(c *Config, v string) error { c.SourceList = v; return nil }),
	"filters":     valueArg(func(c *Config, v string) error { c.Filters = v; return nil }),
	"tmp":         valueArg(func(c *Config, v string) error { c.Tmp = v; return nil }),
	"log":         valueArg(func(c *Config, v string) error { c.LogDir = v; return nil }),
	"report-json": valueArg(func(c *Config, v string) error { c.ReportJSON = v; return nil }),
	"nats":        valueArg(func(c *Config, v string) error { c.NATS.URL = v; return nil }),
	"http":        valueArg(func(c *Config, v string) error { c.HTTP = v; return nil }),
	"async":       boolArg(func(c *Config) { c.Async = true }),
	"no-progress": boolArg(func(c *Config) { c.NoProgress = true }),
	"progress-interval": valueArg(func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return usagef("--progress-interval %q: give a duration of at least 100ms, e.g. 10s", v)
		}
		c.ProgressEvery = d
		return nil
	}),
	"replicas": valueArg(func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return usagef("--replicas %q: give the stream replication, 1 to 5 (3 for a cluster)", v)
		}
		c.Replicas = n
		return nil
	}),
	"src": valueArg(func(c *Config, v string) error { c.Sources = append(c.Sources, v); return nil }),
	"dst": valueArg(func(c *Config, v string) error { c.Target = v; return nil }),
	"strategy": valueArg(func(c *Config, v string) error {
		if v != "dynamic" && v != "uniformsize" {
			return usagef("-strategy %q: DistCp knows dynamic and uniformsize (jetcp always balances dynamically)", v)
		}
		c.Notes = append(c.Notes, fmt.Sprintf("-strategy %s: accepted; jetcp always balances dynamically (copiers pull work items from the work stream as they free up)", v))
		return nil
	}),
	"attempts": valueArg(func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > messages.MaxAttempts {
			return usagef("--attempts %q: give how often to try each file, 1 to %d", v, messages.MaxAttempts)
		}
		c.Options.Attempts = n
		return nil
	}),
	"retry-backoff": valueArg(func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return usagef("--retry-backoff %q: give a duration such as 500ms", v)
		}
		c.Options.RetryBackoff = d
		return nil
	}),
	"append":     boolArg(func(c *Config) { c.Options.Append = true }),
	"updateRoot": boolArg(func(c *Config) { c.Options.UpdateRoot = true }),
	"useiterator": boolArg(func(c *Config) {
		c.Notes = append(c.Notes, "-useiterator: accepted; jetcp always streams its listing one directory at a time (bounded memory), with -numListstatusThreads directories at once")
	}),
	"xtrack": valueArg(func(c *Config, v string) error {
		if v == "" {
			return usagef("-xtrack: give a directory for the list of target files missing at the source, e.g. -xtrack hdfs://nn:8020/jetcp/xtrack")
		}
		c.Options.XTrack = v
		return nil
	}),
	"blocksperchunk": valueArg(func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1<<16 {
			return usagef("-blocksperchunk %q: give the blocks per chunk, e.g. 8 (0 copies every file whole)", v)
		}
		c.Options.BlocksPerChunk, c.ChunkSet = n, true
		return nil
	}),
	"chunk-size": valueArg(func(c *Config, v string) error {
		n, err := ParseBytes(v)
		if err != nil || n != 0 && (n < 1<<20 || n > 5<<30) {
			return usagef("--chunk-size %q: give a size from 1MiB to 5GiB, e.g. 256MiB (0 copies every file whole)", v)
		}
		c.Options.ChunkSize, c.ChunkSet = n, true
		return nil
	}),
	"bundle-files": valueArg(func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return usagef("--bundle-files %q: give the most small files per work item, 1 to 1000 (1 turns bundling off)", v)
		}
		c.Options.BundleFiles = n
		return nil
	}),
	"bundle-bytes": valueArg(func(c *Config, v string) error {
		n, err := ParseBytes(v)
		if err != nil || n < 8<<10 || n > 1<<30 {
			return usagef("--bundle-bytes %q: give the most bytes per bundle, 8KiB to 1GiB, e.g. 8MiB", v)
		}
		c.Options.BundleBytes = n
		return nil
	}),
	"numListstatusThreads": valueArg(func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return usagef("-numListstatusThreads %q: give the directories listed at once, a whole number such as 8 (at most 40)", v)
		}
		// As DistCpOptions.Builder.withNumListstatusThreads: more than
		// MAX_NUM_LISTSTATUS_THREADS (40) is 40, 0 or less is unset.
		switch {
		case n > maxListThreads:
			c.Warnings = append(c.Warnings, fmt.Sprintf("-numListstatusThreads %s: capped at %d, the most DistCp allows too (it lowers larger values to %d)", v, maxListThreads, maxListThreads))
			n = maxListThreads
		case n < 1:
			c.Notes = append(c.Notes, fmt.Sprintf("-numListstatusThreads %s: listing with the default number of threads (DistCp takes 0 or less as unset)", v))
			n = 0
		}
		c.ListThreads = n
		return nil
	}),
	"print-config": boolArg(func(c *Config) { c.PrintConfig = true }),
	// Hadoop's generic options, as GenericOptionsParser takes them (-D is parsed apart).
	"fs":             valueArg(func(c *Config, v string) error { c.setHadoop("fs.defaultFS", v); return nil }),
	"conf":           unsupported(1, "extra configuration files are not read; put them in HADOOP_CONF_DIR or pass properties with -D key=value"),
	"libjars":        unsupported(1, "jetcp does not run on MapReduce and loads no jars: drop -libjars"),
	"files":          unsupported(1, "jetcp does not run on MapReduce: drop -files"),
	"archives":       unsupported(1, "jetcp does not run on MapReduce: drop -archives"),
	"jt":             unsupported(1, "jetcp does not run on MapReduce: drop -jt"),
	"tokenCacheFile": unsupported(1, "delegation token files are not read: use a Kerberos ticket cache (kinit)"),
	"sizelimit":      unsupported(1, "DistCp deprecated it; select files with -filters"),
	"filelimit":      unsupported(1, "DistCp deprecated it; select files with -filters"),
	"mapredSslConf":  unsupported(1, "jetcp does not use MapReduce"),
}

// ParseArgs parses a DistCp-style command line (without the program name):
// options with one or two dashes, "-pugpt" preserve letters glued to -p,
// then SRC... DST (or --src SRC... --dst DST). It validates combinations the
// way DistCp does; it does no I/O.
func init() {
	for _, f := range natsconn.Flags {
		argSpecs[f.Name] = valueArg(func(c *Config, v string) error { f.Set(&c.NATS, v); return nil })
	}
}

func ParseArgs(args []string) (Config, error) {
	var c Config
	var positional []string
	var unsupportedSeen []string
	err := c.scan(args, &unsupportedSeen, func(a string) { positional = append(positional, a) }, nil)
	if err != nil {
		return c, err
	}
	if c.Help {
		return c, nil
	}
	if c.PrintConfig {
		// The configuration of a command line that may lack SRC and DST.
		if len(positional) > 0 && c.Target == "" {
			c.Target, positional = positional[len(positional)-1], positional[:len(positional)-1]
		}
		c.Sources = append(c.Sources, positional...)
		return c, nil
	}
	if c.Target == "" {
		if len(positional) > 0 {
			c.Target = positional[len(positional)-1]
			positional = positional[:len(positional)-1]
		}
	}
	c.Sources = append(c.Sources, positional...)
	if err := c.validate(unsupportedSeen); err != nil {
		return c, err
	}
	if err := c.checkCopyExtras(); err != nil {
		return c, err
	}
	if err := c.checkDiff(); err != nil {
		return c, err
	}
	return c, nil
}

// twoDashes are jetcp's own options whose names have no dash: -h shows
// them, like the dashed ones, with two dashes; DistCp's take one.
var twoDashes = map[string]bool{"attempts": true, "replicas": true, "nats": true, "http": true, "src": true, "dst": true, "help": true}

// suggest is the known option closest to an unknown name, as -h shows it,
// or "" when none is close: case is ignored, and the names must differ
// by at most one edit per four letters (so "-updat" finds -update but a
// one- or two-letter name finds nothing by accident).
func suggest(name string) string {
	low := strings.ToLower(name)
	best, bestD := "", len(low)/4+1
	for _, k := range slices.Sorted(maps.Keys(argSpecs)) {
		if d := editDistance(low, strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	switch {
	case best == "":
		return ""
	case twoDashes[best] || strings.Contains(best, "-"):
		return "--" + best
	}
	return "-" + best
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scan walks a command line: each positional argument goes to pos, each
// option is parsed into c and, with the arguments it took, goes to opt
// (when not nil).
func (c *Config) scan(args []string, unsupportedSeen *[]string, pos func(string), opt func(name string, given []string)) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			for _, p := range args[i+1:] {
				pos(p)
			}
			return nil
		}
		if len(a) < 2 || a[0] != '-' {
			pos(a)
			continue
		}
		start := i
		name, last, err := c.option(args, i, unsupportedSeen)
		if err != nil {
			return err
		}
		i = last
		if opt != nil {
			opt(name, args[start:i+1])
		}
	}
	return nil
}

// OptionArgs are the options of a valid command line as given, with their
// values, without the sources and the target (positionals, --src, --dst,
// -f): what a command line that resumes the job repeats.
func OptionArgs(args []string) []string {
	var scratch Config
	var seen, out []string
	_ = scratch.scan(args, &seen, func(string) {}, func(name string, given []string) {
		if name != "src" && name != "dst" && name != "f" {
			out = append(out, given...)
		}
	})
	return out
}

// option parses the option at args[i] (with its value, if it takes one)
// into c: its name and the index of the last argument it used.
func (c *Config) option(args []string, i int, unsupportedSeen *[]string) (name string, last int, err error) {
	a := args[i]
	if strings.HasPrefix(a, "-D") {
		name = "D"
		prop := a[2:]
		if prop == "" {
			if i+1 >= len(args) {
				return name, i, usagef("option -D needs key=value")
			}
			i++
			prop = args[i]
		}
		if err := c.define(prop); err != nil {
			return name, i, err
		}
		return name, i, nil
	}
	name = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	value, hasValue := "", false
	if k, v, ok := strings.Cut(name, "="); ok {
		name, value, hasValue = k, v, true
	}
	if name == "p" || strings.HasPrefix(name, "p") && isPreserveLetters(name[1:]) {
		letters := name[1:]
		if hasValue {
			letters = value
		}
		if err := c.setPreserve(letters); err != nil {
			return name, i, err
		}
		return name, i, nil
	}
	spec, ok := argSpecs[name]
	if !ok {
		if s := suggest(name); s != "" {
			return name, i, usagef("unknown option %s: did you mean %s? (see -h for the options jetcp understands)", shown(a), s)
		}
		return name, i, usagef("unknown option %s: see -h for the options jetcp understands", shown(a))
	}
	switch spec.kind {
	case argBool:
		if hasValue {
			return name, i, usagef("option -%s takes no value", name)
		}
		_ = spec.set(c, "")
	case argValue:
		i, err = c.value(spec, args, i, name, value, hasValue)
		return name, i, err
	case argPair:
		i, err = c.pair(spec, args, i, name, value, hasValue)
		return name, i, err
	case argUnsupported:
		n := spec.nargs
		if hasValue {
			n--
		}
		if i+n >= len(args) {
			return name, i, usagef("option -%s needs %d value(s)", name, spec.nargs)
		}
		i += n
		*unsupportedSeen = append(*unsupportedSeen, name)
	}
	return name, i, nil
}

// value takes an argValue option's value (-m 20, or -m=20) and returns
// the index of the last argument it used.
func (c *Config) value(spec argSpec, args []string, i int, name, value string, hasValue bool) (int, error) {
	if !hasValue {
		if i+1 >= len(args) {
			return i, usagef("option -%s needs a value", name)
		}
		i++
		value = args[i]
	}
	return i, spec.set(c, value)
}

// mapReduceOnly are prefixes of Hadoop properties that tune MapReduce or
// DistCp's map tasks: they mean nothing to jetcp, which says so.
var mapReduceOnly = []string{"mapreduce.", "mapred.", "yarn.", "distcp.", "tez.", "io.sort."}

// define applies one -D key=value.
func (c *Config) define(prop string) error {
	k, v, ok := strings.Cut(prop, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return usagef("-D %s: give a Hadoop property as -D key=value", shown(prop))
	}
	for _, p := range mapReduceOnly {
		if strings.HasPrefix(k, p) {
			c.Warnings = append(c.Warnings, fmt.Sprintf("-D %s has no effect: jetcp does not run MapReduce jobs", k))
			return nil
		}
	}
	c.setHadoop(k, v)
	return nil
}

func (c *Config) setHadoop(k, v string) {
	if c.HadoopSet == nil {
		c.HadoopSet = map[string]string{}
	}
	c.HadoopSet[k] = v
}

func isPreserveLetters(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("rbugpcaxt", r) {
			return false
		}
	}
	return true
}

// setPreserve applies -p letters; bare -p is DistCp's default set rbugpct.
func (c *Config) setPreserve(letters string) error {
	if letters == "" {
		letters = "rbugpct"
	}
	p := &c.Options.Preserve
	for _, r := range letters {
		switch r {
		case 'r':
			p.Replication = true
		case 'b':
			p.BlockSize = true
		case 'u':
			p.User = true
		case 'g':
			p.Group = true
		case 'p':
			p.Permission = true
		case 'c':
			p.ChecksumType, p.BlockSize = true, true // DistCp: -pc implies -pb
		case 'a':
			p.ACL = true
		case 'x':
			p.XAttr = true
		case 't':
			p.Times = true
		default:
			return usagef("-p%s: unknown preserve letter %q; use any of rbugpcaxt", shown(letters), r)
		}
	}
	return nil
}

// validate refuses what DistCp refuses, in DistCp's order, before anything runs.
func (c *Config) validate(unsupportedSeen []string) error {
	o := &c.Options
	switch {
	case o.Update && o.Overwrite:
		return usagef("-update and -overwrite exclude each other: -update copies what differs, -overwrite copies everything")
	case o.Delete && !o.Update && !o.Overwrite:
		return usagef("-delete needs -update or -overwrite: add one of them")
	case o.Atomic && (o.Update || o.Delete):
		return usagef("-atomic cannot be combined with -update or -delete: an atomic copy builds a new target; drop one of them")
	case o.TrustMtime && !o.Update:
		return usagef("--trust-mtime is only valid with -update: add -update or drop it")
	case o.Append && !o.Update:
		return usagef("-append is only valid with -update: add -update or drop -append")
	case o.Append && o.SkipCRC:
		return usagef("-append cannot be used with -skipcrccheck: appending needs the checksum of the shared prefix; drop one of them")
	case o.XTrack != "" && !o.Update:
		return usagef("-xtrack is only valid with -update (DistCp's rule): add -update or drop -xtrack")
	case c.Tmp != "" && !o.Atomic:
		return usagef("-tmp is only valid with -atomic")
	case o.Atomic && o.Direct:
		return usagef("-atomic cannot be combined with -direct: -atomic writes a work tree and renames it")
	case o.Preserve.ACL:
		return usagef("-pa: preserving ACLs is not supported yet; drop the letter a")
	case o.Preserve.XAttr:
		return usagef("-px: preserving extended attributes is not supported yet; drop the letter x")
	}
	c.noteParityOptions()
	if o.SkipCRC && !o.Update {
		// Hadoop 3's DistCpOptions.Builder.validate() no longer refuses it:
		// RetriableFileCopyCommand passes skipCrc to the check after each
		// copy, which then compares lengths only. jetcp's copier does the same.
		c.Notes = append(c.Notes, "-skipcrccheck without -update: each copy is checked by its length only, not its checksum (as DistCp 3.4)")
	}
	if len(unsupportedSeen) > 0 {
		n := unsupportedSeen[0]
		return usagef("-%s is not supported by jetcp: %s", n, argSpecs[n].why)
	}
	if c.NATS.URL != "" && len(c.HadoopSet) > 0 {
		var keys []string
		for _, k := range slices.Sorted(maps.Keys(c.HadoopSet)) {
			keys = append(keys, shown(k))
		}
		return usagef("-D %s: with --nats the copiers read their own Hadoop configuration; set it in their core-site.xml (HADOOP_CONF_DIR) and drop -D", strings.Join(keys, ", -D "))
	}
	if c.NATS.URL == "" {
		if c.Async {
			return usagef("-async needs --nats URL: the embedded server stops when the lister exits")
		}
		if c.NATS != (natsconn.Config{}) {
			return usagef("NATS connection options need --nats URL of the server")
		}
	} else if c.Async && (c.LogDir != "" || c.ReportJSON != "") {
		return usagef("-async does not wait for the job, so it cannot write -log or --report-json: drop them and use lister watch or lister wait")
	} else if err := c.NATS.Check(); err != nil {
		return usagef("%v", err)
	}
	if c.SourceList != "" && len(c.Sources) > 0 {
		return usagef("give sources either with -f or on the command line, not both")
	}
	if c.noSources() {
		if c.Target == "" {
			return usagef("missing source and target: usage is lister [options] SRC... DST (see -h)")
		}
		return usagef("missing source: usage is lister [options] SRC... DST (only %q was given)", c.Target)
	}
	if c.Target == "" {
		return usagef("missing target: give the destination as the last argument or with --dst")
	}
	return nil
}

// noteParityOptions says (-v) what -append and -updateRoot do with the
// options around them, as DistCp decides it.
func (c *Config) noteParityOptions() {
	o := &c.Options
	if o.Append && o.BlocksPerChunk > 0 {
		// DistCpOptions.Builder.setOptionsForSplitLargeFile.
		o.Append = false
		c.Notes = append(c.Notes, "-append: off, as DistCp turns it off when -blocksperchunk splits files")
	}
	if o.UpdateRoot && !o.Update && !o.Overwrite {
		c.Notes = append(c.Notes, "-updateRoot: changes nothing without -update or -overwrite (the source root is then copied with its attributes anyway)")
	}
}

// noSources tells that the command line names no source: none given, no
// -f list and no --copy-from-manifest.
func (c *Config) noSources() bool {
	return len(c.Sources) == 0 && c.SourceList == "" && c.CopyFromManifest == ""
}

// checkCopyExtras refuses what --copy-from-manifest and --verify cannot
// honour.
func (c *Config) checkCopyExtras() error {
	o := c.Options
	switch {
	case c.VerifyAfter && o.DryRun:
		return usagef("--verify with --dry-run: a dry run copies nothing to verify; drop one of them")
	case c.VerifyAfter && c.Async:
		return usagef("--verify with -async: -async returns before the copy ends; drop -async, or run lister verify once the job is done")
	case c.VerifyAfter && c.CopyFromManifest != "" && len(c.Sources) == 0 && c.SourceList == "":
		return usagef("--verify with --copy-from-manifest needs the sources (SRC... DST): it verifies their trees")
	case c.CopyFromManifest == "":
		return nil
	case o.Delete:
		return usagef("--copy-from-manifest with -delete is ambiguous: the manifest names files to copy, not the tree whose extra files to delete; run -update -delete SRC... DST without the manifest")
	case o.Atomic:
		return usagef("--copy-from-manifest with -atomic: the manifest's entries land in an existing target, not a new one; drop -atomic")
	}
	return nil
}

// ParseBytes parses a byte count: "8192", "64KiB", "1MiB", "2GiB", "1M", "1k".
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"k", 1 << 10}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
