// Command genevents writes N synthetic events as import CSV to standard
// output, for scripts/bench-import.sh. Usage: genevents [-n N] [-seed S].
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of events")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := write(*n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genevents:", err)
		os.Exit(1)
	}
}

var (
	agencies   = []string{"tj-dca", "tj-border", "tj-customs", "uz-border", "uz-customs", "kg-border", "kg-mvd", "tm-border"}
	drugs      = []string{"heroin", "opium", "cannabis", "hashish", "methamphetamine"}
	categories = []string{"trafficking_attempt", "border_violation", "arrest", "intelligence_report", "armed_clash"}
	sharing    = []string{"agency", "bilateral", "regional"}
)

func write(n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	fmt.Fprintln(w, "kind,occurred_at,lon,lat,accuracy_m,agency,sharing,source_ref,drug,quantity_kg,category,severity,persons_detained,place")
	t0 := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(10 * 365 * 24 * time.Hour)
	buf := make([]byte, 0, 256)
	for i := 0; i < n; i++ {
		buf = buf[:0]
		seizure := rng.Float64() < 0.62
		if seizure {
			buf = append(buf, "seizure,"...)
		} else {
			buf = append(buf, "incident,"...)
		}
		buf = t0.Add(time.Duration(rng.Int64N(span))).Truncate(time.Second).AppendFormat(buf, time.RFC3339)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, 62+rng.Float64()*12, 'f', 5, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, 35+rng.Float64()*6, 'f', 5, 64)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(10+rng.IntN(5000)), 10)
		buf = append(buf, ',')
		buf = append(buf, agencies[rng.IntN(len(agencies))]...)
		buf = append(buf, ',')
		buf = append(buf, sharing[rng.IntN(len(sharing))]...)
		buf = append(buf, ",bench-"...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ',')
		if seizure {
			buf = append(buf, drugs[rng.IntN(len(drugs))]...)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, 0.1+rng.ExpFloat64()*5, 'f', 3, 64)
			buf = append(buf, ",,,"...)
		} else {
			buf = append(buf, ",,"...)
			buf = append(buf, categories[rng.IntN(len(categories))]...)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(1+rng.IntN(5)), 10)
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(rng.IntN(4)), 10)
		buf = append(buf, ",bench\n"...)
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Flush()
}
