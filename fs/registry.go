package fs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Opener connects to the file system that u names (its scheme and host).
type Opener func(ctx context.Context, u URI) (FS, error)

// Registry maps URI schemes to backends and keeps one FS per scheme and host,
// so a process reuses one connection per NameNode or bucket instead of one
// per file. It is safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	openers map[string]Opener
	open    map[string]FS
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{openers: map[string]Opener{}, open: map[string]FS{}}
}

// Register adds a backend for scheme, replacing any earlier one.
func (r *Registry) Register(scheme string, o Opener) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.openers[strings.ToLower(scheme)] = o
}

// Schemes lists the registered schemes, sorted.
func (r *Registry) Schemes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for k := range r.openers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// FS returns the file system u lives in, opening it on first use.
func (r *Registry) FS(ctx context.Context, u URI) (FS, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	scheme := strings.ToLower(u.Scheme)
	key := scheme + "://" + u.Host
	if f, ok := r.open[key]; ok {
		return f, nil
	}
	o, ok := r.openers[scheme]
	if !ok {
		var s []string
		for k := range r.openers {
			s = append(s, k+"://")
		}
		if len(s) == 0 {
			return nil, fmt.Errorf("unknown URI scheme %q in %s: no file systems are registered", u.Scheme, u)
		}
		slices.Sort(s)
		return nil, fmt.Errorf("unknown URI scheme %q in %s: supported are %s", u.Scheme, u, strings.Join(s, ", "))
	}
	f, err := o(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open %s://%s: %w", u.Scheme, u.Host, err)
	}
	r.open[key] = f
	return f, nil
}

// Close closes every opened FS that holds connections.
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var first error
	for k, f := range r.open {
		if c, ok := f.(Closer); ok {
			if err := c.Close(); err != nil && first == nil {
				first = err
			}
		}
		delete(r.open, k)
	}
	return first
}
