package web

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

func readDict(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("src", "i18n", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]string
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return d
}

// pluralForm is a key of a plural form only some languages have.
var pluralForm = regexp.MustCompile(`^(.*)\.(zero|two|few|many)$`)

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTranslationsComplete: English and Russian have the same keys
// (Russian also the plural forms few and many), no
// empty text, and the same {placeholders} in each text.
func TestTranslationsComplete(t *testing.T) {
	en, ru := readDict(t, "en"), readDict(t, "ru")
	for k, v := range en {
		r, ok := ru[k]
		switch {
		case !ok:
			t.Errorf("ru.json lacks %q", k)
		case r == "" || v == "":
			t.Errorf("%q has an empty text", k)
		case !slices.Equal(placeholders(v), placeholders(r)):
			t.Errorf("%q: placeholders %v in English, %v in Russian", k, placeholders(v), placeholders(r))
		}
	}
	for k := range ru {
		// Russian plural forms (few, many) English does not have.
		if m := pluralForm.FindStringSubmatch(k); m != nil {
			if _, ok := en[m[1]+".other"]; ok {
				continue
			}
		}
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
}

// literalKey finds the keys the sources name literally: t('key'),
// tn('key') and label('prefix', …) (whose prefix must have some text).
var literalKey = regexp.MustCompile(`\b(t|tn|label)\('([a-z_][a-z0-9_.]*)'`)

// TestSourcesUseKnownKeys: every key the client names literally has an
// English text (a plural key tn('k') has k or k.other).
func TestSourcesUseKnownKeys(t *testing.T) {
	en := readDict(t, "en")
	files, err := filepath.Glob(filepath.Join("src", "*.ts"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literalKey.FindAllStringSubmatch(string(b), -1) {
			seen++
			fn, key := m[1], m[2]
			var ok bool
			switch fn {
			case "t":
				_, ok = en[key]
			case "tn":
				_, ok1 := en[key]
				_, ok2 := en[key+".other"]
				ok = ok1 || ok2
			case "label":
				for k := range en {
					if len(k) > len(key) && k[:len(key)+1] == key+"." {
						ok = true
						break
					}
				}
			}
			if !ok {
				t.Errorf("%s: %s('%s') has no English text", f, fn, key)
			}
		}
	}
	if seen < 100 {
		t.Errorf("found only %d keys in the sources; the pattern no longer matches how they are written", seen)
	}
}
