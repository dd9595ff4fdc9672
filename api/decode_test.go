package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
