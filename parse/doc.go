// Package parse reads the file formats Borderwatch imports: event files
// (CSV with a header row, GeoJSON FeatureCollections of points), road files
// (OpenStreetMap .osm.pbf and .osm XML, GeoJSON LineStrings) with their
// highway speeds, and sector polygons (GeoJSON). Each parser turns its
// input into the records of package record, naming every offending field
// or feature, so that a file can be checked completely before anything is
// written.
//
// parse performs no database I/O, logs nothing and knows no HTTP; its
// tests need no database. From this module it imports only record and geo;
// beyond them it uses the standard library, orb, paulmach/osm and uuid.
package parse
