package messages

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// Native fuzz targets for the wire codec: go test ./messages -run '^$' -fuzz FuzzDecodeWorkItem
// (one target per invocation). Without -fuzz the seeds below run as tests.

// fuzzSeeds are inputs for every decode target: valid messages of each type
// (a valid message of one type is odd input for the others), then damaged
// and hostile JSON.
func fuzzSeeds(f *testing.F) {
	f.Helper()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	attrs := Attrs{Size: 7, Mode: 0o640, ModTime: t0, AccessTime: t0.Add(-time.Hour), Owner: "u", Group: "g", BlockSize: 128 << 20, Replication: 3}
	job := Job{ID: "20260102-030405-0a1b2c3d", Created: t0.In(time.FixedZone("CST", 8*3600)),
		Sources: []string{"hdfs://nn:9000/a", "cosn://bucket-1250000000/p q/é"}, Target: "file:///tmp/x",
		WriteRoot: "file:///tmp/.jetcp-x", TargetIsDir: true,
		Options: Options{Update: true, Delete: true, Preserve: Preserve{User: true, Group: true, Permission: true, Times: true},
			BandwidthMBps: 50.5, CopyBufferSize: 1 << 20, Filters: []string{`\.tmp$`, `^/a/_`}, Attempts: 3,
			RetryBackoff: DefaultRetryBackoff, Verbose: true}}
	valid := []any{
		&WorkItem{Job: "j1", Index: 42, Kind: KindFile, Src: "file:///a/b", Dst: "file:///c/b", Attr: attrs, Statted: true},
		&WorkItem{Job: "j1", Kind: KindDir, Src: "hdfs://nn:9000/", Dst: "cosn://b-1/x", Root: true},
		&WorkItem{},
		&job,
		&Job{},
		&Event{Type: EventCreated, Job: job.ID, Time: t0, Spec: &job},
		&Event{Type: EventListed, Job: "j", Time: t0, Listed: &Listed{Items: 3, Files: 2, Dirs: 1, Bytes: 1 << 40, Error: "broke off"}},
		&Event{Type: EventResult, Job: "j", Time: t0, Result: &Result{Index: 2, Kind: KindFile, Status: StatusCopied,
			Src: "/a", Dst: "/b", Size: 9, Checksum: "CRC32C:deadbeef", DirsCreated: 2, Attempt: 1, DurationMS: 12, Attr: &attrs, Copier: "c-1"}},
		&Event{Type: EventCanceled, Job: "j", Time: t0, Canceled: &Canceled{By: "u@h", Reason: "ctrl-c"}},
		&Event{Type: EventResult, Job: "j", Time: t0, Result: &Result{Index: 3, Kind: KindChunk, Chunk: &Chunk{File: 5, Seq: 1, Count: 2,
			Offset: 1 << 28, Length: 9, Upload: "up-1"}, Part: `"0a0b"`, Checksum: "CRC32C:0badf00d", Record: &Record{DstSize: 4}}},
		&Event{Type: EventResult, Job: "j", Time: t0, Result: &Result{Kind: KindBundle, Files: []Result{
			{Kind: KindDir, Attr: &attrs, Category: CategorySame, Proof: ProofKept}, {Kind: KindFile, Error: "boom", Status: StatusFailed}}}},
		&Event{Type: EventDone, Job: "j", Time: t0, Report: &Report{Job: "j", State: StateFailed, FilesFailed: 1,
			DurationSeconds: 1.25, Failures: []Failure{{Src: "/a", Dst: "/b", Error: "boom"}}, Slowest: []SlowFile{{Src: "/a", DurationMS: 5}}}},
	}
	it, ev := scaleBundle()
	valid = append(valid, it, ev)
	for _, m := range valid {
		var b []byte
		var err error
		switch m := m.(type) {
		case *WorkItem:
			b, err = Encode(m)
		case *Job:
			b, err = Encode(m)
		case *Event:
			b, err = Encode(m)
		}
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2]) // truncated
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"v"`, `1`, `{"v":1}`, `{"v":1,`, `{"v":1}{"v":1}`, `{"v":1} `,
		`{"v":2,"job":"j"}`, `{"v":0}`, `{"v":-1}`, `{"v":"1"}`, `{"v":1.0}`, `{"v":1e0}`, `{"v":null}`,
		`{"V":1}`, `{"v":1,"v":2}`, `{"v":2,"v":1}`, `{"v":99999999999999999999}`, `{"v":4294967297}`,
		`{"v":1,"index":9223372036854775807}`, `{"v":1,"index":9223372036854775808}`, `{"v":1,"index":-1e3}`,
		`{"v":1,"attr":{"size":1e400}}`, `{"v":1,"attr":{"mode":-1}}`, `{"v":1,"attr":{"replication":40000}}`,
		`{"v":1,"attr":{"mtime":"0001-01-01T01:00:00+01:00"}}`, `{"v":1,"attr":{"atime":"0001-01-01T01:00:00+01:00"}}`,
		`{"v":1,"attr":{"mtime":"9999-12-31T23:59:59.999999999-23:59"}}`, `{"v":1,"attr":{"mtime":"2026-13-01T00:00:00Z"}}`,
		`{"v":1,"attr":{"mtime":"2026-01-01T00:00:00+00:00"}}`, `{"v":1,"attr":{"mtime":null},"kind":null}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","spec":null,"listed":null,"result":{"attr":null}}`,
		`{"v":1,"spec":{"v":7,"sources":null,"options":{"preserve":null}}}`,
		`{"v":1,"options":{"bandwidth_mbps":1e308,"retry_backoff":-1,"filters":[null,"x"]}}`,
		`{"v":1,"options":{"bandwidth_mbps":-0}}`, `{"v":1,"options":{"bandwidth_mbps":4.9e-324}}`,
		`{"v":1,"report":{"duration_seconds":1e-400,"failures":[{}],"slowest":null}}`,
		`{"v":1,"job":["j"]}`, `{"v":1,"job":true}`, `{"v":1,"root":"yes"}`, `{"v":1,"unknown":{"deep":[1,2,{}]}}`,
		"{\"v\":1,\"job\":\"\xff\xfe\"}", "{\"v\":1,\"src\":\"a\\ud800b\"}", "{\"v\":1,\"src\":\"\x00\"}",
		"{\"v\":1,\"src\":\"\\u0000\\u2028<>&\"}", "\xef\xbb\xbf{\"v\":1}", "{\"v\":1,\"job\":\"j\"\x00}",
		// The compact form: short, other versions and types, hostile counts,
		// words and paths.
		"\x00", "\x00\x02", "\x00\x02w", "\x00\x02r", "\x00\x01w\x00\x00\x01\x00", "\x00\x03r", "\x00\x02j",
		"\x00\x02w\x01j\x00\x01\x00", "\x00\x02w\x01j\x00\x09\x40\xff\xff\xff\xff\x0f",
		"\x00\x02r\x01j\x00\x80\x80\x01\x05", "\x00\x02r\x00\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01\x00\x00",
		"\x00\x02w\x00\x00\x01\x01\x05\x01a\x00", "\x00\x02w\x00\x00\x01\x01\x00\x01a\x09\x00\x00",
		"\x00\x02r\x00\x00\x01\x80\x80\x02\x02\x00\x00", "\x00\x02r\x00\x00\x01\x20\x63",
	} {
		f.Add([]byte(s))
	}
}

// fuzzDecode checks Decode[T] on arbitrary bytes: it never panics. JSON
// it accepts exactly when it unmarshals into T with a version from
// oldestVersion to Version, and refuses any other version with ErrVersion;
// the compact form (compact.go) it refuses with ErrVersion exactly when
// its version byte is not Version. What it accepts re-encodes, and the
// encoding is a fixed point (decode and encode again give the same bytes,
// and the same value as far as JSON can tell).
func fuzzDecode[T any, P interface {
	*T
	versioned
}](t *testing.T, data []byte) {
	m, err := Decode[T, P](data)
	if len(data) > 0 && data[0] == compactMark {
		if !checkCompactRefusal(t, data, err) {
			return
		}
	} else if !checkJSONRefusal[T, P](t, data, err) {
		return
	}
	if m == nil {
		t.Fatalf("Decode(%q) returned nil and no error", data)
	}
	if v := *m.version(); v < oldestVersion || v > Version {
		t.Fatalf("Decode(%q) accepted version %d", data, v)
	}
	checkFixedPoint[T, P](t, data, m)
}

// checkCompactRefusal checks Decode's error for compact data; it reports
// whether Decode accepted it.
func checkCompactRefusal(t *testing.T, data []byte, err error) bool {
	t.Helper()
	wrongVersion := len(data) >= 3 && data[1] != Version
	switch {
	case wrongVersion && !errors.Is(err, ErrVersion):
		t.Fatalf("Decode(%q) with compact version %d: err %v, want ErrVersion", data, data[1], err)
	case !wrongVersion && errors.Is(err, ErrVersion):
		t.Fatalf("Decode(%q): a malformed compact message reported as a version mismatch: %v", data, err)
	}
	return err == nil
}

// checkJSONRefusal checks Decode's error for JSON data against plain
// json.Unmarshal into T; it reports whether Decode accepted it.
func checkJSONRefusal[T any, P interface {
	*T
	versioned
}](t *testing.T, data []byte, err error) bool {
	t.Helper()
	probe := P(new(T))
	jerr := json.Unmarshal(data, probe)
	switch v := *probe.version(); {
	case jerr != nil:
		if err == nil {
			t.Fatalf("Decode accepted %q that json.Unmarshal refuses: %v", data, jerr)
		}
		if errors.Is(err, ErrVersion) {
			t.Fatalf("Decode(%q): malformed JSON reported as a version mismatch: %v", data, err)
		}
		return false
	case v < oldestVersion || v > Version:
		if err == nil || !errors.Is(err, ErrVersion) {
			t.Fatalf("Decode(%q) with version %d: err %v, want ErrVersion", data, v, err)
		}
		return false
	case err != nil:
		t.Fatalf("Decode(%q) refused a well-formed version %d message: %v", data, v, err)
	}
	return true
}

// checkFixedPoint encodes m (decoded from data), decodes and encodes
// again: the same bytes and the same value; then any other version of
// the encoding is refused.
func checkFixedPoint[T any, P interface {
	*T
	versioned
}](t *testing.T, data []byte, m P) {
	t.Helper()
	b1, err := Encode[T, P](m)
	if err != nil {
		t.Fatalf("Encode of decoded %q (%+v): %v", data, m, err)
	}
	m2, err := Decode[T, P](b1)
	if err != nil {
		t.Fatalf("Decode of re-encoded %q: %v", b1, err)
	}
	b2, err := Encode[T, P](m2)
	if err != nil {
		t.Fatalf("Encode of %+v: %v", m2, err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("encoding is not a fixed point:\ninput %q\nfirst %q\nthen  %q", data, b1, b2)
	}
	// And the value survives the trip: equal to the first decode up to what
	// the wire cannot tell apart (a time's *Location beside its instant, an
	// empty slice beside nil).
	if a, b := normalized(m), normalized(m2); !reflect.DeepEqual(a, b) {
		t.Fatalf("decode(encode(m)) != m for %q:\nm    %+v\nthen %+v", data, a, b)
	}

	// Any other version is refused, whatever the rest of the message: in
	// JSON (which every type may be sent as) and in the compact form.
	if b1[0] == compactMark {
		for _, v := range []byte{oldestVersion, Version + 1, 0, 255} {
			b := bytes.Clone(b1)
			b[1] = v
			if _, err := Decode[T, P](b); !errors.Is(err, ErrVersion) {
				t.Fatalf("Decode of %q (compact version %d): err %v, want ErrVersion", b, v, err)
			}
		}
	}
	for _, v := range []int{oldestVersion - 1, Version + 1, -Version} {
		*m2.version() = v
		b, err := json.Marshal(m2)
		if err != nil {
			continue // a time beyond JSON's years, from a compact message
		}
		if _, err := Decode[T, P](b); !errors.Is(err, ErrVersion) {
			t.Fatalf("Decode of %s (version %d): err %v, want ErrVersion", b, v, err)
		}
	}
}

// normalized returns a deep copy of the message pointed to by p with every
// time in UTC and every empty slice nil.
func normalized(p any) any {
	v := reflect.New(reflect.TypeOf(p).Elem())
	v.Elem().Set(reflect.ValueOf(p).Elem())
	normalize(v.Elem())
	return v.Interface()
}

var timeType = reflect.TypeFor[time.Time]()

func normalize(v reflect.Value) {
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
	case v.Kind() == reflect.Pointer && !v.IsNil():
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(v.Elem())
		normalize(c.Elem())
		v.Set(c)
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			normalize(v.Field(i))
		}
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			normalize(c.Index(i))
		}
		v.Set(c)
	}
}

func FuzzDecodeWorkItem(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode[WorkItem](t, data) })
}

func FuzzDecodeEvent(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode[Event](t, data) })
}

func FuzzDecodeJob(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode[Job](t, data) })
}
