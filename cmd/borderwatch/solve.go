package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/borderwatch/borderwatch/planner"
)

// solveResult is the JSON printed by "borderwatch solve".
type solveResult struct {
	Score   float64   `json:"score"`
	Routes  [][]int   `json:"routes"`
	Lengths []float64 `json:"lengths"`
}

// runSolve implements "borderwatch solve FILE [-time-limit D] [-seed N]
// [-iterations N]": it solves an OP or Chao TOP benchmark instance and
// prints the plan as JSON with 0-based point indices in file order.
func runSolve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("solve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeLimit := fs.Duration("time-limit", 5*time.Second, "stop the search after this time")
	seed := fs.Uint64("seed", 1, "random seed")
	iters := fs.Int("iterations", 0, "search rounds (0: chosen from the instance size)")
	var file string
	// Accept the file before or after the flags.
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, "usage: borderwatch solve FILE [-time-limit D] [-seed N] [-iterations N]")
				fs.SetOutput(stdout)
				fs.PrintDefaults()
			}
			return fmt.Errorf("solve: %w (usage: borderwatch solve FILE [-time-limit D] [-seed N])", err)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		if file != "" {
			return errors.New("solve: want exactly one instance file")
		}
		file, rest = rest[0], rest[1:]
	}
	if file == "" {
		return errors.New("solve: missing instance file (usage: borderwatch solve FILE [-time-limit D] [-seed N])")
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("solve: %w", err)
	}
	defer f.Close()
	inst, err := planner.ParseInstance(f)
	if err != nil {
		return fmt.Errorf("solve %s: %w", file, err)
	}
	prob := inst.Problem()
	rng := rand.New(rand.NewPCG(*seed, 0x9e3779b97f4a7c15))
	sol, err := planner.Solve(ctx, prob, planner.Options{TimeLimit: *timeLimit, Iterations: *iters}, rng)
	if err != nil {
		return fmt.Errorf("solve %s: %w", file, err)
	}
	enc := json.NewEncoder(stdout)
	return enc.Encode(solveResult{Score: sol.Score, Routes: sol.Routes, Lengths: sol.Lengths})
}
