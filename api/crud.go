package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/models"
)

// The HTTP helpers every handler shares: the request's body, path and paging.

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

// paging reads the page and per_page query parameters: page 1 of 50 when
// they are left out.
func paging(c *gin.Context) (models.PageRequest, error) {
	p := models.PageRequest{Page: 1, PerPage: 50}
	var err error
	if s := c.Query("page"); s != "" {
		if p.Page, err = strconv.Atoi(s); err != nil || p.Page < 1 {
			return models.PageRequest{}, fieldErrors{{Field: "page", Detail: "must be a whole number from 1"}}.problem("query")
		}
	}
	if s := c.Query("per_page"); s != "" {
		if p.PerPage, err = strconv.Atoi(s); err != nil || p.PerPage < 1 || p.PerPage > 1000 {
			return models.PageRequest{}, fieldErrors{{Field: "per_page", Detail: "must be a whole number from 1 to 1000"}}.problem("query")
		}
	}
	return p, nil
}
