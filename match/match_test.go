package match

import (
	"math"
	"testing"
	"time"
)

// TestPersonKeyAcrossScripts: the spellings the issue and the romanisation
// tables give one surname reach one key.
func TestPersonKeyAcrossScripts(t *testing.T) {
	groups := []struct {
		name      string
		spellings []string
	}{
		{"Abdulloev", []string{"Абдуллоев", "Abdulloev", "Abdullaev", "ABDULLAYEV", "Абдуллаев", "Abdulloyev"}},
		{"Qodirov", []string{"Қодиров", "Kodirov", "Qodirov", "Kadyrov", "Кадыров", "KODIROV"}},
		{"Jo'rayev", []string{"Ҷӯраев", "Jo'rayev", "Joʻrayev", "Jo`rayev", "Jo’rayev", "Джураев", "Dzhuraev", "Djuraev", "Juraev", "Жўраев"}},
		{"G'afurov", []string{"Ғафуров", "Gʻafurov", "G'afurov", "Ghafurov", "Gafurov", "Гафуров"}},
		{"Rahimov", []string{"Раҳимов", "Рахимов", "Rahimov", "Rakhimov", "Raximov", "Raḩimov"}},
		{"Haydarov", []string{"Ҳайдаров", "Haydarov", "Khaidarov", "Hajdarov", "Xaydarov"}},
		{"Yusupov", []string{"Юсупов", "Yusupov", "Iusupov", "Ûsupov", "YUSUPOV"}},
		{"Sergey", []string{"Сергей", "Sergey", "Sergei", "Sergej"}},
		{"Charyyev", []string{"Çaryýew", "Чарыев", "Charyyev", "Chariev", "Charyyew"}},
		{"Abdurahmon", []string{"Абдураҳмон", "Abdurahmon", "Abdul Rahman", "Abdulrahman", "Abdurrahman", "Abdu-Rahmon"}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			want := PersonKey(g.spellings[0])
			for _, s := range g.spellings[1:] {
				if got := PersonKey(s); got != want {
					t.Errorf("PersonKey(%q) = %q, want %q (the key of %q)", s, got, want, g.spellings[0])
				}
			}
		})
	}
}

// TestPersonSkeletonArabic: a Dari name in Arabic script meets its
// romanisations and its Tajik Cyrillic form on the consonant skeleton.
func TestPersonSkeletonArabic(t *testing.T) {
	groups := [][]string{
		{"رحیمی", "Rahimi", "Раҳимӣ", "Raheemi"},
		{"محمد", "Mohammad", "Muhammad", "Mohammed", "Муҳаммад"},
		{"یوسفزی", "Yousafzai", "Yusufzai"},
		{"عبدالرحمن", "Abdul Rahman", "Abdurrahmon", "Абдураҳмон"},
		{"نظام الدین", "Nizomiddin", "Nizamuddin"},
	}
	for _, g := range groups {
		want := PersonSkeleton(g[0])
		for _, s := range g[1:] {
			if got := PersonSkeleton(s); got != want {
				t.Errorf("PersonSkeleton(%q) = %q, want %q (the skeleton of %q)", s, got, want, g[0])
			}
		}
	}
}

// TestPersonScore holds the rules of nameScore: each case names the rule
// that decides it.
func TestPersonScore(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"scripts and order", "Абдуллоев Рустам", "Rustam Abdullaev", true},
		{"passport order with patronymic", "ABDULLOEV RUSTAM KARIMOVICH", "Rustam Abdulloev", true},
		{"Uzbek patronymic against Russian one", "Rustam Karim oʻgʻli Abdullayev", "Абдуллаев Рустам Каримович", true},
		{"initial", "R. Abdulloev", "Абдуллоев Рустам", true},
		{"Cyrillic initial", "Ю. Юсупов", "Yusuf Yusupov", true},
		{"Arabic script", "عبدالرحمن احمدزی", "Abdul Rahman Ahmadzai", true},
		{"Arabic script, Tajik Cyrillic", "رحیمی نجیب", "Наҷиб Раҳимӣ", true},
		{"machine-readable zone", "ABDULLOEV<<RUSTAM", "Rustam Abdulloev", true},
		{"different given name", "Rustam Abdulloev", "Farhod Abdulloev", false},
		{"different surname", "Rustam Abdulloev", "Rustam Nazarov", false},
		{"different patronymic", "Rustam Karimovich Abdulloev", "Rustam Salimovich Abdulloev", false},
		{"surname form changed", "Rustam Abdulloev", "Rustam Abdullozoda", false},
		{"surname alone", "Abdulloev", "Rustam Abdulloev", false},
		{"initials alone", "R. A.", "Rustam Abdulloev", false},
		{"empty", "", "Rustam Abdulloev", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := PersonScore(tc.a, tc.b)
			if s < 0 || s > 1 {
				t.Fatalf("PersonScore(%q, %q) = %v, outside [0,1]", tc.a, tc.b, s)
			}
			if (s >= PersonThreshold) != tc.same {
				t.Errorf("PersonScore(%q, %q) = %.3f; same = %v at threshold %.2f", tc.a, tc.b, s, tc.same, PersonThreshold)
			}
		})
	}
}

// TestPersonScoreCaps: the caps of nameScore, which a mean alone would
// not give.
func TestPersonScoreCaps(t *testing.T) {
	if s := PersonScore("Abdulloev", "Rustam Abdulloev"); s > 0.8 {
		t.Errorf("a surname alone against a full name scores %.3f, want ≤ 0.8", s)
	}
	if s := PersonScore("R. A.", "Rustam Abdulloev"); s > 0.7 {
		t.Errorf("initials alone score %.3f, want ≤ 0.7", s)
	}
	if s := PersonScore("Rustam Abdulloev", "Rustam Abdulloev Karim"); s > 0.951 || s < 0.9 {
		t.Errorf("one extra word scores %.3f, want 0.95", s)
	}
}

// TestScoresSymmetricOnSet: every score of the labelled set is in [0,1]
// and does not depend on the order of the pair.
func TestScoresSymmetricOnSet(t *testing.T) {
	for _, p := range readPairs(t) {
		ab, ba := scoreOf(p), scoreOf(labelled{a: p.b, b: p.a, kind: p.kind})
		if ab < 0 || ab > 1 || math.Abs(ab-ba) > 1e-9 {
			t.Errorf("%s %q / %q: %.4f one way, %.4f the other", p.kind, p.a, p.b, ab, ba)
		}
	}
}

func TestPlateKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"4521 AB 03", "4521AB03"},
		{"4521АВ03", "4521AB03"}, // Cyrillic А and В
		{"4521-ab-03", "4521AB03"},
		{"۴۵۲۱ AB ۰۳", "4521AB03"}, // Persian digits
		{"٤٥٢١ AB ٠٣", "4521AB03"}, // Arabic-Indic digits
		{"А 123 ВС 77", "A123BC77"},
		{"ＡＢ１２", "AB12"}, // full-width, through NFKC
		{"کابل ۱۲۳۴۵", "KABL12345"}, {"هرات ۱۲", "HRAT12"},
		{"№ АА 1234567", "AA1234567"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := PlateKey(tc.in); got != tc.want {
			t.Errorf("PlateKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPlateScore(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want float64
	}{
		{"same plate, Cyrillic letters", "4521 AB 03", "4521АВ03", 1},
		{"one OCR slip", "4521 AB 03", "4521 A8 03", 0.95},
		{"two OCR slips", "4521 AB 03", "452I A8 03", 0.9},
		{"one digit differs", "4521 AB 03", "4527 AB 03", 0.6},
		{"neighbours swapped", "4521 AB 03", "4512 AB 03", 0.6},
		{"a letter dropped", "4521 AB 03", "4521 A 03", 0.6},
		{"different plates", "4521 AB 03", "1177 KM 01", 0.5 * (1 - 7.0/8)},
		{"empty", "", "4521 AB 03", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlateScore(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("PlateScore(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestDocumentKey(t *testing.T) {
	if got, want := DocumentKey("АА 123-45-67"), "AA1234567"; got != want {
		t.Errorf("DocumentKey = %q, want %q", got, want)
	}
	if got, want := DocumentKey("۱۴۰۰-۰۱۰۱-۱۲۳۴۵"), "1400010112345"; got != want {
		t.Errorf("DocumentKey = %q, want %q", got, want)
	}
	if s := DocumentScore("AA1234567", "АА 1234567"); s != 1 {
		t.Errorf("DocumentScore of one number in two scripts = %v, want 1", s)
	}
}

func TestComparePersons(t *testing.T) {
	base := Person{Names: []string{"Абдуллоев Рустам"}, BirthYear: 1985, Nationality: "TJ", Documents: []string{"A 1234567"}}
	cases := []struct {
		name      string
		other     Person
		same      bool
		wantScore float64 // 0: not checked
	}{
		{"all agree", Person{Names: []string{"Rustam Abdullaev"}, BirthYear: 1985, Nationality: "tj"}, true, 1},
		{"one of several spellings", Person{Names: []string{"Farhod Nazarov", "Rustam Abdulloev"}}, true, 1},
		{"birth year one apart", Person{Names: []string{"Rustam Abdullaev"}, BirthYear: 1986}, true, 0.9},
		{"birth years apart", Person{Names: []string{"Rustam Abdullaev"}, BirthYear: 1990}, false, 0.6},
		{"nationality differs", Person{Names: []string{"Rustam Abdullaev"}, Nationality: "UZ"}, true, 0.85},
		{"document number, other name", Person{Names: []string{"Rustam Abdullozoda"}, Documents: []string{"А1234567"}}, true, 0.95},
		{"different person", Person{Names: []string{"Farhod Nazarov"}}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ComparePersons(base, tc.other)
			if m.Same != tc.same {
				t.Errorf("Same = %v (score %.3f, %v), want %v", m.Same, m.Score, m.Reasons, tc.same)
			}
			if tc.wantScore != 0 && math.Abs(m.Score-tc.wantScore) > 1e-9 {
				t.Errorf("Score = %.4f (%v), want %.4f", m.Score, m.Reasons, tc.wantScore)
			}
		})
	}
	d1 := time.Date(1985, 3, 1, 0, 0, 0, 0, time.UTC)
	d2 := time.Date(1985, 9, 1, 0, 0, 0, 0, time.UTC)
	m := ComparePersons(Person{Names: []string{"Rustam Abdulloev"}, BirthDate: d1}, Person{Names: []string{"Rustam Abdulloev"}, BirthDate: d2})
	if math.Abs(m.Score-0.85) > 1e-9 {
		t.Errorf("dates of birth in one year but different: score %.3f, want 0.85", m.Score)
	}
}

func TestToLatin(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Қодиров", "Qodirov"},
		{"Ҷӯраев", "Juraev"},
		{"Ғафуров", "Ghafurov"},
		{"Раҳимов Рустам", "Rahimov Rustam"},
		{"ЖУРАВЛЁВ", "ZHURAVLYOV"},
		{"Ўринбоев", "Oʻrinboev"},
		{"Хайдаров", "Khaydarov"},
		{"محمد", "Mhmd"},
		{"Rustam Abdulloev", "Rustam Abdulloev"},
		{"۴۵۲۱", "4521"},
	}
	for _, tc := range cases {
		if got := ToLatin(tc.in); got != tc.want {
			t.Errorf("ToLatin(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestToCyrillic(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Rustam Abdulloev", "Рустам Абдуллоев"},
		{"Shukhrat Kholmatov", "Шухрат Холматов"},
		{"Jo'rayev", "Джураев"},
		{"Gʻafurov", "Гафуров"},
		{"Qodirov", "Кодиров"},
		{"Kadyrov", "Кадыров"},
		{"Çaryýew", "Чарыев"},
		{"Ergashev", "Эргашев"},
		{"YUSUPOV", "ЮСУПОВ"},
		{"Абдуллоев", "Абдуллоев"},
	}
	for _, tc := range cases {
		if got := ToCyrillic(tc.in); got != tc.want {
			t.Errorf("ToCyrillic(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestConcurrentKeys: the keys and scores are pure functions, safe to call
// from many goroutines at once (run with -race).
func TestConcurrentKeys(t *testing.T) {
	names := []string{"Абдуллоев Рустам", "Jo'rayev Alisher", "عبدالرحمن احمدزی", "ABDULLOEV<<RUSTAM"}
	want := make([]string, len(names))
	for i, n := range names {
		want[i] = PersonKey(n) + "|" + PlateKey(n)
	}
	errs := make(chan string, 8*len(names))
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, n := range names {
				if got := PersonKey(n) + "|" + PlateKey(n); got != want[i] {
					errs <- n + ": " + got + ", want " + want[i]
				}
				PersonScore(n, names[0])
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
