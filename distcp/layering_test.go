package distcp

import (
	"go/build"
	iofs "io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/jetcp/jetcp/"

// services are the three services; the data flows lister -> work stream ->
// copiers -> events -> committer, so none needs another's code: what they
// share is DistCp's rules (this package) and the wire types (messages).
var services = []string{"lister", "copier", "committer"}

// imports lists the packages the package in dir (relative to the module
// root) imports. Tests are left out: an external test may drive a job end
// to end through another service (the committer's tests wait for a job
// through the lister's client).
func imports(t *testing.T, dir string) []string {
	t.Helper()
	p, err := build.ImportDir(filepath.Join("..", dir), 0)
	if err != nil {
		t.Fatalf("read package %s: %v", dir, err)
	}
	return p.Imports
}

// TestServicesImportNoService keeps the services apart: a service that
// imported another would pull in its transport and state, and the shared
// rules would drift back into one of them.
func TestServicesImportNoService(t *testing.T) {
	for _, s := range services {
		for _, imp := range imports(t, s) {
			for _, other := range services {
				if imp == module+other {
					t.Errorf("%s imports %s: move what it needs to distcp (DistCp's rules), internal/place or messages", s, imp)
				}
			}
		}
	}
}

// TestDistcpIsPure keeps this package a table of rules: the standard
// library, fs and the wire types only (no service, no transport), so that
// its tests need no server.
func TestDistcpIsPure(t *testing.T) {
	allowed := []string{module + "fs", module + "messages"}
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range p.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if !strings.Contains(first, ".") || slices.Contains(allowed, imp) {
			continue // the standard library's paths have no dot in their first element
		}
		t.Errorf("distcp imports %s: only the standard library, fs and messages are allowed", imp)
	}
}

// TestWireIsStandardLibrary keeps the wire schema usable and testable
// without a client library: messages imports the standard library only.
func TestWireIsStandardLibrary(t *testing.T) {
	for _, imp := range imports(t, "messages") {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("messages imports %s: the wire types import only the standard library", imp)
		}
	}
}

// TestJetStreamBehindOneSeam keeps JetStream in internal/bus: the services
// and the pure packages import no NATS package at all (they declare the
// interfaces they need, which the bus satisfies), and only the bus and the
// code that connects and wires it import the JetStream client.
func TestJetStreamBehindOneSeam(t *testing.T) {
	for _, dir := range append([]string{"messages", "distcp"}, services...) {
		for _, imp := range imports(t, dir) {
			if strings.HasPrefix(imp, "github.com/nats-io/") {
				t.Errorf("%s imports %s: use the interfaces it declares, which internal/bus satisfies", dir, imp)
			}
		}
	}
	// natsembed starts the embedded server (and waits for its JetStream);
	// every other package goes through the bus.
	allowed := []string{"internal/bus", "internal/natsembed"}
	const jetstream = "github.com/nats-io/nats.go/jetstream"
	err := filepath.WalkDir("..", func(path string, d iofs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		dir, _ := filepath.Rel("..", path)
		if dir != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		if slices.Contains(p.Imports, jetstream) && !slices.Contains(allowed, filepath.ToSlash(dir)) {
			t.Errorf("%s imports %s: only %s may; go through internal/bus", dir, jetstream, strings.Join(allowed, " and "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
