// Package migrations embeds Borderwatch's numbered, forward-only SQL
// migrations. They are applied with tern's migrate.Migrator by
// `borderwatch migrate` and at `borderwatch serve` start.
package migrations

import "embed"

// FS holds the migration files, named NNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
