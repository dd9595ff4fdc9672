package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/workflows"
)

// Reporter records how attempts end and tells their contacts' workflows:
// the API's report endpoints and the built-in simulator share it, so a
// simulated call ends exactly as a real one reported over HTTP.
type Reporter struct {
	DB       *models.DB
	Temporal client.Client
}

type reportKind int

const (
	telephonyReport reportKind = iota
	wrapupReport
)

// TelephonyOutcome records a dialer's report of how an attempt's call ended.
func (r *Reporter) TelephonyOutcome(ctx context.Context, attemptID, outcome, agent string) error {
	_, err := r.report(ctx, attemptID, telephonyReport, outcome, agent)
	return err
}

// Wrapup records an agent's wrap-up code for an attempt.
func (r *Reporter) Wrapup(ctx context.Context, attemptID, business, agent string) error {
	_, err := r.report(ctx, attemptID, wrapupReport, business, agent)
	return err
}

// report records a report once: a repeat of the same report changes
// nothing, a different one conflicts. Then it signals the workflow.
func (r *Reporter) report(ctx context.Context, id string, kind reportKind, value, agent string) (bool, error) {
	column, signal := "telephony_outcome", workflows.SignalTelephonyOutcome
	var payload any = workflows.TelephonyOutcome{AttemptID: id, Outcome: value, Agent: agent}
	if kind == wrapupReport {
		column, signal = "business_outcome", workflows.SignalWrapup
		payload = workflows.Wrapup{AttemptID: id, Business: value, Agent: agent}
	}
	var at models.Attempt
	if err := r.DB.WithContext(ctx).First(&at, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return false, notFound("attempt", id)
		}
		return false, fmt.Errorf("read attempt %s: %w", id, err)
	}
	current := at.TelephonyOutcome
	if kind == wrapupReport {
		current = at.BusinessOutcome
	}
	if current == value {
		if at.EndedAt == nil {
			// The first report's signal may have failed: send it again; the
			// workflow takes a report of an attempt once.
			return false, r.signal(ctx, &at, signal, payload)
		}
		return false, nil
	}
	if current != "" || at.EndedAt != nil {
		return false, conflict(strings.TrimSuffix(column, "_outcome"), "attempt %s has ended with %q; %q cannot replace it", id, firstNonEmpty(current, "a timeout"), value)
	}
	res := r.DB.WithContext(ctx).Exec("UPDATE attempts SET "+column+" = ?, agent = CASE WHEN ? <> '' THEN ? ELSE agent END, "+
		"answered_at = CASE WHEN ? THEN now() ELSE answered_at END WHERE id = ? AND "+column+" = '' AND ended_at IS NULL",
		value, agent, agent, kind == telephonyReport && value == "voice", id)
	if res.Error != nil {
		return false, fmt.Errorf("record %s of attempt %s: %w", column, id, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, conflict("", "attempt %s changed while this report was recorded; read it and send again", id)
	}
	if err := r.signal(ctx, &at, signal, payload); err != nil {
		return true, err
	}
	if kind == telephonyReport && value != strategy.Voice {
		// The call's line is free and no agent took it: the pacer may
		// place another call now rather than on its next tick, which a
		// failed wake only delays to.
		requested, err := models.RequestPass(ctx, r.DB.DB, at.CampaignID)
		if err != nil {
			slog.DebugContext(ctx, "wake pacer", "campaign", at.CampaignID, "error", err)
		} else if requested {
			signalWakes(ctx, r.Temporal, at.CampaignID)
		}
	}
	return true, nil
}

func (r *Reporter) signal(ctx context.Context, at *models.Attempt, signal string, payload any) error {
	if err := r.Temporal.SignalWorkflow(ctx, workflows.ContactWorkflowID(at.CampaignID, at.ContactID), "", signal, payload); err != nil {
		return fmt.Errorf("signal contact %d: %w", at.ContactID, err)
	}
	return nil
}
