package data

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/google/uuid"

	"github.com/borderwatch/borderwatch/parse"
)

// benchImportCSV is n records shaped like scripts/genevents output.
func benchImportCSV(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("kind,occurred_at,lon,lat,accuracy_m,agency,sharing,source_ref,drug,quantity_kg,category,severity,persons_detained,place\n")
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			fmt.Fprintf(&buf, "incident,2021-02-27T23:48:47Z,68.%05d,37.57876,1181,tj-dca,bilateral,bench-%d,,,arrest,1,0,bench\n", i%100000, i)
		} else {
			fmt.Fprintf(&buf, "seizure,2019-06-12T11:30:49Z,63.96650,39.%05d,1991,tj-dca,regional,bench-%d,cannabis,0.890,,,2,bench\n", i%100000, i)
		}
	}
	return buf.Bytes()
}

// BenchmarkImportParse measures the client side of an import: parsing,
// validation and encoding the COPY rows, without the database.
func BenchmarkImportParse(b *testing.B) {
	const n = 20000
	in := benchImportCSV(n)
	refs := &importRefs{agencies: map[string]bool{"tj-dca": true}, ops: map[uuid.UUID]bool{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		p, err := parse.NewEventReader(bufio.NewReader(bytes.NewReader(in)), "")
		if err != nil {
			b.Fatal(err)
		}
		ch := make(chan importBatch, 4)
		cr := &countingReader{r: io.LimitReader(nil, 0)}
		go func() {
			defer close(ch)
			parseImport(context.Background(), p, refs, "row", ImportOptions{}, cr, ch)
		}()
		src := &copyChunkReader{ch: ch}
		for !src.done {
			src.reset()
			if _, err := io.Copy(io.Discard, src); err != nil {
				b.Fatal(err)
			}
		}
	}
}
