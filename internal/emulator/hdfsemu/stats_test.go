package hdfsemu

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStatsCountsEachCall drives a known sequence of client calls and
// wants exactly the NameNode RPCs and DataNode operations they make, in
// Stats and through the HTTP handler.
func TestStatsCountsEachCall(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	before := c.Stats() // what connecting cost
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cl.Mkdir("/d", 0o755))
	w, err := cl.Create("/d/f")
	must(err)
	_, err = w.Write(bytes.Repeat([]byte("y"), testBlockSize+10)) // two blocks
	must(err)
	must(w.Close())
	_, err = cl.Stat("/d/f")
	must(err)
	_, err = cl.Stat("/d/missing")
	if err == nil {
		t.Fatal("Stat of a missing file succeeded")
	}
	_, err = cl.ReadDir("/d")
	must(err)
	_, err = cl.ReadFile("/d/f")
	must(err)
	r, err := cl.Open("/d/f")
	must(err)
	_, err = r.Checksum()
	must(err)
	r.Close()
	must(cl.Rename("/d/f", "/d/g"))
	must(cl.Remove("/d/g"))

	got := c.Stats().Sub(before)
	want := Stats{
		NameNode: map[string]int64{
			// colinmarc/hdfs looks first: Mkdir 1, Create 2 (Create and
			// CreateFile), Stat 2, ReadFile 1, Open 1, Rename 1, Remove 1.
			"getFileInfo": 1 + 2 + 2 + 1 + 1 + 1 + 1,
			"mkdirs":      1, "getServerDefaults": 1, "create": 1, "complete": 1,
			"addBlock": 2, "updateBlockForPipeline": 2, // per block
			"getListing": 1, "getBlockLocations": 2, "rename2": 1, "delete": 1,
		},
		DataNode: map[string]int64{"WRITE_BLOCK": 2, "READ_BLOCK": 2, "BLOCK_CHECKSUM": 2},
	}
	if !maps.Equal(got.NameNode, want.NameNode) || !maps.Equal(got.DataNode, want.DataNode) {
		t.Fatalf("Stats:\n got %v\nwant %v", got, want)
	}

	srv := httptest.NewServer(c.StatsHandler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/stats")
	must(err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var fromHTTP Stats
	must(json.Unmarshal(body, &fromHTTP))
	all := c.Stats()
	if !maps.Equal(fromHTTP.NameNode, all.NameNode) || !maps.Equal(fromHTTP.DataNode, all.DataNode) || all.RPCs() == 0 {
		t.Fatalf("GET stats = %s, want %v", body, all)
	}
}
