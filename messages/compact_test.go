package messages

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fill sets every field of the struct v points to (and of the structs
// and slices below it) to a value that is not zero and depends on seed, so
// that two fills with different seeds differ in every field. Files of a
// Result get one file of their own (no deeper), as bundles have.
func fill(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), seed)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6789, time.UTC).Add(time.Duration(seed) * time.Hour)))
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			switch {
			case f.Name == "V":
			case f.Name == "Files" && v.Type() == reflect.TypeFor[Result]() && seed >= 100:
				// a bundle's file has no files
			default:
				fill(v.Field(i), seed+i)
			}
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d/é", seed))
	case reflect.Int, reflect.Int16, reflect.Int64:
		v.SetInt(int64(seed + 3))
	case reflect.Uint32:
		v.SetUint(uint64(seed + 0o600))
	case reflect.Bool:
		v.SetBool(seed%2 == 0)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), seed+100)
		fill(s.Index(1), seed+200)
		v.Set(s)
	default:
		panic("fill: add a case for " + v.Type().String())
	}
}

// roundTrip encodes m, checks it is in the compact form, and decodes it.
func roundTrip[T any, P interface {
	*T
	versioned
}](t *testing.T, m P) P {
	t.Helper()
	b, err := Encode[T, P](m)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != compactMark {
		t.Fatalf("%T not in the compact form: %s", m, b)
	}
	back, err := Decode[T, P](b)
	if err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	if a, b := normalized(m), normalized(back); !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed %T:\nsent %+v\ngot  %+v", m, a, b)
	}
	return back
}

// Every field of a work item, of its bundled files and of their
// attributes survives the compact form, set all at once and each alone
// (a field the codec forgets fails here).
func TestCompactWorkItemEveryField(t *testing.T) {
	var all WorkItem
	fill(reflect.ValueOf(&all).Elem(), 1)
	roundTrip(t, &all)
	forEachField(t, reflect.ValueOf(&all).Elem(), func(t *testing.T, name string, set func(*WorkItem)) {
		var one WorkItem
		set(&one)
		roundTrip(t, &one)
		// In a bundle: the second file differs from the first in this
		// field alone (or is the same, for the item's own fields).
		var f BundledFile
		fill(reflect.ValueOf(&f).Elem(), 5)
		two := WorkItem{Job: "j", Kind: KindBundle, Files: []BundledFile{f, f}}
		set(&two)
		roundTrip(t, &two)
	})
	forEachField(t, reflect.ValueOf(&BundledFile{}).Elem(), func(t *testing.T, name string, set func(*BundledFile)) {
		var f, g BundledFile
		fill(reflect.ValueOf(&f).Elem(), 5)
		fill(reflect.ValueOf(&g).Elem(), 5)
		set(&g)
		roundTrip(t, &WorkItem{Kind: KindBundle, Files: []BundledFile{f, g}})
		var z BundledFile
		set(&z)
		roundTrip(t, &WorkItem{Kind: KindBundle, Files: []BundledFile{z, {}, z}})
	})
}

// Every field of a result, of its bundle's files, their attributes,
// records and chunks survives the compact form, each alone, in a
// bundle's file that differs from the one before in it alone, and all at
// once.
func TestCompactResultEveryField(t *testing.T) {
	ev := func(r Result) *Event {
		return &Event{Type: EventResult, Job: "20260102-030405-0a1b2c3d", Time: time.Unix(1767000000, 123456789).UTC(), Result: &r}
	}
	var all Result
	fill(reflect.ValueOf(&all).Elem(), 1)
	roundTrip(t, ev(all))
	forEachField(t, reflect.ValueOf(&Result{}).Elem(), func(t *testing.T, name string, set func(*Result)) {
		var one Result
		set(&one)
		roundTrip(t, ev(one))
		if name == "Files" {
			return
		}
		var f, g Result
		fill(reflect.ValueOf(&f).Elem(), 100)
		fill(reflect.ValueOf(&g).Elem(), 100)
		set(&g)
		roundTrip(t, ev(Result{Kind: KindBundle, Index: 9, Files: []Result{f, g, f}}))
		var z Result
		set(&z)
		roundTrip(t, ev(Result{Files: []Result{z, {}, z}}))
	})
}

// forEachField calls fn once for each field (and each field of a struct,
// or pointer to one, below it), with a function that sets only that field
// of a T to a value that is not zero.
func forEachField[T any](t *testing.T, v reflect.Value, fn func(t *testing.T, name string, set func(*T))) {
	t.Helper()
	var walk func(path []int, typ reflect.Type, name string)
	walk = func(path []int, typ reflect.Type, name string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Name == "V" || f.Name == "Files" && typ == reflect.TypeFor[Result]() && len(path) > 0 {
				continue
			}
			p := append(append([]int(nil), path...), i)
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			full := strings.TrimPrefix(name+"."+f.Name, ".")
			t.Run(full, func(t *testing.T) {
				fn(t, full, func(m *T) { setPath(reflect.ValueOf(m).Elem(), p, 7) })
			})
			if ft.Kind() == reflect.Struct && ft != timeType {
				walk(p, ft, full)
			}
		}
	}
	walk(nil, v.Type(), "")
}

// setPath fills the field at path (field indexes, through pointers, which
// it allocates) and nothing else.
func setPath(v reflect.Value, path []int, seed int) {
	for _, i := range path {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Slice || v.Kind() == reflect.Struct && v.Type() != timeType {
		// A whole pointer, slice or struct: set to a value with every
		// field set.
		fill(v, seed+100)
		return
	}
	fill(v, seed)
}

// Odd values that the compact form must keep exact: times before the
// epoch and beyond its near range, at the edges of their nanoseconds,
// negative and extreme integers, hex that is not a checksum, paths that
// share nothing or everything.
func TestCompactEdgeValues(t *testing.T) {
	times := []time.Time{{}, time.Unix(0, 0).UTC(), time.Unix(-1, 999999999).UTC(), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	blobs := []string{"", "0", "00", "ab", "AB", "abc", `""`, `"`, `"00ff"`, `"00ff-2"`, "CRC32C:", "CRC32C:0", "CRC32C:deadbeef", "CRC32C:DEADBEEF", "\x00\xff"}
	paths := [][2]string{{"", ""}, {"a", ""}, {"", "a"}, {"file:///a/b", "file:///a/b"}, {"hdfs://nn/x/y", "cosn://b-1/z/y"},
		{"/p/é", "/q/é"}, {"/p/\xff", "/p/\xfe"}}
	var files []BundledFile
	var results []Result
	for i := range max(len(times), len(blobs), len(paths)) {
		tm, b, p := times[i%len(times)], blobs[i%len(blobs)], paths[i%len(paths)]
		a := Attrs{Size: int64(-i) << 60, Mode: 1<<32 - 1, ModTime: tm, AccessTime: times[(i+1)%len(times)],
			ChangeTime: times[(i+2)%len(times)], Owner: b, Group: p[0], BlockSize: -1 << 63, Replication: -1 << 15, Version: b}
		files = append(files, BundledFile{Src: p[0], Dst: p[1], Attr: a, ParentInJob: i%3 == 0})
		results = append(results, Result{Index: int64(i) - 3, Src: p[0], Dst: p[1], Size: 1<<63 - 1, Checksum: b, Part: blobs[(i+3)%len(blobs)],
			Attempt: -i, DurationMS: -1 << 63, Attr: &a, Statted: i%2 == 0,
			Record: &Record{SrcModTime: -1 << 63, SrcChangeTime: 1<<63 - 1, DstSize: int64(i), DstModTime: int64(i) << 59,
				DstChangeTime: -1, SrcVersion: b, DstVersion: blobs[(i+1)%len(blobs)]},
			Chunk: &Chunk{File: -1 << 63, Seq: i, Count: -i, Offset: 1<<63 - 1, Length: -1 << 63, Upload: b}})
	}
	roundTrip(t, &WorkItem{Job: "j", Index: -1 << 63, Kind: KindBundle, Files: files})
	roundTrip(t, &Event{Type: EventResult, Job: "j", Time: times[3], Result: &Result{Index: 1<<63 - 1, Files: results}})
	for _, r := range results {
		roundTrip(t, &Event{Type: EventResult, Result: &r})
	}
}

// What does not fit the compact form goes as JSON, and decodes the same.
func TestCompactFallsBackToJSON(t *testing.T) {
	for _, ev := range []*Event{
		{Type: EventResult, Job: "j", Result: &Result{Files: []Result{{Files: []Result{{Src: "/deep"}}}}}},
		{Type: EventResult, Job: "j", Result: &Result{Src: "/a"}, Listed: &Listed{Items: 1}},
		{Type: EventResult, Job: "j"},
		{Type: EventDone, Job: "j", Report: &Report{Job: "j"}},
	} {
		b, err := Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), `{"v":2,`) {
			t.Fatalf("%+v: want JSON of version 2, got %q", ev, b)
		}
		back, err := Decode[Event](b)
		if err != nil || !reflect.DeepEqual(normalized(back), normalized(ev)) {
			t.Fatalf("%s: %+v, %v", b, back, err)
		}
	}
}

// Version 1's JSON work items and result events (every message was JSON
// then) are still read.
func TestDecodeVersion1JSON(t *testing.T) {
	it, err := Decode[WorkItem]([]byte(`{"v":1,"job":"j","index":3,"kind":"bundle","files":[{"src":"/a/x","dst":"/b/x","attr":{"size":2,"mtime":"2026-01-02T03:04:05Z"}}]}`))
	if err != nil || it.Index != 3 || len(it.Files) != 1 || it.Files[0].Dst != "/b/x" || it.Files[0].Attr.Size != 2 {
		t.Fatalf("%+v, %v", it, err)
	}
	ev, err := Decode[Event]([]byte(`{"v":1,"type":"result","job":"j","result":{"index":3,"kind":"bundle","files":[{"src":"/a/x","status":"copied","rec":{"ds":2}}]}}`))
	if err != nil || ev.Result.Files[0].Src != "/a/x" || ev.Result.Files[0].Record.DstSize != 2 {
		t.Fatalf("%+v, %v", ev, err)
	}
}

// scaleBundle is a bundle as `task scale` lists and copies it: 32 empty
// files with 41-character paths, local to local, the attributes and
// records a local copy has.
func scaleBundle() (*WorkItem, *Event) {
	t0 := time.Date(2026, 12, 3, 18, 24, 42, 818895649, time.UTC)
	var files []BundledFile
	var res []Result
	for i := range 32 {
		mt := t0.Add(time.Duration(i*13457) * time.Nanosecond)
		src := fmt.Sprintf("file:///tmp/jetcp-scale-780317156/mnt/src/d00012/f%08d", 12000+i)
		dst := fmt.Sprintf("file:///tmp/jetcp-scale-780317156/mnt/dst/d00012/f%08d", 12000+i)
		files = append(files, BundledFile{Src: src, Dst: dst, ParentInJob: true,
			Attr: Attrs{Mode: 0o644, ModTime: mt, ChangeTime: mt, AccessTime: mt, Owner: "root", Group: "root"}})
		ct := t0.Add(time.Second + time.Duration(i*95321))
		res = append(res, Result{Index: 77, Kind: KindFile, Status: StatusCopied, Src: src, Dst: dst, Checksum: "CRC32C:00000000",
			Reason: "target missing", Attempt: 1, Copier: "host-1234", DirsCreated: min(i, 1),
			Record: &Record{SrcModTime: mt.UnixNano(), SrcChangeTime: mt.UnixNano(), DstModTime: ct.UnixNano(), DstChangeTime: ct.UnixNano()}})
	}
	job := "20261203-181650-0a1b2c3d"
	return &WorkItem{Job: job, Index: 77, Kind: KindBundle, Files: files, Statted: true},
		&Event{Type: EventResult, Job: job, Time: t0.Add(2 * time.Second), Result: &Result{Index: 77, Kind: KindBundle,
			Status: StatusCopied, Attempt: 1, Copier: "host-1234", Files: res}}
}

// The compact form keeps a bundle's work item and result within issue
// #22's budget of 64 B per file in JetStream (with room for the stream's
// own ~150 B per message): at most 18 and 22 B per file here, where JSON
// took 344 and 431.
func TestCompactSizePerFile(t *testing.T) {
	it, ev := scaleBundle()
	wb, err := Encode(it)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := Encode(ev)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(it)
	ej, _ := json.Marshal(ev)
	n := float64(len(it.Files))
	t.Logf("work item %d B (%.1f B/file; JSON %.1f), result event %d B (%.1f B/file; JSON %.1f)",
		len(wb), float64(len(wb))/n, float64(len(wj))/n, len(eb), float64(len(eb))/n, float64(len(ej))/n)
	if per := float64(len(wb)) / n; per > 18 {
		t.Errorf("work item: %.1f B per file, want at most 18", per)
	}
	if per := float64(len(eb)) / n; per > 22 {
		t.Errorf("result event: %.1f B per file, want at most 22", per)
	}
	roundTrip(t, it)
	roundTrip(t, ev)
}
