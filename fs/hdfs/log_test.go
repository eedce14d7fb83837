package hdfs

import (
	"bytes"
	"context"
	"os/user"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	"github.com/jetcp/jetcp/internal/hadoopconf"
)

// lockedBuffer is a log destination safe for the client's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The retries of an FS made by the Opener reach the logger the Opener was
// given (a service's), not one looked for in the context.
func TestOpenerLogsRetries(t *testing.T) {
	c := startEmu(t, t.TempDir(), "127.0.0.1:0")
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	log := zerolog.New(&out).Level(zerolog.DebugLevel)
	src := hadoopconf.Source{Getenv: func(k string) string {
		if k == "HADOOP_USER_NAME" {
			return me.Username
		}
		return ""
	}}
	ctx := context.Background()
	fsys, err := Opener(src, log)(ctx, fs.MustParseURI("hdfs://"+c.Addr()+"/"))
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.(*FS).Close()
	c.SetFaults(hdfsemu.Faults{RPCErrorRate: 0.3, DropRate: 0.2})
	// A cut connection is dialled again inside the RPC (nnConn), a
	// RetriableException is sent again; a call that still fails is tried
	// again whole (retrier): any of them is a retry.
	retried := func() bool {
		s := out.String()
		return strings.Contains(s, "NameNode connection made again") || strings.Contains(s, "trying again")
	}
	for i := 0; i < 200 && !retried(); i++ {
		_, _ = fsys.Stat(ctx, "/")
	}
	c.SetFaults(hdfsemu.Faults{})
	if !retried() {
		t.Fatalf("no retry in the log given to the Opener; it holds:\n%s", out.String())
	}
}
