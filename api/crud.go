package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// object is what every configuration model provides through models.Base.
type object interface {
	Key() uint64
	SetKey(uint64)
	Stamps() time.Time
	SetStamps(time.Time)
}

// resource describes one configuration object's CRUD routes. The generic
// handlers do paging, searching, transactions and errors; a resource adds
// only its own validation and related rows.
type resource[T any, P interface {
	*T
	object
}] struct {
	path   string   // "modes"
	kind   string   // "mode", in messages
	tag    string   // OpenAPI tag
	search []string // columns the q filter matches
	// readOnly columns are kept on update; the API changes them elsewhere.
	readOnly []string
	preload  []string // has-many fields, each ordered by position
	// defaults fills v before the body is decoded: omitted fields keep them.
	defaults func(v P)
	// check validates and normalises v; id is 0 on create.
	check func(ctx context.Context, db *gorm.DB, v P, id uint64) fieldErrors
	// saveRelated writes rows that hang off v: children and ID lists.
	saveRelated func(tx *gorm.DB, v P) error
	// loadRelated fills ID lists and counts of loaded objects.
	loadRelated func(db *gorm.DB, items []P) error
	// present hides what is never shown back, such as secrets.
	present func(v P)
}

// page is a paginated list answer.
type page[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func register[T any, P interface {
	*T
	object
}](r *routes, db *gorm.DB, res resource[T, P]) {
	base := "/" + res.path
	var zero T
	r.handle(http.MethodGet, base, op{summary: "List " + res.kind + "s", tag: res.tag, response: page[T]{}, query: []string{"q", "page", "per_page"}}, func(c *gin.Context) {
		pg, err := res.list(c, db)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, pg)
	})
	r.handle(http.MethodPost, base, op{summary: "Create a " + res.kind, tag: res.tag, request: zero, response: zero, status: http.StatusCreated}, func(c *gin.Context) {
		v, err := res.write(c, db, 0)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, v)
	})
	r.handle(http.MethodGet, base+"/:id", op{summary: "Read a " + res.kind, tag: res.tag, response: zero}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		v, err := res.get(c.Request.Context(), db, id)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	r.handle(http.MethodPut, base+"/:id", op{summary: "Replace a " + res.kind, tag: res.tag, request: zero, response: zero}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		v, err := res.write(c, db, id)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	r.handle(http.MethodDelete, base+"/:id", op{summary: "Delete a " + res.kind, tag: res.tag, status: http.StatusNoContent}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		if err := res.delete(c.Request.Context(), db, id); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
}

func (res resource[T, P]) query(db *gorm.DB) *gorm.DB {
	for _, p := range res.preload {
		db = db.Preload(p, func(tx *gorm.DB) *gorm.DB { return tx.Order("position") })
	}
	return db
}

func (res resource[T, P]) list(c *gin.Context, db *gorm.DB) (*page[T], error) {
	pageNo, perPage, err := paging(c)
	if err != nil {
		return nil, err
	}
	q := db.WithContext(c.Request.Context()).Model(P(new(T)))
	if s := strings.TrimSpace(c.Query("q")); s != "" && len(res.search) > 0 {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
		conds := make([]string, len(res.search))
		args := make([]any, len(res.search))
		for i, col := range res.search {
			conds[i] = col + " ILIKE ?"
			args[i] = like
		}
		q = q.Where(strings.Join(conds, " OR "), args...)
	}
	out := &page[T]{Page: pageNo, PerPage: perPage, Items: []T{}}
	if err := q.Count(&out.Total).Error; err != nil {
		return nil, fmt.Errorf("count %ss: %w", res.kind, err)
	}
	if err := res.query(q).Order("id").Offset((pageNo - 1) * perPage).Limit(perPage).Find(&out.Items).Error; err != nil {
		return nil, fmt.Errorf("list %ss: %w", res.kind, err)
	}
	ptrs := make([]P, len(out.Items))
	for i := range out.Items {
		ptrs[i] = &out.Items[i]
	}
	if err := res.finish(db.WithContext(c.Request.Context()), ptrs); err != nil {
		return nil, err
	}
	return out, nil
}

func (res resource[T, P]) finish(db *gorm.DB, items []P) error {
	if res.loadRelated != nil {
		if err := res.loadRelated(db, items); err != nil {
			return fmt.Errorf("load %ss: %w", res.kind, err)
		}
	}
	if res.present != nil {
		for _, v := range items {
			res.present(v)
		}
	}
	return nil
}

func (res resource[T, P]) get(ctx context.Context, db *gorm.DB, id uint64) (P, error) {
	v := P(new(T))
	err := res.query(db.WithContext(ctx)).First(v, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notFound(res.kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %d: %w", res.kind, id, err)
	}
	if err := res.finish(db.WithContext(ctx), []P{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// write creates (id 0) or replaces the object in one transaction, so a
// refused request leaves nothing half-written.
func (res resource[T, P]) write(c *gin.Context, db *gorm.DB, id uint64) (P, error) {
	var existing P
	if id != 0 {
		var err error
		if existing, err = res.get(c.Request.Context(), db, id); err != nil {
			return nil, err
		}
	}
	v := P(new(T))
	if res.defaults != nil {
		res.defaults(v)
	}
	if err := decodeJSON(c.Request.Body, v); err != nil {
		return nil, err
	}
	v.SetKey(id)
	if existing != nil {
		v.SetStamps(existing.Stamps())
	}
	if p := res.check(c.Request.Context(), db.WithContext(c.Request.Context()), v, id).problem(res.kind); p != nil {
		return nil, p
	}
	err := db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		var err error
		if id == 0 {
			err = tx.Omit(clause.Associations).Create(v).Error
		} else {
			err = tx.Omit(append([]string{clause.Associations, "created_at"}, res.readOnly...)...).Select("*").Updates(v).Error
		}
		if err != nil {
			return err
		}
		if res.saveRelated != nil {
			return res.saveRelated(tx, v)
		}
		return nil
	})
	if err != nil {
		if p := dbProblem(res.kind, err); p != nil {
			return nil, p
		}
		return nil, fmt.Errorf("save %s: %w", res.kind, err)
	}
	return res.get(c.Request.Context(), db, v.Key())
}

func (res resource[T, P]) delete(ctx context.Context, db *gorm.DB, id uint64) error {
	r := db.WithContext(ctx).Delete(P(new(T)), id)
	if r.Error != nil {
		if p := dbProblem(res.kind, r.Error); p != nil {
			return p
		}
		return fmt.Errorf("delete %s %d: %w", res.kind, id, r.Error)
	}
	if r.RowsAffected == 0 {
		return notFound(res.kind, id)
	}
	return nil
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

// decodeJSON reads a JSON body strictly: an unknown field is an error that
// names it, since a misspelt field would otherwise be silently dropped.
func decodeJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return badRequest("read body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fieldErrors{{Field: te.Field, Detail: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)}}.problem("request")
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field := strings.Trim(f, `"`)
			return fieldErrors{{Field: field, Detail: "is not a known field"}}.problem("request")
		}
		return badRequest("the request body is not valid JSON: %v", err)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "uint64", "int32", "uint", "uint32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return goKind
}

func pathID(c *gin.Context, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("%s %q in the path is not a positive whole number", name, c.Param(name))
	}
	return id, nil
}

func paging(c *gin.Context) (pageNo, perPage int, err error) {
	pageNo, perPage = 1, 50
	if s := c.Query("page"); s != "" {
		if pageNo, err = strconv.Atoi(s); err != nil || pageNo < 1 {
			return 0, 0, fieldErrors{{Field: "page", Detail: "must be a whole number from 1"}}.problem("query")
		}
	}
	if s := c.Query("per_page"); s != "" {
		if perPage, err = strconv.Atoi(s); err != nil || perPage < 1 || perPage > 1000 {
			return 0, 0, fieldErrors{{Field: "per_page", Detail: "must be a whole number from 1 to 1000"}}.problem("query")
		}
	}
	return pageNo, perPage, nil
}

// listPage answers one page of q's rows, in order, each shown by view.
func listPage[M any, V any](c *gin.Context, q *gorm.DB, order, what string, view func(*M) (V, error)) {
	pageNo, perPage, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	out := page[V]{Page: pageNo, PerPage: perPage, Items: []V{}}
	if err := q.Count(&out.Total).Error; err != nil {
		fail(c, fmt.Errorf("count %s: %w", what, err))
		return
	}
	var found []M
	if err := q.Order(order).Offset((pageNo - 1) * perPage).Limit(perPage).Find(&found).Error; err != nil {
		fail(c, fmt.Errorf("list %s: %w", what, err))
		return
	}
	for i := range found {
		v, err := view(&found[i])
		if err != nil {
			fail(c, err)
			return
		}
		out.Items = append(out.Items, v)
	}
	c.JSON(http.StatusOK, out)
}
