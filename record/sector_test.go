package record_test

import (
	"testing"

	"github.com/borderwatch/borderwatch/record"
)

func TestNormalizePair(t *testing.T) {
	for in, want := range map[string]string{"AFG-TJK": "AFG-TJK", "tjk-afg": "AFG-TJK", " UZB-KGZ ": "KGZ-UZB", "AFG-AFG": "", "AFG": "", "AF-TJK": ""} {
		got, ok := record.NormalizePair(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizePair(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
