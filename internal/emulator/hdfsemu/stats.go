package hdfsemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sync"
)

// Stats counts what the emulator served: NameNode RPCs by method name
// ("getFileInfo", "create", ...) and DataNode operations by name
// ("WRITE_BLOCK", "READ_BLOCK", "BLOCK_CHECKSUM", "OP_<n>" for others).
// Calls answered with an error count too; calls dropped by an injected
// fault before they were read do not.
type Stats struct {
	NameNode map[string]int64 `json:"namenode"`
	DataNode map[string]int64 `json:"datanode"`
}

// RPCs is the number of NameNode RPCs.
func (s Stats) RPCs() int64 {
	var n int64
	for _, v := range s.NameNode {
		n += v
	}
	return n
}

// Sub returns the counts of s not in old: what happened between two
// snapshots. Zero counts are left out.
func (s Stats) Sub(old Stats) Stats {
	sub := func(a, b map[string]int64) map[string]int64 {
		d := map[string]int64{}
		for k, v := range a {
			if v -= b[k]; v != 0 {
				d[k] = v
			}
		}
		return d
	}
	return Stats{NameNode: sub(s.NameNode, old.NameNode), DataNode: sub(s.DataNode, old.DataNode)}
}

// statCounts are a Cluster's counters.
type statCounts struct {
	mu sync.Mutex
	nn map[string]int64
	dn map[string]int64
}

func (c *statCounts) rpc(method string) {
	c.mu.Lock()
	if c.nn == nil {
		c.nn = map[string]int64{}
	}
	c.nn[method]++
	c.mu.Unlock()
}

func (c *statCounts) op(code byte) {
	name := map[byte]string{opWriteBlock: "WRITE_BLOCK", opReadBlock: "READ_BLOCK", opBlockChecksum: "BLOCK_CHECKSUM"}[code]
	if name == "" {
		name = fmt.Sprintf("OP_%d", code)
	}
	c.mu.Lock()
	if c.dn == nil {
		c.dn = map[string]int64{}
	}
	c.dn[name]++
	c.mu.Unlock()
}

// Stats returns the counts so far.
func (c *Cluster) Stats() Stats {
	c.stats.mu.Lock()
	defer c.stats.mu.Unlock()
	s := Stats{NameNode: maps.Clone(c.stats.nn), DataNode: maps.Clone(c.stats.dn)}
	if s.NameNode == nil {
		s.NameNode = map[string]int64{}
	}
	if s.DataNode == nil {
		s.DataNode = map[string]int64{}
	}
	return s
}

// StatsHandler answers GET with Stats as JSON, for a process outside the
// emulator's (the hdfs-emulator program serves it at -stats-addr).
func (c *Cluster) StatsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		body, err := json.Marshal(c.Stats())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(body, '\n'))
	})
}
