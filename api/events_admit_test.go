package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCreateEventRefusesImplausibleInput: a date in the future, a point
// outside the covered countries (Moscow, central Iran), 0 kg and an
// unconfirmed 9,999,999 kg of heroin are refused with problem+json naming
// the field; a confirmed exceptional quantity is stored and served as
// confirmed.
func TestCreateEventRefusesImplausibleInput(t *testing.T) {
	e := newEnv(t)
	if _, ok, err := e.store.LoadArea(context.Background(), []string{"AFG", "TJK"}, 25); err != nil || !ok {
		t.Fatalf("LoadArea: %v %v", ok, err)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name, body, field, reason string
	}{
		{"in 2031", strings.Replace(validSeizure, "2024-03-09T04:30:00Z", "2031-03-09T04:30:00Z", 1), "occurred_at", "future"},
		{"an hour ahead", strings.Replace(validSeizure, "2024-03-09T04:30:00Z", future, 1), "occurred_at", "future"},
		{"Moscow", strings.Replace(validSeizure, "69.09911, 37.23634", "37.62, 55.75", 1), "geometry", "outside the area"},
		{"central Iran", strings.Replace(validSeizure, "69.09911, 37.23634", "54.37, 31.9", 1), "geometry", "outside the area"},
		{"0 kg", strings.Replace(validSeizure, "47.37", "0", 1), "items[0].quantity", "above 0"},
		{"9999999 kg of heroin", strings.Replace(validSeizure, "47.37", "9999999", 1), "items[0].quantity", "confirmed_implausible"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "POST", "/collections/events/items", tc.body)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			if params := problemParams(t, resp, b); !slices.Equal(params, []string{tc.field}) {
				t.Errorf("invalid_params %v, want [%s]: %s", params, tc.field, b)
			}
			if !strings.Contains(string(b), tc.reason) {
				t.Errorf("reason does not say %q: %s", tc.reason, b)
			}
		})
	}
	// Every reason at once: the form shows each next to its field.
	both := strings.Replace(strings.Replace(validSeizure, "2024-03-09T04:30:00Z", "2031-03-09T04:30:00Z", 1), "47.37", "9999999", 1)
	resp, b := e.do(t, "POST", "/collections/events/items", both)
	if params := problemParams(t, resp, b); resp.StatusCode != 400 || !slices.Equal(params, []string{"items[0].quantity", "occurred_at"}) {
		t.Errorf("future date and implausible quantity: %d %v, want both fields: %s", resp.StatusCode, params, b)
	}
	if n := e.countEvents(t); n != 0 {
		t.Errorf("%d events written by refused requests", n)
	}
	confirmed := strings.Replace(validSeizure, `"quantity": 47.37, "unit": "kg"`, `"quantity": 9999999, "unit": "kg", "confirmed_implausible": true`, 1)
	resp, b = e.do(t, "POST", "/collections/events/items", confirmed)
	if resp.StatusCode != 201 {
		t.Fatalf("confirmed quantity: %d %s", resp.StatusCode, b)
	}
	var f struct {
		Properties struct {
			Items []struct {
				Drug                 string  `json:"drug"`
				Quantity             float64 `json:"quantity"`
				ConfirmedImplausible bool    `json:"confirmed_implausible"`
			} `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if it := f.Properties.Items; len(it) != 2 || !it[0].ConfirmedImplausible || it[1].ConfirmedImplausible {
		t.Errorf("served items %+v, want the heroin confirmed, the opium not", it)
	}
}

// TestCreateEventRefusedInRussian: a client that asks for Russian reads
// the problem's title and each field's reason in Russian, and one that
// asks for nothing in English.
func TestCreateEventRefusedInRussian(t *testing.T) {
	e := newEnv(t)
	if _, ok, err := e.store.LoadArea(context.Background(), []string{"AFG", "TJK"}, 25); err != nil || !ok {
		t.Fatalf("LoadArea: %v %v", ok, err)
	}
	body := strings.Replace(strings.Replace(validSeizure, "2024-03-09T04:30:00Z", "2031-03-09T04:30:00Z", 1), "47.37", "0", 1)
	resp, b := e.do(t, "POST", "/collections/events/items", body, "Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")
	if resp.StatusCode != 400 || resp.Header.Get("Content-Language") != "ru" {
		t.Fatalf("status %d, Content-Language %q: %s", resp.StatusCode, resp.Header.Get("Content-Language"), b)
	}
	for _, want := range []string{"Неверный запрос", "в будущем: 2031-03-09", "должно быть больше 0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %q in %s", want, b)
		}
	}
	resp, b = e.do(t, "POST", "/collections/events/items", body)
	if resp.Header.Get("Content-Language") != "en" || !strings.Contains(string(b), "lies in the future") {
		t.Errorf("without Accept-Language: %q %s", resp.Header.Get("Content-Language"), b)
	}
}
