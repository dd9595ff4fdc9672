package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/fault"
)

// TestLargestBatchFitsTheBodyLimit: the 10,000 contacts a batch may hold,
// each with two numbers and a dozen 100-byte attributes, fit under the
// JSON body limit.
func TestLargestBatchFitsTheBodyLimit(t *testing.T) {
	batch := ContactBatch{Contacts: make([]ContactInput, 10000)}
	for i := range batch.Contacts {
		attrs := map[string]string{}
		for a := range 12 {
			attrs[fmt.Sprintf("Attribute%02d", a)] = strings.Repeat("é", 50)
		}
		batch.Contacts[i] = ContactInput{ExternalKey: fmt.Sprintf("customer-%08d", i), TimeZone: "America/Chicago", Attributes: attrs,
			Numbers: map[string]string{"Mobile": "+1 (469) 562-2405", "Home": "+1 (214) 334-5678"}}
	}
	body, err := json.Marshal(batch)
	require.NoError(t, err)
	t.Logf("a batch of %d contacts is %d bytes; the limit is %d", len(batch.Contacts), len(body), MaxJSONBytes)
	var got ContactBatch
	require.NoError(t, decodeJSON(bytes.NewReader(body), &got))
	require.Len(t, got.Contacts, 10000)
}

// FuzzDecodeContactBatch: whatever the body of the JSON contacts path,
// decodeJSON answers a 400, 413 or 422 problem or yields a batch whose
// every string PostgreSQL can store; it never panics.
func FuzzDecodeContactBatch(f *testing.F) {
	for _, seed := range []string{
		`{"contacts":[{"external_key":"K1","numbers":{"Mobile":"469-562-2405"},"time_zone":"America/Chicago","attributes":{"Name":"Zoë"}}]}`,
		`{"list_id":9223372036854775808,"contacts":[]}`,
		`{"contacts":[{"numbers":{"Mobile":"a\u0000"}}]}`,
		"{\"contacts\":[{\"attributes\":{\"N\xc3\":\"x\"}}]}",
		`{"contacts":[]} {}`,
		`[1,2`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var batch ContactBatch
		err := decodeJSON(bytes.NewReader(body), &batch)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) {
				f, ok := fault.As(err)
				require.True(t, ok, "%T %v", err, err)
				p = fromFault(f)
			}
			require.Contains(t, []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}, p.Status, "%v", err)
			return
		}
		require.LessOrEqual(t, batch.ListID, uint64(math.MaxInt64))
		storable := func(s string) {
			require.True(t, utf8.ValidString(s) && !strings.Contains(s, "\x00"), "%q", s)
		}
		for _, c := range batch.Contacts {
			storable(c.ExternalKey)
			storable(c.TimeZone)
			for _, m := range []map[string]string{c.Numbers, c.Attributes} {
				for k, v := range m {
					storable(k)
					storable(v)
				}
			}
		}
	})
}

// TestLoggedErrorsAreBounded: an error answered as a 500 reaches the log
// cut to a few KiB, however long its message.
func TestLoggedErrorsAreBounded(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	fail(c, errors.New(strings.Repeat("x", 50<<20)))
	require.Len(t, c.Errors, 1)
	require.LessOrEqual(t, len(c.Errors.String()), maxLoggedError+64)
	require.Contains(t, c.Errors.String(), "more bytes")
}
