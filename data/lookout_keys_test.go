package data_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/match"
)

// lookoutKeys returns the keys lookout_keys holds for lookout message
// (kind:key, sorted) and their recipients.
func (e *hitEnv) lookoutKeys(t *testing.T, message int64) ([]string, [][]string) {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT kind || ':' || key, recipients FROM lookout_keys
		WHERE message_id = $1 ORDER BY 1`, message)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var recipients [][]string
	for rows.Next() {
		var k string
		var r []string
		if err := rows.Scan(&k, &r); err != nil {
			t.Fatal(err)
		}
		keys, recipients = append(keys, k), append(recipients, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return keys, recipients
}

// candidates returns the subjects bw_hit_candidates gives af-border for
// its entity id.
func (e *hitEnv) candidates(t *testing.T, id uuid.UUID) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	err := e.store.InTx(as("af-border", "analyst"), func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT subject_id FROM bw_hit_candidates($1)`, id)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHitLookoutKeysFollowSubjectsWindowAndPurge(t *testing.T) {
	e := newHitEnv(t)
	ctx := context.Background()
	subject := e.entity(t, "tj-border", "agency", person("Абдуллоев Фарҳод"))
	lo := e.lookoutAbout(t, subject.ID)
	want := []string{"name:" + match.PersonKey("Абдуллоев Фарҳод"), "skeleton:" + match.PersonSkeleton("Абдуллоев Фарҳод")}
	slices.Sort(want)
	keys, recipients := e.lookoutKeys(t, lo.ID)
	if !slices.Equal(keys, want) {
		t.Fatalf("lookout keys = %v, want %v", keys, want)
	}
	for _, r := range recipients {
		if !slices.Equal(r, []string{"af-border"}) {
			t.Fatalf("recipients = %v, want af-border", r)
		}
	}

	// The subject renamed: its keys in the lookout follow, and the new
	// name hits.
	renamed := person("Қодиров Рустам")
	renamed.AgencyID, renamed.Sharing, renamed.Synthetic = "tj-border", "agency", true
	if _, err := e.store.ReplaceEntity(as("tj-border", "analyst"), subject.ID, renamed, nil); err != nil {
		t.Fatal(err)
	}
	keys, _ = e.lookoutKeys(t, lo.ID)
	if !slices.Contains(keys, "name:"+match.PersonKey("Қодиров Рустам")) || slices.Contains(keys, want[0]) {
		t.Fatalf("after the rename the lookout keys = %v", keys)
	}
	rec := e.entity(t, "af-border", "agency", person("Qodirov Rustam"))
	if hs := hitsOf(t, e.store, "af-border"); len(hs) != 1 || hs[0].EntityID != rec.ID {
		t.Fatalf("hits on the renamed subject = %+v", hs)
	}

	// Expired: no candidate, though the keys stay until the purge.
	if _, err := e.pool.Exec(ctx, `UPDATE messages SET valid_until = now() - interval '40 days',
		valid_from = now() - interval '41 days' WHERE id = $1`, lo.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.candidates(t, rec.ID); len(got) != 0 {
		t.Fatalf("candidates of an expired lookout: %v", got)
	}
	rep, err := data.NewFromPool(e.pool).PurgeExpired(ctx, 30*24*time.Hour, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Purged, the lookout leaves lookout_keys with its subjects.
	if keys, _ := e.lookoutKeys(t, lo.ID); len(keys) != 0 || rep.Messages != 1 {
		t.Fatalf("after the purge: keys %v, report %+v", keys, rep)
	}
}

func TestHitLookoutKeysOfAnExpiredLookoutLeaveBeforeItsPurge(t *testing.T) {
	e := newHitEnv(t)
	ctx := context.Background()
	subject := e.entity(t, "tj-border", "agency", vehicle("4521 AB 03"))
	lo := e.lookoutAbout(t, subject.ID)
	if _, err := e.pool.Exec(ctx, `UPDATE messages SET valid_until = now() - interval '1 day',
		valid_from = now() - interval '2 days' WHERE id = $1`, lo.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := data.NewFromPool(e.pool).PurgeExpired(ctx, 30*24*time.Hour, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if keys, _ := e.lookoutKeys(t, lo.ID); rep.Messages != 0 || rep.LookoutKeys != 1 || len(keys) != 0 {
		t.Fatalf("expired within its retention: report %+v, keys %v; want no message purged, its key dropped", rep, keys)
	}
	// Extended again, the lookout's keys come back.
	if _, err := e.pool.Exec(ctx, `UPDATE messages SET valid_until = now() + interval '1 day' WHERE id = $1`, lo.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := e.lookoutKeys(t, lo.ID); !slices.Equal(keys, []string{"plate:" + match.PlateKey("4521 AB 03")}) {
		t.Fatalf("keys of the extended lookout = %v", keys)
	}
	rec := e.entity(t, "af-border", "agency", vehicle("4521АВ03"))
	if got := e.candidates(t, rec.ID); !slices.Equal(got, []uuid.UUID{subject.ID}) {
		t.Fatalf("candidates = %v, want the subject", got)
	}
}

func TestHitCandidatesWordByWord(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", person("Абдуллоев Фарҳод"))
	surname := e.entity(t, "tj-border", "agency", person("Шарифзода"))
	e.lookoutAbout(t, subject.ID, surname.ID)
	for _, tc := range []struct {
		name string
		want []uuid.UUID
	}{
		{"Abdullaev Farhod", []uuid.UUID{subject.ID}},           // both words
		{"Abdulloev", []uuid.UUID{subject.ID}},                  // the surname alone
		{"Sharifzoda Farhod", []uuid.UUID{surname.ID}},          // a subject known by surname alone
		{"Karimov Farhod", nil},                                 // the given name alone
		{"Rahimi Abdullah", nil},                                // someone else
		{"Фарҳод Абдуллоев Раҳимович", []uuid.UUID{subject.ID}}, // another order, a patronymic
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.entity(t, "af-border", "agency", person(tc.name))
			got := e.candidates(t, rec.ID)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("candidates of %q = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
	// uz-border, to whom the lookout is not addressed, has no candidates:
	// bw_hit_candidates answers for the caller's agency only.
	rec := e.entity(t, "uz-border", "agency", person("Abdulloev Farhod"))
	err := e.store.InTx(as("uz-border", "analyst"), func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(context.Background(), `SELECT count(*) FROM bw_hit_candidates($1)`, rec.ID).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("uz-border has %d candidates of a lookout not addressed to it", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
