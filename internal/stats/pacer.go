package stats

import (
	"context"

	"github.com/outdial/outdial/models"
)

// Pacer is a predictive campaign's pacer as a pass would see it now: its
// estimates of the campaign's traffic, what it would place, and the
// abandon budget left.
type Pacer struct {
	// TargetPercent is the abandon rate the pacer aims at: the campaign's
	// target, or the deployment's cap (--abandon-cap) if lower.
	TargetPercent float64 `json:"target_percent" doc:"The abandon rate, in percent of calls answered by a person, that the pacer aims at: the campaign's abandon_target_percent, or the deployment's --abandon-cap if lower."`
	// Calls is how many calls a pass would place now; Progressive is set
	// when it paces progressively (a small team, or no budget left).
	Calls       int  `json:"calls" doc:"The calls a pacing pass would place now."`
	Progressive bool `json:"progressive" doc:"Whether the pacer paces progressively now: a small team, or no abandon budget left."`
	// LinesPerAgent are the calls in progress (ringing, waiting, talking)
	// per agent taking calls, now.
	LinesPerAgent float64 `json:"lines_per_agent" doc:"Calls in progress (ringing, waiting, talking) per agent taking calls, now."`
	// EstimatedFrom are the recent attempts the estimates read (a prior
	// stands in for the rest).
	EstimatedFrom int `json:"estimated_from" doc:"The campaign's attempts of the last hour the estimates read; a prior stands in for the rest."`
	// PersonRate and MachineRate are the chances a call is answered by a
	// person and by a machine.
	PersonRate  float64 `json:"person_rate" doc:"Estimated chance that a call is answered by a person."`
	MachineRate float64 `json:"machine_rate" doc:"Estimated chance that a call is answered by a machine."`
	// Mean seconds to an answer, of an unanswered call's ringing, of talk
	// and of wrap-up.
	AnswerSeconds   float64 `json:"answer_seconds" doc:"Estimated mean seconds from the dial to an answer."`
	NoAnswerSeconds float64 `json:"no_answer_seconds" doc:"Estimated mean seconds an unanswered call rings."`
	TalkSeconds     float64 `json:"talk_seconds" doc:"Estimated mean seconds of talk (with the wrap-up where the agent's desktop did not report wrap_up)."`
	WrapUpSeconds   float64 `json:"wrap_up_seconds" doc:"Estimated mean seconds of wrap-up."`
	// ExpectedAbandons and ExpectedAnswers are of the calls in flight once
	// Calls are placed.
	ExpectedAbandons float64 `json:"expected_abandons" doc:"Abandons expected of the calls in flight once the pass's calls are placed."`
	ExpectedAnswers  float64 `json:"expected_answers" doc:"Answers by a person expected of the calls in flight once the pass's calls are placed."`
	// PeriodBudget and TodayBudget are the abandons still allowed over the
	// current 30-day period and today: target × answered − abandoned − 1.
	PeriodBudget float64 `json:"period_budget" doc:"Abandons still allowed over the current 30-day period: target × answered − abandoned − 1."`
	TodayBudget  float64 `json:"today_budget" doc:"Abandons still allowed today: target × answered − abandoned − 1."`
}

// Pacers read a predictive campaign's pacer (campaign.Service).
type Pacers interface {
	Pacer(ctx context.Context, c *models.Campaign) (*Pacer, error)
}
