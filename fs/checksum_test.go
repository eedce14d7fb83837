package fs

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestCombineCRC32C(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20+77)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	whole := crc32.Checksum(data, tab)
	for _, cuts := range [][]int{{0}, {1}, {4096}, {len(data) - 1}, {len(data)}, {1000, 65536, 300000, 900001}} {
		got := uint32(0)
		prev := 0
		for _, c := range append(cuts, len(data)) {
			part := data[prev:c]
			got = CombineCRC32C(got, crc32.Checksum(part, tab), int64(len(part)))
			prev = c
		}
		if got != whole {
			t.Errorf("cuts %v: combined %08x, whole %08x", cuts, got, whole)
		}
	}
}

func TestParseChecksum(t *testing.T) {
	c := CRC32C(0x1a2b3c4d)
	back, err := ParseChecksum(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := back.Uint32(); !ok || v != 0x1a2b3c4d {
		t.Fatalf("round trip: %v %v", back, ok)
	}
	for _, bad := range []string{"", "CRC32C", "CRC32C:zz", ":00"} {
		if _, err := ParseChecksum(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
