package data

// SetImportSavepointChunks changes how many chunks of an import merge
// inside a savepoint, for tests; it returns a function restoring the
// previous value.
func SetImportSavepointChunks(n int64) (restore func()) {
	old := importSavepointChunks
	importSavepointChunks = n
	return func() { importSavepointChunks = old }
}
