package integration

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/jetcp/jetcp/internal/bus"
)

// cluster is a NATS server (or a three-node JetStream cluster), a committer
// and copiers, each a container on a private network. data is a host
// directory mounted at the same path in every container, so the lister in
// the test process and the copiers see the same file:// paths.
type cluster struct {
	t         *testing.T
	net       *testcontainers.DockerNetwork
	nats      []*testcontainers.DockerContainer
	inner     string // NATS URLs inside the network
	hostURL   string // NATS URLs from the test process
	data      string
	committer *testcontainers.DockerContainer
	copiers   map[string]*testcontainers.DockerContainer
}

func newCluster(t *testing.T, natsNodes int) *cluster {
	t.Helper()
	needDocker(t)
	ctx := context.Background()
	nw, err := network.New(ctx)
	if err != nil {
		t.Fatalf("create network: %v", err)
	}
	t.Cleanup(func() { _ = nw.Remove(context.Background()) })
	c := &cluster{t: t, net: nw, data: t.TempDir(), copiers: map[string]*testcontainers.DockerContainer{}}
	var inner, host []string
	for i := 1; i <= natsNodes; i++ {
		name := fmt.Sprintf("n%d", i)
		args := []string{"-js", "-sd", "/data", "-n", name, "-p", "4222", "--no_advertise"}
		if natsNodes > 1 {
			var routes []string
			for j := 1; j <= natsNodes; j++ {
				if j != i {
					routes = append(routes, fmt.Sprintf("nats://n%d:6222", j))
				}
			}
			args = append(args, "--cluster_name", "jetcp", "--cluster", "nats://0.0.0.0:6222", "--routes", strings.Join(routes, ","))
		}
		ctr := c.run("nats-server", name, args, wait.ForListeningPort("4222/tcp").WithStartupTimeout(time.Minute), "4222/tcp")
		port, err := ctr.MappedPort(ctx, "4222/tcp")
		if err != nil {
			t.Fatal(err)
		}
		hostIP, err := ctr.Host(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.nats = append(c.nats, ctr)
		inner = append(inner, "nats://"+name+":4222")
		host = append(host, fmt.Sprintf("nats://%s:%s", hostIP, port.Port()))
	}
	c.inner, c.hostURL = strings.Join(inner, ","), strings.Join(host, ",")
	return c
}

// run starts one container of a jetcp image on the cluster's network.
func (c *cluster) run(prog, name string, args []string, ws wait.Strategy, ports ...string) *testcontainers.DockerContainer {
	c.t.Helper()
	ctx := context.Background()
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithCmd(args...),
		network.WithNetwork([]string{name}, c.net),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.Binds = append(hc.Binds, c.data+":"+c.data)
		}),
	}
	if len(ports) > 0 {
		opts = append(opts, testcontainers.WithExposedPorts(ports...))
	}
	if ws != nil {
		opts = append(opts, testcontainers.WithWaitStrategy(ws))
	}
	ctr, err := testcontainers.Run(ctx, image(prog), opts...)
	if ctr != nil {
		c.t.Cleanup(func() {
			if c.t.Failed() {
				c.t.Logf("%s logs:\n%s", name, logs(ctr))
			}
			_ = ctr.Terminate(context.Background())
		})
	}
	if err != nil {
		c.t.Fatalf("start %s: %v", name, err)
	}
	return ctr
}

func logs(ctr *testcontainers.DockerContainer) string {
	r, err := ctr.Logs(context.Background())
	if err != nil {
		return err.Error()
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	if len(b) > 20000 {
		b = b[len(b)-20000:]
	}
	return string(b)
}

func (c *cluster) startCommitter(name string) {
	c.committer = c.run("committer", name, []string{"--nats", c.inner, "--http", "0.0.0.0:9090"},
		wait.ForHTTP("/healthz").WithPort("9090/tcp").WithStartupTimeout(time.Minute), "9090/tcp")
}

func (c *cluster) startCopier(name string, workers int) {
	c.copiers[name] = c.run("copier", name, []string{"--nats", c.inner, "--name", name, "-m", fmt.Sprint(workers), "--http", "0.0.0.0:9090"},
		wait.ForHTTP("/healthz").WithPort("9090/tcp").WithStartupTimeout(time.Minute), "9090/tcp")
}

// kill sends SIGKILL: the program gets no chance to clean up.
func kill(t *testing.T, ctr *testcontainers.DockerContainer) {
	t.Helper()
	cli, err := testcontainers.NewDockerClientWithOpts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.ContainerKill(context.Background(), ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		t.Fatalf("kill: %v", err)
	}
}

// job copies a throttled tree through the cluster, calling fault once the
// copies are in flight, and checks the exact outcome. It returns the job id.
func (c *cluster) job(n, size int, fault func()) string {
	t := c.t
	src, dst := filepath.Join(c.data, "src"), filepath.Join(c.data, "dst")
	total := makeTree(t, src, n, size)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if fault != nil {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() { defer close(done); time.Sleep(1500 * time.Millisecond); fault() }()
	}
	code, rep, out := listerJob(ctx, t, c.hostURL, "-bandwidth", "1", src, dst)
	wantExact(t, code, rep, int64(n), total, out)
	sameFiles(t, src, dst)
	return rep.Job
}

// Three copier containers share one job: each copies some of it.
func TestContainersThreeCopiersShareAJob(t *testing.T) {
	c := newCluster(t, 1)
	c.startCommitter("committer")
	for i := 1; i <= 3; i++ {
		c.startCopier(fmt.Sprintf("copier%d", i), 2)
	}
	by, _ := copiersAndRetries(jobEvents(t, c.hostURL, c.job(24, 512<<10, nil)))
	for name := range c.copiers {
		if by[name] == 0 {
			t.Errorf("%s copied nothing: results per copier %v", name, by)
		}
	}
	t.Logf("results per copier: %v", by)
}

// A copier container killed with copies in flight: its items are delivered
// again to the others, the job completes exactly, no temp file remains.
func TestContainersCopierKilled(t *testing.T) {
	c := newCluster(t, 1)
	c.startCommitter("committer")
	for i := 1; i <= 3; i++ {
		c.startCopier(fmt.Sprintf("copier%d", i), 2)
	}
	job := c.job(12, 2<<20, func() { kill(t, c.copiers["copier1"]) })
	by, redelivered := copiersAndRetries(jobEvents(t, c.hostURL, job))
	if redelivered == 0 {
		t.Errorf("nothing was redelivered (results per copier %v): the kill hit no copy in flight", by)
	}
	t.Logf("results per copier %v, %d redelivered", by, redelivered)
}

// The committer container killed mid-job and a new one started: the new
// committer replays the job's events and commits it exactly.
func TestContainersCommitterRestarted(t *testing.T) {
	c := newCluster(t, 1)
	c.startCommitter("committer")
	c.startCopier("copier1", 3)
	c.startCopier("copier2", 3)
	c.job(12, 1<<20, func() {
		kill(t, c.committer)
		c.startCommitter("committer2")
	})
}

// One node of a three-node R3 cluster (the work stream's leader) stopped
// mid-job: the streams elect a new leader and the job completes exactly.
func TestContainersNATSNodeLost(t *testing.T) {
	c := newCluster(t, 3)
	c.startCommitter("committer")
	c.startCopier("copier1", 2)
	c.startCopier("copier2", 2)
	c.job(12, 1<<20, func() {
		leader := c.workLeader()
		for i, ctr := range c.nats {
			if fmt.Sprintf("n%d", i+1) == leader {
				// SIGTERM: the server shuts down as an operator's restart
				// does. (SIGKILL of the leader sometimes leaves new consumers
				// uncreatable for minutes; see the closing note of #5.)
				t.Logf("stopping %s, the work stream's leader", leader)
				timeout := 10 * time.Second
				if err := ctr.Stop(context.Background(), &timeout); err != nil {
					t.Errorf("stop %s: %v", leader, err)
				}
				return
			}
		}
		t.Errorf("work stream leader %q is not one of the nodes", leader)
	})
}

func (c *cluster) workLeader() string {
	c.t.Helper()
	nc, err := nats.Connect(c.hostURL, nats.Timeout(5*time.Second))
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, bus.WorkStream)
	if err != nil {
		c.t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil {
		c.t.Fatalf("work stream has %d replicas, want 3", info.Config.Replicas)
	}
	return info.Cluster.Leader
}
