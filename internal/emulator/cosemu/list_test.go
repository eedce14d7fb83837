package cosemu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

func putAll(t *testing.T, c *cos.Client, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	ch := make(chan string)
	errs := make(chan error, len(keys))
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range ch {
				if _, err := c.Object.Put(context.Background(), k, strings.NewReader("x"), nil); err != nil {
					errs <- fmt.Errorf("put %q: %w", k, err)
				}
			}
		}()
	}
	for _, k := range keys {
		ch <- k
	}
	close(ch)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func dec(t *testing.T, s string) string {
	t.Helper()
	d, err := cos.DecodeURIComponent(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return d
}

func TestListing(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	odd := []string{"plain", "with space", "plus+sign", "question?mark", "ünïcødé 文件", "pct%20lit", "amp&eq=", "tilde~*'()"}
	var keys, wantFlat []string
	wantDirs := map[string]bool{}
	for i := range 2000 {
		k := fmt.Sprintf("dir/f%04d %s", i, odd[i%len(odd)])
		keys = append(keys, k)
		wantFlat = append(wantFlat, k)
	}
	for i := range 50 {
		d := fmt.Sprintf("dir/sub%02d %s/", i, odd[i%len(odd)])
		wantDirs[d] = true
		for j := range 10 {
			keys = append(keys, fmt.Sprintf("%sfile%d", d, j))
		}
	}
	keys = append(keys, "dir", "dia/x", "dis", "other/y")
	putAll(t, c, keys)

	// prefix + delimiter + marker paging, encoding-type=url.
	var gotFlat []string
	gotDirs := map[string]bool{}
	var order []string
	marker, pages := "", 0
	for {
		res, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "dir/", Delimiter: "/", Marker: marker, MaxKeys: 100, EncodingType: "url"})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if n := len(res.Contents) + len(res.CommonPrefixes); n > 100 || (res.IsTruncated && n != 100) {
			t.Fatalf("page %d has %d items, truncated=%v", pages, n, res.IsTruncated)
		}
		if dec(t, res.Prefix) != "dir/" || res.EncodingType != "url" {
			t.Fatalf("Prefix %q EncodingType %q", res.Prefix, res.EncodingType)
		}
		for _, o := range res.Contents {
			k := dec(t, o.Key)
			gotFlat = append(gotFlat, k)
			order = append(order, k)
			if o.Size != 1 || o.ETag == "" || o.StorageClass != "STANDARD" || o.LastModified == "" || o.Owner == nil {
				t.Fatalf("bad entry %+v", o)
			}
		}
		for _, p := range res.CommonPrefixes {
			d := dec(t, p)
			if gotDirs[d] {
				t.Fatalf("prefix %q listed twice", d)
			}
			gotDirs[d] = true
			order = append(order, d)
		}
		if !res.IsTruncated {
			break
		}
		if res.NextMarker == "" {
			t.Fatal("truncated listing with a delimiter has no NextMarker")
		}
		marker = dec(t, res.NextMarker)
		if pages > 100 {
			t.Fatal("listing does not end")
		}
	}
	if pages != 21 {
		t.Errorf("pages = %d, want 21", pages)
	}
	sort.Strings(wantFlat)
	if !slices.Equal(gotFlat, wantFlat) {
		t.Fatalf("flat keys: got %d, want %d", len(gotFlat), len(wantFlat))
	}
	if len(gotDirs) != len(wantDirs) {
		t.Fatalf("prefixes: got %d want %d", len(gotDirs), len(wantDirs))
	}
	for d := range wantDirs {
		if !gotDirs[d] {
			t.Fatalf("missing prefix %q", d)
		}
	}
	// Within pages, items come back in byte order.
	if !sort.StringsAreSorted(order) {
		t.Fatal("listing is not in byte order")
	}

	// No delimiter: NextMarker is empty, continue from the last key.
	var all []string
	marker = ""
	for {
		res, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "dir/", Marker: marker, EncodingType: "url"})
		if err != nil {
			t.Fatal(err)
		}
		if res.MaxKeys != 1000 || len(res.Contents) > 1000 || res.NextMarker != "" {
			t.Fatalf("MaxKeys %d, %d contents, NextMarker %q", res.MaxKeys, len(res.Contents), res.NextMarker)
		}
		for _, o := range res.Contents {
			all = append(all, dec(t, o.Key))
		}
		if !res.IsTruncated {
			break
		}
		marker = all[len(all)-1]
	}
	var want []string
	for _, k := range keys {
		if strings.HasPrefix(k, "dir/") {
			want = append(want, k)
		}
	}
	sort.Strings(want)
	if !slices.Equal(all, want) {
		t.Fatalf("recursive listing: %d keys, want %d", len(all), len(want))
	}

	// Raw (unencoded) listing of the whole bucket with a delimiter.
	res, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, o := range res.Contents {
		top = append(top, o.Key)
	}
	if !slices.Equal(top, []string{"dir", "dis"}) || !slices.Equal(res.CommonPrefixes, []string{"dia/", "dir/", "other/"}) {
		t.Fatalf("top level: %v %v", top, res.CommonPrefixes)
	}
}

// TestKeyIndex checks the chunked index against a sorted slice.
func TestKeyIndex(t *testing.T) {
	var ix keyIndex
	ref := map[string]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		k := fmt.Sprintf("k%05d", r.IntN(8000))
		if i%3 == 0 {
			ix.remove(k)
			delete(ref, k)
		} else {
			ix.insert(k)
			ref[k] = true
		}
	}
	var want []string
	for k := range ref {
		want = append(want, k)
	}
	sort.Strings(want)
	var got []string
	for it := ix.seek(""); it.valid(&ix); it.next(&ix) {
		got = append(got, it.key(&ix))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("index has %d keys, want %d", len(got), len(want))
	}
	if len(ix.chunks) < 3 {
		t.Fatalf("expected several chunks, got %d", len(ix.chunks))
	}
	for _, probe := range []string{"", "k03000", "k03000x", "k99999", want[len(want)/2]} {
		i := sort.SearchStrings(want, probe)
		it := ix.seek(probe)
		if i == len(want) {
			if it.valid(&ix) {
				t.Fatalf("seek(%q) should be at the end", probe)
			}
			continue
		}
		if !it.valid(&ix) || it.key(&ix) != want[i] {
			t.Fatalf("seek(%q) wrong", probe)
		}
	}
}
