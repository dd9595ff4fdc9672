package contact

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/models"
)

// EndWorkflows terminates the running workflows of a campaign's contacts,
// or of one of its lists' (listID not 0), before
// their rows are erased: a workflow left running would wake to rows that
// are gone. They are found twice over: by their contacts' statuses in
// PostgreSQL (every contact with a workflow but a closed one is scheduled,
// ready, released or dialing) and by their search attributes in Temporal
// (a contact given back to the pacer is new again, and may keep its
// workflow). A workflow that has ended meanwhile is no error.
func (s *Service) EndWorkflows(ctx context.Context, campaignID, listID uint64, reason string) (int, error) {
	if s.Temporal == nil {
		return 0, errors.New("end contacts' workflows: no Temporal client")
	}
	q := s.DB.WithContext(ctx).Model(&models.Contact{}).Where("campaign_id = ? AND status NOT IN ?", campaignID,
		[]string{models.ContactNew, models.ContactClosed})
	if listID != 0 {
		q = q.Where("list_id = ?", listID)
	}
	var ids []uint64
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("find the workflows of campaign %d's contacts: %w", campaignID, err)
	}
	running, err := s.runningContacts(ctx, campaignID, listID)
	if err != nil {
		return 0, err
	}
	ids = append(ids, running...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return eachAtOnce(ids, func(id uint64) error {
		err := s.Temporal.TerminateWorkflow(ctx, contract.ContactWorkflowID(campaignID, id), "", reason)
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			return contract.CallError(err, "end the workflow of contact %d", id)
		}
		return nil
	})
}

// runningContacts are the contacts whose workflows Temporal lists as
// running.
func (s *Service) runningContacts(ctx context.Context, campaignID, listID uint64) ([]uint64, error) {
	// Only numbers go into the visibility query.
	query := fmt.Sprintf("%s = %d AND ExecutionStatus = 'Running'", contract.CampaignIDKey.GetName(), campaignID)
	if listID != 0 {
		query += fmt.Sprintf(" AND %s = %d", contract.ListIDKey.GetName(), listID)
	}
	var ids []uint64
	var token []byte
	for {
		resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return nil, contract.CallError(err, "list the running workflows of campaign %d", campaignID)
		}
		for _, e := range resp.GetExecutions() {
			if campaign, contact, ok := contract.ContactOfWorkflow(e.GetExecution().GetWorkflowId()); ok && campaign == campaignID {
				ids = append(ids, contact)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return ids, nil
		}
	}
}
