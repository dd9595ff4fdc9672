package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// What PostgreSQL can store, checked before a request reaches it so that a
// hostile value is a 422 naming its field rather than a 500: text holds no
// NUL byte and only valid UTF-8, a Go int is stored in an integer column
// (int4) and a uint64 ID in a bigint.

// maxStorableErrors bounds the fields named in one answer: a batch of
// 10,000 bad contacts is refused by its first few.
const maxStorableErrors = 20

// checkStorable adds to e each string and number of v, named by its JSON
// path from path, that its column cannot hold.
func checkStorable(v reflect.Value, path string, e *fieldErrors) {
	if len(*e) >= maxStorableErrors {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkStorable(v.Elem(), path, e)
		}
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			e.add(fieldName(path), "holds a NUL byte, which cannot be stored")
		}
	case reflect.Int, reflect.Int32:
		if n := v.Int(); n < math.MinInt32 || n > math.MaxInt32 {
			e.add(fieldName(path), "is %d, outside the range %d to %d", n, math.MinInt32, math.MaxInt32)
		}
	case reflect.Uint, reflect.Uint64:
		if n := v.Uint(); n > math.MaxInt64 {
			e.add(fieldName(path), "is %d, past the largest ID %d", n, int64(math.MaxInt64))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case name == "" && f.Anonymous:
				checkStorable(v.Field(i), path, e)
				continue
			case name == "":
				name = f.Name
			}
			checkStorable(v.Field(i), joinField(path, name), e)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw JSON or bytes, not stored as text
		}
		for i := range v.Len() {
			checkStorable(v.Index(i), fmt.Sprintf("%s[%d]", path, i), e)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			field := joinField(path, fmt.Sprint(it.Key().Interface()))
			if it.Key().Kind() == reflect.String && strings.IndexByte(it.Key().String(), 0) >= 0 {
				e.add(fieldName(path), "has a key holding a NUL byte, which cannot be stored")
			}
			checkStorable(it.Value(), field, e)
		}
	}
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldName names the whole body when the value is the body itself.
func fieldName(path string) string {
	if path == "" {
		return "request"
	}
	return path
}

// invalidUTF8Field names the first string of body, a key or a value, that
// is not valid UTF-8.
func invalidUTF8Field(body []byte) string {
	return findField(body, func(_ string, tok any, raw []byte) bool {
		_, isString := tok.(string)
		return isString && !utf8.Valid(raw)
	})
}

// numberField names the first number of body that is number and is at
// field, as encoding/json names it: without the indexes of arrays.
func numberField(body []byte, field, number string) string {
	return findField(body, func(path string, tok any, _ []byte) bool {
		n, isNumber := tok.(json.Number)
		return isNumber && n.String() == number && arrayIndex.ReplaceAllString(path, "") == field
	})
}

var arrayIndex = regexp.MustCompile(`\[\d+\]`)

// findField names, as a JSON path, the first token of body (a key or a
// value) that match takes, given its raw bytes; "request" when none does.
// body is valid JSON.
func findField(body []byte, match func(path string, tok any, raw []byte) bool) string {
	type frame struct {
		array  bool
		index  int
		key    string
		wanted bool // an object's next token is a key
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				fmt.Fprintf(&b, "[%d]", f.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return fieldName(b.String())
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.array {
			top.index++
		} else {
			top.wanted = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	start := dec.InputOffset()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "request"
		}
		raw := body[start:dec.InputOffset()]
		start = dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{wanted: true})
			case '[':
				stack = append(stack, &frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wanted {
				stack[n-1].key, stack[n-1].wanted = t, false
				if match(path(), tok, raw) {
					return path()
				}
				continue
			}
		}
		if match(path(), tok, raw) {
			return path()
		}
		valueDone()
	}
}

// pathText is a text parameter of the path, which must be storable text.
func pathText(c *gin.Context, name string) (string, error) {
	return storableText(c.Param(name), name, "path")
}

// queryText is a text parameter of the query, which must be storable text.
func queryText(c *gin.Context, name string) (string, error) {
	return storableText(c.Query(name), name, "query")
}

func storableText(s, name, kind string) (string, error) {
	var e fieldErrors
	switch {
	case !utf8.ValidString(s):
		e.add(name, "is not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		e.add(name, "holds a NUL byte")
	}
	return s, e.problem(kind)
}
