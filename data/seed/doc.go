// Package seed fills a Borderwatch database with what the demo and a fresh
// installation need: the embedded reference data of data/ref (agencies,
// countries, provinces, borders, crossings, places, rivers, Border Liaison
// Offices and the real reported seizures), and the synthetic demo: a
// reproducible history of seizures and incidents drawn from a seed, joint
// operations, MOBIT teams and their bases, a synthetic track network, and
// the demo's sharing agreements and sign-in accounts, invented entities
// linked to synthetic seizures, and an exchange of messages between the
// real Border Liaison Offices with a hit. Everything synthetic is marked
// so.
//
// seed writes through the exported methods of data.Store where they exist
// (roads, agreements, users) and otherwise, as a sub-package of data,
// through pgx inside data.Store.InTx. From this module it imports data,
// data/ref, record and planner (for the track network); nothing imports it
// but cmd/borderwatch and tests.
package seed
