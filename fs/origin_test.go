package fs

import (
	"strings"
	"testing"
	"time"
)

func sameRecord(a, b OriginRecord) bool {
	return string(a.Checksum.Value) == string(b.Checksum.Value) && a.Checksum.Algorithm == b.Checksum.Algorithm &&
		a.Size == b.Size && unixNano(a.ModTime) == unixNano(b.ModTime) && a.SrcSize == b.SrcSize &&
		unixNano(a.SrcModTime) == unixNano(b.SrcModTime) && unixNano(a.SrcChangeTime) == unixNano(b.SrcChangeTime) &&
		a.SrcID == b.SrcID && a.Job == b.Job
}

func TestOriginRecordRoundTrip(t *testing.T) {
	sum := CRC32C(0xe3069283)
	for _, r := range []OriginRecord{
		{Origin: Origin{Checksum: sum, SrcSize: 9, SrcModTime: time.Unix(100, 7), SrcChangeTime: time.Unix(200, 9)}, Size: 9, ModTime: time.Unix(300, 1)},
		{Origin: Origin{Checksum: sum, SrcSize: 9, SrcModTime: time.Unix(100, 7), SrcID: SourceID(URI{Scheme: "file", Path: "/a/b"})}, Size: 9, ModTime: time.Unix(300, 1)},
		{Origin: Origin{Checksum: sum, SrcSize: 0}, Size: 0, ModTime: time.UnixMilli(1600000000123)},
		{Origin: Origin{Checksum: sum, SrcSize: 4, SrcModTime: time.Unix(5, 0), Job: "20261203-133801-6d4ed249"}, Size: 4, ModTime: time.Unix(6, 0)},
		{Origin: Origin{Checksum: sum, SrcSize: 4, SrcID: "a1b2", Job: strings.Repeat("j", 64)}, Size: 4, ModTime: time.Unix(6, 0)},
		{Origin: Origin{Checksum: sum, SrcSize: -1}, Size: 5, ModTime: time.Unix(0, -5)},
	} {
		v, err := EncodeOriginRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseOriginRecord(v)
		if err != nil || !sameRecord(got, r) {
			t.Errorf("%q parsed to %+v, %v; want %+v", v, got, err, r)
		}
		if !got.ValidFor(FileInfo{Size: r.Size, ModTime: r.ModTime}) {
			t.Errorf("%q is not valid for the file it was recorded for", v)
		}
		if got.ValidFor(FileInfo{Size: r.Size, ModTime: r.ModTime.Add(time.Millisecond)}) || got.ValidFor(FileInfo{Size: r.Size + 1, ModTime: r.ModTime}) {
			t.Errorf("%q is valid for a file changed since", v)
		}
		if got.HasSource() != (r.SrcSize >= 0) {
			t.Errorf("%q: HasSource %v", v, got.HasSource())
		}
	}
	if _, err := EncodeOriginRecord(OriginRecord{Origin: Origin{Checksum: Checksum{Algorithm: "MD5", Value: []byte{1}}}}); err == nil {
		t.Error("encoded a record of an MD5")
	}
}

// Records written by earlier versions still read: local files' 5-field
// form (before src_ctime) and HDFS's stored checksum (mtime in ms, no
// source).
func TestOriginRecordLegacy(t *testing.T) {
	local5 := "CRC32C:e3069283 size=9 mtime=1600000000123456789 src_size=9 src_mtime=100000000007"
	r, err := ParseOriginRecord(local5)
	if err != nil {
		t.Fatal(err)
	}
	want := OriginRecord{Origin: Origin{Checksum: CRC32C(0xe3069283), SrcSize: 9, SrcModTime: time.Unix(100, 7)},
		Size: 9, ModTime: time.Unix(0, 1600000000123456789)}
	if !sameRecord(r, want) || !r.SrcChangeTime.IsZero() || !r.HasSource() {
		t.Errorf("%q parsed to %+v, want %+v", local5, r, want)
	}
	hdfs3 := "CRC32C:e3069283 size=9 mtime=1600000000123"
	r, err = ParseOriginRecord(hdfs3)
	if err != nil {
		t.Fatal(err)
	}
	if r.HasSource() || !r.ValidFor(FileInfo{Size: 9, ModTime: time.UnixMilli(1600000000123)}) || r.Checksum.String() != "CRC32C:e3069283" {
		t.Errorf("%q parsed to %+v", hdfs3, r)
	}
	for _, bad := range []string{"", "CRC32C:e3069283", "MD5:00 size=1 mtime=2", "CRC32C:e30692 size=1 mtime=2",
		"CRC32C:e3069283 mtime=2 size=1", "CRC32C:e3069283 size=-1 mtime=2", "CRC32C:e3069283 size=1 mtime=x",
		"CRC32C:e3069283 size=1 mtime=2 src_size=-2 src_mtime=0 src_ctime=0", "CRC32C:e3069283 size=1 mtime=2 src_size=1",
		"CRC32C:e3069283 size=1 mtime=2 src_size=1 src_mtime=0 src_ctime=0 job=", "CRC32C:e3069283 size=1 mtime=2 src_size=1 src_mtime=0 src_ctime=0 id=j",
		"CRC32C:e3069283 size=1 mtime=2 src_size=1 src_mtime=0 job=j",
		"CRC32C:e3069283 size=1 mtime=2 src_size=1 src_mtime=0 src_ctime=0 job=j src=a", "CRC32C:e3069283 size=1 mtime=2 src_size=1 src_mtime=0 src_ctime=0 src=a job=j x=1"} {
		if r, err := ParseOriginRecord(bad); err == nil {
			t.Errorf("%q parsed to %+v", bad, r)
		}
	}
}

// Whatever parses encodes to a record that parses to the same; nothing
// panics.
func FuzzOriginRecord(f *testing.F) {
	for _, s := range []string{
		"CRC32C:e3069283 size=9 mtime=1600000000123456789 src_size=9 src_mtime=100000000007 src_ctime=5",
		"CRC32C:e3069283 size=9 mtime=1600000000123456789 src_size=9 src_mtime=100000000007",
		"CRC32C:e3069283 size=9 mtime=1600000000123",
		"CRC32C:00000000 size=0 mtime=0 src_size=-1 src_mtime=0 src_ctime=0",
		"CRC32C:E3069283 size=+9 mtime=-1 src_size=0 src_mtime=-0 src_ctime=9223372036854775807",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, err := ParseOriginRecord(v)
		if err != nil {
			return
		}
		enc, err := EncodeOriginRecord(r)
		if err != nil {
			t.Fatalf("%q parsed to %+v, which does not encode: %v", v, r, err)
		}
		if strings.Count(enc, " ") != 5 {
			t.Fatalf("%q encoded as %q", v, enc)
		}
		back, err := ParseOriginRecord(enc)
		if err != nil || !sameRecord(r, back) {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", v, r, enc, back, err)
		}
	})
}

// Records name their source: the name survives the text form, differs
// between sources, and a malformed one is refused.
func TestOriginRecordSourceID(t *testing.T) {
	a, b := SourceID(URI{Scheme: "file", Path: "/a/x"}), SourceID(URI{Scheme: "file", Path: "/b/x"})
	if a == b || a == "" {
		t.Fatalf("source ids %q and %q", a, b)
	}
	for _, v := range []string{
		"CRC32C:e3069283 size=9 mtime=1 src_size=9 src_mtime=1 src_ctime=1 src=",
		"CRC32C:e3069283 size=9 mtime=1 src_size=9 src_mtime=1 src_ctime=1 id=ab",
	} {
		if _, err := ParseOriginRecord(v); err == nil {
			t.Errorf("%q parsed", v)
		}
	}
	if _, err := EncodeOriginRecord(OriginRecord{Origin: Origin{Checksum: CRC32C(1), SrcID: "a b"}}); err == nil {
		t.Error("a source id with a space was encoded")
	}
}
