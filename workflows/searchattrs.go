// Package workflows holds Outdial's Temporal workflows: deterministic code
// only. Every I/O step is an activity in package activities; every rule is a
// plain function in its own package.
package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes an operator filters by in the Temporal Web UI.
var (
	CampaignIDKey    = temporal.NewSearchAttributeKeyInt64("OutdialCampaignId")
	ListIDKey        = temporal.NewSearchAttributeKeyInt64("OutdialListId")
	ContactStatusKey = temporal.NewSearchAttributeKeyKeyword("OutdialContactStatus")
	AttemptCountKey  = temporal.NewSearchAttributeKeyInt64("OutdialAttemptCount")
	NextDueTimeKey   = temporal.NewSearchAttributeKeyTime("OutdialNextDueTime")
)

// SearchAttributes lists every custom search attribute with its type, for
// registering them with the server.
var SearchAttributes = []struct {
	Name string
	Type enumspb.IndexedValueType
}{
	{CampaignIDKey.GetName(), enumspb.INDEXED_VALUE_TYPE_INT},
	{ListIDKey.GetName(), enumspb.INDEXED_VALUE_TYPE_INT},
	{ContactStatusKey.GetName(), enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	{AttemptCountKey.GetName(), enumspb.INDEXED_VALUE_TYPE_INT},
	{NextDueTimeKey.GetName(), enumspb.INDEXED_VALUE_TYPE_DATETIME},
}
