package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/messages"
)

// verifyTree is the source tree the verify tests copy, then plant a
// difference of each kind in, by the file's name.
func verifyTree(t *testing.T, withSrcChange bool) (string, map[string][]byte) {
	t.Helper()
	files := map[string][]byte{
		"same.txt":     randBytes(t, 1000),
		"sub/deep.txt": randBytes(t, 3000),
		"gone.txt":     randBytes(t, 100),
		"changed.bin":  randBytes(t, 4096),
		"was-file":     randBytes(t, 50),
		"foreign.txt":  randBytes(t, 700),
	}
	if withSrcChange {
		files["src-changed.bin"] = randBytes(t, 2048)
	}
	src := filepath.Join(t.TempDir(), "src")
	for rel, data := range files {
		writeFile(t, filepath.Join(src, rel), data)
	}
	return src, files
}

// planter changes a target behind jetcp's back, as another client would:
// no origin record, no jetcp metadata.
type planter struct {
	put    func(rel string, data []byte)
	remove func(rel string)
	mkdir  func(rel string)
}

// fsPlanter plants through jetcp's backend for root's file system
// (local files, HDFS) without recording an origin.
func fsPlanter(t *testing.T, root string) planter {
	t.Helper()
	ctx := context.Background()
	u, err := fs.ParseURI(root)
	if err != nil {
		t.Fatal(err)
	}
	reg := cli.Registry(hadoopconf.Source{Getenv: os.Getenv}, zerolog.Nop())
	t.Cleanup(func() { reg.Close() })
	fsys, err := reg.FS(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	p := func(rel string) string { return u.Join(rel).Path }
	pl := planter{
		remove: func(rel string) {
			if err := fsys.Remove(ctx, p(rel), true); err != nil {
				t.Fatal(err)
			}
		},
		mkdir: func(rel string) {
			if _, err := fs.MkdirAll(ctx, fsys, p(rel), 0o755); err != nil {
				t.Fatal(err)
			}
		},
	}
	pl.put = func(rel string, data []byte) {
		_ = fsys.Remove(ctx, p(rel), false)
		w, err := fsys.Create(ctx, p(rel), fs.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return pl
}

// cosPlanter writes objects with the COS SDK itself (no jetcp metadata),
// and removes and makes directories through jetcp's backend.
func cosPlanter(t *testing.T, root string) planter {
	t.Helper()
	pl := fsPlanter(t, root)
	ep, _ := url.Parse(os.Getenv("COS_ENDPOINT"))
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, ep.Host)
	}}
	bu, _ := url.Parse(ep.Scheme + "://" + cosBucket + ".cos.ap-guangzhou.myqcloud.com")
	c := cossdk.NewClient(&cossdk.BaseURL{BucketURL: bu}, &http.Client{Transport: &cossdk.AuthorizationTransport{
		SecretID: os.Getenv("COS_SECRET_ID"), SecretKey: os.Getenv("COS_SECRET_KEY"), Transport: tr}})
	u, _ := fs.ParseURI(root)
	pl.put = func(rel string, data []byte) {
		key := strings.TrimPrefix(u.Join(rel).Path, "/")
		if _, err := c.Object.Put(context.Background(), key, bytes.NewReader(data), nil); err != nil {
			t.Fatal(err)
		}
	}
	return pl
}

// plant makes, at the target root, one difference of each kind (files
// are those of verifyTree): a missing file, an extra file, a same-size
// change, a directory where a file was, a file rewritten (the same bytes)
// by another client; and, when src is given, a same-size change at the
// source.
func plant(t *testing.T, pl planter, files map[string][]byte, src string) {
	t.Helper()
	pl.remove("gone.txt")
	pl.put("extra.txt", []byte("only at the target"))
	changed := bytes.Clone(files["changed.bin"])
	changed[100] ^= 0xff
	pl.put("changed.bin", changed)
	pl.remove("was-file")
	pl.mkdir("was-file")
	pl.put("foreign.txt", files["foreign.txt"])
	if src != "" {
		p := filepath.Join(src, "src-changed.bin")
		data := bytes.Clone(files["src-changed.bin"])
		data[7] ^= 0xff
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// verifyRun is what one lister verify run gave.
type verifyRun struct {
	code     int
	out      string
	rep      messages.Report
	category map[string]string // by path under the target root ("" is the root)
	proof    map[string]string
	diffs    map[string]messages.Difference
	copiers  map[string]int // entries compared, by copier
}

// runVerify runs lister verify with -log, --differences and
// --report-json, and reads them back, keyed by path under dstRoot.
func runVerify(t *testing.T, dstRoot string, args ...string) verifyRun {
	t.Helper()
	dir := t.TempDir()
	logs, diffs, rj := filepath.Join(dir, "logs"), filepath.Join(dir, "diffs.jsonl"), filepath.Join(dir, "report.json")
	code, out, errs := run(t, append([]string{"verify", "-log", logs, "--differences", diffs, "--report-json", rj}, args...)...)
	v := verifyRun{code: code, out: out + errs, category: map[string]string{}, proof: map[string]string{}, diffs: map[string]messages.Difference{}, copiers: map[string]int{}}
	root, err := fs.ParseURI(dstRoot)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(dst string) string {
		u, err := fs.ParseURI(dst)
		if err != nil {
			t.Fatalf("dst %q: %v", dst, err)
		}
		return strings.TrimPrefix(strings.TrimPrefix(u.Path, root.Path), "/")
	}
	matches, _ := filepath.Glob(filepath.Join(logs, "jetcp-*.jsonl"))
	if len(matches) != 1 {
		t.Fatalf("exit %d, log files %v\n%s", code, matches, v.out)
	}
	for _, l := range readLines(t, matches[0]) {
		var e struct{ Dst, Category, Proof, Copier string }
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatal(err)
		}
		v.copiers[e.Copier]++
		v.category[rel(e.Dst)], v.proof[rel(e.Dst)] = e.Category, e.Proof
	}
	for _, l := range readLines(t, diffs) {
		var d messages.Difference
		if err := json.Unmarshal(l, &d); err != nil {
			t.Fatal(err)
		}
		v.diffs[rel(d.Dst)] = d
		if d.Category == messages.CategoryExtra {
			v.category[rel(d.Dst)] = d.Category
		}
	}
	v.rep = readReport(t, rj)
	return v
}

func readLines(t *testing.T, p string) [][]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

// want checks every entry's category and proof ("category/proof", or
// just the category where the proof is not the point), that each entry
// not the same is in the differences file, and the report's counts.
func (v verifyRun) want(t *testing.T, want map[string]string, code int) {
	t.Helper()
	if v.code != code {
		t.Errorf("exit %d, want %d\n%s", v.code, code, v.out)
	}
	counts := map[string]int64{}
	for rel, w := range want {
		cat, proof, _ := strings.Cut(w, "/")
		counts[cat]++
		if v.category[rel] != cat || proof != "" && v.proof[rel] != proof {
			t.Errorf("%q: %s by %q, want %s", rel, v.category[rel], v.proof[rel], w)
		}
		if _, listed := v.diffs[rel]; listed != (cat != messages.CategorySame) {
			t.Errorf("%q (%s): in the differences file: %v", rel, cat, listed)
		}
	}
	for rel := range v.category {
		if _, ok := want[rel]; !ok {
			t.Errorf("unexpected entry %q: %s", rel, v.category[rel])
		}
	}
	if v.rep.Verify == nil {
		t.Fatalf("report without verification:\n%s", v.out)
	}
	for _, cat := range messages.Categories {
		if got := v.rep.Verify.Categories[cat].Entries; got != counts[cat] {
			t.Errorf("report: %d %s, want %d", got, cat, counts[cat])
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", v.out)
	}
}

// expected is the category of each entry after plant, with the proofs
// that apply when the target keeps origin records (local files, HDFS).
func expectedRecorded(readBoth, srcChange bool) map[string]string {
	w := map[string]string{
		"":             "same/metadata",
		"sub":          "same/metadata",
		"same.txt":     "same/origin",
		"sub/deep.txt": "same/origin",
		"gone.txt":     "missing/metadata",
		"extra.txt":    "extra",
		"was-file":     "type-differs/metadata",
		"changed.bin":  "unverifiable",
		"foreign.txt":  "unverifiable",
	}
	if readBoth {
		w["changed.bin"] = "checksum-differs/read-both"
		w["foreign.txt"] = "same/read-both"
	}
	if srcChange {
		w["src-changed.bin"] = "checksum-differs/read-source"
	}
	return w
}

// Local to local: copy, plant every kind of difference, verify. Files
// jetcp wrote are proven by their recorded origin; what changed behind its
// back keeps no checksum and is unverifiable until --read-both reads it;
// a change at the source is found by reading the source only. The target
// is left as it was (verify writes nothing).
func TestVerifyLocalToLocal(t *testing.T) {
	src, files := verifyTree(t, true)
	dst := filepath.Join(t.TempDir(), "dst")
	if code, out, errs := run(t, src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	v := runVerify(t, dst, "-update", src, dst)
	v.want(t, map[string]string{"": "same", "sub": "same", "same.txt": "same/origin", "sub/deep.txt": "same/origin",
		"gone.txt": "same/origin", "changed.bin": "same/origin", "was-file": "same/origin", "foreign.txt": "same/origin",
		"src-changed.bin": "same/origin"}, cli.ExitOK)

	plant(t, fsPlanter(t, dst), files, src)
	before := snapshot(t, dst)
	runVerify(t, dst, "-update", src, dst).want(t, expectedRecorded(false, true), cli.ExitFailed)
	v = runVerify(t, dst, "-update", "--read-both", src, dst)
	v.want(t, expectedRecorded(true, true), cli.ExitFailed)
	if d := v.diffs["changed.bin"]; !strings.Contains(d.Reason, "source CRC32C:") || d.Src == "" {
		t.Errorf("changed.bin difference %+v", d)
	}
	if d := v.diffs["extra.txt"]; d.Src != "" || d.Size != int64(len("only at the target")) {
		t.Errorf("extra difference %+v", d)
	}
	if !strings.Contains(v.out, "DIFFERENCES FOUND") || !strings.Contains(v.out, "checksum-differs") {
		t.Errorf("summary:\n%s", v.out)
	}
	if after := snapshot(t, dst); len(after) != len(before) {
		t.Errorf("verify changed the target: %d entries, were %d", len(after), len(before))
	}
	noTemps(t, dst)
}

// Local to HDFS: HDFS targets keep the same origin records, so the
// categories and proofs of what jetcp wrote are local files'; a file
// changed or rewritten behind jetcp's back is compared by its DataNodes'
// COMPOSITE_CRC against the source, read (only the local source is read:
// no HDFS block), with --read-both or without.
func TestVerifyLocalToHDFS(t *testing.T) {
	c := startHDFS(t)
	src, files := verifyTree(t, true)
	dst := "hdfs://" + c.Addr() + "/verify/data"
	if code, out, errs := run(t, src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	plant(t, fsPlanter(t, dst), files, src)
	want := expectedRecorded(false, true)
	want["changed.bin"], want["foreign.txt"] = "checksum-differs/read-source", "same/read-source"
	before := c.Stats()
	runVerify(t, dst, "-update", src, dst).want(t, want, cli.ExitFailed)
	runVerify(t, dst, "-update", "--read-both", src, dst).want(t, want, cli.ExitFailed)
	d := c.Stats().Sub(before)
	if d.DataNode["READ_BLOCK"] != 0 || d.DataNode["BLOCK_CHECKSUM"] != 4 {
		t.Errorf("DataNode ops %v, want no READ_BLOCK and 4 BLOCK_CHECKSUM (changed.bin and foreign.txt, one block each, twice)", d.DataNode)
	}
}

// HDFS to COS: COS keeps a CRC32C of every object, whoever wrote it, and
// the HDFS source (copied there by jetcp) its origin records: every file
// is proven from checksums kept on both sides. No COS GET, no HDFS block
// read; an object rewritten by another client is compared all the same.
func TestVerifyHDFSToCOS(t *testing.T) {
	c := startHDFS(t)
	srv := cosEnv(t)
	local, files := verifyTree(t, false)
	src := "hdfs://" + c.Addr() + "/verify/src"
	dst := "cosn://" + cosBucket + "/verify/dst"
	if code, out, errs := run(t, local, src); code != cli.ExitOK {
		t.Fatalf("to HDFS: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, src, dst); code != cli.ExitOK {
		t.Fatalf("HDFS to COS: exit %d\n%s%s", code, out, errs)
	}
	plant(t, cosPlanter(t, dst), files, "")
	gets, reads := srv.ObjectGets(), c.BlockReads()
	runVerify(t, dst, "-update", src, dst).want(t, map[string]string{
		"":             "same/metadata",
		"sub":          "same/metadata",
		"same.txt":     "same/kept",
		"sub/deep.txt": "same/kept",
		"gone.txt":     "missing/metadata",
		"extra.txt":    "extra",
		"was-file":     "type-differs/metadata",
		"changed.bin":  "checksum-differs/kept",
		"foreign.txt":  "same/kept",
	}, cli.ExitFailed)
	if n := srv.ObjectGets() - gets; n != 0 {
		t.Errorf("verify read %d objects from COS", n)
	}
	if n := c.BlockReads() - reads; n != 0 {
		t.Errorf("verify read %d HDFS blocks", n)
	}
}

// COS to local: local targets keep origin records naming the object's
// size and mtime (COS has no change time, so the record alone does not
// prove it) and the CRC32C, which COS's own checksum matches: proven
// from kept checksums, with no GET. --read-both reads only the local
// side: COS is never downloaded.
func TestVerifyCOSToLocal(t *testing.T) {
	srv := cosEnv(t)
	local, files := verifyTree(t, false)
	src := "cosn://" + cosBucket + "/verify/src"
	dst := filepath.Join(t.TempDir(), "dst")
	if code, out, errs := run(t, local, src); code != cli.ExitOK {
		t.Fatalf("to COS: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, src, dst); code != cli.ExitOK {
		t.Fatalf("COS to local: exit %d\n%s%s", code, out, errs)
	}
	plant(t, fsPlanter(t, dst), files, "")
	gets := srv.ObjectGets()
	want := map[string]string{
		"":             "same/metadata",
		"sub":          "same/metadata",
		"same.txt":     "same/kept",
		"sub/deep.txt": "same/kept",
		"gone.txt":     "missing/metadata",
		"extra.txt":    "extra",
		"was-file":     "type-differs/metadata",
		"changed.bin":  "unverifiable",
		"foreign.txt":  "unverifiable",
	}
	runVerify(t, dst, "-update", src, dst).want(t, want, cli.ExitFailed)
	want["changed.bin"], want["foreign.txt"] = "checksum-differs/read-target", "same/read-target"
	runVerify(t, dst, "-update", "--read-both", src, dst).want(t, want, cli.ExitFailed)
	if n := srv.ObjectGets() - gets; n != 0 {
		t.Errorf("verify read %d objects from COS", n)
	}
}

// With --nats, a verify job runs on copier services (the lister runs
// none): two copiers and a committer over a JetStream server compare as
// the embedded run does, and write nothing at the target.
func TestVerifyOnCopierServices(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var wg sync.WaitGroup
	var logs [3]bytes.Buffer
	wg.Go(func() { cli.Committer(ctx, []string{"--nats", url}, &logs[0], &logs[0]) })
	wg.Go(func() { cli.Copier(ctx, []string{"--nats", url, "-m", "2", "--name", "c1"}, &logs[1], &logs[1]) })
	wg.Go(func() { cli.Copier(ctx, []string{"--nats", url, "-m", "2", "--name", "c2"}, &logs[2], &logs[2]) })
	defer func() { cancel(); wg.Wait() }()

	src, files := verifyTree(t, true)
	dst := filepath.Join(t.TempDir(), "dst")
	if code, out, errs := run(t, "--nats", url, src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	plant(t, fsPlanter(t, dst), files, src)
	v := runVerify(t, dst, "--nats", url, "-update", src, dst)
	v.want(t, expectedRecorded(false, true), cli.ExitFailed)
	if n := v.copiers["c1"] + v.copiers["c2"]; n != len(v.category)-1 { // all but the extra
		t.Errorf("entries compared by copier: %v, want all %d by c1 and c2", v.copiers, len(v.category)-1)
	}
	// lister wait on the finished job shows the verify summary and exits
	// as verify did.
	code, out, errs := run(t, "wait", "--nats", url, v.rep.Job)
	if code != cli.ExitFailed || !strings.Contains(out, "DIFFERENCES FOUND") || !strings.Contains(out, "checksum-differs") {
		t.Errorf("wait: exit %d\n%s%s", code, out, errs)
	}
}

// Bad input exits 2 with one line naming the problem and the fix, before
// anything runs (no job, no differences file written).
func TestVerifyBadInput(t *testing.T) {
	src, _ := verifyTree(t, false)
	dst := filepath.Join(t.TempDir(), "dst")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-atomic", src, dst}, "-atomic copies to a new target"},
		{[]string{"-async", "--nats", "nats://127.0.0.1:1", src, dst}, "drop -async"},
		{[]string{"--dry-run", src, dst}, "verify writes nothing anyway"},
		{[]string{filepath.Join(src, "nope"), dst}, "does not exist"},
		{[]string{"--differences", filepath.Join(src, "no", "such", "dir", "d.jsonl"), src, dst}, "--differences"},
		{[]string{src}, "missing source"},
	} {
		code, out, errs := run(t, append([]string{"verify"}, c.args...)...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and one line with %q", c.args, code, out, errs, c.want)
		}
	}
	if _, err := os.Stat(dst); err == nil {
		t.Errorf("a refused verify made %s", dst)
	}
}

// lister verify -h lists verify's own options, each of which its parser
// takes, and lister -h names the command.
func TestVerifyHelp(t *testing.T) {
	code, out, _ := run(t, "verify", "-h")
	if code != cli.ExitOK || out != cli.VerifyUsage {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, opt := range []string{"--read-both", "--differences FILE"} {
		if !strings.Contains(cli.VerifyUsage, "  "+opt) {
			t.Errorf("verify -h does not list %s", opt)
		}
	}
	if !strings.Contains(cli.ListerUsage, "lister verify [options] SRC... DST") {
		t.Errorf("lister -h does not name lister verify")
	}
}

// -filters select what is compared, and extras are looked for where
// -delete would look: a target entry whose name the filters exclude is
// not extra.
func TestVerifyFilters(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a.txt"), randBytes(t, 10))
	writeFile(t, filepath.Join(src, "skip.tmp"), randBytes(t, 10))
	filters := filepath.Join(t.TempDir(), "filters")
	writeFile(t, filters, []byte(`.*\.tmp`+"\n"))
	dst := filepath.Join(t.TempDir(), "dst")
	if code, out, errs := run(t, "-filters", filters, src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	writeFile(t, filepath.Join(dst, "junk.tmp"), []byte("excluded"))
	writeFile(t, filepath.Join(dst, "junk.txt"), []byte("extra"))
	runVerify(t, dst, "-update", "-filters", filters, src, dst).want(t, map[string]string{
		"": "same/metadata", "a.txt": "same/origin", "junk.txt": "extra"}, cli.ExitFailed)
	if err := os.Remove(filepath.Join(dst, "junk.txt")); err != nil {
		t.Fatal(err)
	}
	runVerify(t, dst, "-update", "-filters", filters, src, dst).want(t, map[string]string{
		"": "same/metadata", "a.txt": "same/origin"}, cli.ExitOK)
}

// A copy into a missing target put the source's contents there; verifying
// it without -update lands the source below the now existing target, as a
// second copy would, finds nothing, and says why in one line.
func TestVerifyHintsLanding(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	sampleTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")
	if code, out, errs := run(t, "--no-progress", src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs := run(t, "verify", "--no-progress", src, dst)
	hint := "nothing found at " + filepath.Join(dst, "src") + ": the target exists, so the source lands below it by its name"
	if code != cli.ExitFailed || !strings.Contains(errs, hint) || !strings.Contains(errs, "add -update") {
		t.Fatalf("verify without -update: exit %d\n%s", code, errs)
	}
	code, _, errs = run(t, "verify", "--no-progress", "-update", src, dst)
	if code != cli.ExitOK || strings.Contains(errs, "nothing found at") {
		t.Fatalf("verify -update: exit %d\n%s", code, errs)
	}
}

// Sources that land below an existing target by their names (no -update)
// are no extras there: the walk for extras looks into each below its name.
func TestVerifySourcesBelowTheTarget(t *testing.T) {
	top := t.TempDir()
	a, b := filepath.Join(top, "a"), filepath.Join(top, "b")
	writeFile(t, filepath.Join(a, "x", "f"), []byte("one"))
	writeFile(t, filepath.Join(b, "g"), []byte("two"))
	dst := filepath.Join(t.TempDir(), "dst")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run(t, "--no-progress", a, b, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, "verify", "--no-progress", a, b, dst); code != cli.ExitOK {
		t.Fatalf("verify: exit %d, want 0\n%s%s", code, out, errs)
	}
	writeFile(t, filepath.Join(dst, "a", "x", "stray"), []byte("?"))
	code, out, _ := run(t, "verify", "--no-progress", a, b, dst)
	if code != cli.ExitFailed || !strings.Contains(out, "extra") || !strings.Contains(out, filepath.Join(dst, "a", "x", "stray")) {
		t.Fatalf("verify with a stray file below a source's landing: exit %d\n%s", code, out)
	}
}
