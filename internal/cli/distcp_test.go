package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/lister"
)

// The examples of DistCp's own documentation, with its hosts replaced by
// two HDFS emulators, run as written and land where DistCp puts them.
func TestDistCpDocumentedExamples(t *testing.T) {
	nn1, nn2 := startHDFS(t), startHDFS(t)
	h1, h2 := "hdfs://"+nn1.Addr(), "hdfs://"+nn2.Addr()
	local := t.TempDir()
	tree := func(name string) string {
		p := filepath.Join(local, name)
		writeFile(t, filepath.Join(p, "x.txt"), []byte(name+" x"))
		writeFile(t, filepath.Join(p, "sub", "y.bin"), randBytes(t, 70000))
		return p
	}
	seed := func(src, dst string) {
		t.Helper()
		if code, _, out := runReport(t, "--no-manifest", src, dst); code != cli.ExitOK {
			t.Fatalf("seed %s: exit %d\n%s", dst, code, out)
		}
	}
	fooBar, fooA, fooB := tree("bar"), tree("a"), tree("b")
	seed(fooBar, h1+"/foo/bar")
	seed(fooA, h1+"/foo/a")
	seed(fooB, h1+"/foo/b")
	// back fetches an HDFS tree to compare it with a local one.
	back := func(uri string) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "back")
		if code, _, out := runReport(t, uri, dir); code != cli.ExitOK {
			t.Fatalf("fetch %s: exit %d\n%s", uri, code, out)
		}
		return dir
	}
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errs := run(t, args...)
		if code != cli.ExitOK {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out + errs
	}

	// hadoop distcp hdfs://nn1:8020/foo/bar hdfs://nn2:8020/bar/foo
	mustRun(h1+"/foo/bar", h2+"/bar/foo")
	sameTree(t, fooBar, back(h2+"/bar/foo"))

	// hadoop distcp hdfs://nn1:8020/foo/a hdfs://nn1:8020/foo/b hdfs://nn2:8020/bar/foo2
	mustRun(h1+"/foo/a", h1+"/foo/b", h2+"/bar/foo2")
	got := back(h2 + "/bar/foo2")
	sameTree(t, fooA, filepath.Join(got, "a"))
	sameTree(t, fooB, filepath.Join(got, "b"))

	// hadoop distcp -f hdfs://nn1:8020/srclist hdfs://nn2:8020/bar/foo3
	list := filepath.Join(t.TempDir(), "srclist")
	writeFile(t, list, []byte(h1+"/foo/a\n"+h1+"/foo/b\n"))
	seed(filepath.Dir(list), h1+"/lists")
	mustRun("-f", h1+"/lists/srclist", h2+"/bar/foo3")
	got = back(h2 + "/bar/foo3")
	sameTree(t, fooA, filepath.Join(got, "a"))
	sameTree(t, fooB, filepath.Join(got, "b"))

	// distcp -update hdfs://nn1:8020/source/first hdfs://nn1:8020/source/second hdfs://nn2:8020/target:
	// with -update the sources' contents are merged into the target.
	first, second := filepath.Join(local, "first"), filepath.Join(local, "second")
	writeFile(t, filepath.Join(first, "1"), []byte("one"))
	writeFile(t, filepath.Join(first, "2"), []byte("two"))
	writeFile(t, filepath.Join(second, "10"), []byte("ten"))
	seed(first, h1+"/source/first")
	seed(second, h1+"/source/second")
	mustRun("-update", h1+"/source/first", h1+"/source/second", h2+"/target")
	merged := filepath.Join(t.TempDir(), "merged")
	for _, f := range []string{"first/1", "first/2", "second/10"} {
		data, _ := os.ReadFile(filepath.Join(local, f))
		writeFile(t, filepath.Join(merged, filepath.Base(f)), data)
	}
	sameTree(t, merged, back(h2+"/target"))
	// ... and -overwrite copies all three again.
	code, rep, out := runReport(t, "-overwrite", h1+"/source/first", h1+"/source/second", h2+"/target")
	if code != cli.ExitOK || rep.FilesCopied != 3 {
		t.Fatalf("-overwrite: exit %d, %d copied\n%s", code, rep.FilesCopied, out)
	}

	// The line: -update -delete -pugpt -m 20 -bandwidth 50 SRC DST.
	stray := filepath.Join(t.TempDir(), "stray")
	writeFile(t, filepath.Join(stray, "zz-stray"), []byte("stray"))
	seed(stray, h2+"/bar/foo/stray-dir")
	code, rep, out = runReport(t, "-update", "-delete", "-pugpt", "-m", "20", "-bandwidth", "50", h1+"/foo/bar", h2+"/bar/foo")
	if code != cli.ExitOK || rep.FilesDeleted != 1 || rep.FilesCopied != 0 || rep.FilesSkipped != 2 {
		t.Fatalf("-update -delete -pugpt: exit %d, %+v\n%s", code, rep, out)
	}
	sameTree(t, fooBar, back(h2+"/bar/foo"))

	// Pasted with Hadoop's generic options and a strategy: -D of MapReduce
	// properties is accepted and said to have no effect; -strategy says so with -v.
	logs := mustRun("-Dmapreduce.job.queuename=etl", "-D", "mapreduce.map.memory.mb=4096", "-strategy", "dynamic", "-v",
		"-update", "-i", "-log", t.TempDir(), h1+"/foo/bar", h2+"/bar/foo")
	for _, want := range []string{"-D mapreduce.job.queuename has no effect", "-D mapreduce.map.memory.mb has no effect", "-strategy dynamic: accepted; jetcp always balances dynamically"} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
	// Without -v the strategy note is not shown.
	if logs := mustRun("-strategy", "uniformsize", "-update", h1+"/foo/bar", h2+"/bar/foo"); strings.Contains(logs, "balances dynamically") {
		t.Errorf("-strategy note shown without -v")
	}

	// Generic options that set Hadoop properties do take effect.
	mustRun("-Dfs.defaultFS="+h1, "hdfs:///foo/bar", h2+"/via-D")
	sameTree(t, fooBar, back(h2+"/via-D"))
	mustRun("-fs", h1, "hdfs:///foo/a", h2+"/via-fs")
	sameTree(t, fooA, back(h2+"/via-fs"))

	// -atomic -tmp and -direct, as DistCp documents them.
	mustRun("-atomic", "-tmp", h2+"/tmp", h1+"/foo/bar", h2+"/atomic")
	sameTree(t, fooBar, back(h2+"/atomic"))
	mustRun("-direct", h1+"/foo/bar", h2+"/direct")
	sameTree(t, fooBar, back(h2+"/direct"))
}

// DistCp options jetcp does not implement are refused, one line each,
// never silently ignored.
func TestDistCpUnsupportedRefused(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-update", "-diff", "s1", "s2"}, "-diff needs an HDFS source"},
		{[]string{"-update", "-rdiff", "s2", "s1"}, "-rdiff needs an HDFS source"},
		{[]string{"-sizelimit", "100"}, "-sizelimit is not supported"},
		{[]string{"-filelimit", "100"}, "-filelimit is not supported"},
		{[]string{"-mapredSslConf", "ssl.xml"}, "-mapredSslConf is not supported"},
		{[]string{"-libjars", "a.jar"}, "-libjars is not supported by jetcp: jetcp does not run on MapReduce"},
		{[]string{"-conf", "extra.xml"}, "-conf is not supported"},
		{[]string{"-Dnovalue"}, "give a Hadoop property as -D key=value"},
		{[]string{"-Dfs.defaultFS=hdfs://nn:8020", "--nats", "nats://127.0.0.1:1"}, "with --nats the copiers read their own Hadoop configuration"},
		{[]string{"-pa"}, "ACLs"},
		{[]string{"-px"}, "extended attributes"},
	} {
		code, out, errs := run(t, append(c.args, src, dst)...)
		if code != cli.ExitUsage || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 || out != "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", c.args, code, errs, c.want)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("%v: the target was created", c.args)
		}
	}
}

// Every option the usage text names is one the parser knows.
func TestUsageNamesKnownOptions(t *testing.T) {
	for _, line := range strings.Split(cli.ListerUsage, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(line, "  -") {
			continue
		}
		opt, _, _ := strings.Cut(f[0], "[")
		args := []string{opt}
		if len(f) > 1 && f[1] == strings.ToUpper(f[1]) && !strings.HasPrefix(f[1], "-") && !strings.HasPrefix(f[1], "[") {
			args = append(args, "1")
		}
		_, err := lister.ParseArgs(append(args, "/a", "/b"))
		if err != nil && strings.Contains(err.Error(), "unknown option") {
			t.Errorf("usage names %s: %v", opt, err)
		}
	}
}

// lister config and --print-config show what was resolved, secrets masked.
func TestConfigMasksSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "core-site.xml"), []byte(`<configuration>
<property><name>fs.defaultFS</name><value>hdfs://mycluster</value></property>
<property><name>fs.cosn.userinfo.secretId</name><value>AKIDsecret-id-value</value></property>
<property><name>fs.cosn.userinfo.secretKey</name><value>secret-key-value</value></property>
<property><name>fs.cosn.bucket.region</name><value>ap-guangzhou</value></property>
</configuration>`))
	writeFile(t, filepath.Join(dir, "hdfs-site.xml"), []byte(`<configuration>
<property><name>dfs.nameservices</name><value>mycluster</value></property>
<property><name>dfs.ha.namenodes.mycluster</name><value>nn1,nn2</value></property>
<property><name>dfs.namenode.rpc-address.mycluster.nn1</name><value>nn1.example:8020</value></property>
<property><name>dfs.namenode.rpc-address.mycluster.nn2</name><value>nn2.example:8020</value></property>
</configuration>`))
	t.Setenv("HADOOP_CONF_DIR", dir)
	t.Setenv("HADOOP_USER_NAME", "etl")
	t.Setenv("JETCP_NATS_PASSWORD", "nats-password-value")
	secrets := []string{"AKIDsecret-id-value", "secret-key-value", "nats-password-value", "d-secret-value"}

	code, out, errs := run(t, "config", "--json", "--nats", "nats://127.0.0.1:4222", "--nats-user", "bob",
		"-Dfs.cosn.userinfo.secretKey=d-secret-value", "-Dmapreduce.job.queuename=q", "-update", "-pugpt", "hdfs:///warehouse", "cosn://bucket-1250000000/w")
	if code != cli.ExitOK {
		t.Fatalf("config: exit %d\n%s", code, errs)
	}
	var r cli.Resolved
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("config --json: %v\n%s", err, out)
	}
	if r.Hadoop.Dir != dir || len(r.Hadoop.Files) != 2 || r.Hadoop.DefaultFS != "hdfs://mycluster" || r.HDFS.User != "etl" ||
		strings.Join(r.HDFS.Nameservices["mycluster"], ",") != "nn1.example:8020,nn2.example:8020" ||
		r.NATS.Mode != "external" || r.NATS.Auth != "user bob, password ****" || r.Hadoop.Set["fs.cosn.userinfo.secretKey"] != "****" ||
		!r.Job.Options.Update || !r.Job.Options.Preserve.Times || r.Job.Target != "cosn://bucket-1250000000/w" || r.COS.Error != "" ||
		!strings.Contains(r.COS.Config, "region=ap-guangzhou") || len(r.Notes) != 1 {
		t.Fatalf("resolved %+v", r)
	}
	_, text, _ := run(t, "--print-config", "hdfs:///warehouse", "/tmp/x")
	if !strings.Contains(text, "nameservice mycluster") || !strings.Contains(text, "secret_key=****") {
		t.Fatalf("--print-config:\n%s", text)
	}
	for _, s := range secrets {
		if strings.Contains(out+errs+text, s) {
			t.Fatalf("a secret (%s) was printed:\n%s%s", s, out, text)
		}
	}
}
