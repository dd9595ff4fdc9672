package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/fault"
)

// busyShown bounds how many objects in the way a conflict names.
const busyShown = 10

// Busy is what still runs in a campaign, or in one of its lists: what
// keeps it from being deleted.
type Busy struct {
	// Importing are lists whose import has not ended ("list 3 (a.csv)"):
	// a list stopped while importing still imports.
	Importing []string
	// Calling are contacts on a call or handed to the dialer.
	Calling []uint64
	// Cards are preview cards open with agents.
	Cards []uint64
}

// BusyIn finds what runs in a campaign, or only in list listID when it is
// not 0, up to busyShown of each.
func BusyIn(ctx context.Context, db *gorm.DB, campaignID, listID uint64) (Busy, error) {
	db = db.WithContext(ctx)
	var b Busy
	lists := db.Model(&ContactList{}).Where("campaign_id = ? AND imported_at IS NULL AND status <> ?", campaignID, ListFailed)
	contacts := db.Model(&Contact{}).Where("campaign_id = ? AND status IN ?", campaignID, []string{ContactReleased, ContactDialing})
	cards := db.Model(&Preview{}).Where("previews.campaign_id = ? AND previews.state = ? AND previews.expires_at > now()", campaignID, PreviewOffered)
	if listID != 0 {
		lists = lists.Where("id = ?", listID)
		contacts = contacts.Where("list_id = ?", listID)
		cards = cards.Joins("JOIN contacts c ON c.id = previews.contact_id").Where("c.list_id = ?", listID)
	}
	var importing []struct {
		ID       uint64
		FileName string
	}
	if err := lists.Order("id").Limit(busyShown).Find(&importing).Error; err != nil {
		return b, fmt.Errorf("find the lists importing in campaign %d: %w", campaignID, err)
	}
	for _, l := range importing {
		b.Importing = append(b.Importing, fmt.Sprintf("list %d (%s)", l.ID, l.FileName))
	}
	if err := contacts.Order("id").Limit(busyShown).Pluck("id", &b.Calling).Error; err != nil {
		return b, fmt.Errorf("find the contacts on calls in campaign %d: %w", campaignID, err)
	}
	if err := cards.Order("previews.id").Limit(busyShown).Pluck("previews.id", &b.Cards).Error; err != nil {
		return b, fmt.Errorf("find the open preview cards of campaign %d: %w", campaignID, err)
	}
	return b, nil
}

// AddTo names what is busy in f, in Outdial's words.
func (b Busy) AddTo(f *fault.Fields) {
	if len(b.Importing) > 0 {
		f.Add("lists", "%s still importing: wait until the import ends", shownList(b.Importing))
	}
	if len(b.Calling) > 0 {
		f.Add("contacts", "contacts %s are on a call or handed to the dialer: wait for their outcomes", shownList(b.Calling))
	}
	if len(b.Cards) > 0 {
		f.Add("previews", "preview cards %s are open with agents: wait until they are answered or expire", shownList(b.Cards))
	}
}

// shownList lists what is in the way, saying when there may be more.
func shownList[T any](items []T) string {
	s := make([]string, len(items))
	for i, v := range items {
		s[i] = fmt.Sprint(v)
	}
	out := strings.Join(s, ", ")
	if len(items) == busyShown {
		out += " and maybe more"
	}
	return out
}
