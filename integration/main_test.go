package integration

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Programs built once for the whole run, as static binaries.
var (
	binDir     string // lister, copier, committer, nats-server
	imageTag   string // set when the images were built
	dockerSkip string // why container tests skip, when they do
)

var programs = []string{"lister", "copier", "committer", "nats-server"}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	if !testing.Verbose() {
		// testcontainers narrates every container step; keep failures readable.
		tclog.SetDefault(tclog.NewNoopLogger())
	}
	// The reaper image cannot be pulled where there is no registry; the
	// tests remove their own containers.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// Inside a container testcontainers takes the default gateway for the
	// Docker host; with a local engine the published ports are on loopback.
	if h := os.Getenv("DOCKER_HOST"); os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" && (h == "" || strings.HasPrefix(h, "unix://")) {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	dir, err := os.MkdirTemp("", "jetcp-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	if err := buildPrograms(dir); err != nil {
		fmt.Fprintln(os.Stderr, "integration: build:", err)
		return 1
	}
	if testing.Short() {
		dockerSkip = "container tests skipped under -short"
	} else if err := buildImages(dir); err != nil {
		dockerSkip = err.Error()
	}
	defer removeImages()
	return m.Run()
}

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// buildPrograms builds the programs static (CGO_ENABLED=0), as the scratch
// images need; nats-server comes from the module's tool dependency.
func buildPrograms(dir string) error {
	pkgs := map[string]string{
		"lister": "./cmd/lister", "copier": "./cmd/copier", "committer": "./cmd/committer",
		"nats-server": "github.com/nats-io/nats-server/v2",
	}
	for _, p := range programs {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, p), pkgs[p])
		cmd.Dir = root()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", p, err, out)
		}
	}
	ca := "/etc/ssl/certs/ca-certificates.crt"
	data, err := os.ReadFile(ca)
	if err != nil {
		data = nil // no bundle: only HTTPS would need it
	}
	return os.WriteFile(filepath.Join(dir, "ca-certificates.crt"), data, 0o644)
}

// buildImages builds deployments/Dockerfile for each program, or says why
// it cannot (no Docker engine reachable).
func buildImages(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return fmt.Errorf("no Docker engine reachable (%v): container tests skipped", err)
	}
	defer p.Close()
	if _, err := p.Client().Ping(ctx, pingOptions()); err != nil {
		return fmt.Errorf("no Docker engine reachable (%v): container tests skipped", err)
	}
	df, err := os.ReadFile(filepath.Join(root(), "deployments", "Dockerfile"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		return err
	}
	tag := fmt.Sprintf("it-%d", os.Getpid())
	for _, prog := range programs {
		bin := prog
		req := &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
			Context: dir, Dockerfile: "Dockerfile", Repo: "jetcp-it/" + prog, Tag: tag,
			BuildArgs: map[string]*string{"BIN": &bin}, KeepImage: true,
		}}
		if _, err := p.BuildImage(ctx, req); err != nil {
			return fmt.Errorf("build image jetcp-it/%s: %w", prog, err)
		}
	}
	imageTag = tag
	return nil
}

func pingOptions() client.PingOptions { return client.PingOptions{NegotiateAPIVersion: true} }

// removeImages deletes the images this run built.
func removeImages() {
	if imageTag == "" {
		return
	}
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return
	}
	defer p.Close()
	for _, prog := range programs {
		_, _ = p.Client().ImageRemove(context.Background(), image(prog), client.ImageRemoveOptions{Force: true, PruneChildren: true})
	}
}

func image(prog string) string { return "jetcp-it/" + prog + ":" + imageTag }

func needDocker(t *testing.T) {
	t.Helper()
	if dockerSkip != "" {
		t.Skip(dockerSkip)
	}
}
