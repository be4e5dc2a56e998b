package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// areaConfig is the region the deployment covers: events and positions
// outside it are refused.
type areaConfig struct {
	countries string
	marginKM  float64
}

// areaFlags adds -area-countries and -area-margin-km to fs.
func areaFlags(fs *flag.FlagSet, getenv func(string) string) *areaConfig {
	c := &areaConfig{}
	fs.StringVar(&c.countries, "area-countries", envOr(getenv, "AREA_COUNTRIES", strings.Join(data.DefaultAreaCountries, ",")),
		"ISO 3166-1 alpha-3 codes of the countries this deployment covers, comma-separated (env AREA_COUNTRIES): events and team positions must lie in them or within -area-margin-km of them")
	margin := envOr(getenv, "AREA_MARGIN_KM", strconv.Itoa(data.DefaultAreaMarginKM))
	m, err := strconv.ParseFloat(margin, 64)
	if err != nil {
		m = -1 // reported by check
	}
	fs.Float64Var(&c.marginKM, "area-margin-km", m, "how far beyond the covered countries' outlines a point may lie, in km (env AREA_MARGIN_KM)")
	return c
}

// list returns the countries' codes.
func (c *areaConfig) list() ([]string, error) {
	var out []string
	for _, s := range strings.Split(c.countries, ",") {
		s = strings.ToUpper(strings.TrimSpace(s))
		if len(s) != 3 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return nil, fmt.Errorf("-area-countries: %q is not an ISO 3166-1 alpha-3 code", s)
		}
		out = append(out, s)
	}
	if c.marginKM < 0 || c.marginKM > 500 {
		return nil, errors.New("-area-margin-km (or AREA_MARGIN_KM) must be a number from 0 to 500")
	}
	return out, nil
}

// load makes the configured area the store's. Without reference
// countries in the database the store keeps record.DefaultArea, the study
// area's bounding box, and warn says so.
func (c *areaConfig) load(ctx context.Context, store *data.Store, warn func(msg string)) (record.Area, error) {
	iso, err := c.list()
	if err != nil {
		return record.Area{}, err
	}
	a, ok, err := store.LoadArea(ctx, iso, c.marginKM)
	if err != nil {
		return record.Area{}, fmt.Errorf("covered area: %w", err)
	}
	if !ok {
		warn("no reference countries loaded: events and positions are held to " + a.Name)
	}
	return a, nil
}
