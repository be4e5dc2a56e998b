// Package record owns what a Borderwatch record is, independent of where it
// is stored or how it travels: the event (a seizure or an incident) and its
// seizure items, their normalisation and validation, the vocabularies their
// fields take (kinds, drugs, incident categories, sharing levels, time
// precisions, units) and the typed validation errors that name the offending
// field of the record ("occurred_at", "items[0].drug"); and the road and
// border sector as the file parsers produce them and the store keeps them,
// with the identifiers they use (ISO3 codes, border pairs, sector sets).
//
// record is pure: no I/O, no logging, no database or HTTP. From this module
// it imports only geo, which owns the enumerations the in-memory index bins
// by; the vocabularies here are read from those enumerations, so each has a
// single source (and a test in data holds the database's CHECK constraints
// to them).
package record
