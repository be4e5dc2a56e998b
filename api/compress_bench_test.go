package api

import (
	"bytes"
	stdgzip "compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// featurePageBody is a page of 100 features as the events collection
// serves them.
func featurePageBody(tb testing.TB) []byte {
	tb.Helper()
	bodies := make([][]byte, 100)
	for i := range bodies {
		e := record.Event{ID: uuid.MustParse(fmt.Sprintf("0190c6a4-7d2e-7c41-9a3b-%012d", i)), Kind: record.KindSeizure,
			AgencyID: "tj-dca", Sharing: "bilateral", Place: fmt.Sprintf("Panji Poyon post %d", i),
			Notes:      "found in a hidden compartment of a truck's trailer",
			OccurredAt: time.Date(2024, 3, 1+i%28, i%24, 0, 0, 0, time.UTC), Version: int64(1 + i%3),
			Location: orb.Point{68.5 + float64(i)*0.0137, 37.1 + float64(i)*0.0071},
			Items:    []record.Item{{Drug: "heroin", Quantity: 12.5 + float64(i), Unit: "kg"}}, TotalKG: 12.5 + float64(i)}
		b, err := json.Marshal(eventToFeature(e))
		if err != nil {
			tb.Fatal(err)
		}
		bodies[i] = b
	}
	return appendEventCollection(nil, bodies, 20431, "2026-12-03T19:00:00Z", nil)
}

// TestGzipWriterIsGzip: what the response encoder writes, the standard
// library's gzip reader reads back unchanged.
func TestGzipWriterIsGzip(t *testing.T) {
	body := featurePageBody(t)
	var buf bytes.Buffer
	w := gzipWriter(&buf, compressLevel).(io.WriteCloser)
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := stdgzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes, want the %d written", len(got), len(body))
	}
}

// BenchmarkGzipFeaturePage compresses a page of 100 features with the
// response encoder at the level of per-request answers and, in the same
// run, with the standard library's gzip at level 5 (the encoder before),
// and reports both sizes and the ratio of their times.
func BenchmarkGzipFeaturePage(b *testing.B) {
	body := featurePageBody(b)
	run := func(newW func(io.Writer) io.WriteCloser) (time.Duration, int) {
		var buf bytes.Buffer
		w := newW(&buf)
		n := 0
		start := time.Now()
		const rounds = 200
		for range rounds {
			buf.Reset()
			w.(interface{ Reset(io.Writer) }).Reset(&buf)
			if _, err := w.Write(body); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			n = buf.Len()
		}
		return time.Since(start) / rounds, n
	}
	ours := func(w io.Writer) io.WriteCloser { return gzipWriter(w, compressLevelFast).(io.WriteCloser) }
	std := func(w io.Writer) io.WriteCloser {
		gw, _ := stdgzip.NewWriterLevel(w, compressLevel)
		return gw
	}
	b.ReportAllocs()
	for b.Loop() {
		run(ours)
	}
	now, size := run(ours)
	old, oldSize := run(std)
	b.ReportMetric(float64(len(body)), "page_bytes")
	b.ReportMetric(float64(size), "gzip_bytes")
	b.ReportMetric(float64(oldSize), "stdlib_gzip_bytes")
	b.ReportMetric(float64(now.Microseconds()), "us")
	b.ReportMetric(float64(old.Microseconds()), "stdlib_us")
	b.ReportMetric(float64(old)/float64(now), "x_faster")
}
