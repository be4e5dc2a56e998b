package data

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/match"
	"github.com/borderwatch/borderwatch/record"
)

// Hit is a record of the recording agency that matched a subject of an
// active lookout addressed to it.
type Hit struct {
	ID int64 `json:"id"`
	// MessageID is the lookout, SubjectID the subject of it that matched.
	MessageID int64     `json:"message_id"`
	SubjectID uuid.UUID `json:"subject_id"`
	// EntityID is the recording agency's entity that matched; EventID its
	// event, when the match came from linking the entity to it.
	EntityID uuid.UUID  `json:"entity_id"`
	EventID  *uuid.UUID `json:"event_id,omitempty"`
	// Kind is person or vehicle.
	Kind  string  `json:"kind"`
	Score float64 `json:"score"`
	// Agency recorded the entity; AuthorAgency wrote the lookout.
	Agency       string     `json:"agency"`
	AuthorAgency string     `json:"author_agency"`
	CreatedAt    time.Time  `json:"created_at"`
	ReleasedAt   *time.Time `json:"released_at,omitempty"`
	ReleasedBy   *string    `json:"released_by,omitempty"`
}

const hitColumns = `h.id, h.message_id, h.subject_id, h.entity_id, h.event_id, h.kind, h.score, h.agency_id,
  h.author_agency, h.created_at, h.released_at, h.released_by`

func scanHit(row pgx.Row) (Hit, error) {
	var h Hit
	err := row.Scan(&h.ID, &h.MessageID, &h.SubjectID, &h.EntityID, &h.EventID, &h.Kind, &h.Score, &h.Agency,
		&h.AuthorAgency, &h.CreatedAt, &h.ReleasedAt, &h.ReleasedBy)
	return h, err
}

// hitSubject is what bw_hit_candidates gives of a lookout's subject: its
// comparable values only.
type hitSubject struct {
	Names       []string `json:"names"`
	BirthYear   int      `json:"birth_year"`
	BirthDate   string   `json:"birth_date"`
	Nationality string   `json:"nationality"`
	Documents   []string `json:"documents"`
	Plate       string   `json:"plate"`
}

// matchPerson is the person of e as match compares it.
func matchPerson(p *record.Person) match.Person {
	mp := match.Person{Names: append([]string{p.Name}, p.OtherNames...), Nationality: p.Nationality}
	if p.BirthYear != nil {
		mp.BirthYear = *p.BirthYear
	}
	if d, err := time.Parse("2006-01-02", p.BirthDate); err == nil {
		mp.BirthDate = d
	}
	for _, d := range p.Documents {
		mp.Documents = append(mp.Documents, d.Number)
	}
	return mp
}

// scoreSubject scores the probe entity e against a lookout's subject: a
// person by match.ComparePersons, a vehicle by match.PlateScore. It
// reports whether the two are taken as one.
func scoreSubject(e record.Entity, kind string, s hitSubject) (float64, bool) {
	switch {
	case kind == record.EntityPerson && e.Person != nil && e.Person.Name != "":
		sp := match.Person{Names: s.Names, BirthYear: s.BirthYear, Nationality: s.Nationality, Documents: s.Documents}
		if d, err := time.Parse("2006-01-02", s.BirthDate); err == nil {
			sp.BirthDate = d
		}
		m := match.ComparePersons(matchPerson(e.Person), sp)
		return m.Score, m.Same
	case kind == record.EntityVehicle && e.Vehicle != nil && e.Vehicle.Plate != "" && s.Plate != "":
		sc := match.PlateScore(e.Vehicle.Plate, s.Plate)
		return sc, sc >= match.PlateThreshold
	}
	return 0, false
}

// hitCandidate is one row of bw_hit_candidates.
type hitCandidate struct {
	message int64
	subject uuid.UUID
	kind    string
	values  hitSubject
}

// lookoutCandidates retrieves the subjects of the active lookouts
// addressed to the caller's agency whose keys are near e's (migration
// 0020's bw_hit_candidates: a trigram index scan).
func lookoutCandidates(ctx context.Context, tx pgx.Tx, entity uuid.UUID) ([]hitCandidate, error) {
	rows, err := tx.Query(ctx, `SELECT message_id, subject_id, subject_kind, subject FROM bw_hit_candidates($1)`, entity)
	if err != nil {
		return nil, mapErr(err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hitCandidate, error) {
		var (
			c   hitCandidate
			raw []byte
		)
		if err := r.Scan(&c.message, &c.subject, &c.kind, &raw); err != nil {
			return c, err
		}
		return c, json.Unmarshal(raw, &c.values)
	})
	return cands, mapErr(err)
}

// checkHits matches e — the caller's entity just written, or an entity as
// the caller sees it that one of its events (event) now links to —
// against the active lookouts addressed to the caller's agency, and stores
// and audits a hit for each subject it matches, in tx: a hit commits with
// the record that raised it, and its stream entry (the trigger of
// migration 0020) with it. It returns the hits stored now. Without a
// caller's agency (the operator's tools) there are no lookouts to match.
func (s *Store) checkHits(ctx context.Context, tx pgx.Tx, e record.Entity, event *uuid.UUID) ([]Hit, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.AgencyID == "" || !p.Can("write") {
		return nil, nil
	}
	ms, err := lookoutMatches(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	var hits []Hit
	for _, m := range ms {
		var id *int64
		if err := tx.QueryRow(ctx, `SELECT bw_hit_record($1, $2, $3, $4, $5, $6)`,
			m.MessageID, m.SubjectID, e.ID, event, m.Kind, m.Score).Scan(&id); err != nil {
			return nil, fmt.Errorf("record hit: %w", mapErr(err))
		}
		if id == nil {
			continue // stored before, when the record was first written
		}
		h, err := scanHit(tx.QueryRow(ctx, `SELECT `+hitColumns+` FROM hits h WHERE h.id = $1`, *id))
		if err != nil {
			return nil, mapErr(err)
		}
		if err := s.audit(ctx, tx, "hit.create", fmt.Sprintf("hit:%d", h.ID), map[string]any{"message": h.MessageID,
			"subject": h.SubjectID, "entity": h.EntityID, "event": h.EventID, "score": h.Score,
			"author_agency": h.AuthorAgency}); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, nil
}

// LookoutMatch is a subject of an active lookout that an entity matches.
type LookoutMatch struct {
	MessageID int64
	SubjectID uuid.UUID
	Kind      string
	Score     float64
}

// lookoutMatches is the matching step of checkHits: candidate retrieval
// (bw_hit_candidates) and scoring, keeping the subjects taken as the same.
func lookoutMatches(ctx context.Context, tx pgx.Tx, e record.Entity) ([]LookoutMatch, error) {
	if e.Person == nil && e.Vehicle == nil {
		return nil, nil
	}
	cands, err := lookoutCandidates(ctx, tx, e.ID)
	if err != nil {
		return nil, fmt.Errorf("hit candidates: %w", err)
	}
	var out []LookoutMatch
	for _, c := range cands {
		if score, same := scoreSubject(e, c.kind, c.values); same {
			out = append(out, LookoutMatch{MessageID: c.message, SubjectID: c.subject, Kind: c.kind, Score: score})
		}
	}
	return out, nil
}

// MatchLookouts returns the subjects of the active lookouts addressed to
// the caller's agency that its entity e matches, without storing hits:
// the path every write's hit check takes, for measuring it
// (scripts/bench-match.sh) and for an analyst's preview.
func (s *Store) MatchLookouts(ctx context.Context, e record.Entity) ([]LookoutMatch, error) {
	var out []LookoutMatch
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = lookoutMatches(ctx, tx, e)
		return err
	})
	return out, err
}

// HitQuery selects a page of the caller's hits, newest first.
type HitQuery struct {
	Limit int
	// Before is the id of the last hit of the previous page (0: first page).
	Before int64
}

// ListHits returns the hits the caller's agency sees — those it recorded
// and, as the lookouts' author, those released to it or whose record it
// sees anyway — newest first.
func (s *Store) ListHits(ctx context.Context, q HitQuery) ([]Hit, error) {
	if q.Limit < 1 || q.Limit > 1000 {
		return nil, &record.FieldError{Field: "limit", Reason: "must be between 1 and 1000"}
	}
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	var hits []Hit
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+hitColumns+` FROM hits h WHERE ($1::bigint = 0 OR h.id < $1)
			ORDER BY h.id DESC LIMIT $2`, q.Before, q.Limit)
		if err != nil {
			return mapErr(err)
		}
		hits, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hit, error) { return scanHit(r) })
		return mapErr(err)
	})
	if err != nil {
		return nil, fmt.Errorf("list hits: %w", err)
	}
	return hits, nil
}

// GetHit returns hit id if the caller's agency sees it.
func (s *Store) GetHit(ctx context.Context, id int64) (Hit, error) {
	if _, err := caller(ctx); err != nil {
		return Hit{}, err
	}
	var h Hit
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		h, err = scanHit(tx.QueryRow(ctx, `SELECT `+hitColumns+` FROM hits h WHERE h.id = $1`, id))
		return mapErr(err)
	})
	if err != nil {
		return Hit{}, fmt.Errorf("get hit %d: %w", id, err)
	}
	return h, nil
}

// ReleaseHit tells the lookout's author of hit id: only the recording
// agency's analysts and admins release; releasing again changes nothing.
// The release is audited and streamed to the author.
func (s *Store) ReleaseHit(ctx context.Context, id int64) (Hit, error) {
	p, err := caller(ctx)
	if err != nil {
		return Hit{}, err
	}
	if !p.Can("write") {
		return Hit{}, fmt.Errorf("%w: a %s may not release hits", ErrForbidden, p.Role)
	}
	var h Hit
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if h, err = scanHit(tx.QueryRow(ctx, `SELECT `+hitColumns+` FROM hits h WHERE h.id = $1`, id)); err != nil {
			return mapErr(err)
		}
		if h.Agency != p.AgencyID {
			return fmt.Errorf("%w: only the recording agency releases a hit", ErrForbidden)
		}
		var released bool
		if err := tx.QueryRow(ctx, `SELECT bw_hit_release($1, $2)`, id, p.Actor).Scan(&released); err != nil {
			return mapErr(err)
		}
		if h, err = scanHit(tx.QueryRow(ctx, `SELECT `+hitColumns+` FROM hits h WHERE h.id = $1`, id)); err != nil {
			return mapErr(err)
		}
		if !released {
			return nil
		}
		return s.audit(ctx, tx, "hit.release", fmt.Sprintf("hit:%d", id), map[string]any{"message": h.MessageID,
			"author_agency": h.AuthorAgency})
	})
	if err != nil {
		return Hit{}, fmt.Errorf("release hit %d: %w", id, err)
	}
	return h, nil
}

// LookoutMatchesTx is MatchLookouts in the caller's transaction tx, for a
// benchmark that sets planner options on it first.
func LookoutMatchesTx(ctx context.Context, tx pgx.Tx, e record.Entity) ([]LookoutMatch, error) {
	return lookoutMatches(ctx, tx, e)
}
