package api

import (
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/models"
)

// routes registers each handler with gin and describes it in the OpenAPI
// document in the same call, so the two cannot drift apart.
type routes struct {
	group   *gin.RouterGroup
	prefix  string
	doc     *openapi3.T
	schemas openapi3.Schemas
	gen     *openapi3gen.Generator
	// requests describes request bodies: without read-only fields.
	requests *openapi3gen.Generator
}

// op describes one operation for the OpenAPI document.
type op struct {
	summary  string
	tag      string
	request  any // a value of the JSON body's type, or nil
	response any // a value of the 2xx body's type, or nil
	status   int // the success status; 200 when zero
	query    []string
	form     *openapi3.Schema // the fields of a multipart/form-data body
	produces string           // a response media type other than JSON
}

func newRoutes(engine *gin.Engine, prefix string) *routes {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       "Outdial API",
			Version:     "1.0.0",
			Description: "Admin, agent and dialer API of Outdial, the outbound campaign manager. Errors are RFC 9457 problem details.",
		},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}},
	}
	return &routes{group: engine.Group(prefix), prefix: prefix, doc: doc, schemas: doc.Components.Schemas,
		gen:      openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(), openapi3gen.SchemaCustomizer(describe(false))),
		requests: openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(), openapi3gen.SchemaCustomizer(describe(true)))}
}

// describe fills a generated schema from its field's tags: doc is its
// description, enum its values ("a,b,c"), readonly marks what Outdial sets,
// which a request's schema (forRequest) leaves out.
func describe(forRequest bool) openapi3gen.SchemaCustomizerFn {
	return func(name string, t reflect.Type, tag reflect.StructTag, schema *openapi3.Schema) error {
		if t == reflect.TypeFor[models.Date]() {
			*schema = *openapi3.NewStringSchema().WithFormat("date")
		}
		if d := tag.Get("doc"); d != "" {
			schema.Description = d
		} else if d := fieldDocs[name]; d != "" && tag.Get("json") != "" {
			schema.Description = d
		}
		if e := tag.Get("enum"); e != "" {
			for v := range strings.SplitSeq(e, ",") {
				schema.Enum = append(schema.Enum, v)
			}
		} else if values, ok := fieldEnums[name]; ok && tag.Get("json") != "" {
			for _, v := range values {
				schema.Enum = append(schema.Enum, v)
			}
		}
		if tag.Get("readonly") == "true" {
			schema.ReadOnly = true
		}
		if t.Kind() == reflect.Struct && len(schema.Properties) > 0 {
			if forRequest {
				for _, name := range models.ReadOnly(t) {
					delete(schema.Properties, name)
				}
			}
			schema.Required = slices.DeleteFunc(required(t, forRequest), func(n string) bool { return schema.Properties[n] == nil })
		}
		return nil
	}
}

// required are the JSON names of t's fields a body always has: in an
// answer, every field not omitted when empty; in a request, those tagged
// required:"true", without which it is refused.
func required(t reflect.Type, forRequest bool) []string {
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, required(f.Type, forRequest)...)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if forRequest && f.Tag.Get("required") == "true" || !forRequest && !strings.Contains(opts, "omitempty") {
			out = append(out, name)
		}
	}
	return out
}

func (r *routes) handle(method, path string, o op, h gin.HandlerFunc) {
	r.group.Handle(method, path, func(c *gin.Context) {
		if err := knownQuery(c, o.query); err != nil {
			fail(c, err)
			return
		}
		h(c)
	})
	full := r.prefix + path
	oaPath := toOpenAPIPath(full)
	item := r.doc.Paths.Value(oaPath)
	if item == nil {
		item = &openapi3.PathItem{}
		r.doc.Paths.Set(oaPath, item)
	}
	operation := openapi3.NewOperation()
	operation.Summary = o.summary
	operation.OperationID = method + " " + oaPath
	if o.tag != "" {
		operation.Tags = []string{o.tag}
	}
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, ":") {
			p := openapi3.NewPathParameter(seg[1:]).WithSchema(openapi3.NewStringSchema())
			p.Description = "The " + seg[1:] + " of the object the path names."
			operation.AddParameter(p)
		}
	}
	for _, q := range o.query {
		p := openapi3.NewQueryParameter(q).WithSchema(openapi3.NewStringSchema())
		p.Description = queryDocs[q]
		operation.AddParameter(p)
	}
	if o.request != nil {
		body := openapi3.NewRequestBody().WithJSONSchemaRef(r.schemaOf(r.requests, o.request)).WithRequired(true)
		operation.RequestBody = &openapi3.RequestBodyRef{Value: body}
	} else if o.form != nil {
		body := openapi3.NewRequestBody().WithRequired(true).WithContent(openapi3.NewContentWithSchema(o.form, []string{"multipart/form-data"}))
		operation.RequestBody = &openapi3.RequestBodyRef{Value: body}
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := openapi3.NewResponse().WithDescription(http.StatusText(status))
	switch {
	case o.produces != "":
		resp.WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{o.produces}))
	case o.response != nil:
		resp.WithJSONSchemaRef(r.schemaFor(o.response))
	}
	operation.AddResponse(status, resp)
	problem := openapi3.NewResponse().WithDescription("RFC 9457 problem details").
		WithContent(openapi3.NewContentWithSchemaRef(r.schemaFor(Problem{}), []string{"application/problem+json"}))
	operation.AddResponse(0, problem)
	item.SetOperation(method, operation)
}

func (r *routes) schemaFor(v any) *openapi3.SchemaRef { return r.schemaOf(r.gen, v) }

func (r *routes) schemaOf(gen *openapi3gen.Generator, v any) *openapi3.SchemaRef {
	ref, err := gen.NewSchemaRefForValue(v, r.schemas)
	if err != nil {
		// Only a type the generator cannot describe gets here: a programming error.
		panic("openapi schema for " + reflect.TypeOf(v).String() + ": " + err.Error())
	}
	return ref
}

// toOpenAPIPath turns gin's "/modes/:id" into OpenAPI's "/modes/{id}".
func toOpenAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// knownQuery refuses query parameters the route does not read: a misspelt
// filter would otherwise answer as if none were asked.
func knownQuery(c *gin.Context, known []string) error {
	var e fieldErrors
	for _, name := range slices.Sorted(maps.Keys(c.Request.URL.Query())) {
		if !slices.Contains(known, name) {
			if len(known) == 0 {
				e.add(name, "is not a parameter of %s %s, which takes none", c.Request.Method, c.FullPath())
			} else {
				e.add(name, "is not a parameter of %s %s; it takes %s", c.Request.Method, c.FullPath(), strings.Join(known, ", "))
			}
		}
	}
	return e.problem("query")
}
