package stats

import (
	"context"

	"github.com/outdial/outdial/models"
)

// Pacer is a predictive campaign's pacer as a pass would see it now: its
// estimates of the campaign's traffic, what it would place, and the
// abandon budget left.
type Pacer struct {
	// Calls is how many calls a pass would place now; Progressive is set
	// when it paces progressively (a small team, or no budget left).
	Calls       int  `json:"calls"`
	Progressive bool `json:"progressive"`
	// LinesPerAgent are the calls in progress (ringing, waiting, talking)
	// per agent taking calls, now.
	LinesPerAgent float64 `json:"lines_per_agent"`
	// EstimatedFrom are the recent attempts the estimates read (a prior
	// stands in for the rest).
	EstimatedFrom int `json:"estimated_from"`
	// PersonRate and MachineRate are the chances a call is answered by a
	// person and by a machine.
	PersonRate  float64 `json:"person_rate"`
	MachineRate float64 `json:"machine_rate"`
	// Mean seconds to an answer, of an unanswered call's ringing, of talk
	// and of wrap-up.
	AnswerSeconds   float64 `json:"answer_seconds"`
	NoAnswerSeconds float64 `json:"no_answer_seconds"`
	TalkSeconds     float64 `json:"talk_seconds"`
	WrapUpSeconds   float64 `json:"wrap_up_seconds"`
	// ExpectedAbandons and ExpectedAnswers are of the calls in flight once
	// Calls are placed.
	ExpectedAbandons float64 `json:"expected_abandons"`
	ExpectedAnswers  float64 `json:"expected_answers"`
	// PeriodBudget and TodayBudget are the abandons still allowed over the
	// current 30-day period and today: target × answered − abandoned − 1.
	PeriodBudget float64 `json:"period_budget"`
	TodayBudget  float64 `json:"today_budget"`
}

// Pacers read a predictive campaign's pacer (campaign.Service).
type Pacers interface {
	Pacer(ctx context.Context, c *models.Campaign) (*Pacer, error)
}

// AbandonRatesOf are the campaign's abandon rates now, as its statistics
// show them: the predictive pacer's budget reads the same counts.
func (s *Service) AbandonRatesOf(ctx context.Context, c *models.Campaign) (AbandonRates, error) {
	return s.abandon(ctx, scope{campaign: c}, s.now())
}
