package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/models"
)

// object is what a route's :id names, so a bound key can be held to its own.
type object int

const (
	anyObject object = iota // no :id, or one every key of the role may reach
	campaignObject
	listObject
	contactObject
	agentObject
	previewObject
	attemptObject
)

// grant is which roles besides admin may use a route, and what its :id is
// for each. A route without a grant is the admin's alone.
type grant map[string]object

const v1 = "/api/v1"

// configurationKinds are read by supervisors and changed by admins only.
var configurationKinds = []string{"modes", "timezones", "outcome-groups", "contact-strategies", "callback-strategies", "entry-points", "dnc-lists", "campaign-groups", "teams"}

// access is the whole access policy: "METHOD route" to its grant. The
// route table test holds it to every registered route.
var access = func() map[string]grant {
	sup, agent, dialer := models.RoleSupervisor, models.RoleAgent, models.RoleDialer
	a := map[string]grant{
		"GET " + v1 + "/dnc-lists/:id/entries": {sup: anyObject},
		"GET " + v1 + "/key":                   {sup: anyObject, agent: anyObject, dialer: anyObject},

		"GET " + v1 + "/campaigns":            {sup: anyObject},
		"POST " + v1 + "/campaigns":           {sup: anyObject},
		"GET " + v1 + "/campaigns/:id":        {sup: campaignObject},
		"PUT " + v1 + "/campaigns/:id":        {sup: campaignObject},
		"DELETE " + v1 + "/campaigns/:id":     {sup: campaignObject},
		"GET " + v1 + "/agents":               {sup: anyObject},
		"POST " + v1 + "/agents":              {sup: anyObject},
		"GET " + v1 + "/agents/:id":           {sup: agentObject, agent: agentObject},
		"PUT " + v1 + "/agents/:id":           {sup: agentObject},
		"DELETE " + v1 + "/agents/:id":        {sup: agentObject},
		"PUT " + v1 + "/agents/:id/state":     {sup: agentObject, agent: agentObject},
		"POST " + v1 + "/agents/:id/preview":  {agent: agentObject},
		"POST " + v1 + "/previews/:id/accept": {agent: previewObject},
		"POST " + v1 + "/previews/:id/skip":   {agent: previewObject},

		"GET " + v1 + "/contacts/:id":                    {sup: contactObject, agent: contactObject},
		"GET " + v1 + "/contacts/:id/eligibility":        {sup: contactObject},
		"POST " + v1 + "/contacts/:id/release":           {sup: contactObject},
		"POST " + v1 + "/contacts/:id/close":             {sup: contactObject},
		"POST " + v1 + "/campaigns/:id/contacts/close":   {sup: campaignObject},
		"GET " + v1 + "/attempts":                        {sup: anyObject, agent: anyObject, dialer: anyObject}, // each key's own: the handler narrows
		"POST " + v1 + "/attempts/:id/telephony-outcome": {dialer: attemptObject},
		"GET " + v1 + "/attempts/:id/wrapup-codes":       {agent: attemptObject},
		"POST " + v1 + "/attempts/:id/wrapup":            {agent: attemptObject},

		"POST " + v1 + "/campaigns/:id/lists":    {sup: campaignObject},
		"GET " + v1 + "/campaigns/:id/lists":     {sup: campaignObject},
		"POST " + v1 + "/campaigns/:id/contacts": {sup: campaignObject},
		"GET " + v1 + "/lists/:id":               {sup: listObject},
		"DELETE " + v1 + "/lists/:id":            {sup: listObject},
		"POST " + v1 + "/lists/:id/stop":         {sup: listObject},
		"POST " + v1 + "/lists/:id/start":        {sup: listObject},
		"GET " + v1 + "/lists/:id/contacts":      {sup: listObject},
		"GET " + v1 + "/lists/:id/failed-rows":   {sup: listObject},
		"GET " + v1 + "/campaigns/:id/export":    {sup: campaignObject},
		"GET " + v1 + "/lists/:id/export":        {sup: listObject},
		"GET " + v1 + "/campaigns/:id/stats":     {sup: campaignObject},
		"GET " + v1 + "/lists/:id/stats":         {sup: listObject},
	}
	for _, action := range campaign.Actions {
		a["POST "+v1+"/campaigns/:id/"+action] = grant{sup: campaignObject}
	}
	for _, kind := range configurationKinds {
		a["GET "+v1+"/"+kind] = grant{sup: anyObject}
		a["GET "+v1+"/"+kind+"/:id"] = grant{sup: anyObject}
	}
	return a
}()

// keyContext holds the API key a request was made with.
const keyContext = "outdial.api-key"

func unauthorized(detail string) *Problem {
	return &Problem{Type: "/problems/unauthorized", Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: detail}
}

func forbidden(detail string) *Problem {
	return &Problem{Type: "/problems/forbidden", Title: "Forbidden", Status: http.StatusForbidden, Detail: detail}
}

// open reports whether a route is answered without a key.
func (s *Server) open(route string) bool {
	switch route {
	case "/healthz", "/readyz", "/", consoleFiles:
		return true // the console's pages sign in with a key of their own
	}
	return docs(route) && !s.PrivateDocs
}

// docs reports whether route describes the service rather than its data:
// open by default, for any key with PrivateDocs.
func docs(route string) bool { return route == "/openapi.json" || route == "/metrics" || route == v1 }

// authorize answers 401 without a valid key and 403 when the key's role or
// binding may not use the route, 429 past the key's rate, and audits every write made with a key.
func (s *Server) authorize(keys *apikey.Store, limits *keyLimits) gin.HandlerFunc {
	return func(c *gin.Context) {
		route := c.FullPath()
		if s.open(route) {
			c.Next()
			return
		}
		var key *models.APIKey
		var err error
		if signed(c, route) {
			key, err = authenticateSigned(c, keys)
		} else {
			key, err = s.authenticate(c, keys)
		}
		if err != nil {
			fail(c, err)
			return
		}
		if ok, after := limits.allow(key); !ok && key != s.Keyless {
			limits.refuse(c, after)
			return
		}
		if route == "" || docs(route) { // no such route: the 404 is for keys only
			c.Next()
			return
		}
		if err := permit(c.Request.Context(), keys, key, c.Request.Method, route, c.Param("id")); err != nil {
			fail(c, err)
			s.audit(c, keys, key, route)
			return
		}
		if err := supervisorTeams(c, key, route); err != nil {
			fail(c, err)
			s.audit(c, keys, key, route)
			return
		}
		c.Set(keyContext, key)
		c.Next()
		s.audit(c, keys, key, route)
	}
}

func (s *Server) authenticate(c *gin.Context, keys *apikey.Store) (*models.APIKey, error) {
	header := c.GetHeader("Authorization")
	if header == "" && s.Keyless != nil {
		return s.Keyless, nil
	}
	secret, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(secret) == "" {
		return nil, unauthorized("send an API key as Authorization: Bearer <key>")
	}
	key, err := keys.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
	switch {
	case errors.Is(err, apikey.ErrUnknown), errors.Is(err, apikey.ErrRevoked), errors.Is(err, apikey.ErrExpired):
		return nil, unauthorized("the API key is unknown, revoked or expired")
	case err != nil:
		return nil, err
	}
	return key, nil
}

// permit is nil when key may use the route on the object id names.
func permit(ctx context.Context, keys *apikey.Store, key *models.APIKey, method, route, id string) error {
	if key.Role == models.RoleAdmin {
		return nil
	}
	what, granted := access[method+" "+route][key.Role]
	if !granted {
		return forbidden("the " + key.Role + " key may not " + method + " " + route)
	}
	owns, err := owned(ctx, keys, key, what, id)
	if err != nil {
		return err
	}
	if !owns {
		return forbidden("this " + key.Role + " key is not bound to " + route + " with id " + id)
	}
	return nil
}

// owned reports whether the object id names is within what key is bound
// to: a supervisor's teams, an agent's own agent, a dialer's entry point.
func owned(ctx context.Context, keys *apikey.Store, key *models.APIKey, what object, id string) (bool, error) {
	if what == anyObject {
		return true, nil
	}
	if what == attemptObject {
		switch key.Role {
		case models.RoleAgent:
			return keys.AttemptOfAgent(ctx, id, *key.AgentID)
		case models.RoleDialer:
			if key.EntryPointID == nil {
				return true, nil
			}
			return keys.AttemptViaEntryPoint(ctx, id, *key.EntryPointID)
		}
		return false, nil
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return false, nil //nolint:nilerr // an id that is no number names nothing the key owns
	}
	teams := []uint64(key.TeamIDs)
	switch {
	case key.Role == models.RoleSupervisor && what == campaignObject:
		return keys.CampaignInTeams(ctx, n, teams)
	case key.Role == models.RoleSupervisor && what == listObject:
		return keys.ListInTeams(ctx, n, teams)
	case key.Role == models.RoleSupervisor && what == contactObject:
		return keys.ContactInTeams(ctx, n, teams)
	case key.Role == models.RoleSupervisor && what == agentObject:
		return keys.AgentInTeams(ctx, n, teams)
	case key.Role == models.RoleAgent && what == agentObject:
		return n == *key.AgentID, nil
	case key.Role == models.RoleAgent && what == previewObject:
		return keys.PreviewOfAgent(ctx, n, *key.AgentID)
	case key.Role == models.RoleAgent && what == contactObject:
		return keys.ContactOnCards(ctx, n, *key.AgentID)
	}
	return false, nil
}

// audit records a write made with a key, in the table and in the log.
func (s *Server) audit(c *gin.Context, keys *apikey.Store, key *models.APIKey, route string) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return
	}
	object := c.Param("id")
	if n := c.Param("number"); n != "" {
		object += "/" + n
	}
	e := models.AuditEntry{KeyID: key.ID, KeyName: key.Name, Role: key.Role, Method: c.Request.Method, Route: route, Object: object, Status: c.Writer.Status()}
	s.Log.Info("audit", "key_id", e.KeyID, "key", e.KeyName, "role", e.Role, "method", e.Method, "route", e.Route, "object", e.Object, "status", e.Status)
	// The answer is sent; the entry must be written even if the client left.
	if err := keys.Record(context.WithoutCancel(c.Request.Context()), e); err != nil {
		s.Log.Error("audit log not written", "error", err, slog.Any("entry", e))
	}
}

// requestKey is the key the request was made with; nil before authorize.
func requestKey(c *gin.Context) *models.APIKey {
	v, _ := c.Get(keyContext)
	key, _ := v.(*models.APIKey)
	return key
}

// keyTeams are the teams a supervisor's key reaches, never nil for one,
// so that its listings keep their objects only; nil for any other key.
func keyTeams(c *gin.Context) []uint64 {
	key := requestKey(c)
	if key == nil || key.Role != models.RoleSupervisor {
		return nil
	}
	return append([]uint64{}, key.TeamIDs...)
}

// teamBodies are the writes whose body names teams: a supervisor may only
// give a campaign or an agent its own teams.
var teamBodies = map[string]bool{
	"POST " + v1 + "/campaigns": true, "PUT " + v1 + "/campaigns/:id": true,
	"POST " + v1 + "/agents": true, "PUT " + v1 + "/agents/:id": true,
}

// supervisorTeams refuses a supervisor's campaign or agent whose teams
// are not all its own, or that has none. A body that is not JSON passes,
// for the handler to answer.
func supervisorTeams(c *gin.Context, key *models.APIKey, route string) error {
	if key.Role != models.RoleSupervisor || !teamBodies[c.Request.Method+" "+route] {
		return nil
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return badRequest("read the request body: %v", err)
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	var named struct {
		TeamIDs []uint64 `json:"team_ids"`
		TeamID  *uint64  `json:"team_id"`
	}
	if json.Unmarshal(body, &named) != nil {
		return nil
	}
	teams := named.TeamIDs
	if named.TeamID != nil {
		teams = append(teams, *named.TeamID)
	}
	if len(teams) == 0 {
		return forbidden("a supervisor key must name its teams (team_ids or team_id)")
	}
	for _, t := range teams {
		if !slices.Contains(key.TeamIDs, t) {
			return forbidden("team " + strconv.FormatUint(t, 10) + " is not one of this supervisor key's teams")
		}
	}
	return nil
}

// describeAccess tells the OpenAPI document that every operation but the
// open ones takes a bearer API key.
func describeAccess(doc *openapi3.T) {
	doc.Components.SecuritySchemes = openapi3.SecuritySchemes{"apiKey": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
		Type: "http", Scheme: "bearer", Description: "an Outdial API key (README, Security)"}},
		"webhookSignature": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: apikey.SignatureHeader,
			Description: "sha256=<hex HMAC-SHA256 of X-Outdial-Timestamp + \".\" + body under the entry point's secret>, with X-Outdial-Timestamp (within 5 minutes) and X-Outdial-Entry-Point; the body names its attempt_id (README, Security)"}}}
	doc.Security = *openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("apiKey"))
	if item := doc.Paths.Value(toOpenAPIPath(signedRoute)); item != nil && item.Post != nil {
		item.Post.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("apiKey")).
			With(openapi3.NewSecurityRequirement().Authenticate("webhookSignature"))
	}
	for _, route := range []string{"/healthz", "/readyz"} {
		if item := doc.Paths.Value(route); item != nil && item.Get != nil {
			item.Get.Security = openapi3.NewSecurityRequirements()
		}
	}
}
