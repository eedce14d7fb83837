package hdfs

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os/user"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// An hdfs:// address whose port answers HTTP (the NameNode's web UI, 9870)
// fails at once, with one try and a message naming the mistake, instead of
// retrying and reporting an "answer" of 1213486160 ("HTTP") bytes. Both with
// jetcp's NameNode connection (SIMPLE auth) and with colinmarc's own (plain,
// as under Kerberos).
func TestHTTPPortRefused(t *testing.T) {
	var conns atomic.Int64
	web := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "NameNode web UI", http.StatusNotFound)
	}))
	web.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	web.Start()
	defer web.Close()
	addr := strings.TrimPrefix(web.URL, "http://")
	me, _ := user.Current()
	for _, tu := range []tuning{{retry: callRetry, rpcRetry: rpcRetry}, {plain: true, retry: callRetry, rpcRetry: rpcRetry}} {
		start := time.Now()
		f, err := newFS(context.Background(), "hdfs://"+addr, Config{Addresses: []string{addr}, User: me.Username}, tu)
		if err == nil {
			f.Close()
			t.Fatalf("plain=%v: connected to an HTTP server", tu.plain)
		}
		want := "NameNode " + addr + " answers HTTP: that is a web port (the NameNode's web UI listens on 9870), not the NameNode's RPC port; give the RPC port of fs.defaultFS, commonly 8020 or 9000 (hdfs://namenode:8020/path)"
		if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "1213486160") || strings.Contains(msg, "tries") || strings.Contains(msg, "\n") {
			t.Fatalf("plain=%v: %v\nwant it to contain %q", tu.plain, err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("plain=%v: took %v", tu.plain, d)
		}
	}
	// Tried once: one connection per client.
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections to the web server, want 2", n)
	}
}
