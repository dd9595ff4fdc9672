package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/outdial/outdial/internal/campaign"
)

// PaceResult is what one pacing pass did.
type PaceResult = campaign.PaceResult

// Campaign holds the campaign workflow's activities.
type Campaign struct {
	Campaigns *campaign.Service
}

// Pace is one pass of the campaign's pacer.
func (a *Campaign) Pace(ctx context.Context, campaignID uint64) (PaceResult, error) {
	return a.Campaigns.Pace(ctx, campaignID)
}

// CloseCampaignContacts closes every open contact of a completed campaign.
// Its heartbeat carries the last contact closed, so a retry goes on from
// there. It returns how many it closed.
func (a *Campaign) CloseCampaignContacts(ctx context.Context, campaignID uint64, reason string) (int, error) {
	var after uint64
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &after); err != nil {
			return 0, fmt.Errorf("close contacts of campaign %d: read heartbeat: %w", campaignID, err)
		}
	}
	return a.Campaigns.CloseContacts(ctx, campaignID, reason, after, func(last uint64) { activity.RecordHeartbeat(ctx, last) })
}
