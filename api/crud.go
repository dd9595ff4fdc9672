package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/models"
)

// The HTTP helpers every handler shares: the request's body, path and paging.

// MaxJSONBytes bounds a JSON request body: a batch of 10,000 contacts,
// each with its numbers and a dozen attributes, fits with room to spare.
const MaxJSONBytes = 32 << 20

// decodeJSON reads a JSON body strictly: an unknown field is an error that
// names it, since a misspelt field would otherwise be silently dropped.
// Data after the JSON value is refused rather than ignored, and every
// decoded string and number must fit the column it is stored in.
func decodeJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(io.LimitReader(r, MaxJSONBytes+1))
	if err != nil {
		return badRequest("read body: %v", err)
	}
	if len(body) > MaxJSONBytes {
		return tooLarge("Request too large", "the request body is over the limit of %d bytes (%d MiB)", MaxJSONBytes, MaxJSONBytes>>20)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if n, ok := strings.CutPrefix(te.Value, "number "); ok {
				field := numberField(body, te.Field, n)
				if field == "request" && te.Field != "" {
					field = te.Field
				}
				return fieldErrors{{Field: field, Detail: fmt.Sprintf("must be %s within its range, not %s", jsonKind(te.Type.Kind().String()), n)}}.problem("request")
			}
			return fieldErrors{{Field: te.Field, Detail: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)}}.problem("request")
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field := strings.Trim(f, `"`)
			return fieldErrors{{Field: field, Detail: "is not a known field"}}.problem("request")
		}
		return badRequest("the request body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("the request body has data after its JSON value at byte %d; send one JSON value", dec.InputOffset())
	}
	if err := refuseReadOnly(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	var e fieldErrors
	if !utf8.Valid(body) {
		// encoding/json turns invalid UTF-8 into U+FFFD without a word:
		// the raw body is the only place to see it.
		e.add(invalidUTF8Field(body), "is not valid UTF-8")
	}
	checkStorable(reflect.ValueOf(v), "", &e)
	return e.problem("request")
}

// refuseReadOnly names the fields of body that Outdial sets (models.ReadOnly
// of t): sent back, they would be dropped without a word.
func refuseReadOnly(body []byte, t reflect.Type) error {
	names := models.ReadOnly(t)
	if len(names) == 0 {
		return nil
	}
	var objects []map[string]json.RawMessage
	var one map[string]json.RawMessage
	if json.Unmarshal(body, &one) == nil {
		objects = append(objects, one)
	} else if json.Unmarshal(body, &objects) != nil {
		return nil // decoded already: not an object or a list of them
	}
	var e fieldErrors
	for i, o := range objects {
		for _, name := range names {
			if _, sent := o[name]; !sent {
				continue
			}
			field := name
			if one == nil {
				field = fmt.Sprintf("[%d].%s", i, name)
			}
			e.add(field, "is read-only: Outdial sets it; leave it out of the request")
		}
	}
	return e.problem("request")
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

// pathID reads an ID of the path: IDs are bigserial, so one past int64 is
// no row's and is refused before it reaches PostgreSQL.
func pathID(c *gin.Context, name string) (uint64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(c.Param(name), "-") {
		return 0, fieldErrors{{Field: name, Detail: fmt.Sprintf("is %s, past the largest ID %d", c.Param(name), int64(math.MaxInt64))}}.problem("path")
	}
	if err != nil || id <= 0 {
		return 0, badRequest("%s %q in the path is not a positive whole number", name, c.Param(name))
	}
	return uint64(id), nil
}

// paging reads the page and per_page query parameters: page 1 of 50 when
// they are left out.
func paging(c *gin.Context) (models.PageRequest, error) {
	p := models.PageRequest{Page: 1, PerPage: 50}
	var err error
	if s := c.Query("page"); s != "" {
		if p.Page, err = strconv.Atoi(s); err != nil || p.Page < 1 {
			return models.PageRequest{}, fieldErrors{{Field: "page", Detail: fmt.Sprintf("must be a whole number from 1 to %d", math.MaxInt)}}.problem("query")
		}
	}
	if s := c.Query("per_page"); s != "" {
		if p.PerPage, err = strconv.Atoi(s); err != nil || p.PerPage < 1 || p.PerPage > 1000 {
			return models.PageRequest{}, fieldErrors{{Field: "per_page", Detail: "must be a whole number from 1 to 1000"}}.problem("query")
		}
	}
	return p, nil
}
