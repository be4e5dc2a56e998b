package borderwatch_test

// The design guard: the import rules of docs and package comments, checked
// from `go list` so that a forbidden import fails the suite instead of
// waiting for a reviewer. See the README's table of packages.

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/borderwatch/borderwatch"

// pkgInfo is what `go list -json` says of one package.
type pkgInfo struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every package it depends on, transitively
}

func listPackages(t *testing.T) map[string]pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkgInfo{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	return pkgs
}

// rule says which packages of this module a package may import (directly
// or not) and which outside packages it must never depend on.
type rule struct {
	pkg string
	// mayUse lists the module's packages it may depend on; a trailing
	// "/..." admits sub-packages.
	mayUse []string
	// never lists outside packages (prefixes) that must not appear among
	// its dependencies, transitively.
	never []string
	// neverDirect lists outside packages it must not import itself (they
	// may appear deeper, e.g. os through fmt).
	neverDirect []string
}

var (
	noIO      = []string{"net/http", "database/sql", "github.com/jackc/", "log", "log/slog", "github.com/go-chi/"}
	noIODirct = []string{"os", "os/exec", "net", "io/fs"}
)

var rules = []rule{
	// Pure packages: no I/O, no logging, no HTTP, no database.
	{pkg: "cql2", never: noIO, neverDirect: noIODirct},
	{pkg: "geo", mayUse: []string{"cql2"}, never: noIO, neverDirect: noIODirct},
	{pkg: "match", never: noIO, neverDirect: noIODirct},
	{pkg: "record", mayUse: []string{"geo", "cql2", "match"}, never: noIO, neverDirect: noIODirct},
	{pkg: "parse", mayUse: []string{"record", "geo", "cql2", "match"}, never: noIO, neverDirect: []string{"os/exec", "net", "io/fs"}},
	{pkg: "planner", mayUse: []string{"geo", "cql2"}, never: noIO, neverDirect: noIODirct},
	// The store knows no HTTP and nothing above it.
	{pkg: "data", mayUse: []string{"geo", "cql2", "record", "match", "parse", "migrations"},
		never: []string{"net/http", "github.com/go-chi/"}},
	{pkg: "data/seed", mayUse: []string{"geo", "cql2", "record", "match", "parse", "planner", "data", "data/ref", "migrations"},
		never: []string{"net/http", "github.com/go-chi/"}},
	// The HTTP layer never talks to PostgreSQL itself.
	{pkg: "api", mayUse: []string{"geo", "cql2", "record", "match", "parse", "planner", "data", "data/ref", "migrations", "web"},
		neverDirect: []string{"github.com/jackc/pgx/v5", "github.com/jackc/pgx/v5/pgxpool", "github.com/jackc/pgx/v5/pgconn",
			"github.com/twpayne/go-geom", "github.com/twpayne/go-geom/encoding/ewkb"}},
	{pkg: "web"},
	{pkg: "migrations"},
}

func matches(prefixes []string, path string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// violations returns every broken rule of r for package p.
func (r rule) violations(p pkgInfo) []string {
	var bad []string
	for _, d := range p.Deps {
		if rel, ok := strings.CutPrefix(d, module+"/"); ok {
			if !slices.Contains(r.mayUse, rel) && !slices.Contains(r.mayUse, strings.SplitN(rel, "/", 2)[0]+"/...") {
				bad = append(bad, "depends on "+rel)
			}
			continue
		}
		if matches(r.never, d) {
			bad = append(bad, "depends on "+d)
		}
	}
	for _, d := range p.Imports {
		if matches(r.neverDirect, d) {
			bad = append(bad, "imports "+d)
		}
	}
	return bad
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			p, ok := pkgs[r.pkg]
			if !ok {
				t.Fatalf("package %s not found; update the rules with the layout", r.pkg)
			}
			for _, v := range r.violations(p) {
				t.Errorf("%s %s", r.pkg, v)
			}
		})
	}
	// Nothing imports a command, and every package of the module has a rule
	// or is a command, a script or a test helper.
	for path, p := range pkgs {
		for _, d := range p.Deps {
			if strings.HasPrefix(d, module+"/cmd/") || strings.HasPrefix(d, module+"/scripts/") {
				t.Errorf("%s depends on the command %s", path, d)
			}
		}
		known := slices.ContainsFunc(rules, func(r rule) bool { return r.pkg == path })
		if !known && path != "" && !strings.HasPrefix(path, "cmd/") && !strings.HasPrefix(path, "scripts/") &&
			!strings.HasSuffix(path, "test") && path != "data/ref" {
			t.Errorf("package %s has no import rule in design_test.go", path)
		}
	}
}

// TestImportRulesCatch checks that the guard itself fails on the imports it
// must refuse.
func TestImportRulesCatch(t *testing.T) {
	find := func(name string) rule {
		for _, r := range rules {
			if r.pkg == name {
				return r
			}
		}
		t.Fatalf("no rule for %s", name)
		return rule{}
	}
	cases := []struct {
		rule string
		pkg  pkgInfo
	}{
		{"geo", pkgInfo{Deps: []string{module + "/data"}}},
		{"geo", pkgInfo{Deps: []string{"github.com/jackc/pgx/v5"}}},
		{"geo", pkgInfo{Deps: []string{"log/slog"}}},
		{"planner", pkgInfo{Imports: []string{"os"}}},
		{"match", pkgInfo{Imports: []string{"os"}}},
		{"match", pkgInfo{Deps: []string{module + "/record"}}},
		{"planner", pkgInfo{Deps: []string{"net/http"}}},
		{"record", pkgInfo{Deps: []string{module + "/planner"}}},
		{"data", pkgInfo{Deps: []string{"net/http"}}},
		{"data", pkgInfo{Deps: []string{module + "/api"}}},
		{"api", pkgInfo{Imports: []string{"github.com/jackc/pgx/v5"}}},
	}
	for _, tc := range cases {
		if len(find(tc.rule).violations(tc.pkg)) == 0 {
			t.Errorf("rule %s let through %v %v", tc.rule, tc.pkg.Imports, tc.pkg.Deps)
		}
	}
}
