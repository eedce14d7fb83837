package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	"github.com/jetcp/jetcp/messages"
)

// kinds are the file systems verify compares, as source and as target.
var kinds = []string{"local", "hdfs", "cos"}

// pairEnv holds the emulators a pair of kinds needs (nil when not).
type pairEnv struct {
	t    *testing.T
	hdfs *hdfsemu.Cluster
	cos  *cosemu.Server
}

// newPairEnv starts the emulators that the kinds given need.
func newPairEnv(t *testing.T, kinds ...string) *pairEnv {
	t.Helper()
	return newPairEnvWith(t, cosemu.Options{}, kinds...)
}

// newPairEnvWith is newPairEnv with the COS emulator's options.
func newPairEnvWith(t *testing.T, cos cosemu.Options, kinds ...string) *pairEnv {
	t.Helper()
	e := &pairEnv{t: t}
	for _, k := range kinds {
		switch {
		case k == "hdfs" && e.hdfs == nil:
			e.hdfs = startHDFS(t)
		case k == "cos" && e.cos == nil:
			e.cos = cosEnvWith(t, cos)
		}
	}
	return e
}

// uri is a fresh root named name on the kind's file system.
func (e *pairEnv) uri(kind, name string) string {
	switch kind {
	case "hdfs":
		return "hdfs://" + e.hdfs.Addr() + "/pairs/" + name
	case "cos":
		return "cosn://" + cosBucket + "/pairs/" + name
	}
	return filepath.Join(e.t.TempDir(), name)
}

// planter changes root behind jetcp's back: COS objects are written by the
// COS SDK itself, local files and HDFS files by jetcp's backends without
// an origin record.
func (e *pairEnv) planter(kind, root string) planter {
	if kind == "cos" {
		return cosPlanter(e.t, root)
	}
	return fsPlanter(e.t, root)
}

// counters are the data reads so far: COS GETs and HDFS block reads.
func (e *pairEnv) counters() (gets, reads int64) {
	if e.cos != nil {
		gets = e.cos.ObjectGets()
	}
	if e.hdfs != nil {
		reads = e.hdfs.BlockReads()
	}
	return gets, reads
}

// seed makes the verify tree at a root of kind: written locally, then
// copied there by jetcp (so a remote source carries jetcp's records).
func (e *pairEnv) seed(kind string) (string, map[string][]byte) {
	t := e.t
	local, files := verifyTree(t, false)
	if kind == "local" {
		return local, files
	}
	src := e.uri(kind, "src")
	if code, out, errs := run(t, "--no-progress", local, src); code != cli.ExitOK {
		t.Fatalf("seed %s: exit %d\n%s%s", kind, code, out, errs)
	}
	return src, files
}

// seedAndCopy seeds the verify tree at a source of kind from and copies
// it with jetcp to a new target of kind to.
func (e *pairEnv) seedAndCopy(from, to string) (src string, files map[string][]byte, dst string) {
	t := e.t
	t.Helper()
	src, files = e.seed(from)
	dst = e.uri(to, "dst")
	if code, out, errs := run(t, "--no-progress", src, dst); code != cli.ExitOK {
		t.Fatalf("copy: exit %d\n%s%s", code, out, errs)
	}
	return src, files, dst
}

// pairWant is each entry's category after plant, on a target of kind:
// COS keeps a CRC32C of every object, whoever wrote it, so a same-size
// change there differs and a rewrite with the same bytes is the same,
// without reading; local files and HDFS keep one only for what jetcp
// wrote, so without reading those are unverifiable.
func pairWant(target string, readBoth bool) map[string]string {
	w := map[string]string{
		"": "same", "sub": "same", "same.txt": "same", "sub/deep.txt": "same",
		"gone.txt": "missing/metadata", "extra.txt": "extra", "was-file": "type-differs/metadata",
		"changed.bin": "unverifiable", "foreign.txt": "unverifiable",
	}
	if target == "cos" || readBoth {
		w["changed.bin"], w["foreign.txt"] = "checksum-differs", "same"
	}
	return w
}

// Every pair of (local, HDFS, COS) as source and target: copy, plant a
// difference of each kind at the target (missing, extra, a same-size
// change, a directory where a file was, an object or file rewritten by
// another client), verify and get each exactly. Without --read-both no
// COS object and no HDFS block is read (no GET, no READ_BLOCK, no entry
// proven by reading either), only local source files that keep no
// checksum. With --read-both (on targets that keep no checksum of
// what others wrote) the rest is settled too, and COS is still never
// downloaded.
func TestVerifyEveryPair(t *testing.T) {
	for _, from := range kinds {
		for _, to := range kinds {
			t.Run(from+"-to-"+to, func(t *testing.T) {
				e := newPairEnv(t, from, to)
				src, files, dst := e.seedAndCopy(from, to)
				plant(t, e.planter(to, dst), files, "")
				gets, reads := e.counters()
				v := runVerify(t, dst, "--no-progress", "-update", src, dst)
				v.want(t, pairWant(to, false), cli.ExitFailed)
				noReads(t, v, from == "local")
				if g, r := e.counters(); g != gets || r != reads {
					t.Errorf("verify read data: %d COS GETs, %d HDFS block reads", g-gets, r-reads)
				}
				if to == "cos" {
					return
				}
				v = runVerify(t, dst, "--no-progress", "-update", "--read-both", src, dst)
				v.want(t, pairWant(to, true), cli.ExitFailed)
				if g, _ := e.counters(); g != gets {
					t.Errorf("verify --read-both downloaded %d objects from COS", g-gets)
				}
			})
		}
	}
}

// noReads fails when an entry was proven by reading data, other than
// local source files when localSource says the source is local (files
// jetcp did not write keep no checksum, and reading them costs no
// request).
func noReads(t *testing.T, v verifyRun, localSource bool) {
	t.Helper()
	reads := []string{messages.ProofReadTarget, messages.ProofReadBoth}
	if !localSource {
		reads = append(reads, messages.ProofReadSource)
	}
	for _, p := range reads {
		if n := v.rep.Verify.Proofs[p]; n != 0 {
			t.Errorf("%d entries proven by %s", n, p)
		}
	}
}

// plantRepairable makes, at the target, the differences a copy can
// repair: a missing file, one of another size and a same-size change.
func plantRepairable(t *testing.T, pl planter, files map[string][]byte) {
	t.Helper()
	pl.remove("gone.txt")
	pl.put("same.txt", files["same.txt"][:10])
	changed := bytes.Clone(files["changed.bin"])
	changed[100] ^= 0xff
	pl.put("changed.bin", changed)
}

// The differences file round-trips: verify finds a missing file, one of
// another size and a same-size change; a copy with --copy-from-manifest
// of verify's --differences copies exactly those three (the rest is not
// even listed); verify again finds everything the same.
func TestVerifyDifferencesRoundTrip(t *testing.T) {
	for _, pair := range [][2]string{{"local", "cos"}, {"hdfs", "local"}, {"cos", "hdfs"}} {
		from, to := pair[0], pair[1]
		t.Run(from+"-to-"+to, func(t *testing.T) {
			e := newPairEnv(t, from, to)
			src, files, dst := e.seedAndCopy(from, to)
			plantRepairable(t, e.planter(to, dst), files)
			diffs := filepath.Join(t.TempDir(), "diffs.jsonl")
			verifyArgs := []string{"--no-progress", "-update", "--read-both", src, dst}
			code, out, errs := run(t, append([]string{"verify", "--differences", diffs}, verifyArgs...)...)
			if code != cli.ExitFailed {
				t.Fatalf("verify: exit %d, want 1\n%s%s", code, out, errs)
			}
			want := map[string]string{"gone.txt": messages.CategoryMissing, "same.txt": messages.CategorySizeDiffers,
				"changed.bin": messages.CategoryChecksumDiffers}
			got := map[string]string{}
			for _, l := range readLines(t, diffs) {
				var d messages.Difference
				if err := json.Unmarshal(l, &d); err != nil {
					t.Fatal(err)
				}
				got[d.Dst[strings.LastIndex(d.Dst, "/")+1:]] = d.Category
			}
			if len(got) != len(want) {
				t.Fatalf("differences %v, want %v", got, want)
			}
			for k, c := range want {
				if got[k] != c {
					t.Errorf("%s: %q, want %q", k, got[k], c)
				}
			}
			gets, _ := e.counters()
			code, rep, outs := runReport(t, "--no-progress", "-update", "--copy-from-manifest", diffs, src, dst)
			if code != cli.ExitOK {
				t.Fatalf("copy from the manifest: exit %d\n%s", code, outs)
			}
			wantCounts(t, rep, 3, 0, 0)
			if rep.BytesCopied != int64(len(files["gone.txt"])+len(files["same.txt"])+len(files["changed.bin"])) {
				t.Errorf("copied %d bytes", rep.BytesCopied)
			}
			// No object read but, on a COS target, the target's job manifest
			// (-update reads it: one GET).
			manifestGets := int64(0)
			if strings.HasPrefix(dst, "cosn://") {
				manifestGets = 1
			}
			if g, _ := e.counters(); from != "cos" && g-gets > manifestGets {
				t.Errorf("the copy read %d objects from COS", g-gets)
			}
			v := runVerify(t, dst, verifyArgs...)
			if v.code != cli.ExitOK || v.rep.Verify.Categories[messages.CategorySame].Entries != int64(len(files)+2) {
				t.Errorf("verify after the copy: exit %d, categories %v\n%s", v.code, v.rep.Verify.Categories, v.out)
			}
		})
	}
}

// --copy-from-manifest takes a plain list of source paths (each lands
// below the SRC that holds it, as the walk would put it: not by its base
// name, as -f would) and the job manifest's JSON lines (docs/job-manifest.md:
// "src", "dst" and fields it ignores), and copies only those; a line with
// no "src" (an extra of verify's differences, the manifest's trailer) is
// no entry, and an extra is left alone with a warning.
func TestCopyFromManifestLists(t *testing.T) {
	top := t.TempDir()
	src := filepath.Join(top, "src")
	writeFile(t, filepath.Join(src, "a", "b", "c.txt"), []byte("listed"))
	writeFile(t, filepath.Join(src, "x.txt"), []byte("not listed"))
	writeFile(t, filepath.Join(src, "y.txt"), []byte("placed by dst"))
	dst := filepath.Join(top, "dst")
	list := filepath.Join(top, "list.txt")
	writeFile(t, list, []byte("\n"+filepath.Join(src, "a", "b", "c.txt")+"\n\n"))
	code, rep, out := runReport(t, "--no-progress", "--copy-from-manifest", list, src, dst)
	if code != cli.ExitOK {
		t.Fatalf("plain list: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 1, 0, 0)
	if got := snapshot(t, dst); len(got) != 3 || got[filepath.Join("a", "b", "c.txt")].data != "listed" {
		t.Fatalf("plain list copied %v", got)
	}
	manifest := filepath.Join(top, "manifest.jsonl")
	writeFile(t, manifest, []byte(`{"src":"`+filepath.Join(src, "y.txt")+`","dst":"`+filepath.Join(dst, "elsewhere", "y.txt")+
		`","size":13,"src_mtime":"2026-01-02T03:04:05Z","crc32c":"1a2b3c4d","result":"copied"}`+"\n"+
		`{"dst":"`+filepath.Join(dst, "x.txt")+`","category":"extra","size":3}`+"\n"+`{"end":true,"files":1}`+"\n"))
	code, rep, out = runReport(t, "--no-progress", "--copy-from-manifest", manifest, dst)
	if code != cli.ExitOK || !strings.Contains(out, "1 extra entries (at the target only) left as they are") {
		t.Fatalf("job manifest: exit %d (want 0 and a warning that the extra is left alone)\n%s", code, out)
	}
	wantCounts(t, rep, 1, 0, 0)
	if got := snapshot(t, dst); len(got) != 5 || got[filepath.Join("elsewhere", "y.txt")].data != "placed by dst" {
		t.Fatalf("job manifest copied %v", got)
	}
}

// A manifest that cannot be honoured is bad input: one line naming the
// problem (and the line), exit 2, nothing written.
func TestCopyFromManifestBadInput(t *testing.T) {
	top := t.TempDir()
	src := filepath.Join(top, "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(top, "dst")
	manifest := func(body string) string {
		p := filepath.Join(t.TempDir(), "m.jsonl")
		writeFile(t, p, []byte(body))
		return p
	}
	good := manifest(filepath.Join(src, "f") + "\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-update", "-delete", "--copy-from-manifest", good, src, dst}, "-delete is ambiguous"},
		{[]string{"-atomic", "--copy-from-manifest", good, src, dst}, "drop -atomic"},
		{[]string{"--copy-from-manifest", manifest("{not json\n"), src, dst}, "line 1: not a JSON object"},
		{[]string{"--copy-from-manifest", manifest("\n" + filepath.Join(src, "gone") + "\n"), src, dst}, "line 2: source " + filepath.Join(src, "gone") + " does not exist"},
		{[]string{"--copy-from-manifest", good, dst}, "no source on the command line holds"},
		{[]string{"--copy-from-manifest", manifest(`{"src":"` + filepath.Join(src, "f") + `","dst":"/elsewhere/f"}` + "\n"), src, dst}, "is not under the target"},
		{[]string{"--copy-from-manifest", filepath.Join(top, "none.jsonl"), src, dst}, "cannot read it"},
		{[]string{"verify", "--copy-from-manifest", good, src, dst}, "verify the whole tree"},
	} {
		args := c.args
		if args[0] != "verify" {
			args = append([]string{"--no-progress"}, args...)
		}
		code, out, errs := run(t, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and one line with %q", c.args, code, out, errs, c.want)
		}
	}
	if _, err := os.Stat(dst); err == nil {
		t.Errorf("a refused copy made %s", dst)
	}
}

// On a COS that serves no CRC32C (only the CRC64 it documents for every
// object), an object another client wrote keeps no checksum jetcp can
// compare with a local or HDFS source's CRC32C: the source is read for
// its CRC64-ECMA and compared with COS's x-cos-hash-crc64ecma from the
// HEAD (proof "crc64"), never downloading the object. Objects jetcp wrote
// are still proven by the CRC32C it stored with them.
func TestVerifyCRC64(t *testing.T) {
	for _, from := range []string{"local", "hdfs"} {
		t.Run(from+"-to-cos", func(t *testing.T) {
			e := newPairEnvWith(t, cosemu.Options{NoCRC32C: true}, from, "cos")
			src, files, dst := e.seedAndCopy(from, "cos")
			plant(t, e.planter("cos", dst), files, "")
			gets, reads := e.counters()
			want := pairWant("cos", false)
			want["changed.bin"], want["foreign.txt"] = "checksum-differs/crc64", "same/crc64"
			jetcpWrote := "kept" // the HDFS source keeps the CRC32C jetcp recorded
			if from == "local" {
				jetcpWrote = "read-source" // local files jetcp did not write keep none
			}
			want["same.txt"], want["sub/deep.txt"] = "same/"+jetcpWrote, "same/"+jetcpWrote
			v := runVerify(t, dst, "--no-progress", "-update", src, dst)
			v.want(t, want, cli.ExitFailed)
			if d := v.diffs["changed.bin"]; !strings.Contains(d.Reason, "CRC64ECMA:") {
				t.Errorf("changed.bin: %+v", d)
			}
			g, r := e.counters()
			if g != gets {
				t.Errorf("verify read %d objects from COS", g-gets)
			}
			if from == "hdfs" && r-reads != 2 {
				t.Errorf("verify read %d HDFS blocks, want 2 (the sources of changed.bin and foreign.txt)", r-reads)
			}
		})
	}
}

// A copy with --verify proves its target after the commit, as lister
// verify would: the report (printed and in --report-json) counts the
// entries per category and proof, with no COS GET; the exit status is 1
// when the target is not the same (an extra file the copy did not
// remove). An -atomic copy is verified where its work tree was renamed
// to, and a copy into a missing target where its contents landed (not
// below the now existing target, where the command line would look).
func TestCopyWithVerify(t *testing.T) {
	e := newPairEnv(t, "cos")
	src, files := e.seed("local")
	dst := e.uri("cos", "dst")
	code, rep, out := runReport(t, "--no-progress", "--verify", src, dst)
	if code != cli.ExitOK || !strings.Contains(out, "ALL SAME") {
		t.Fatalf("copy --verify: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(len(files)), 0, 0)
	entries := int64(len(files) + 2) // and the root and sub
	if rep.Verify == nil || rep.Verify.Categories[messages.CategorySame].Entries != entries {
		t.Fatalf("report's verification %+v, want %d same\n%s", rep.Verify, entries, out)
	}
	var proven int64
	for _, n := range rep.Verify.Proofs {
		proven += n
	}
	if proven != entries || e.cos.ObjectGets() != 0 {
		t.Errorf("proofs %v (%d of %d entries), %d COS GETs", rep.Verify.Proofs, proven, entries, e.cos.ObjectGets())
	}

	cosPlanter(t, dst).put("extra.txt", []byte("not from the source"))
	code, rep, out = runReport(t, "--no-progress", "-update", "--verify", src, dst)
	if code != cli.ExitFailed || !strings.Contains(out, "DIFFERENCES FOUND") || rep.Verify.Categories[messages.CategoryExtra].Entries != 1 {
		t.Fatalf("copy -update --verify with an extra file: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(len(files)), 0)

	atomic := filepath.Join(t.TempDir(), "atomic")
	if code, rep, out = runReport(t, "--no-progress", "-atomic", "--verify", src, atomic); code != cli.ExitOK ||
		rep.Verify.Categories[messages.CategorySame].Entries != entries {
		t.Fatalf("copy -atomic --verify: exit %d\n%s", code, out)
	}
}

// --verify refuses what it cannot do, before anything is copied.
func TestCopyWithVerifyBadInput(t *testing.T) {
	src, _ := verifyTree(t, false)
	dst := filepath.Join(t.TempDir(), "dst")
	m := filepath.Join(t.TempDir(), "m.jsonl")
	writeFile(t, m, []byte(`{"src":"`+filepath.Join(src, "same.txt")+`","dst":"`+filepath.Join(dst, "same.txt")+`"}`+"\n"))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--verify", "--dry-run", src, dst}, "a dry run copies nothing to verify"},
		{[]string{"--verify", "-async", "--nats", "nats://127.0.0.1:1", src, dst}, "drop -async"},
		{[]string{"--verify", "--copy-from-manifest", m, dst}, "needs the sources"},
		{[]string{"verify", "--verify", src, dst}, "is a copy's option"},
	} {
		code, out, errs := run(t, c.args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and one line with %q", c.args, code, out, errs, c.want)
		}
	}
	if _, err := os.Stat(dst); err == nil {
		t.Errorf("a refused copy made %s", dst)
	}
}
