package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
)

// TestFieldProblemBody pins the JSON of a problem that names fields, the
// body clients put beside their inputs.
func TestFieldProblemBody(t *testing.T) {
	var e fieldErrors
	e.add("name", "is required")
	e.add("min_length", "%d is greater than max_length %d", 12, 8)
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	fail(c, e.problem("mode"))
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.JSONEq(t, `{"type":"/problems/validation","title":"Invalid mode","status":422,
		"detail":"name: is required; min_length: 12 is greater than max_length 8",
		"errors":[{"field":"name","detail":"is required"},{"field":"min_length","detail":"12 is greater than max_length 8"}]}`, rec.Body.String())
	require.NoError(t, fieldErrors(nil).problem("mode"))
}
