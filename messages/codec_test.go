package messages

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := &WorkItem{Job: "j1", Index: 42, Kind: KindFile, Src: "file:///a/b", Dst: "file:///c/b",
		Attr: Attrs{Size: 7, Mode: 0o640, ModTime: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Owner: "u", Group: "g"}}
	data, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 3 || data[0] != compactMark || data[1] != Version || data[2] != compactWorkType {
		t.Fatalf("a work item is not in the compact form: %q", data)
	}
	out, err := Decode[WorkItem](data)
	if err != nil {
		t.Fatal(err)
	}
	if out.Index != 42 || out.Attr.ModTime != in.Attr.ModTime || out.Attr.Mode != 0o640 || out.Dst != in.Dst {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestDecodeRefusesBadInput(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{`{"v":3,"job":"j"}`, "version 3"},
		{"\x00\x01w", "compact version 1"},
		{"\x00\x02r\x00", "not 'w'"},
		{"\x00\x02w\x01j", "malformed compact message"},
		{`{"job":"j"}`, "version 0"},
		{`{"v":1,`, "decode"},
		{`[]`, "decode"},
	} {
		_, err := Decode[WorkItem]([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.data, err, c.want)
		}
	}
	_, err := Decode[Event]([]byte(`{"v":9}`))
	if !errors.Is(err, ErrVersion) {
		t.Fatalf("want ErrVersion, got %v", err)
	}
}

func TestJobIDs(t *testing.T) {
	id := NewJobID(time.Date(2026, 11, 21, 1, 2, 3, 0, time.UTC))
	if !strings.HasPrefix(id, "20261121-010203-") || !ValidJobID(id) {
		t.Fatalf("id %q", id)
	}
	if NewJobID(time.Now()) == NewJobID(time.Now()) {
		t.Fatal("ids repeat")
	}
	for _, bad := range []string{"", "a.b", "a*", "a>", "a b", strings.Repeat("x", 65)} {
		if ValidJobID(bad) {
			t.Errorf("%q accepted as a job id", bad)
		}
	}
}

// A job spec from before verify mode decodes with Verify off, and a
// verify job's spec round-trips with it on; a copy's spec carries no
// verify keys.
func TestVerifyOptionsCompatible(t *testing.T) {
	old := `{"v":1,"id":"j","sources":["file:///a"],"target":"file:///b","options":{"update":true,"preserve":{}}}`
	j, err := Decode[Job]([]byte(old))
	if err != nil || j.Options.Verify || j.Options.ReadBoth || !j.Options.Update {
		t.Fatalf("old spec: %+v, %v", j, err)
	}
	data, err := Encode(j)
	if err != nil || strings.Contains(string(data), "verify") || strings.Contains(string(data), "read_both") {
		t.Fatalf("copy spec carries verify keys: %s (%v)", data, err)
	}
	j.Options.Verify, j.Options.ReadBoth = true, true
	data, _ = Encode(j)
	back, err := Decode[Job](data)
	if err != nil || !back.Options.Verify || !back.Options.ReadBoth {
		t.Fatalf("verify spec: %s -> %+v, %v", data, back, err)
	}
}
