package distcp

import (
	"go/build"
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
