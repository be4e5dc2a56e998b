package data

// SetKnownAgencies gives a live index that has no database the set of
// agencies a pull would read, for tests of data_test.
func SetKnownAgencies(l *Live, ids ...string) {
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
	}
	l.known.Store(&known)
}
