// Package planner holds Borderwatch's pure planning algorithms: parsers for
// the published orienteering benchmark formats, a Team Orienteering Problem
// solver with time budgets on a generic travel-time matrix, a road graph
// with shortest paths, travel-time matrices and country constraints, and
// the patrol planning that combines them.
//
// Structs go in and structs come out. planner performs no I/O, never logs
// and keeps no global state; randomised code takes a *rand.Rand (math/rand/v2)
// and long loops take a context.Context and stop when it is cancelled.
// planner may import only github.com/borderwatch/borderwatch/geo and
// github.com/paulmach/orb (with its subpackages) from outside the standard
// library.
package planner
