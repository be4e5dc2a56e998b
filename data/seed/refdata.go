package seed

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data/ref"
)

// refAgency is one agency of the region. From and Until bound the years in
// which the synthetic history lets it report (zero: unbounded).
type refAgency struct {
	ID, Name, Country, Kind string
	From, Until             int
}

// refAgencies are the real agencies of the region. Slugs are
// <country ISO2>-<function>. The Russian border guards (FPS, from 2003 FSB)
// guarded the Tajik–Afghan border until they handed it over in 2005;
// Kyrgyzstan's State Service on Drug Control existed from 2003 to 2009,
// after which the Interior Ministry's drug service took over.
var refAgencies = []refAgency{
	{ID: "tj-dca", Name: "Drug Control Agency under the President of the Republic of Tajikistan", Country: "TJK", Kind: "drug_control"},
	{ID: "tj-border", Name: "Border Troops of the State Committee for National Security of the Republic of Tajikistan", Country: "TJK", Kind: "border_guard"},
	{ID: "tj-customs", Name: "Customs Service under the Government of the Republic of Tajikistan", Country: "TJK", Kind: "customs"},
	{ID: "tj-mvd", Name: "Ministry of Internal Affairs of the Republic of Tajikistan (drug police)", Country: "TJK", Kind: "police"},
	{ID: "ru-fps", Name: "Russian border guards in Tajikistan (FPS/FSB)", Country: "RUS", Kind: "border_guard", Until: 2005},
	{ID: "uz-border", Name: "Border Troops of the State Security Service of the Republic of Uzbekistan", Country: "UZB", Kind: "border_guard"},
	{ID: "uz-customs", Name: "State Customs Committee of the Republic of Uzbekistan", Country: "UZB", Kind: "customs"},
	{ID: "uz-sss", Name: "State Security Service of the Republic of Uzbekistan (National Security Service, SNB, until 2018)", Country: "UZB", Kind: "other"},
	{ID: "uz-mvd", Name: "Ministry of Internal Affairs of the Republic of Uzbekistan", Country: "UZB", Kind: "police"},
	{ID: "kg-border", Name: "Border Service of the Kyrgyz Republic", Country: "KGZ", Kind: "border_guard"},
	{ID: "kg-dcs", Name: "State Service on Drug Control of the Kyrgyz Republic", Country: "KGZ", Kind: "drug_control", From: 2003, Until: 2009},
	{ID: "kg-mvd", Name: "Ministry of Internal Affairs of the Kyrgyz Republic (Service for Combating Illicit Drug Trafficking)", Country: "KGZ", Kind: "police"},
	{ID: "kg-gknb", Name: "State Committee for National Security of the Kyrgyz Republic (GKNB)", Country: "KGZ", Kind: "other"},
	{ID: "kg-customs", Name: "State Customs Service of the Kyrgyz Republic", Country: "KGZ", Kind: "customs"},
	{ID: "tm-border", Name: "State Border Service of Turkmenistan", Country: "TKM", Kind: "border_guard"},
	{ID: "tm-customs", Name: "State Customs Service of Turkmenistan", Country: "TKM", Kind: "customs"},
	{ID: "af-border", Name: "Afghan Border Police", Country: "AFG", Kind: "border_guard"},
	{ID: "af-cnpa", Name: "Counter Narcotics Police of Afghanistan", Country: "AFG", Kind: "drug_control"},
}

// borderAgency is each country's border agency: the owner of its Border
// Liaison Offices, posts and mobile teams.
var borderAgency = map[string]string{
	"TJK": "tj-border", "UZB": "uz-border", "KGZ": "kg-border", "TKM": "tm-border", "AFG": "af-border",
}

// agencyPatterns map the first agency named in reported_seizures.csv's
// agency column (case-insensitive substring, first match wins) to a slug.
var agencyPatterns = []struct{ pattern, id string }{
	{"russian border guards", "ru-fps"},
	{"tajik drug control agency", "tj-dca"},
	{"tajik customs", "tj-customs"},
	{"tajik interior ministry", "tj-mvd"},
	{"tajik border", "tj-border"},
	{"tajik state border guard", "tj-border"},
	{"uzbek state security service", "uz-sss"},
	{"uzbek national security service", "uz-sss"},
	{"uzbek security service", "uz-sss"},
	{"uzbek state customs", "uz-customs"},
	{"uzbek customs", "uz-customs"},
	{"uzbek border", "uz-border"},
	{"uzbek interior ministry", "uz-mvd"},
	{"kyrgyz interior ministry", "kg-mvd"},
	{"kyrgyz service for combating illicit drug", "kg-mvd"},
	{"kyrgyz state service on drug control", "kg-dcs"},
	{"kyrgyz scns", "kg-gknb"},
	{"kyrgyz border", "kg-border"},
	{"turkmen border", "tm-border"},
}

// mapAgency returns the slug of the first agency named in a
// reported_seizures.csv agency cell.
func mapAgency(cell string) (string, bool) {
	first := strings.ToLower(strings.TrimSpace(strings.Split(cell, ";")[0]))
	for _, p := range agencyPatterns {
		if strings.Contains(first, p.pattern) {
			return p.id, true
		}
	}
	return "", false
}

// countryISO3 maps the country names and ISO 3166-1 alpha-2 codes used in
// the reference files to alpha-3 codes.
var countryISO3 = map[string]string{
	"Afghanistan": "AFG", "Tajikistan": "TJK", "Uzbekistan": "UZB", "Kyrgyzstan": "KGZ", "Turkmenistan": "TKM",
	"AF": "AFG", "TJ": "TJK", "UZ": "UZB", "KG": "KGZ", "TM": "TKM",
	"PK": "PAK", "IN": "IND", "IR": "IRN", "KZ": "KAZ", "CN": "CHN",
}

// studyCountries are the countries whose polygons the countries table holds.
var studyCountries = map[string]bool{"AFG": true, "TJK": true, "UZB": true, "KGZ": true, "TKM": true}

const neSourceLicense = "Public domain (Natural Earth)"

// featureCollection is a GeoJSON FeatureCollection whose geometries stay
// raw, to be parsed by PostGIS.
type featureCollection struct {
	Source   string `json:"source"`
	License  string `json:"license"`
	Features []struct {
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
}

func readFeatureCollection(name string) (*featureCollection, error) {
	b, err := fs.ReadFile(ref.FS, name)
	if err != nil {
		return nil, err
	}
	var fc featureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &fc, nil
}

func readRefCSV(name string) ([]map[string]string, error) {
	f, err := ref.FS.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := readCSVMaps(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rows, nil
}

// readCSVMaps reads a small CSV file with a header into one map per row.
func readCSVMaps(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
		}
		out = append(out, m)
	}
}

func prop(p map[string]any, key string) string {
	switch v := p[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func propFloat(p map[string]any, key string) (float64, bool) {
	v, ok := p[key].(float64)
	return v, ok
}

func parseLonLat(lon, lat string) (orb.Point, error) {
	x, err := strconv.ParseFloat(lon, 64)
	if err != nil {
		return orb.Point{}, fmt.Errorf("lon %q: %w", lon, err)
	}
	y, err := strconv.ParseFloat(lat, 64)
	if err != nil {
		return orb.Point{}, fmt.Errorf("lat %q: %w", lat, err)
	}
	return orb.Point{x, y}, nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullIfZero(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}
