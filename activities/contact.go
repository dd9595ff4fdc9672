package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/fault"
)

// The contact workflow's activity inputs and results are the contact
// domain's.
type (
	PrepareRequest = contact.PrepareRequest
	PrepareResult  = contact.PrepareResult
	Verdict        = contact.Verdict
	Evidence       = contact.Evidence
	FinishRequest  = contact.FinishRequest
	FinishResult   = contact.FinishResult
	StatusRequest  = contact.StatusRequest
	ContactStart   = contact.Start
)

// Actions a check can end in.
const (
	ActionDial  = contact.ActionDial
	ActionWait  = contact.ActionWait
	ActionClose = contact.ActionClose
)

// Contact holds the contact workflow's activities.
type Contact struct {
	Contacts *contact.Service
	// Recorded, when set, runs once an attempt to dial is recorded and
	// before its dial request: only the fault test sets it (cmd/outdial,
	// OUTDIAL_FAULT), to kill the worker there.
	Recorded func(attemptID string)
}

// StartContact reads where a contact's workflow starts from.
func (a *Contact) StartContact(ctx context.Context, contactID uint64) (ContactStart, error) {
	start, err := a.Contacts.StartOf(ctx, contactID)
	return start, gone(err)
}

// gone stops the retries of an activity whose contact, list or campaign
// was deleted: its rows will not come back, and its workflow ends rather
// than retry for ever against them.
func gone(err error) error {
	if fault.Is(err, fault.NotFound) {
		return temporal.NewNonRetryableApplicationError(err.Error(), contract.Gone, err)
	}
	return err
}

// PrepareAttempt checks the contact is still dialable now and, if it is,
// records the attempt.
func (a *Contact) PrepareAttempt(ctx context.Context, req PrepareRequest) (PrepareResult, error) {
	res, err := a.Contacts.Prepare(ctx, req)
	if err == nil && res.Action == ActionDial && a.Recorded != nil {
		a.Recorded(res.AttemptID)
	}
	return res, gone(err)
}

// Dial asks the campaign's dialer for the attempt's call, after checking
// every rule again, and returns what the checks saw (the attempt keeps it
// too). A call the checks refuse now (DialRefused, its message the reason)
// or the dialer refused is not retried.
func (a *Contact) Dial(ctx context.Context, attemptID string) (*Evidence, error) {
	e, err := a.Contacts.Dial(ctx, attemptID)
	switch {
	case errors.Is(err, contact.ErrDialRefused):
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), contract.DialRefused, err)
	case errors.Is(err, contact.ErrDialRejected):
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "DialRejected", err)
	}
	return e, gone(err)
}

// FinishAttempt records the attempt's outcome and the contact's next state.
func (a *Contact) FinishAttempt(ctx context.Context, req FinishRequest) (FinishResult, error) {
	res, err := a.Contacts.Finish(ctx, req)
	return res, gone(err)
}

// SetContactStatus records the contact's status between attempts.
func (a *Contact) SetContactStatus(ctx context.Context, req StatusRequest) error {
	return a.Contacts.SetStatus(ctx, req)
}

// FreeAgent returns an agent reserved for a call that was not placed to idle.
func (a *Contact) FreeAgent(ctx context.Context, agent string) error {
	return a.Contacts.FreeAgent(ctx, agent)
}
