// Command orienteering-check re-checks a plan printed by "borderwatch solve"
// against its OP or Chao TOP instance, independently of package planner: it
// reads the instance, recomputes every route length from the printed point
// indices with plain Euclidean distances, and verifies the routes' ends,
// the budget (tolerance 1e-6), that no point is counted twice and the
// printed score. It prints the recomputed score, or the first violation and
// exits with status 1.
//
// Usage: orienteering-check INSTANCE PLAN.json
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

type plan struct {
	Score   float64   `json:"score"`
	Routes  [][]int   `json:"routes"`
	Lengths []float64 `json:"lengths"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: orienteering-check INSTANCE PLAN.json")
		os.Exit(2)
	}
	score, err := check(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "INFEASIBLE:", err)
		os.Exit(1)
	}
	fmt.Println(strconv.FormatFloat(score, 'f', -1, 64))
}

func check(instPath, planPath string) (float64, error) {
	f, err := os.Open(instPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var rows [][]float64
	var header []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if _, err := strconv.ParseFloat(fs[0], 64); err != nil {
			header = append(header, fs...)
			continue
		}
		var row []float64
		for _, s := range fs {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("instance: %q: %v", s, err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	var tmax float64
	var m, start, end int
	var pts [][]float64
	if len(header) > 0 { // Chao TOP: n N m M tmax T
		kv := map[string]string{}
		for i := 0; i+1 < len(header); i += 2 {
			kv[header[i]] = header[i+1]
		}
		tmax, _ = strconv.ParseFloat(kv["tmax"], 64)
		m, _ = strconv.Atoi(kv["m"])
		pts = rows
		start, end = 0, len(pts)-1
	} else { // OP: Tmax P
		tmax, m = rows[0][0], int(rows[0][1])
		pts = rows[1:]
		start, end = 0, 1
	}
	raw, err := os.ReadFile(planPath)
	if err != nil {
		return 0, err
	}
	var p plan
	if err := json.Unmarshal(raw, &p); err != nil {
		return 0, fmt.Errorf("plan: %v", err)
	}
	if len(p.Routes) != m {
		return 0, fmt.Errorf("%d routes, instance has %d paths", len(p.Routes), m)
	}
	seen := map[int]bool{}
	var score float64
	for k, r := range p.Routes {
		if len(r) < 2 || r[0] != start || r[len(r)-1] != end {
			return 0, fmt.Errorf("route %d does not run from point %d to point %d", k, start, end)
		}
		var length float64
		for i, v := range r {
			if v < 0 || v >= len(pts) {
				return 0, fmt.Errorf("route %d: index %d out of range", k, v)
			}
			if i > 0 {
				a, b := pts[r[i-1]], pts[v]
				length += math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]))
			}
			if !seen[v] {
				seen[v] = true
				score += pts[v][2]
			} else if i > 0 && i < len(r)-1 {
				return 0, fmt.Errorf("route %d: point %d visited twice", k, v)
			}
		}
		if length > tmax+1e-6 {
			return 0, fmt.Errorf("route %d: length %.9f exceeds Tmax %g", k, length, tmax)
		}
		if k < len(p.Lengths) && math.Abs(p.Lengths[k]-length) > 1e-6 {
			return 0, fmt.Errorf("route %d: printed length %g, recomputed %g", k, p.Lengths[k], length)
		}
	}
	if math.Abs(score-p.Score) > 1e-6 {
		return 0, fmt.Errorf("printed score %g, recomputed %g", p.Score, score)
	}
	return score, nil
}
