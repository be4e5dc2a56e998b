package data

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/record"
)

// Agreement is a sharing agreement in force between two agencies.
type Agreement struct {
	ID          int      `json:"id"`
	AgencyA     string   `json:"agency_a"`
	AgencyB     string   `json:"agency_b"`
	CoarsenM    *float64 `json:"coarsen_m"`
	CoarsenTime *string  `json:"coarsen_time"`
	Note        string   `json:"note,omitempty"`
	// PersonalData is true when each party sees the personal data of the
	// other's entities it sees (names, dates of birth, documents).
	PersonalData bool `json:"personal_data"`
}

// AgreementTerms are what one agency proposes to a partner: the coarsening
// the partners see each other's bilateral records at (nil: exact), and
// whether personal data passes between them. Terms are whole: terms
// without personal_data withdraw it from an agreement that had it.
type AgreementTerms struct {
	Partner      string   `json:"partner"`
	CoarsenM     *float64 `json:"coarsen_m"`
	CoarsenTime  *string  `json:"coarsen_time"`
	Note         string   `json:"note,omitempty"`
	PersonalData bool     `json:"personal_data"`
}

// Validate checks the terms' fields.
func (t AgreementTerms) Validate() error {
	var fe record.Fields
	if !record.ValidSlug(t.Partner) {
		fe.Add("partner", "not an agency id")
	}
	if t.CoarsenM != nil && (*t.CoarsenM < 100 || *t.CoarsenM > 100000) {
		fe.Add("coarsen_m", "must be between 100 and 100000")
	}
	if t.CoarsenTime != nil && *t.CoarsenTime != "day" && *t.CoarsenTime != "month" {
		fe.Add("coarsen_time", "must be day or month")
	}
	record.CheckText(&fe, "note", t.Note, 2000)
	return fe.Err()
}

// ProposalOutcome is what became of proposed terms.
type ProposalOutcome struct {
	// Applied is true when the terms let no party see more than the
	// agreement in force, so they took effect at once.
	Applied bool `json:"applied"`
	// ProposalID is the pending proposal the partner must accept (nil when
	// applied).
	ProposalID *int `json:"proposal_id"`
	// AgreementID is the agreement in force, if there is one.
	AgreementID *int `json:"agreement_id"`
}

// Proposal is a proposed agreement or change of one.
type Proposal struct {
	ID          int      `json:"id"`
	AgencyA     string   `json:"agency_a"`
	AgencyB     string   `json:"agency_b"`
	ProposedBy  string   `json:"proposed_by"`
	CoarsenM    *float64 `json:"coarsen_m"`
	CoarsenTime *string  `json:"coarsen_time"`
	Note        string   `json:"note,omitempty"`
	// PersonalData is the proposed personal-data term.
	PersonalData bool       `json:"personal_data"`
	State        string     `json:"state"`
	ProposedAt   time.Time  `json:"proposed_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecidedBy    *string    `json:"decided_by,omitempty"`
}

// AgreementChange is one step in the history of an agreement, which both
// parties see: proposed, accepted, declined, withdrawn, narrowed, revoked.
type AgreementChange struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	AgencyA    string          `json:"agency_a"`
	AgencyB    string          `json:"agency_b"`
	By         string          `json:"by"`
	Action     string          `json:"action"`
	ProposalID *int            `json:"proposal_id,omitempty"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}

// The agreement functions of migration 0009 enforce two-party consent in
// PostgreSQL: the service role cannot write sharing_agreements otherwise.
// as names the agency acted for; it is empty for the service, whose agency
// comes from the caller's principal, and names an agency for an operator's
// command-line tool connected as the database owner.

// ProposeAgreement proposes terms to a partner. Terms that let neither side
// see more than the agreement in force (coarser values, personal data
// withdrawn, or only a new note) apply at once; a new agreement or a wider
// one (finer values, personal data allowed) waits for the partner's
// acceptance.
func (s *Store) ProposeAgreement(ctx context.Context, as string, t AgreementTerms) (ProposalOutcome, error) {
	if err := t.Validate(); err != nil {
		return ProposalOutcome{}, err
	}
	var out ProposalOutcome
	err := s.inEventTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT proposal_id, agreement_id, applied FROM bw_agreement_propose($1, $2, $3, $4, $5, $6)`,
			nullIfEmpty(as), t.Partner, t.CoarsenM, t.CoarsenTime, nullIfEmpty(t.Note), t.PersonalData).Scan(&out.ProposalID, &out.AgreementID, &out.Applied)
		if err != nil {
			return mapErr(err)
		}
		action, target := "agreement.propose", fmt.Sprintf("proposal:%d", deref(out.ProposalID))
		if out.Applied {
			action, target = "agreement.narrow", fmt.Sprintf("agreement:%d", deref(out.AgreementID))
		}
		return s.audit(ctx, tx, action, target, map[string]any{"as": actingFor(ctx, as), "partner": t.Partner,
			"coarsen_m": t.CoarsenM, "coarsen_time": t.CoarsenTime, "personal_data": t.PersonalData})
	})
	if err != nil {
		return ProposalOutcome{}, fmt.Errorf("propose agreement: %w", err)
	}
	return out, nil
}

// AcceptProposal puts the pending proposal id into force. Only the partner
// of the agency that proposed it may accept it.
func (s *Store) AcceptProposal(ctx context.Context, as string, id int) (int, error) {
	var agreementID int
	err := s.inEventTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT bw_agreement_accept($1, $2)`, nullIfEmpty(as), id).Scan(&agreementID); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "agreement.accept", fmt.Sprintf("proposal:%d", id),
			map[string]any{"as": actingFor(ctx, as), "agreement": agreementID})
	})
	if err != nil {
		return 0, fmt.Errorf("accept proposal %d: %w", id, err)
	}
	return agreementID, nil
}

// DeclineProposal closes the pending proposal id without effect: declined
// by the partner, withdrawn by its author. It returns which.
func (s *Store) DeclineProposal(ctx context.Context, as string, id int) (string, error) {
	var state string
	err := s.inEventTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT bw_agreement_decline($1, $2)`, nullIfEmpty(as), id).Scan(&state); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "agreement."+map[string]string{"declined": "decline", "withdrawn": "withdraw"}[state],
			fmt.Sprintf("proposal:%d", id), map[string]any{"as": actingFor(ctx, as)})
	})
	if err != nil {
		return "", fmt.Errorf("decline proposal %d: %w", id, err)
	}
	return state, nil
}

// RevokeAgreement ends the agreement with partner at once; either party
// may.
func (s *Store) RevokeAgreement(ctx context.Context, as, partner string) error {
	if !record.ValidSlug(partner) {
		return &record.ValidationError{Fields: []record.FieldError{{Field: "partner", Reason: "not an agency id"}}}
	}
	err := s.inEventTx(ctx, func(tx pgx.Tx) error {
		var id int
		if err := tx.QueryRow(ctx, `SELECT bw_agreement_revoke($1, $2)`, nullIfEmpty(as), partner).Scan(&id); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "agreement.revoke", fmt.Sprintf("agreement:%d", id),
			map[string]any{"as": actingFor(ctx, as), "partner": partner})
	})
	if err != nil {
		return fmt.Errorf("revoke agreement with %s: %w", partner, err)
	}
	return nil
}

// EstablishAgreement is the operator's way to record an agreement both
// agencies consented to outside the service (the demo, a migration of an
// existing deployment): a proposal by a.AgencyA and its acceptance by
// a.AgencyB, through the same functions and audit as the service. It needs
// an unrestricted store; the service role cannot act for two agencies.
func (s *Store) EstablishAgreement(ctx context.Context, a Agreement) (Agreement, error) {
	out, err := s.ProposeAgreement(ctx, a.AgencyA, AgreementTerms{Partner: a.AgencyB, CoarsenM: a.CoarsenM,
		CoarsenTime: a.CoarsenTime, Note: a.Note, PersonalData: a.PersonalData})
	if err != nil {
		return Agreement{}, err
	}
	if out.Applied {
		a.ID = deref(out.AgreementID)
		return a, nil
	}
	if a.ID, err = s.AcceptProposal(ctx, a.AgencyB, deref(out.ProposalID)); err != nil {
		return Agreement{}, err
	}
	return a, nil
}

// Agreements lists the sharing agreements in force (restricted: the
// caller's own).
func (s *Store) Agreements(ctx context.Context) ([]Agreement, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, agency_a, agency_b, coarsen_m, coarsen_time, coalesce(note, ''), personal_data
		FROM sharing_agreements ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("agreements: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Agreement, error) {
		var a Agreement
		err := r.Scan(&a.ID, &a.AgencyA, &a.AgencyB, &a.CoarsenM, &a.CoarsenTime, &a.Note, &a.PersonalData)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("agreements: %w", mapErr(err))
	}
	return out, nil
}

// Proposals lists proposals (restricted: those of the caller's agency),
// the pending ones first, then the most recently decided, at most limit.
func (s *Store) Proposals(ctx context.Context, limit int) ([]Proposal, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, agency_a, agency_b, proposed_by, coarsen_m, coarsen_time, coalesce(note, ''),
		personal_data, state, proposed_at, decided_at, decided_by FROM agreement_proposals
		ORDER BY state <> 'pending', coalesce(decided_at, proposed_at) DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Proposal, error) {
		var p Proposal
		err := r.Scan(&p.ID, &p.AgencyA, &p.AgencyB, &p.ProposedBy, &p.CoarsenM, &p.CoarsenTime, &p.Note,
			&p.PersonalData, &p.State, &p.ProposedAt, &p.DecidedAt, &p.DecidedBy)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", mapErr(err))
	}
	return out, nil
}

// AgreementHistory lists the latest changes of agreements (restricted:
// those of the caller's agency), newest first, at most limit.
func (s *Store) AgreementHistory(ctx context.Context, limit int) ([]AgreementChange, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, agency_a, agency_b, by_agency, action, proposal_id,
		coalesce(before, 'null'), coalesce(after, 'null') FROM agreement_history ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("agreement history: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AgreementChange, error) {
		var c AgreementChange
		err := r.Scan(&c.ID, &c.At, &c.AgencyA, &c.AgencyB, &c.By, &c.Action, &c.ProposalID, &c.Before, &c.After)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("agreement history: %w", mapErr(err))
	}
	return out, nil
}

// actingFor names the agency a change was made for, for the audit log.
func actingFor(ctx context.Context, as string) string {
	if as != "" {
		return as
	}
	p, _ := PrincipalFrom(ctx)
	return p.AgencyID
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
