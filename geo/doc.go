// Package geo holds Borderwatch's pure geometry: the equal-area projection
// used for every metric computation, the hexagonal analysis grid, the
// in-memory spatial index of events and the hotspot statistics (Getis–Ord
// Gi*, FDR confidence bins, kernel density, DBSCAN, emerging hot spots), the
// risk maths of the sector risk index (Poisson rate test, composite score,
// ranks, hot-cell share), as well as parsers for query parameters such as
// bounding boxes and time intervals. docs/statistics.md states every
// statistic with its source and worked example.
//
// geo performs no I/O, never logs, and imports nothing from this module.
// Points are orb.Point values in {lon, lat} order; projected coordinates are
// metres in the Lambert azimuthal equal-area projection LAEA.
package geo
