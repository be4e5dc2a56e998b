package planner

import (
	"math"

	"github.com/paulmach/orb"
)

// Matrix is a dense square matrix of travel costs (time or length) between
// the nodes of a Problem; At(i, j) is the cost from i to j. +Inf marks a
// pair with no allowed path. It need not be symmetric.
type Matrix struct {
	n int
	d []float64
}

// NewMatrix returns an n×n matrix with zero cost everywhere.
func NewMatrix(n int) *Matrix {
	return &Matrix{n: n, d: make([]float64, n*n)}
}

// EuclideanMatrix returns the matrix of plain Euclidean distances between
// the points, not rounded.
func EuclideanMatrix(pts []orb.Point) *Matrix {
	m := NewMatrix(len(pts))
	for i, a := range pts {
		for j, b := range pts {
			m.d[i*m.n+j] = math.Hypot(a[0]-b[0], a[1]-b[1])
		}
	}
	return m
}

// Len returns the number of nodes.
func (m *Matrix) Len() int { return m.n }

// At returns the cost from node i to node j.
func (m *Matrix) At(i, j int) float64 { return m.d[i*m.n+j] }

// Set sets the cost from node i to node j.
func (m *Matrix) Set(i, j int, v float64) { m.d[i*m.n+j] = v }
