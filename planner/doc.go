// Package planner holds Borderwatch's pure planning algorithms:
//
//   - instance.go: parsers of the published orienteering benchmark formats
//     (OP and Chao's TOP);
//   - top.go, top_solver.go: a Team Orienteering Problem with time budgets
//     on a generic travel-time matrix (matrix.go), and its iterated local
//     search solver;
//   - graph.go: the road graph built from polylines;
//   - network.go: the part of the graph one team may use (its country, the
//     allowed crossings, its speeds);
//   - paths.go: shortest paths and travel-time matrices on a team's network,
//     with off-road legs to points off the roads;
//   - tracks.go: patrol tracks along a border and links from loose roads to
//     the network;
//   - targets.go: the choice of a patrol plan's targets (significant Gi* hot
//     spots within the teams' reach, border crossings on the teams' side)
//     and the reasons given for them;
//   - patrol.go: patrol planning, which combines the above into one route
//     per team.
//
// Structs go in and structs come out. planner performs no I/O, never logs
// and keeps no global state; randomised code takes a *rand.Rand (math/rand/v2)
// and long loops take a context.Context and stop when it is cancelled.
// What a caller may see is decided before planner is called: functions that
// read events take a *geo.Index and a geo.Filter carrying the visibility.
// planner may import only github.com/borderwatch/borderwatch/geo and
// github.com/paulmach/orb (with its subpackages) from outside the standard
// library.
package planner
