package api

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestProblemCatalogueHasBothLanguages holds every catalogued text to an
// English and a Russian version with the same verbs in the same order.
func TestProblemCatalogueHasBothLanguages(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range problemCatalogue {
		if strings.TrimSpace(m.en) == "" || strings.TrimSpace(m.ru) == "" {
			t.Errorf("%q / %q: a language is missing", m.en, m.ru)
			continue
		}
		if seen[m.en] {
			t.Errorf("%q is catalogued twice", m.en)
		}
		seen[m.en] = true
		if !strings.ContainsFunc(m.ru, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
			t.Errorf("%q: the Russian text %q has no Cyrillic letter", m.en, m.ru)
		}
		if en, ru := verb.FindAllString(m.en, -1), verb.FindAllString(m.ru, -1); !slices.Equal(en, ru) {
			t.Errorf("%q: verbs %v in English, %v in Russian", m.en, en, ru)
		}
	}
}

// problemSources are the files whose texts the web client's forms and
// views show: event records, the analyses' parameters and the problems'
// titles.
var problemSources = []string{
	"../record/event.go", "../record/area.go", "../record/plausible.go", "../record/errors.go",
	"../geo/analysis_params.go", "../geo/bbox.go", "../geo/interval.go",
	"errors.go", "events.go", "hotspots.go", "sectors.go", "patrols.go", "plan_shift.go",
	"../record/entity.go", "../record/entitykeys.go", "../record/position.go",
	"entities.go", "entity_links.go", "messages.go", "positions.go", "positions_read.go", "queryables.go", "tracking.go",
}

// problemLiteral finds the texts a file writes into a field error, a
// parameter error or a problem's title.
var problemLiteral = regexp.MustCompile(`(?:\.Add\([^,()]*,\s*|Reason:\s*(?:fmt\.Sprintf\()?|newBadRequest\([^,()]*,\s*|[tT]itle(?::|,| =)\s*|Detail = )"((?:[^"\\]|\\.)*)"(\s*\+\s*\n?\s*"(?:[^"\\]|\\.)*")?`)

// TestProblemCatalogueCoversTheSources holds every text of problemSources
// to the catalogue: one added there without its Russian fails here.
func TestProblemCatalogueCoversTheSources(t *testing.T) {
	found := 0
	for _, file := range problemSources {
		src, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range problemLiteral.FindAllStringSubmatch(string(src), -1) {
			lit := m[1]
			if m[2] != "" {
				// A format continued on the next line: "…; " + "…".
				lit += strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(m[2]), "+")), `"`)
			}
			found++
			if !catalogued(lit) {
				t.Errorf("%s: %q is not in problemCatalogue", file, lit)
			}
		}
	}
	if found < 60 {
		t.Errorf("found only %d texts in the sources; has the pattern gone stale?", found)
	}
}

// catalogued reports whether lit is a catalogued English text or the start
// of one that the code completes by concatenation ("… agency (" + id + ")").
func catalogued(lit string) bool {
	for _, m := range problemCatalogue {
		if m.en == lit || (strings.HasPrefix(m.en, lit) && verb.MatchString(m.en[len(lit):])) {
			return true
		}
	}
	return false
}

func TestProblemTextsInRussian(t *testing.T) {
	for _, tc := range []struct{ en, ru string }{
		{"Invalid request", "Неверный запрос"},
		{fmt.Sprintf("lon %.5f, lat %.5f lies outside the area this deployment covers: %s", 37.62, 55.75, "AFG, TJK + 25 km"),
			"долгота 37.62000, широта 55.75000 вне района, который охватывает эта установка: AFG, TJK + 25 km"},
		{"you can record events only for your own agency (tj-dca)", "вы можете вносить события только для своего ведомства (tj-dca)"},
		{`unknown drug "krokodil"; must be one of heroin, opium`, `неизвестный наркотик "krokodil"; должно быть одним из: heroin, opium`},
		{`unknown drug "krokodil"`, `неизвестный наркотик "krokodil"`},
		{"must be in [1, 64]", "должно быть в [1, 64]"},
		{"must be an integer from 1 to 5", "должно быть целым числом от 1 до 5"},
		{"the device belongs to team 3, not 4", "устройство принадлежит группе 3, а не 4"},
		{"you can record entities only for your own agency (uz-border)", "вы можете вносить сущности только для своего ведомства (uz-border)"},
		{`unknown protocol "nmea"`, `неизвестный протокол "nmea"`},
		{"not catalogued at all", "not catalogued at all"},
	} {
		if got := problemTexts.russian(tc.en); got != tc.ru {
			t.Errorf("%q:\n got %q\nwant %q", tc.en, got, tc.ru)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for _, tc := range []struct {
		header string
		ru     bool
	}{
		{"", false},
		{"ru", true},
		{"ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", true},
		{"en-GB,en;q=0.9,ru;q=0.5", false},
		{"de-DE", false},
		{"uk, ru;q=0.8", true},
		{"tg-TJ, ru;q=0.7, en;q=0.3", true},
		{";;;q=garbage", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Accept-Language", tc.header)
		}
		if got := wantsRussian(r); got != tc.ru {
			t.Errorf("Accept-Language %q: Russian %v, want %v", tc.header, got, tc.ru)
		}
	}
}
