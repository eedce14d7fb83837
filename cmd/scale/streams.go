package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file reads the streams' sizes: over services from the
// nats-server's monitoring endpoint (/jsz, the stored bytes of each
// stream); embedded, whose server has no monitoring port, as the size of
// the store's files on the tmpfs.

// The streams measured (internal/bus/topology.go).
const (
	workStream  = "JETCP_WORK"
	eventStream = "JETCP_EVENTS"
)

// streamSize is one reading of a stream.
type streamSize struct {
	Bytes    int64 `json:"bytes"`
	Messages int64 `json:"messages"`
}

// reader reads every stream's size once.
type reader func(ctx context.Context) (map[string]streamSize, error)

// jszReader reads the streams from http://monAddr/jsz?streams=true.
func jszReader(monAddr string) reader {
	client := &http.Client{Timeout: 5 * time.Second}
	return func(ctx context.Context) (map[string]streamSize, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+monAddr+"/jsz?streams=true", nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var jsz struct {
			Accounts []struct {
				Streams []struct {
					Name  string     `json:"name"`
					State streamSize `json:"state"`
				} `json:"stream_detail"`
			} `json:"account_details"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&jsz); err != nil {
			return nil, fmt.Errorf("decode /jsz: %w", err)
		}
		out := map[string]streamSize{}
		for _, a := range jsz.Accounts {
			for _, s := range a.Streams {
				out[s.Name] = s.State
			}
		}
		return out, nil
	}
}

// storeReader sums the file sizes of each stream's directory in the
// JetStream stores under root (the embedded server's jetcp-nats-* temp
// directory; its streams are in jetstream/<account>/streams/<name>).
// Messages are not counted (0).
func storeReader(root string) reader {
	return func(ctx context.Context) (map[string]streamSize, error) {
		out := map[string]streamSize{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // files come and go while the server runs
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			parts := strings.Split(rel, string(filepath.Separator))
			for i := 0; i+1 < len(parts); i++ {
				if parts[i] == "streams" {
					if fi, err := d.Info(); err == nil {
						s := out[parts[i+1]]
						s.Bytes += fi.Size()
						out[parts[i+1]] = s
					}
					break
				}
			}
			return nil
		})
		return out, err
	}
}

// sampler polls a reader and keeps each stream's largest reading.
type sampler struct {
	read reader
	mu   sync.Mutex
	max  map[string]streamSize
	last map[string]streamSize
	stop context.CancelFunc
	done chan struct{}
}

func startSampler(ctx context.Context, read reader, every time.Duration) *sampler {
	ctx, stop := context.WithCancel(ctx)
	s := &sampler{read: read, max: map[string]streamSize{}, last: map[string]streamSize{}, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample(ctx context.Context) {
	got, err := s.read(ctx)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = got
	for name, v := range got {
		m := s.max[name]
		m.Bytes = max(m.Bytes, v.Bytes)
		m.Messages = max(m.Messages, v.Messages)
		s.max[name] = m
	}
}

// finish stops the polling and returns the largest readings.
func (s *sampler) finish() map[string]streamSize {
	s.stop()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// latest is the last reading.
func (s *sampler) latest() map[string]streamSize {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// metricSum adds up a Prometheus text metric's samples (all labels) at
// http://addr/metrics.
func metricSum(ctx context.Context, addr, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, name+"{") && !strings.HasPrefix(l, name+" ") {
			continue
		}
		if i := strings.LastIndexByte(l, ' '); i >= 0 {
			v, err := strconv.ParseFloat(l[i+1:], 64)
			if err == nil {
				sum += v
			}
		}
	}
	return sum, sc.Err()
}

// waitHTTP waits until GET http://addr/path answers 200.
func waitHTTP(ctx context.Context, addr, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("http://%s%s: no answer within %v: %w", addr, path, timeout, errTimeout)
}

// dirFiles counts the regular files under dir, but not under skip.
func dirFiles(dir, skip string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == skip && d.IsDir() {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n, err
}
