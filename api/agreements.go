package api

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
)

// Sharing agreements need the consent of both agencies (PostgreSQL enforces
// it; see migration 0009): an admin proposes terms to a partner, the
// partner's admin accepts or declines; coarser terms and revocations take
// effect at once. Both parties see the pending proposals and the history.

// handleListAgreements answers the caller's agreements in force, its
// proposals (pending first, then the latest decided) and the latest changes.
func handleListAgreements(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		as, err := store.Agreements(r.Context())
		if err != nil {
			return err
		}
		ps, err := store.Proposals(r.Context(), 100)
		if err != nil {
			return err
		}
		hs, err := store.AgreementHistory(r.Context(), 100)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"agreements": as, "proposals": ps, "history": hs})
	})
}

// handleProposeAgreement proposes terms to a partner: 200 when they applied
// at once (coarser than those in force), 202 when they wait for the
// partner's acceptance.
func handleProposeAgreement(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[data.AgreementTerms](w, r, 4096)
		if err != nil {
			return err
		}
		out, err := store.ProposeAgreement(r.Context(), "", req)
		if err != nil {
			return err
		}
		status := http.StatusAccepted
		if out.Applied {
			status = http.StatusOK
		}
		return encode(w, status, mediaJSON, out)
	})
}

func proposalID(r *http.Request) (int, error) {
	id, err := strconv.Atoi(chi.URLParam(r, "id"))
	if err != nil || id <= 0 {
		return 0, data.ErrNotFound
	}
	return id, nil
}

// handleAcceptProposal puts a partner's pending proposal into force.
func handleAcceptProposal(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := proposalID(r)
		if err != nil {
			return err
		}
		aid, err := store.AcceptProposal(r.Context(), "", id)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"proposal_id": id, "agreement_id": aid, "state": "accepted"})
	})
}

// handleDeclineProposal declines a partner's pending proposal or withdraws
// the caller's own.
func handleDeclineProposal(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := proposalID(r)
		if err != nil {
			return err
		}
		state, err := store.DeclineProposal(r.Context(), "", id)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"proposal_id": id, "state": state})
	})
}

// handleRevokeAgreement ends the agreement {id} of the caller's agency at
// once.
func handleRevokeAgreement(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := proposalID(r)
		if err != nil {
			return err
		}
		as, err := store.Agreements(r.Context())
		if err != nil {
			return err
		}
		p, _ := data.PrincipalFrom(r.Context())
		for _, a := range as {
			if a.ID != id {
				continue
			}
			partner := a.AgencyA
			if partner == p.AgencyID {
				partner = a.AgencyB
			}
			if err := store.RevokeAgreement(r.Context(), "", partner); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return data.ErrNotFound
	})
}
