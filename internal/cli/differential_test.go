package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/distcpmodel"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// The differential test: random trees, sources, target states and option
// sets, on local, HDFS and COS, each run through the real lister command
// line (embedded JetStream, committer and copiers) and compared with
// distcpmodel, the model of DistCp's rules. The short mode (a fixed seed)
// is part of go test ./...; the long mode runs thousands of cases:
//
//	go test ./internal/cli -run TestDifferential -diff.cases 3000 -timeout 3h
//
// A divergence prints its seed and case; -diff.seed S -diff.case N reruns
// exactly that case, which then becomes a named regression case below.
var (
	diffCases    = flag.Int("diff.cases", 0, "differential test: random cases to run (0: the short fixed-seed run)")
	diffSeed     = flag.Uint64("diff.seed", 1, "differential test: the seed")
	diffOnly     = flag.Int("diff.case", -1, "differential test: run only this case of the seed")
	diffBackends = flag.String("diff.backends", "local,hdfs,cos", "differential test: backends to draw sources and targets from")
	diffVerbose  = flag.Bool("diff.v", false, "differential test: print every case's command line")
)

// shortDiffCases is the fixed-seed run CI makes.
const shortDiffCases = 200

func TestDifferential(t *testing.T) {
	n := *diffCases
	if n == 0 {
		n = shortDiffCases
		if testing.Short() {
			n = 40
		}
	}
	env := newDiffEnv(t, strings.Split(*diffBackends, ","))
	start := time.Now()
	var failed []int
	tally := map[string]int{}
	for i := range n {
		if *diffOnly >= 0 && i != *diffOnly {
			continue
		}
		c := genCase(*diffSeed, i, env.backends)
		if !t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) { env.check(t, &c) }) {
			failed = append(failed, i)
			if len(failed) >= 10 {
				break
			}
		}
		c.tally(tally)
	}
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(tally)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, tally[k]))
	}
	t.Logf("%d cases of seed %d in %s; failed: %v\n%s", n, *diffSeed, time.Since(start).Round(time.Millisecond), failed, strings.Join(kinds, ", "))
}

// tally counts what the case exercised, for the long mode's summary.
func (c genJob) tally(m map[string]int) {
	for _, b := range c.srcFS {
		m["src:"+b]++
	}
	m["dst:"+c.dstFS]++
	want := c.model
	m[fmt.Sprintf("exit:%d", want.Exit)]++
	if want.Refusal != "" {
		m["refused:"+want.Refusal]++
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{c.opts.Update, "-update"}, {c.opts.Overwrite, "-overwrite"}, {c.opts.Delete, "-delete"}, {c.opts.DryRun, "--dry-run"},
		{c.opts.Atomic, "-atomic"}, {len(c.opts.Filters) > 0, "-filters"}, {c.faults, "faults"}, {c.distributed, "--nats"}, {c.async, "-async"}, {c.verify && verifiesClean(&c, want), "verify"}, {copiesClean(&c, want), "--verify"}, {rerunsClean(&c, want), "rerun"}, {c.noManifest, "--no-manifest"}, {c.logTo != "", "-log"},
		{want.Failed+want.DirsFailed > 0, "entries failing"}, {want.Deleted > 0, "deleting"},
		{c.opts.Append, "-append"}, {want.Appended > 0, "appending"}, {c.opts.XTrack, "-xtrack"}, {len(want.Missing) > 0, "tracking missing"}, {c.opts.UpdateRoot, "-updateRoot"}} {
		if f.on {
			m[f.name]++
		}
	}
}

// diffEnv holds the emulators the cases share; every case works under a
// prefix of its own.
type diffEnv struct {
	backends []string
	local    string
	hdfs     *hdfsemu.Cluster
	cos      *cosemu.Server
	reg      *fs.Registry
	// nats is the URL of a JetStream server with a committer and a copier
	// service, started for the first distributed case.
	nats string
	top  *testing.T // the test the shared services live as long as
}

// natsURL starts the distributed services once (a nats-server, a
// committer and a copier, as separate services over the network) and
// returns the server's URL.
func (e *diffEnv) natsURL() string {
	if e.nats == "" {
		e.nats = startServer(e.top)
		startServices(e.top, e.nats, "-m", "4")
	}
	return e.nats
}

func newDiffEnv(t *testing.T, backends []string) *diffEnv {
	e := &diffEnv{backends: backends, local: t.TempDir(), top: t}
	for _, b := range backends {
		switch b {
		case "local":
		case "hdfs":
			c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			e.hdfs = c
		case "cos":
			e.cos = cosEnv(t)
		default:
			t.Fatalf("-diff.backends: unknown backend %q", b)
		}
	}
	if e.cos == nil {
		t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	}
	e.reg = cli.Registry(hadoopconf.Source{Getenv: os.Getenv}, zerolog.Nop())
	t.Cleanup(func() { e.reg.Close() })
	return e
}

// setFaults turns the emulators' transient faults on or off.
func (e *diffEnv) setFaults(on bool) {
	if e.hdfs != nil {
		f := hdfsemu.Faults{}
		if on {
			f = hdfsemu.Faults{RPCErrorRate: 0.02, DropRate: 0.01, LostReplyRate: 0.01}
		}
		e.hdfs.SetFaults(f)
	}
	if e.cos != nil {
		f := cosemu.Faults{}
		if on {
			f = cosemu.Faults{ErrorRate: 0.02}
		}
		e.cos.SetFaults(f)
	}
}

// root is where a case on backend b keeps its files.
func (e *diffEnv) root(b string, id string) string {
	switch b {
	case "hdfs":
		return "hdfs://" + e.hdfs.Addr() + "/diff/" + id
	case "cos":
		return "cosn://" + cosBucket + "/diff/" + id
	}
	return "file://" + filepath.Join(e.local, id)
}

// genJob is one generated job.
type genJob struct {
	seed   uint64
	index  int
	srcFS  []string // backend of each source
	dstFS  string
	srcs   []genSource
	target distcpmodel.Entry
	opts   distcpmodel.Options
	extra  []string // options that must not change the outcome
	// How the sources are named: one by one, by a glob, or with -f.
	naming string
	// insideSource puts the target inside source 0 (refused).
	insideSource bool
	// refused is an option jetcp refuses (with its values): the job must
	// end with exit status 2, one line, and nothing written.
	refused []string
	// model is what the model says the case ends with (set by check).
	model distcpmodel.Outcome
	// logTo is the backend -log writes to ("": no -log).
	logTo string
	// distributed runs the job on separate committer and copier services
	// over a nats-server (--nats), not embedded.
	distributed bool
	// verify runs lister verify after a copy that leaves the target
	// equal to the sources (see verifiesClean): it must find them same.
	verify bool
	// readBoth has verify read both sides (--read-both), so it settles
	// every entry; without, what no checksum settles is unverifiable.
	readBoth bool
	// verifyAfter adds --verify where the model says the copy leaves a
	// fresh target equal to the sources (copiesClean): then every entry,
	// written by jetcp, is proven the same and the exit status is the
	// copy's.
	verifyAfter bool
	// rerun runs an -update case that copied cleanly a second time: the
	// job manifest (or the records) must settle every file, nothing is
	// copied, and the target stays as it is.
	rerun bool
	// noManifest writes no job manifest (--no-manifest): a rerun is then
	// settled by the targets' own records, or checksums.
	noManifest bool
	// async submits a distributed job with -async and follows it with
	// `lister watch --json` (whose done event carries the report).
	async bool
	// faults makes the HDFS and COS emulators fail a few requests while
	// the job runs (errors, cut connections, lost replies); with enough
	// attempts the outcome must not change.
	faults bool
	// xtrackTo is the backend -xtrack writes its list to (with
	// opts.XTrack).
	xtrackTo string
}

type genSource struct {
	parent string // a directory under the case's src root, to allow equal base names
	name   string
	distcpmodel.Entry
}

// names are what entries are called: regular-expression and URI
// metacharacters, spaces and non-ASCII included.
var names = []string{"a", "b", "c d", "données", "x.tmp", "(p)", "[s]", "a+b", "$d", "%41", "q&r", "é", "t~1", "dot.dir"}

// sizes are around the thresholds the case's options set: bundled below
// 1 KiB (--bundle-bytes 8KiB), chunked above 1 MiB (--chunk-size 1MiB).
var sizes = []int{0, 0, 1, 7, 100, 1023, 1024, 1025, 3000, 8192}

func genCase(seed uint64, i int, backends []string) genJob {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	c := genJob{seed: seed, index: i}
	pick := func() string { return backends[r.IntN(len(backends))] }
	c.dstFS = pick()
	nsrc := 1 + r.IntN(3)
	if r.IntN(4) == 0 {
		nsrc = 1
	}
	var trees []distcpmodel.Tree
	for s := range nsrc {
		c.srcFS = append(c.srcFS, pick())
		g := genSource{parent: "p0", name: fmt.Sprintf("s%d", s)}
		if r.IntN(8) == 0 && s > 0 {
			g.parent, g.name = fmt.Sprintf("p%d", s), "s0" // the same base name as source 0
		}
		if r.IntN(6) == 0 {
			g.Entry = distcpmodel.Entry{Exists: true, Data: genData(r, sizes[r.IntN(len(sizes))])}
		} else {
			g.Entry = distcpmodel.Entry{Exists: true, Dir: true, Tree: genTree(r, 0, "", 1+r.IntN(7))}
			if s > 0 && r.IntN(4) != 0 {
				// Mostly distinct top levels, or most multi-source cases
				// would be refused as duplicates.
				g.Tree = suffixTop(g.Tree, fmt.Sprintf("~%d", s))
			}
			// Sometimes share paths with an earlier source (duplicates).
			if len(trees) > 0 && r.IntN(3) == 0 {
				other := trees[r.IntN(len(trees))]
				for k, v := range sortedTree(other) {
					if r.IntN(3) == 0 {
						addWithParents(g.Tree, k, v)
					}
				}
			}
			trees = append(trees, g.Tree)
		}
		c.srcs = append(c.srcs, g)
	}
	// The target: missing, a file, or a directory holding some of what
	// the sources would put there (same, different, or of the other kind).
	// twins are the target files that have a source file's path, with
	// that file's bytes (for -append, below).
	var twins [][2]string
	switch k := r.IntN(20); {
	case k < 6:
	case k == 6:
		c.target = distcpmodel.Entry{Exists: true, Data: genData(r, sizes[r.IntN(len(sizes))])}
	default:
		c.target = distcpmodel.Entry{Exists: true, Dir: true, Tree: distcpmodel.Tree{}}
		for _, s := range c.srcs {
			prefixes := []string{"", s.name}
			pre := prefixes[r.IntN(2)]
			if !s.Dir {
				if r.IntN(2) == 0 {
					addWithParents(c.target.Tree, s.name, mutate(r, distcpmodel.Node{Data: s.Data}))
					twins = append(twins, [2]string{s.name, s.Data})
				}
				continue
			}
			for k, v := range sortedTree(s.Tree) {
				if r.IntN(3) == 0 {
					addWithParents(c.target.Tree, joinRel(pre, k), mutate(r, v))
					if !v.Dir {
						twins = append(twins, [2]string{joinRel(pre, k), v.Data})
					}
				}
			}
		}
		for k, v := range sortedTree(genTree(r, 0, "", r.IntN(4))) {
			addWithParents(c.target.Tree, "t"+k, v) // target-only entries
		}
	}
	o := &c.opts
	switch r.IntN(6) {
	case 0, 1:
		o.Update = true
	case 2:
		o.Overwrite = true
	}
	if r.IntN(40) == 0 {
		o.Update, o.Overwrite = true, true
	}
	o.Delete = (o.Update || o.Overwrite) && r.IntN(3) == 0 || r.IntN(40) == 0
	// Without -update, -skipcrccheck only drops the checksum check after
	// a copy (Hadoop 3.4): the outcome is the same.
	o.SkipCRC = o.Update && r.IntN(4) == 0 || r.IntN(20) == 0
	o.Atomic = !o.Update && !o.Delete && !c.target.Exists && r.IntN(2) == 0 || r.IntN(60) == 0
	o.IgnoreFailures = r.IntN(3) == 0
	o.DryRun = r.IntN(8) == 0
	for range r.IntN(3) {
		name := regexp.QuoteMeta(names[r.IntN(len(names))])
		switch r.IntN(3) {
		case 0:
			o.Filters = append(o.Filters, ".*/"+name)
		case 1:
			o.Filters = append(o.Filters, ".*/"+name+"/.*")
		default:
			o.Filters = append(o.Filters, `.*\.tmp`)
		}
	}
	if r.IntN(2) == 0 {
		c.extra = append(c.extra, "--bundle-bytes", "8KiB")
	}
	if r.IntN(3) == 0 {
		c.extra = append(c.extra, "--bundle-files", fmt.Sprint(1+r.IntN(4)))
	}
	if r.IntN(3) == 0 {
		c.extra = append(c.extra, "-m", fmt.Sprint([]int{0, 1, 2, 4, 8}[r.IntN(5)]))
	}
	if r.IntN(4) == 0 && !o.Atomic {
		c.extra = append(c.extra, "-direct")
	}
	if r.IntN(5) == 0 {
		c.extra = append(c.extra, "-v")
	}
	if r.IntN(5) == 0 {
		c.extra = append(c.extra, "-numListstatusThreads", fmt.Sprint(1+r.IntN(8)))
	}
	if r.IntN(4) == 0 {
		// Preserving attributes changes no bytes and no decision here:
		// the sources' block sizes are the default everywhere.
		// Owners and groups of HDFS and COS (supergroup) are not names on
		// this machine: a local target fails those files, as DistCp does.
		choice := "ugpt"
		if c.dstFS == "local" && slices.ContainsFunc(c.srcFS, func(b string) bool { return b != "local" }) {
			choice = "pt"
		}
		letters := ""
		for _, l := range choice {
			if r.IntN(2) == 0 {
				letters += string(l)
			}
		}
		switch {
		case r.IntN(4) == 0 && choice == "ugpt":
			letters = "" // bare -p: DistCp's rbugpct
		case letters == "":
			letters = "t"
		}
		c.extra = append(c.extra, "-p"+letters)
	}
	if r.IntN(8) == 0 {
		c.extra = append(c.extra, "--chunk-size", "1MiB")
	}
	sameDir := true
	for i, s := range c.srcs {
		sameDir = sameDir && s.parent == "p0" && c.srcFS[i] == c.srcFS[0]
	}
	switch k := r.IntN(8); {
	case k == 0 && sameDir:
		c.naming = "glob"
	case k == 1:
		c.naming = "list"
	case k == 2:
		c.naming = "flags"
	}
	c.insideSource = c.srcs[0].Dir && r.IntN(60) == 0
	c.faults = r.IntN(5) == 0
	c.distributed = r.IntN(6) == 0
	if r.IntN(5) == 0 {
		c.extra = append(c.extra, "-copybuffersize", []string{"0", "4096", "1MiB"}[r.IntN(3)])
	}
	if r.IntN(6) == 0 {
		c.extra = append(c.extra, "-bandwidth", "1000")
	}
	if r.IntN(8) == 0 {
		c.extra = append(c.extra, "-strategy", []string{"dynamic", "uniformsize"}[r.IntN(2)])
	}
	if r.IntN(8) == 0 {
		c.extra = append(c.extra, "-blocksperchunk", "1") // HDFS sources: 1 MiB chunks
	}
	if o.Update && r.IntN(5) == 0 {
		// Changes nothing here: no target holds a record of a copy
		// from its source when the case starts.
		c.extra = append(c.extra, "--trust-mtime")
	}
	if r.IntN(4) == 0 {
		c.logTo = pick()
	}
	// -async cannot write -log or --report-json: the report comes from
	// the job's done event.
	c.async = c.distributed && c.logTo == "" && r.IntN(3) == 0
	if r.IntN(6) == 0 {
		// With --nats the copiers read their own Hadoop configuration, so
		// an HDFS property is refused there: only MapReduce's then.
		n := len(defines)
		if c.distributed {
			n--
		}
		c.extra = append(c.extra, defines[r.IntN(n)]...)
	}
	if r.IntN(25) == 0 {
		c.refused = refusedOptions[r.IntN(len(refusedOptions))]
	}
	c.verify = r.IntN(3) == 0
	c.readBoth = r.IntN(2) == 0
	c.verifyAfter = r.IntN(3) == 0 // drawn late: the cases before it stay as they were
	c.rerun = r.IntN(2) == 0       // drawn late, likewise
	c.noManifest = r.IntN(4) == 0  // drawn last
	c.drawParity(r, twins, backends)
	return c
}

// drawParity draws -append, -xtrack, -updateRoot and -useiterator, after
// everything else so that the cases before them stay as they were. With
// -append some target files that have a source file's path become a
// start of it (a few with a byte changed), from a random source of their
// own.
func (c *genJob) drawParity(r *rand.Rand, twins [][2]string, backends []string) {
	o := &c.opts
	o.Append = o.Update && !o.SkipCRC && r.IntN(2) == 0 || r.IntN(60) == 0
	o.XTrack = o.Update && r.IntN(2) == 0 || r.IntN(80) == 0
	o.UpdateRoot = r.IntN(6) == 0
	if r.IntN(8) == 0 {
		c.extra = append(c.extra, "-useiterator")
	}
	if o.XTrack {
		c.xtrackTo = backends[r.IntN(len(backends))]
	}
	o.BlocksPerChunk = slices.Contains(c.extra, "-blocksperchunk")
	if !o.Append || !c.target.Dir {
		return
	}
	if c.logTo == "" && !c.async {
		c.logTo = backends[r.IntN(len(backends))] // its reasons show what was appended
	}
	pr := rand.New(rand.NewPCG(c.seed^0x9e3779b97f4a7c15, uint64(c.index)))
	for _, tw := range twins {
		rel, data := tw[0], tw[1]
		if n, ok := c.target.Tree[rel]; !ok || n.Dir || len(data) == 0 || pr.IntN(3) == 0 {
			continue
		}
		b := []byte(data[:pr.IntN(len(data))])
		if len(b) > 0 && pr.IntN(4) == 0 {
			b[pr.IntN(len(b))] ^= 0x5a // not the source's start after all
		}
		c.target.Tree[rel] = distcpmodel.Node{Data: string(b)}
	}
}

// defines are -D properties that must change nothing: MapReduce's (jetcp
// warns they have no effect) and, last, an HDFS client setting at its
// default.
var defines = [][]string{
	{"-Dmapreduce.job.queuename=etl"},
	{"-D", "mapreduce.map.memory.mb=2048"},
	{"-Ddistcp.dynamic.max.chunks.tolerable=400"},
	{"-D", "dfs.client.use.datanode.hostname=false"},
}

// refusedOptions are DistCp options jetcp refuses, with their values.
var refusedOptions = [][]string{
	{"-diff", "s1", "s2"}, {"-rdiff", "s2", "s1"},
	{"-pa"}, {"-px"}, {"-sizelimit", "100"}, {"-filelimit", "10"},
	{"-libjars", "x.jar"}, {"-conf", "extra.xml"},
}

// refusalLines are the lines of a refused run's stderr, less the log
// records before it (-v's debug lines, a -D warning): the refusal itself
// is one plain line.
func refusalLines(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec struct{ Level string }
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Level != "" && rec.Level != "error" {
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// sortedTree yields t's entries in path order: the generator draws from
// its random source while it walks a tree, and Go's map order would make
// a case differ from run to run (-diff.case could not rerun it).
func sortedTree(t distcpmodel.Tree) iter.Seq2[string, distcpmodel.Node] {
	return func(yield func(string, distcpmodel.Node) bool) {
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if !yield(k, t[k]) {
				return
			}
		}
	}
}

// suffixTop renames the top-level entries of t (and so their subtrees).
func suffixTop(t distcpmodel.Tree, suffix string) distcpmodel.Tree {
	out := distcpmodel.Tree{}
	for k, v := range t {
		top, rest, deeper := strings.Cut(k, "/")
		if deeper {
			out[top+suffix+"/"+rest] = v
		} else {
			out[top+suffix] = v
		}
	}
	return out
}

// genTree makes up to n entries below prefix, at most 3 levels deep.
func genTree(r *rand.Rand, depth int, prefix string, n int) distcpmodel.Tree {
	t := distcpmodel.Tree{}
	for range n {
		name := names[r.IntN(len(names))]
		rel := joinRel(prefix, name)
		if _, dup := t[rel]; dup {
			continue
		}
		if depth < 2 && r.IntN(3) == 0 {
			t[rel] = distcpmodel.Node{Dir: true}
			for k, v := range sortedTree(genTree(r, depth+1, rel, r.IntN(4))) {
				t[k] = v
			}
			continue
		}
		n := sizes[r.IntN(len(sizes))]
		if r.IntN(60) == 0 {
			n = 1<<20 + r.IntN(3)<<19 + r.IntN(3) - 1 // around --chunk-size 1MiB
		}
		t[rel] = distcpmodel.Node{Data: genData(r, n)}
	}
	return t
}

func genData(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// mutate returns what the target holds where the source has v: the same,
// other bytes of the same or another size, or the other kind.
func mutate(r *rand.Rand, v distcpmodel.Node) distcpmodel.Node {
	switch r.IntN(5) {
	case 0, 1:
		return v
	case 2:
		if v.Dir {
			return distcpmodel.Node{Data: "was a dir"}
		}
		return distcpmodel.Node{Dir: true}
	case 3:
		if !v.Dir && len(v.Data) > 0 {
			b := []byte(v.Data)
			b[r.IntN(len(b))] ^= 0x5a
			return distcpmodel.Node{Data: string(b)}
		}
	}
	if v.Dir {
		return v
	}
	return distcpmodel.Node{Data: v.Data + "+"}
}

// addWithParents puts rel in t, with directory parents, unless a parent
// is a file there.
func addWithParents(t distcpmodel.Tree, rel string, n distcpmodel.Node) {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		p := strings.Join(parts[:i], "/")
		if v, ok := t[p]; ok && !v.Dir {
			return
		}
	}
	if _, ok := t[rel]; ok {
		return
	}
	for i := 1; i < len(parts); i++ {
		t[strings.Join(parts[:i], "/")] = distcpmodel.Node{Dir: true}
	}
	t[rel] = n
}

func joinRel(a, b string) string {
	if a == "" {
		return b
	}
	return a + "/" + b
}

// check runs one case through jetcp and the model and compares them.
func (e *diffEnv) check(t *testing.T, c *genJob) {
	ctx := context.Background()
	id := fmt.Sprintf("s%d-c%d", c.seed, c.index)
	var srcURIs []string
	var model []distcpmodel.Source
	for i, s := range c.srcs {
		u := e.root(c.srcFS[i], id) + "/src/" + s.parent + "/" + s.name
		e.materialize(t, ctx, u, s.Entry)
		srcURIs = append(srcURIs, u)
		model = append(model, distcpmodel.Source{Path: mustURI(t, u).String(), Entry: s.Entry})
	}
	dstParent := e.root(c.dstFS, id) + "/dst"
	if c.insideSource {
		dstParent = srcURIs[0] + "/dst"
	}
	e.mkdirAll(t, ctx, dstParent)
	target := dstParent + "/out"
	e.materialize(t, ctx, target, c.target)
	want := distcpmodel.Run(model, mustURI(t, target).String(), c.target, c.opts)
	if c.refused != nil {
		want = distcpmodel.Outcome{Exit: distcpmodel.ExitUsage, Refusal: "an option jetcp refuses", Target: c.target}
	}
	c.model = want

	args := optionArgs(c.opts)
	var filterFile string
	if len(c.opts.Filters) > 0 {
		filterFile = filepath.Join(t.TempDir(), "filters")
		writeFile(t, filterFile, []byte(strings.Join(c.opts.Filters, "\n")+"\n"))
		args = append(args, "-filters", filterFile)
	}
	args = append(args, c.extra...)
	args = append(args, c.refused...)
	xtrackDir := ""
	if c.opts.XTrack {
		xtrackDir = e.root(c.xtrackTo, id) + "/xtrack"
		args = append(args, "-xtrack", xtrackDir)
	}
	args = append(args, "--no-progress")
	if c.distributed {
		args = append(args, "--nats", e.natsURL())
	}
	switch c.naming {
	case "glob":
		args = append(args, e.root(c.srcFS[0], id)+"/src/p0/s*")
	case "list":
		list := filepath.Join(t.TempDir(), "sources")
		writeFile(t, list, []byte(strings.Join(srcURIs, "\n")+"\n"))
		args = append(args, "-f", list)
	case "flags":
		for _, u := range srcURIs {
			args = append(args, "--src", u)
		}
	default:
		args = append(args, srcURIs...)
	}
	if c.naming == "flags" {
		args = append(args, "--dst="+target)
	} else {
		args = append(args, target)
	}
	if c.opts.Atomic && c.index%2 == 0 {
		args = append(args, "-tmp", dstParent+"/work")
	}
	if *diffVerbose {
		t.Logf("lister %s", strings.Join(args, " "))
	}
	describe := func() string {
		return fmt.Sprintf("seed %d case %d (rerun: -diff.seed %d -diff.case %d)\nlister %q\nsources: %s\ntarget before: %s\nmodel: %+v",
			c.seed, c.index, c.seed, c.index, args, describeSources(c), describeEntry(c.target), summary(want))
	}
	logDir := ""
	if c.logTo != "" {
		logDir = e.root(c.logTo, id) + "/logs"
		args = append([]string{"-log", logDir}, args...)
	}
	rj := filepath.Join(t.TempDir(), "report.json")
	if copiesClean(c, want) {
		args = append([]string{"--verify"}, args...)
	}
	if c.noManifest {
		args = append([]string{"--no-manifest"}, args...)
	}
	if c.faults {
		args = append([]string{"--attempts", "9", "--retry-backoff", "1ms"}, args...)
		e.setFaults(true)
	}
	code, out, errs := e.runLister(t, c, args, rj)
	e.setFaults(false)
	if code != want.Exit {
		t.Fatalf("exit %d, model %d (%s)\n%s\nstdout:\n%s\nstderr:\n%s", code, want.Exit, want.Refusal, describe(), out, lastLines(errs, 30))
	}
	got := e.read(t, ctx, target)
	if d := diffEntries(want.Target, got); d != "" {
		t.Fatalf("target differs from the model:\n%s\n%s\nstderr:\n%s", d, describe(), lastLines(errs, 30))
	}
	e.noLeftovers(t, ctx, dstParent, id)
	if code == distcpmodel.ExitUsage {
		if lines := refusalLines(errs); len(lines) != 1 {
			t.Errorf("a refusal takes one line; got:\n%s", errs)
		}
		return
	}
	var rep messages.Report
	data, err := os.ReadFile(rj)
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, describe())
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	gotC := [7]int64{rep.FilesCopied, rep.FilesSkipped, rep.FilesFailed, rep.BytesCopied, rep.BytesSkipped, rep.BytesFailed, rep.FilesDeleted}
	wantC := [7]int64{want.Copied, want.Skipped, want.Failed, want.BytesCopied, want.BytesSkipped, want.BytesFailed, want.Deleted}
	if gotC != wantC {
		t.Fatalf("counters copied/skipped/failed bytes copied/skipped/failed deleted:\n got %v\nwant %v\nfailures: %+v\n%s", gotC, wantC, rep.Failures, describe())
	}
	if rep.DirsCreated != want.DirsCreated {
		t.Errorf("dirs_created %d, model %d\n%s", rep.DirsCreated, want.DirsCreated, describe())
	}
	if rep.DirsFailed != want.DirsFailed {
		t.Fatalf("dirs_failed %d, model %d\nfailures: %+v\n%s", rep.DirsFailed, want.DirsFailed, rep.Failures, describe())
	}
	if logDir != "" {
		files, dirs := e.logActions(t, ctx, logDir)
		if want := [3]int64{want.Copied, want.Skipped, want.Failed}; files != want {
			t.Errorf("-log COPY/SKIP/FAIL lines of files %v, want %v\n%s", files, want, describe())
		}
		if want := [3]int64{want.DirsLoggedCopied, want.DirsLoggedSkipped, want.DirsFailed}; dirs != want {
			t.Errorf("-log COPY/SKIP/FAIL lines of directories %v, want %v\n%s", dirs, want, describe())
		}
	}
	e.checkParity(t, ctx, c, want, logDir, xtrackDir, target, describe)
	if rep.BytesExpected != rep.BytesCopied+rep.BytesSkipped+rep.BytesFailed {
		t.Errorf("bytes expected %d != copied %d + skipped %d + failed %d", rep.BytesExpected, rep.BytesCopied, rep.BytesSkipped, rep.BytesFailed)
	}
	if c.verify && verifiesClean(c, want) {
		e.verifyClean(t, c, srcURIs, target, filterFile, describe)
	}
	if copiesClean(c, want) && (rep.Verify == nil || len(rep.Verify.Categories) != 1 || rep.Verify.Categories[messages.CategorySame].Entries == 0) {
		t.Fatalf("--verify: the report's verification %+v, want every entry the same\n%s", rep.Verify, describe())
	}
	if rerunsClean(c, want) {
		e.rerunUnchanged(t, ctx, c, args, target, got, describe)
	}
}

// rerunsClean tells whether a case's -update runs a second time: drawn
// so, and the model says the first run leaves the target equal to the
// sources (verifiesClean), with no fault injected; not -atomic, which
// refuses an existing target, nor -async.
func rerunsClean(c *genJob, want distcpmodel.Outcome) bool {
	return c.rerun && c.opts.Update && !c.opts.Atomic && verifiesClean(c, want) && !c.faults && !c.async
}

// rerunUnchanged runs a case's clean -update again over the target it
// made: every file is settled (by the job manifest the first run wrote),
// nothing is copied or fails, and the target is as it was.
func (e *diffEnv) rerunUnchanged(t *testing.T, ctx context.Context, c *genJob, args []string, target string, before distcpmodel.Entry, describe func() string) {
	t.Helper()
	rj := filepath.Join(t.TempDir(), "rerun.json")
	code, _, errs := e.runLister(t, c, args, rj)
	if code != cli.ExitOK {
		t.Fatalf("the same -update again: exit %d\n%s\nstderr:\n%s", code, describe(), lastLines(errs, 30))
	}
	var rep messages.Report
	data, err := os.ReadFile(rj)
	if err != nil || json.Unmarshal(data, &rep) != nil {
		t.Fatalf("the same -update again: no report (%v)\n%s", err, describe())
	}
	if rep.FilesCopied != 0 || rep.FilesFailed != 0 || rep.FilesDeleted != 0 {
		t.Fatalf("the same -update again copied %d, failed %d, deleted %d; want nothing\nfailures: %+v\n%s", rep.FilesCopied, rep.FilesFailed, rep.FilesDeleted, rep.Failures, describe())
	}
	if d := diffEntries(before, e.read(t, ctx, target)); d != "" {
		t.Fatalf("the same -update again changed the target:\n%s\n%s", d, describe())
	}
}

// copiesClean tells whether a case runs with --verify: drawn so, and the
// model says the copy makes a missing target equal to the sources
// (verifiesClean), with no fault injected (a comparison could fail) and
// without -async (refused with --verify).
func copiesClean(c *genJob, want distcpmodel.Outcome) bool {
	return c.verifyAfter && verifiesClean(c, want) && !c.target.Exists && !c.faults && !c.async
}

// verifiesClean tells whether the model leaves the target equal to the
// sources where they land, and nothing else there: a copy that succeeded
// with no entry failing (verify leaves out what -filters does), not a dry run, with every
// file compared by checksum (no -skipcrccheck), into a target that was
// missing or cleaned of what the sources lack (-delete).
func verifiesClean(c *genJob, want distcpmodel.Outcome) bool {
	o := c.opts
	return want.Exit == 0 && want.Failed == 0 && want.DirsFailed == 0 && !o.DryRun &&
		!o.SkipCRC && (!c.target.Exists || o.Delete) && !c.insideSource
}

// verifyClean runs lister verify on a target the copy made equal to the
// sources: reading both sides every entry must be same (exit 0); without
// --read-both, same or unverifiable, never a difference. The
// sources land as they did for the copy: merged into the target with
// -update (the copy's own, or a single source that became the then
// missing target), else below it by name.
func (e *diffEnv) verifyClean(t *testing.T, c *genJob, srcs []string, target, filters string, describe func() string) {
	t.Helper()
	rj := filepath.Join(t.TempDir(), "verify.json")
	args := []string{"verify", "--no-progress", "--report-json", rj}
	if c.readBoth {
		args = append(args, "--read-both")
	}
	if filters != "" {
		args = append(args, "-filters", filters)
	}
	if c.opts.Update || c.opts.Overwrite || !c.target.Exists && len(srcs) == 1 {
		args = append(args, "-update")
	}
	if c.distributed {
		args = append(args, "--nats", e.natsURL())
	}
	args = append(append(args, srcs...), target)
	code, out, errs := run(t, args...)
	rep := readReport(t, rj)
	var differ []string
	if rep.Verify != nil {
		for cat, n := range rep.Verify.Categories {
			if n.Entries > 0 && cat != messages.CategorySame && (c.readBoth || cat != messages.CategoryUnverifiable) {
				differ = append(differ, cat)
			}
		}
	}
	if len(differ) > 0 || c.readBoth && code != cli.ExitOK {
		t.Fatalf("verify after the copy: exit %d, categories %v, want all same (or unverifiable without --read-both)\nlister %q\n%s\n%s\nstderr:\n%s",
			code, differ, args, out, describe(), lastLines(errs, 20))
	}
}

// runLister runs the case's command. An -async case then follows its job
// with `lister watch --json` and writes the done event's report to rj, as
// --report-json does; the exit status is watch's, which is the job's.
func (e *diffEnv) runLister(t *testing.T, c *genJob, args []string, rj string) (int, string, string) {
	if !c.async {
		return run(t, append([]string{"--report-json", rj}, args...)...)
	}
	code, out, errs := run(t, append([]string{"-async"}, args...)...)
	if code != cli.ExitOK {
		return code, out, errs
	}
	// stdout is the job id alone (a --dry-run's plan goes to stderr).
	id := strings.TrimSpace(out)
	if !messages.ValidJobID(id) {
		t.Fatalf("-async: stdout %q is not the job id alone", out)
	}
	code, out, werrs := run(t, "watch", "--json", "--nats", e.natsURL(), id)
	errs += werrs
	found := false
	for _, l := range strings.Split(out, "\n") {
		var ev messages.Event
		if json.Unmarshal([]byte(l), &ev) != nil || ev.Type != messages.EventDone || ev.Report == nil {
			continue
		}
		data, err := json.Marshal(ev.Report)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, rj, data)
		found = true
	}
	if !found && code != cli.ExitUsage {
		t.Fatalf("-async: lister watch %s (exit %d) gave no done event with a report:\nstdout:\n%s\nstderr:\n%s", id, code, lastLines(out, 20), lastLines(werrs, 20))
	}
	return code, out, errs
}

func optionArgs(o distcpmodel.Options) []string {
	var a []string
	for _, f := range []struct {
		on   bool
		flag string
	}{{o.Update, "-update"}, {o.Overwrite, "-overwrite"}, {o.Delete, "-delete"}, {o.SkipCRC, "-skipcrccheck"},
		{o.Atomic, "-atomic"}, {o.IgnoreFailures, "-i"}, {o.DryRun, "--dry-run"}, {o.Append, "-append"}, {o.UpdateRoot, "-updateRoot"}} {
		if f.on {
			a = append(a, f.flag)
		}
	}
	return a
}

func mustURI(t *testing.T, s string) fs.URI {
	t.Helper()
	u, err := fs.ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *diffEnv) fs(t *testing.T, ctx context.Context, s string) (fs.FS, fs.URI) {
	t.Helper()
	u := mustURI(t, s)
	fsys, err := e.reg.FS(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return fsys, u
}

func (e *diffEnv) mkdirAll(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	fsys, u := e.fs(t, ctx, s)
	if _, err := fs.MkdirAll(ctx, fsys, u.Path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// materialize makes s hold en (nothing, a file, or a directory tree).
func (e *diffEnv) materialize(t *testing.T, ctx context.Context, s string, en distcpmodel.Entry) {
	t.Helper()
	if !en.Exists {
		return
	}
	fsys, u := e.fs(t, ctx, s)
	if _, err := fs.MkdirAll(ctx, fsys, u.Dir().Path, 0o755); err != nil {
		t.Fatal(err)
	}
	if !en.Dir {
		e.writeFS(t, ctx, fsys, u.Path, en.Data)
		return
	}
	if err := fsys.Mkdir(ctx, u.Path, 0o755); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(en.Tree))
	for k := range en.Tree {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.SortStableFunc(keys, func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") })
	for _, k := range keys {
		p := u.Join(k).Path
		if n := en.Tree[k]; n.Dir {
			if err := fsys.Mkdir(ctx, p, 0o755); err != nil {
				t.Fatalf("mkdir %s: %v", p, err)
			}
		} else {
			e.writeFS(t, ctx, fsys, p, n.Data)
		}
	}
}

func (e *diffEnv) writeFS(t *testing.T, ctx context.Context, fsys fs.FS, p, data string) {
	t.Helper()
	w, err := fsys.Create(ctx, p, fs.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// read returns what is at s, through the file-system layer.
func (e *diffEnv) read(t *testing.T, ctx context.Context, s string) distcpmodel.Entry {
	t.Helper()
	fsys, u := e.fs(t, ctx, s)
	fi, err := fsys.Stat(ctx, u.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return distcpmodel.Entry{}
	}
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		return distcpmodel.Entry{Exists: true, Data: readFS(t, ctx, fsys, u.Path)}
	}
	en := distcpmodel.Entry{Exists: true, Dir: true, Tree: distcpmodel.Tree{}}
	err = fs.Walk(ctx, fsys, u.Path, func(fi fs.FileInfo) error {
		rel := strings.TrimPrefix(fi.Path, u.Path+"/")
		if rel == manifest.DirName && fi.IsDir() {
			e.manifests(t, ctx, fsys, fi.Path)
			return fs.SkipDir // jetcp's own, not a copied entry
		}
		if fi.IsDir() {
			en.Tree[rel] = distcpmodel.Node{Dir: true}
		} else {
			en.Tree[rel] = distcpmodel.Node{Data: readFS(t, ctx, fsys, fi.Path)}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// manifests checks a target's manifest directory: job manifests only,
// each one complete (manifest.Load reads the newest).
func (e *diffEnv) manifests(t *testing.T, ctx context.Context, fsys fs.FS, dir string) {
	t.Helper()
	for fi, err := range fsys.List(ctx, dir) {
		if err != nil {
			t.Fatal(err)
		}
		if fi.IsDir() || !strings.HasPrefix(fi.Name(), "manifest-") || !strings.HasSuffix(fi.Name(), ".jsonl.zst") {
			t.Errorf("%s in the manifest directory %s: only job manifests belong there", fi.Name(), dir)
		}
	}
	if _, skipped, err := manifest.Load(ctx, fsys, dir); err != nil || len(skipped) > 0 {
		t.Errorf("manifests in %s: %v %v", dir, err, skipped)
	}
}

func readFS(t *testing.T, ctx context.Context, fsys fs.FS, p string) string {
	t.Helper()
	r, err := fsys.Open(ctx, p, 0)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

// logActions reads the one -log file in dir: how many files it says were
// copied, skipped and failed (each file once), and how many directories
// (a merged root once per source).
func (e *diffEnv) logActions(t *testing.T, ctx context.Context, dir string) (files, dirs [3]int64) {
	t.Helper()
	fsys, u := e.fs(t, ctx, dir)
	var logs []string
	for fi, err := range fsys.List(ctx, u.Path) {
		if err != nil {
			t.Fatalf("list -log %s: %v", dir, err)
		}
		logs = append(logs, fi.Path)
	}
	if len(logs) != 1 || !strings.HasSuffix(logs[0], ".jsonl") {
		t.Fatalf("-log %s holds %v, want one jetcp-<job>.jsonl", dir, logs)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(readFS(t, ctx, fsys, logs[0])), "\n") {
		if line == "" {
			continue
		}
		var l struct{ Action, Kind, Dst string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("-log line %q: %v", line, err)
		}
		n := &files
		if l.Kind == messages.KindDir {
			n = &dirs
		} else if seen[l.Dst] {
			t.Errorf("-log: %s logged twice", l.Dst)
		}
		seen[l.Dst] = true
		switch l.Action {
		case "COPY":
			n[0]++
		case "SKIP":
			n[1]++
		case "FAIL":
			n[2]++
		default:
			t.Errorf("-log line %q: unknown action", line)
		}
	}
	return files, dirs
}

// noLeftovers fails on temp files or work trees under dir, and on
// multipart uploads left open.
func (e *diffEnv) noLeftovers(t *testing.T, ctx context.Context, dir, id string) {
	t.Helper()
	fsys, u := e.fs(t, ctx, dir)
	_ = fs.Walk(ctx, fsys, u.Path, func(fi fs.FileInfo) error {
		if strings.HasPrefix(fi.Name(), ".jetcp.") {
			t.Errorf("leftover %s", fi.Path)
		}
		return nil
	})
	if e.cos != nil {
		if n := e.cos.OpenUploads(cosBucket); n != 0 {
			t.Errorf("%d multipart uploads left open", n)
		}
	}
}

func diffEntries(want, got distcpmodel.Entry) string {
	switch {
	case want.Exists != got.Exists:
		return fmt.Sprintf("target exists: %v, model %v", got.Exists, want.Exists)
	case !want.Exists:
		return ""
	case want.Dir != got.Dir:
		return fmt.Sprintf("target is a directory: %v, model %v", got.Dir, want.Dir)
	case !want.Dir:
		if want.Data != got.Data {
			return fmt.Sprintf("target file: %d bytes, model %d bytes (other bytes)", len(got.Data), len(want.Data))
		}
		return ""
	}
	var d []string
	for k, w := range want.Tree {
		g, ok := got.Tree[k]
		switch {
		case !ok:
			d = append(d, "missing "+k)
		case g.Dir != w.Dir:
			d = append(d, "kind differs "+k)
		case g.Data != w.Data:
			d = append(d, fmt.Sprintf("bytes differ %s (%d bytes, model %d)", k, len(g.Data), len(w.Data)))
		}
	}
	for k := range got.Tree {
		if _, ok := want.Tree[k]; !ok {
			d = append(d, "extra "+k)
		}
	}
	slices.Sort(d)
	return strings.Join(d, "\n")
}

func describeEntry(e distcpmodel.Entry) string {
	switch {
	case !e.Exists:
		return "missing"
	case !e.Dir:
		return fmt.Sprintf("file(%d)", len(e.Data))
	}
	var b bytes.Buffer
	b.WriteString("dir{")
	keys := make([]string, 0, len(e.Tree))
	for k := range e.Tree {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		if n := e.Tree[k]; n.Dir {
			b.WriteString(k + "/")
		} else {
			fmt.Fprintf(&b, "%s(%d)", k, len(n.Data))
		}
	}
	b.WriteString("}")
	return b.String()
}

func describeSources(c *genJob) string {
	var parts []string
	for i, s := range c.srcs {
		parts = append(parts, fmt.Sprintf("%s:%s/%s=%s", c.srcFS[i], s.parent, s.name, describeEntry(s.Entry)))
	}
	return strings.Join(parts, "; ") + fmt.Sprintf("; target on %s", c.dstFS)
}

func summary(o distcpmodel.Outcome) string {
	return fmt.Sprintf("exit %d %s copied %d skipped %d failed %d (dirs %d) deleted %d", o.Exit, o.Refusal, o.Copied, o.Skipped, o.Failed, o.DirsFailed, o.Deleted)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Named regression cases: each divergence the differential test found,
// kept as the smallest job that shows it, run on every backend the test
// has. Each failed before its fix.
func TestDifferentialRegressions(t *testing.T) {
	env := newDiffEnv(t, strings.Split(*diffBackends, ","))
	dir := func(kv ...string) distcpmodel.Entry {
		tr := distcpmodel.Tree{}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "/" {
				addWithParents(tr, kv[i], distcpmodel.Node{Dir: true})
			} else {
				addWithParents(tr, kv[i], distcpmodel.Node{Data: kv[i+1]})
			}
		}
		return distcpmodel.Entry{Exists: true, Dir: true, Tree: tr}
	}
	file := func(data string) distcpmodel.Entry { return distcpmodel.Entry{Exists: true, Data: data} }
	srcs := func(es ...distcpmodel.Entry) []genSource {
		var g []genSource
		for i, e := range es {
			g = append(g, genSource{parent: "p0", name: fmt.Sprintf("s%d", i), Entry: e})
		}
		return g
	}
	cases := []struct {
		name   string
		srcs   []genSource
		target distcpmodel.Entry
		opts   distcpmodel.Options
	}{
		// Two sources with d/x under -update: one silently overwrote the other.
		{"duplicate file under -update", srcs(dir("d/x", "one"), dir("d/x", "two")), distcpmodel.Entry{},
			distcpmodel.Options{Update: true}},
		{"duplicate directory under -overwrite", srcs(dir("d", "/"), dir("d/y", "two")), dir("old", "keep"),
			distcpmodel.Options{Overwrite: true, Delete: true}},
		// Only the excluded directory is shared: its children still collide.
		{"duplicate below an excluded directory", srcs(dir("skip/x", "one"), dir("skip/x", "two")), distcpmodel.Entry{},
			distcpmodel.Options{Update: true, Filters: []string{".*/skip"}}},
		{"shared excluded file is no duplicate", srcs(dir("a.tmp", "one", "b", "b"), dir("a.tmp", "two", "c", "c")), distcpmodel.Entry{},
			distcpmodel.Options{Update: true, Filters: []string{`.*\.tmp`}}},
		// DistCp overwrites a target that is an existing file.
		{"single file onto an existing file", srcs(file("new bytes")), file("old"), distcpmodel.Options{}},
		{"single file onto an existing file, -i", srcs(file("new")), file("old"), distcpmodel.Options{IgnoreFailures: true}},
		// -filters test each path: excluding a directory keeps its children.
		{"filter excludes a directory, not its children", srcs(dir("skipdir/file", "kept", "skipdir/sub/deep", "kept too", "other", "o")), distcpmodel.Entry{},
			distcpmodel.Options{Filters: []string{".*/skipdir"}}},
		{"filter excludes one source root", srcs(dir("x", "x"), dir("y", "y")), distcpmodel.Entry{},
			distcpmodel.Options{Filters: []string{".*/s0"}}},
		{"filter excludes everything", srcs(dir("x.tmp", "x")), distcpmodel.Entry{},
			distcpmodel.Options{Filters: []string{`.*`}}},
		// -delete looks into an excluded target directory too.
		{"delete below an excluded directory", srcs(file("")), dir("tx.tmp/$d", "/", "tx.tmp/é", "e", "tb", "b"),
			distcpmodel.Options{Update: true, Delete: true, IgnoreFailures: true, Filters: []string{`.*\.tmp`}}},
		{"dry-run delete onto a missing target", srcs(dir("a", "a")), distcpmodel.Entry{},
			distcpmodel.Options{Update: true, Delete: true, DryRun: true}},
		// A source file where the target has a directory: the copy fails,
		// and the delete phase must not list the source file as a directory.
		{"delete with a directory where the source has a file", srcs(dir("d/f", "f", "d/g", "g")), dir("d/f/x", "x", "d/g", "g"),
			distcpmodel.Options{Update: true, Delete: true, IgnoreFailures: true}},
		// A dry run reports the failure a run meets when a parent is a file.
		{"dry run below a file in the way", srcs(dir("d/sub/x", "x", "e", "e")), dir("d", "a file"),
			distcpmodel.Options{Update: true, DryRun: true}},
		// Below a file in the way a directory's target is missing: on an
		// object store its files could be put there, beside the file, had
		// the listing not marked everything below the file (seed 21).
	}
	for _, b := range env.backends {
		for i, tc := range cases {
			c := genJob{seed: 0, index: 1000*len(b) + i, dstFS: b, srcs: tc.srcs, target: tc.target, opts: tc.opts}
			for range tc.srcs {
				c.srcFS = append(c.srcFS, b)
			}
			t.Run(b+"/"+tc.name, func(t *testing.T) { env.check(t, &c) })
		}
	}
	// From local files, whose listing has the attributes the lister's
	// early checks need, to each backend.
	fromLocal := []struct {
		name   string
		srcs   []genSource
		target distcpmodel.Entry
		opts   distcpmodel.Options
	}{
		// Below a file in the way a directory's target looks missing on
		// COS: its files were put beside the file instead of failing.
		{"run below a file in the way", srcs(dir("a", strings.Repeat("a", 1023), "c d", "", "é/é/a+b", strings.Repeat("b", 1025),
			"é/é/b", "b", "é/é/t~1", "")), dir("é", "nine byte"),
			distcpmodel.Options{Update: true, IgnoreFailures: true}},
	}
	for _, b := range env.backends {
		for i, tc := range fromLocal {
			c := genJob{seed: 0, index: 2000*len(b) + i, dstFS: b, srcs: tc.srcs, target: tc.target, opts: tc.opts}
			for range tc.srcs {
				c.srcFS = append(c.srcFS, "local")
			}
			t.Run("local-to-"+b+"/"+tc.name, func(t *testing.T) { env.check(t, &c) })
		}
	}
}

// A case is the same every time it is generated, so -diff.case reruns
// the case that failed (map order must not reach the random source).
func TestGenCaseIsDeterministic(t *testing.T) {
	backends := []string{"local", "hdfs", "cos"}
	show := func(c genJob) string {
		return fmt.Sprintf("%s | %s | %+v | %q | %v %v %v %q", describeSources(&c), describeEntry(c.target), c.opts, c.extra, c.srcFS, c.dstFS, c.naming, c.refused)
	}
	for i := range 200 {
		if a, b := show(genCase(7, i, backends)), show(genCase(7, i, backends)); a != b {
			t.Fatalf("case %d generated twice differs:\n%s\n%s", i, a, b)
		}
	}
}

// checkParity checks what -append and -xtrack leave besides the target:
// the -log's appended files (the model's count; none on COS, which
// cannot append), unless faults may have made a copier try a file
// again; and -xtrack's list, or none where the model writes none.
func (e *diffEnv) checkParity(t *testing.T, ctx context.Context, c *genJob, want distcpmodel.Outcome, logDir, xtrackDir, target string, describe func() string) {
	t.Helper()
	if logDir != "" && !c.faults {
		wantN := want.Appended
		if c.dstFS == "cos" {
			wantN = 0
		}
		if n := e.logAppended(t, ctx, logDir); n != wantN {
			t.Errorf("-log: %d files appended to, model %d\n%s", n, wantN, describe())
		}
	}
	if xtrackDir == "" {
		return
	}
	fsys, u := e.fs(t, ctx, xtrackDir+"/"+distcp.XTrackFile)
	r, err := fsys.Open(ctx, u.Path, 0)
	if !want.Tracked {
		if err == nil {
			r.Close()
			t.Errorf("-xtrack wrote %s, the model writes no list\n%s", u.Display(), describe())
		}
		return
	}
	if err != nil {
		t.Fatalf("-xtrack: %v\n%s", err, describe())
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	tu := mustURI(t, target)
	var got []string
	for _, line := range strings.Fields(string(data)) {
		dir := strings.HasSuffix(line, "/")
		lu := mustURI(t, strings.TrimSuffix(line, "/"))
		rel, ok := strings.CutPrefix(lu.Path, tu.Path+"/")
		if !ok || lu.Scheme != tu.Scheme || lu.Host != tu.Host {
			t.Fatalf("-xtrack lists %s, not below the target %s", line, target)
		}
		if dir {
			rel += "/"
		}
		got = append(got, rel)
	}
	slices.Sort(got)
	if !slices.Equal(got, want.Missing) {
		t.Errorf("-xtrack listed %q, model %q\n%s", got, want.Missing, describe())
	}
}

// logAppended counts the -log's file lines whose reason is -append's.
func (e *diffEnv) logAppended(t *testing.T, ctx context.Context, dir string) int64 {
	t.Helper()
	fsys, u := e.fs(t, ctx, dir)
	var n int64
	for fi, err := range fsys.List(ctx, u.Path) {
		if err != nil {
			t.Fatalf("list -log %s: %v", dir, err)
		}
		for _, line := range strings.Split(readFS(t, ctx, fsys, fi.Path), "\n") {
			var l struct{ Kind, Reason string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Kind == "" && strings.Contains(l.Reason, distcp.ReasonAppended) {
				n++
			}
		}
	}
	return n
}
