package configuration

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// query preloads the has-many fields, each in position order.
func (o *Objects[T, P]) query(db *gorm.DB) *gorm.DB {
	for _, p := range o.preload {
		db = db.Preload(p, func(tx *gorm.DB) *gorm.DB { return tx.Order("position") })
	}
	return db
}

// List is one page of the objects, in ID order; q, when not blank, keeps
// those whose searched columns contain it, ignoring case. teams, when not
// nil, keeps the objects of those teams (a supervisor's): campaigns they
// serve, their agents; objects that belong to no team are not filtered.
func (o *Objects[T, P]) List(ctx context.Context, db *models.DB, q string, teams []uint64, p models.PageRequest) (models.Page[T], error) {
	tx := db.WithContext(ctx).Model(P(new(T)))
	if teams != nil && o.ofTeams != "" {
		tx = tx.Where(o.ofTeams, teams)
	}
	if s := strings.TrimSpace(q); s != "" && len(o.search) > 0 {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
		conds := make([]string, len(o.search))
		args := make([]any, len(o.search))
		for i, col := range o.search {
			conds[i] = col + " ILIKE ?"
			args[i] = like
		}
		tx = tx.Where(strings.Join(conds, " OR "), args...)
	}
	page, err := models.FindPage[T](ctx, o.query(tx), "id", p, o.name+"s")
	if err != nil {
		return models.Page[T]{}, err
	}
	items := make([]P, len(page.Items))
	for i := range page.Items {
		items[i] = &page.Items[i]
	}
	if err := o.finish(ctx, db, items); err != nil {
		return models.Page[T]{}, err
	}
	return page, nil
}

// Get reads object id as it is shown.
func (o *Objects[T, P]) Get(ctx context.Context, db *models.DB, id uint64) (P, error) {
	v := P(new(T))
	err := o.query(db.WithContext(ctx)).First(v, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fault.NotFoundf(o.name, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %d: %w", o.name, id, err)
	}
	if err := o.finish(ctx, db, []P{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// finish fills the loaded objects' related rows and hides what is not shown.
func (o *Objects[T, P]) finish(ctx context.Context, db *models.DB, items []P) error {
	tx := db.WithContext(ctx)
	owners := make([]uint64, len(items))
	for i, v := range items {
		owners[i] = v.Key()
	}
	for _, l := range o.links {
		byOwner, err := l.Load(tx, owners)
		if err != nil {
			return fmt.Errorf("load %ss: %w", o.name, err)
		}
		for _, v := range items {
			ids := byOwner[v.Key()]
			if ids == nil {
				ids = []uint64{}
			}
			*l.ids(v) = ids
		}
	}
	if o.loadRelated != nil {
		if err := o.loadRelated(tx, items); err != nil {
			return fmt.Errorf("load %ss: %w", o.name, err)
		}
	}
	if o.present != nil {
		for _, v := range items {
			o.present(v)
		}
	}
	return nil
}

// Create validates v (an ID in it is ignored), stores it with its related
// rows and returns it as it is shown.
func (o *Objects[T, P]) Create(ctx context.Context, db *models.DB, v P) (P, error) {
	v.SetKey(0)
	return o.save(ctx, db, v, nil)
}

// Replace validates v and stores it, with its related rows, in place of
// object id, keeping its creation time and read-only columns.
func (o *Objects[T, P]) Replace(ctx context.Context, db *models.DB, id uint64, v P) (P, error) {
	old := P(new(T))
	err := db.WithContext(ctx).First(old, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fault.NotFoundf(o.name, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %d: %w", o.name, id, err)
	}
	v.SetKey(id)
	v.SetStamps(old.Stamps())
	return o.save(ctx, db, v, old)
}

// save checks v, then writes it in one transaction, so a refused request
// leaves nothing half-written.
func (o *Objects[T, P]) save(ctx context.Context, db *models.DB, v, old P) (P, error) {
	c := checks{look: dbLookup{db.WithContext(ctx)}}
	o.check(&c, v, old)
	if c.dbErr != nil {
		return nil, fmt.Errorf("check %s: %w", o.name, c.dbErr)
	}
	if err := c.Err(o.name); err != nil {
		return nil, err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if old == nil {
			err = tx.Omit(clause.Associations).Create(v).Error
		} else {
			// Read-only columns are kept (the API changes them elsewhere), but
			// for the ID the update is keyed on and its updated_at stamp.
			kept := slices.DeleteFunc(models.ReadOnly(reflect.TypeOf(v)), func(c string) bool { return c == "id" || c == "updated_at" })
			err = tx.Omit(append([]string{clause.Associations}, kept...)...).Select("*").Updates(v).Error
		}
		if err != nil {
			return err
		}
		for _, l := range o.links {
			if err := l.Replace(tx, v.Key(), *l.ids(v)); err != nil {
				return err
			}
		}
		if o.saveRelated != nil {
			return o.saveRelated(tx, v)
		}
		return nil
	})
	if err != nil {
		if f := refusal(o.name, err); f != nil {
			return nil, f
		}
		return nil, fmt.Errorf("save %s: %w", o.name, err)
	}
	return o.Get(ctx, db, v.Key())
}

// Delete removes object id; one that others refer to, or that is busy,
// is a conflict naming them.
func (o *Objects[T, P]) Delete(ctx context.Context, db *models.DB, id uint64) error {
	var f fault.Fields
	for _, u := range o.usedBy {
		var names []string
		// The query is one of usedBy's literals; the ID is its argument.
		if err := db.WithContext(ctx).Raw(u.query, id).Scan(&names).Error; err != nil {
			return fmt.Errorf("find what uses %s %d: %w", o.name, id, err)
		}
		if len(names) > 0 {
			f.Add(u.field, "%s %d %s %s: %s", o.name, id, u.is, strings.Join(names, ", "), u.then)
		}
	}
	if err := f.Conflict(o.name); err != nil {
		return err
	}
	r := db.WithContext(ctx).Delete(P(new(T)), id)
	if r.Error != nil {
		if f := refusal(o.name, r.Error); f != nil {
			return f
		}
		return fmt.Errorf("delete %s %d: %w", o.name, id, r.Error)
	}
	if r.RowsAffected == 0 {
		return fault.NotFoundf(o.name, id)
	}
	return nil
}

// uniqueFields names the field behind each unique constraint, and says
// what it holds in Outdial's words.
var uniqueFields = map[string][2]string{
	"time_zones_display_name_key":           {"display_name", "another time zone has this display name"},
	"business_outcomes_name_key":            {"outcomes", "two outcomes have one name"},
	"strategy_rules_telephony_outcome_key":  {"rules", "two rules are for one telephony outcome"},
	"campaign_group_campaigns_campaign_key": {"campaigns", "a campaign is in one campaign group at most, and one of these is in another"},
	"dnc_entries_pkey":                      {"entries", "a number is listed twice"},
}

// tableWords names, in Outdial's words, what the rows of a table are.
var tableWords = map[string]string{
	"modes": "modes", "time_zones": "time zones", "outcome_groups": "outcome groups", "business_outcomes": "outcomes",
	"contact_strategies": "contact strategies", "contact_strategy_modes": "contact strategies", "strategy_rules": "contact strategies",
	"callback_strategies": "callback strategies", "entry_points": "entry points", "dnc_lists": "DNC lists", "dnc_entries": "DNC lists",
	"campaign_groups": "campaign groups", "campaign_group_time_zones": "campaign groups", "campaign_group_campaigns": "campaign groups",
	"team_campaign_groups": "teams", "teams": "teams", "campaigns": "campaigns", "campaign_teams": "campaigns",
	"campaign_dnc_lists": "campaigns", "agents": "agents", "contact_lists": "lists", "previews": "preview cards",
	"api_keys": "API keys",
}

// words is what the rows of table are, in Outdial's words.
func words(table string) string {
	if w, ok := tableWords[table]; ok {
		return w
	}
	return "other objects"
}

// refusal is the fault a caller can act on when one of PostgreSQL's
// constraints refused a write of a kind object, or nil when err is another
// failure. Its words are Outdial's: PostgreSQL's message, which names
// tables, keys and values, is for the log only.
func refusal(kind string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	var kindOf fault.Kind
	var field, detail string
	switch pe.Code {
	case "23505": // unique_violation
		kindOf, detail = fault.Conflict, "another "+kind+" has one of these values"
		if u, ok := uniqueFields[pe.ConstraintName]; ok {
			field, detail = u[0], u[1]
		} else if strings.HasSuffix(pe.ConstraintName, "_name_key") {
			field, detail = "name", "another "+kind+" has this name"
		}
	case "23503": // foreign_key_violation
		if strings.Contains(pe.Detail, "is still referenced") {
			kindOf, detail = fault.Conflict, fmt.Sprintf("this %s is in use by %s: change them first", kind, words(pe.TableName))
			break
		}
		field = strings.TrimSuffix(strings.TrimPrefix(pe.ConstraintName, pe.TableName+"_"), "_fkey")
		kindOf, detail = fault.Invalid, "names no existing object"
	case "23514", "22P02", "22007", "22008": // check_violation, bad text, datetime format, datetime out of range
		kindOf, detail = fault.Invalid, "a value of this "+kind+" is outside what it may hold"
	default:
		return nil
	}
	f := &fault.Error{Kind: kindOf, Subject: kind, Detail: detail, Err: err} // err is for the log, never the answer
	if field != "" {
		f.Detail = field + ": " + detail
		f.Fields = fault.Fields{{Field: field, Detail: detail}}
	}
	return f
}

// dbLookup answers the questions checks ask, from PostgreSQL.
type dbLookup struct{ db *gorm.DB }

func (l dbLookup) exists(table string, id uint64) (bool, error) {
	var n int64
	if err := l.db.Table(table).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up %s %d: %w", table, id, err)
	}
	return n > 0, nil
}

func (l dbLookup) dncScope(id uint64) (string, error) {
	var scopes []string
	if err := l.db.Model(&models.DNCList{}).Where("id = ?", id).Pluck("scope", &scopes).Error; err != nil {
		return "", fmt.Errorf("read the scope of DNC list %d: %w", id, err)
	}
	if len(scopes) == 0 {
		return "", nil
	}
	return scopes[0], nil
}

func (l dbLookup) timeZones() ([]models.TimeZone, error) {
	var zones []models.TimeZone
	if err := l.db.Select("id", "display_name", "iana_zone").Order("id").Find(&zones).Error; err != nil {
		return nil, fmt.Errorf("read the time zones: %w", err)
	}
	return zones, nil
}

// replaceChildren makes owner's child rows exactly children, in order.
func replaceChildren[C any](tx *gorm.DB, fk string, owner uint64, children []C, adopt func(c *C, position int)) error {
	if err := tx.Where(fk+" = ?", owner).Delete(new(C)).Error; err != nil {
		return fmt.Errorf("clear children of %d: %w", owner, err)
	}
	for i := range children {
		adopt(&children[i], i)
	}
	if len(children) == 0 {
		return nil
	}
	return tx.Create(&children).Error
}

func saveOutcomes(tx *gorm.DB, v *models.OutcomeGroup) error {
	return replaceChildren(tx, "outcome_group_id", v.ID, v.Outcomes, func(o *models.BusinessOutcome, i int) {
		o.ID, o.OutcomeGroupID, o.Position = 0, v.ID, i
	})
}

func saveRules(tx *gorm.DB, v *models.ContactStrategy) error {
	return replaceChildren(tx, "contact_strategy_id", v.ID, v.Rules, func(r *models.StrategyRule, i int) {
		r.ID, r.ContactStrategyID, r.Position = 0, v.ID, i
	})
}

func saveDNCListEntries(tx *gorm.DB, v *models.DNCList) error {
	if v.Entries == nil {
		return nil // a replace without entries keeps them: big lists are uploaded
	}
	return replaceChildren(tx, "dnc_list_id", v.ID, v.Entries, func(d *models.DNCEntry, _ int) { d.DNCListID = v.ID })
}

func countDNCListEntries(db *gorm.DB, items []*models.DNCList) error {
	for _, v := range items {
		if err := db.Model(&models.DNCEntry{}).Where("dnc_list_id = ?", v.ID).Count(&v.EntryCount).Error; err != nil {
			return fmt.Errorf("count the entries of DNC list %d: %w", v.ID, err)
		}
	}
	return nil
}

func saveGroupShares(tx *gorm.DB, v *models.CampaignGroup) error {
	if err := replaceChildren(tx, "campaign_group_id", v.ID, v.Campaigns, func(c *models.CampaignGroupCampaign, i int) {
		c.CampaignGroupID, c.Position = v.ID, i
	}); err != nil {
		return err
	}
	return replaceChildren(tx, "campaign_group_id", v.ID, v.TimeZones, func(z *models.CampaignGroupTimeZone, i int) {
		z.CampaignGroupID, z.Position = v.ID, i
	})
}
