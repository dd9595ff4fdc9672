package api

import (
	"bytes"
	"errors"
	"io"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/models"
)

// signedRoute is the one route a webhook dialer may call with a signature
// (apikey.Signed) instead of a key: its outcome reports.
const signedRoute = v1 + "/attempts/:id/telephony-outcome"

// signed reports whether the request is to be authenticated by its
// signature: it has one and no key.
func signed(c *gin.Context, route string) bool {
	return route == signedRoute && c.GetHeader("Authorization") == "" && c.GetHeader(apikey.SignatureHeader) != ""
}

// authenticateSigned checks a signed outcome report over its raw body,
// which it puts back for the handler.
func authenticateSigned(c *gin.Context, keys *apikey.Store) (*models.APIKey, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, MaxJSONBytes+1))
	if err != nil {
		return nil, badRequest("read the request body: %v", err)
	}
	if len(body) > MaxJSONBytes {
		return nil, tooLarge("Request too large", "the request body is over the limit of %d bytes (%d MiB)", MaxJSONBytes, MaxJSONBytes>>20)
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	key, err := keys.Signed(c.Request.Context(), c.GetHeader(apikey.EntryPointHeader), c.GetHeader(apikey.TimestampHeader),
		c.GetHeader(apikey.SignatureHeader), c.Param("id"), body)
	if errors.Is(err, apikey.ErrBadSignature) {
		return nil, unauthorized(err.Error())
	}
	return key, err
}
