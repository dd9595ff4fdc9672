package contact

import (
	"context"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/models"
)

// ReportTelephonyAsRead records a telephony outcome as a request that read
// the attempt as at would: the tests' way to stand where two identical
// reports cross.
func (s *Service) ReportTelephonyAsRead(ctx context.Context, at models.Attempt, outcome string) (bool, error) {
	return s.report(ctx, &at, "telephony_outcome", at.TelephonyOutcome, outcome, "", CallTimes{}, contract.SignalTelephonyOutcome,
		contract.TelephonyOutcome{AttemptID: at.ID, Outcome: outcome})
}
