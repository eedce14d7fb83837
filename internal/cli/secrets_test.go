package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/cli"
)

// COS keys never appear in anything a run leaves behind: the lister's and
// the services' logs (with -v), the report, -log lines, the job spec, every
// event and work item, status and watch output, and error messages when
// the keys are wrong.
func TestSecretsNeverLeak(t *testing.T) {
	cosEnv(t) // COS_SECRET_ID=AKIDe2e, COS_SECRET_KEY=e2e-secret-key
	secrets := []string{"AKIDe2e", "e2e-secret-key"}
	url := startServer(t)
	svc := startServices(t, url, "-v")
	src := filepath.Join(t.TempDir(), "src")
	sampleTree(t, src)
	logDir, rj := t.TempDir(), filepath.Join(t.TempDir(), "report.json")
	remote := "cosn://" + cosBucket + "/secrets"

	var all strings.Builder
	code, out, errs := run(t, "--nats", url, "-v", "-log", logDir, "--report-json", rj, "-pugpt", src, remote)
	all.WriteString(out + errs)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	rep := readReport(t, rj)
	for _, args := range [][]string{{"status", "--nats", url, "--json", rep.Job}, {"watch", rep.Job, "--nats", url, "--json"}, {"config", "--json"}} {
		_, o, e := run(t, args...)
		all.WriteString(o + e)
	}
	// A wrong key: the error names the problem, not the key.
	t.Setenv("COS_SECRET_KEY", "wrong-secret-value")
	_, o, e := run(t, "-v", src, "cosn://"+cosBucket+"/other")
	all.WriteString(o + e)
	secrets = append(secrets, "wrong-secret-value")

	data, _ := os.ReadFile(rj)
	all.Write(data)
	ents, _ := os.ReadDir(logDir)
	for _, ent := range ents {
		data, _ := os.ReadFile(filepath.Join(logDir, ent.Name()))
		all.Write(data)
	}
	all.WriteString(svc.logs[0].String() + svc.logs[1].String())
	all.WriteString(streamContents(t, url))

	text := all.String()
	if !strings.Contains(text, "COPY") || !strings.Contains(text, `"type":"result"`) || !strings.Contains(text, "COS refused the credentials") {
		t.Fatalf("the outputs gathered miss what they should hold (per-file lines, events, the wrong-key error):\n%.3000s", text)
	}
	for _, s := range secrets {
		if i := strings.Index(text, s); i >= 0 {
			t.Fatalf("secret %q leaked: ...%s...", s, text[max(0, i-200):min(len(text), i+100)])
		}
	}
}

// streamContents is every message in the events and work streams and every
// job spec in the jobs bucket, as text.
func streamContents(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	var b strings.Builder
	for _, stream := range []string{bus.EventStream, bus.WorkStream} {
		st, err := js.Stream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := st.Info(ctx)
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			if m, err := st.GetMsg(ctx, seq); err == nil {
				b.Write(m.Data)
				b.WriteByte('\n')
			}
		}
	}
	kv, err := js.KeyValue(ctx, bus.JobBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := kv.Keys(ctx)
	if len(keys) == 0 {
		t.Fatal("no job specs recorded")
	}
	for _, k := range keys {
		if e, err := kv.Get(ctx, k); err == nil {
			b.Write(e.Value())
		}
	}
	return b.String()
}
