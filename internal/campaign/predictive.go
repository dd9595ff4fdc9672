package campaign

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/pacing"
)

// EstimateWindow is how far back a predictive campaign's estimates read
// its ended attempts; a prior stands in for a new campaign's.
const EstimateWindow = time.Hour

// predictive is what a predictive pass decides with free agents, from the
// campaign's recent attempts, its calls in flight, its busy agents and
// its abandon budget (pacing.Predictive.Decide).
func (s *Service) predictive(ctx context.Context, db *gorm.DB, c *models.Campaign, free int) (pacing.Estimates, pacing.Decision, models.CallsNow, error) {
	now := s.now()
	recent, err := models.RecentTraffic(ctx, db, c.ID, now.Add(-EstimateWindow))
	if err != nil {
		return pacing.Estimates{}, pacing.Decision{}, models.CallsNow{}, err
	}
	est := pacing.Estimate(TrafficOf(recent), now, EstimateWindow, pacing.DefaultPrior())
	calls, err := models.CountCallsNow(ctx, db, c.ID)
	if err != nil {
		return est, pacing.Decision{}, calls, err
	}
	s.abandonsOnce.Do(func() { s.abandons.Stats = &stats.Service{DB: s.DB, Now: s.Now} })
	rates, err := s.abandons.Rates(ctx, c, now)
	if err != nil {
		return est, pacing.Decision{}, calls, fmt.Errorf("abandon budget of campaign %d: %w", c.ID, err)
	}
	sit := pacing.Situation{Ringing: calls.Ringing, Waiting: calls.Waiting, Free: free, Busy: calls.Busy,
		DialRate: float64(calls.DialedLastMinute) / 60, Today: abandonsOf(&rates.Today), Period: abandonsOf(rates.Period)}
	return est, PredictiveSettings(c, s.AbandonCap).Decide(est, sit), calls, nil
}

// Pacer is a predictive campaign's pacer as a pass would see it now, for
// its statistics.
func (s *Service) Pacer(ctx context.Context, c *models.Campaign) (*stats.Pacer, error) {
	// Counted as a pass counts them, outside its lock: a campaign group
	// does not pace a predictive campaign predictively.
	n, err := models.CountForPacing(ctx, s.DB.DB, c.ID, 0, unusedAfter)
	if err != nil {
		return nil, err
	}
	free := n.FreeAgents
	est, d, calls, err := s.predictive(ctx, s.DB.DB, c, free)
	if err != nil {
		return nil, err
	}
	out := &stats.Pacer{TargetPercent: abandonTarget(c, s.AbandonCap), Calls: d.Calls, Progressive: d.Progressive, EstimatedFrom: est.Attempts,
		PersonRate: est.PersonRate, MachineRate: est.MachineRate,
		AnswerSeconds: est.AnswerRing.Mean().Seconds(), NoAnswerSeconds: est.NoAnswerRing.Mean().Seconds(),
		TalkSeconds: est.Talk.Mean().Seconds(), WrapUpSeconds: est.WrapUp.Mean().Seconds(),
		ExpectedAbandons: d.ExpectedAbandons, ExpectedAnswers: d.ExpectedAnswers, PeriodBudget: d.PeriodBudget, TodayBudget: d.TodayBudget}
	if taking := free + len(calls.Busy); taking > 0 {
		out.LinesPerAgent = float64(len(calls.Ringing)+calls.Waiting+len(calls.Busy)) / float64(taking)
	}
	return out, nil
}

// PredictiveSettings are the campaign's predictive pacing settings, its
// abandon target held to the deployment's cap (percent; 0: the legal one).
func PredictiveSettings(c *models.Campaign, capPercent float64) pacing.Predictive {
	return pacing.Predictive{TargetRate: abandonTarget(c, capPercent) / 100, MaxLinesPerAgent: c.MaxLinesPerAgent, SmallTeam: c.SmallTeamAgents}
}

// abandonTarget is the abandon rate, in percent, that the campaign's pacer
// aims at: its own target, or the deployment's cap if that is lower.
func abandonTarget(c *models.Campaign, capPercent float64) float64 {
	if capPercent > 0 && capPercent < c.AbandonTargetPercent {
		return capPercent
	}
	return c.AbandonTargetPercent
}

func abandonsOf(r *stats.AbandonRate) pacing.Abandons {
	if r == nil {
		return pacing.Abandons{}
	}
	return pacing.Abandons{Answered: int(r.Answered), Abandoned: int(r.Abandoned)}
}

// TrafficOf are ended attempts as the estimates read them. An attempt
// ends when its wrap-up comes; the talk ends when its agent went to wrap_up,
// and where the agent's desktop never said so, the talk holds the wrap-up.
func TrafficOf(rows []models.Traffic) []pacing.Attempt {
	out := make([]pacing.Attempt, 0, len(rows))
	for _, r := range rows {
		dialed := r.StartedAt
		if r.DialAcceptedAt != nil {
			dialed = *r.DialAcceptedAt
		}
		a := pacing.Attempt{Dialed: dialed, Outcome: pacing.NoAnswer}
		switch r.TelephonyOutcome {
		case "voice", "abandoned":
			a.Outcome = pacing.Person
		case "answer-machine":
			a.Outcome = pacing.Machine
		}
		end := dialed
		if r.EndedAt != nil {
			end = *r.EndedAt
		}
		a.Ring = end.Sub(dialed)
		if r.AnsweredAt != nil {
			a.Ring = r.AnsweredAt.Sub(dialed)
		}
		a.Abandoned = r.TelephonyOutcome == "abandoned" ||
			(r.AnsweredAt != nil && r.ConnectedAt != nil && r.ConnectedAt.Sub(*r.AnsweredAt) > stats.ConnectWithin)
		if a.Outcome == pacing.Person && !a.Abandoned && r.ConnectedAt != nil {
			a.Talk = max(end.Sub(*r.ConnectedAt), 0)
			if t := r.TalkEndedAt; t != nil && !t.Before(*r.ConnectedAt) && !t.After(end) {
				a.Talk, a.WrapUp = t.Sub(*r.ConnectedAt), end.Sub(*t)
			}
		}
		a.Ring = max(a.Ring, 0)
		out = append(out, a)
	}
	return out
}
