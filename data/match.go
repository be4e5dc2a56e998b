package data

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/match"
	"github.com/borderwatch/borderwatch/record"
)

// Kinds of match query.
const (
	MatchPerson   = "person"
	MatchVehicle  = "vehicle"
	MatchDocument = "document"
)

// MatchQuery asks for the entities whose person's name, vehicle's plate or
// person's document number is like Text.
type MatchQuery struct {
	Kind  string
	Text  string
	Limit int
}

// matchCandidates bounds the trigram candidates scored for one query.
const matchCandidates = 500

// Validate checks the query, naming the request parameter at fault (name,
// plate or number for Text).
func (q MatchQuery) Validate() error {
	var fe record.Fields
	field := map[string]string{MatchPerson: "name", MatchVehicle: "plate", MatchDocument: "number"}[q.Kind]
	switch {
	case field == "":
		fe.Add("kind", "must be one of person, vehicle, document")
	case strings.TrimSpace(q.Text) == "":
		fe.Add(field, "required for kind=%s", q.Kind)
	case len(q.Text) > 300:
		fe.Add(field, "at most 300 bytes")
	}
	if q.Limit < 1 || q.Limit > 200 {
		fe.Add("limit", "must be between 1 and 200")
	}
	return fe.Err()
}

// MatchResult is an entity the caller sees and its score against the
// query.
type MatchResult struct {
	Score  float64
	Entity record.Entity
}

// MatchEntities returns the entities the caller sees that match q, best
// first: candidates by the trigram index on the keys the caller sees (the
// entity_keys view: names and documents only with the entity's personal
// data), scored by match.PersonScore, PlateScore or DocumentScore.
// Candidates scoring below half the threshold are left out. Personal data
// read is audited as entity reads are.
func (s *Store) MatchEntities(ctx context.Context, q MatchQuery) ([]MatchResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var kinds, keys []string
	switch q.Kind {
	case MatchPerson:
		kinds = []string{record.KeyName, record.KeySkeleton}
		keys = []string{match.PersonKey(q.Text), match.PersonSkeleton(q.Text)}
	case MatchVehicle:
		kinds, keys = []string{record.KeyPlate}, []string{match.PlateKey(q.Text)}
	case MatchDocument:
		kinds, keys = []string{record.KeyDocument}, []string{match.DocumentKey(q.Text)}
	}
	var out []MatchResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+entityReadColumns+` FROM entities n WHERE n.id IN (
			  SELECT k.entity_id FROM entity_keys k JOIN unnest($1::text[], $2::text[]) AS p (kind, key)
			    ON k.kind = p.kind AND k.key % p.key
			  WHERE p.key <> '' LIMIT $3)`, kinds, keys, matchCandidates)
		if err != nil {
			return mapErr(err)
		}
		es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.Entity, error) { return scanEntity(r) })
		if err != nil {
			return mapErr(err)
		}
		out = scoreMatches(q, es)
		if len(out) > q.Limit {
			out = out[:q.Limit]
		}
		seen := make([]record.Entity, len(out))
		for i, r := range out {
			seen[i] = r.Entity
		}
		return s.auditPersonalReads(ctx, tx, "match", seen)
	})
	if err != nil {
		return nil, fmt.Errorf("match %s: %w", q.Kind, err)
	}
	return out, nil
}

// scoreMatches scores the candidates es against q and sorts them best
// first (ties by id), leaving out those below half the threshold.
func scoreMatches(q MatchQuery, es []record.Entity) []MatchResult {
	var out []MatchResult
	name := match.ParseName(q.Text)
	for _, e := range es {
		var score, threshold float64
		switch {
		case q.Kind == MatchPerson && e.Person != nil:
			threshold = match.PersonThreshold
			for _, n := range append([]string{e.Person.Name}, e.Person.OtherNames...) {
				if n != "" {
					score = max(score, name.Score(match.ParseName(n)))
				}
			}
		case q.Kind == MatchVehicle && e.Vehicle != nil:
			threshold, score = match.PlateThreshold, match.PlateScore(q.Text, e.Vehicle.Plate)
		case q.Kind == MatchDocument && e.Person != nil:
			threshold = match.DocumentThreshold
			for _, d := range e.Person.Documents {
				score = max(score, match.DocumentScore(q.Text, d.Number))
			}
		}
		if score > 0 && score >= threshold/2 {
			out = append(out, MatchResult{Score: score, Entity: e})
		}
	}
	slices.SortFunc(out, func(a, b MatchResult) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Entity.ID.String(), b.Entity.ID.String())
	})
	return out
}
