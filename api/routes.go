package api

import (
	"net/http"
	"reflect"
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
}

// op describes one operation for the OpenAPI document.
type op struct {
	summary  string
	tag      string
	request  any // a value of the JSON body's type, or nil
	response any // a value of the 2xx body's type, or nil
	status   int // the success status; 200 when zero
	query    []string
	consumes string // a request media type other than JSON
	produces string // a response media type other than JSON
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
	dateSchema := openapi3.NewStringSchema().WithFormat("date")
	gen := openapi3gen.NewGenerator(
		openapi3gen.UseAllExportedFields(),
		openapi3gen.SchemaCustomizer(func(name string, t reflect.Type, tag reflect.StructTag, schema *openapi3.Schema) error {
			if t == reflect.TypeFor[models.Date]() {
				*schema = *dateSchema
			}
			return nil
		}),
	)
	return &routes{group: engine.Group(prefix), prefix: prefix, doc: doc, schemas: doc.Components.Schemas, gen: gen}
}

func (r *routes) handle(method, path string, o op, h gin.HandlerFunc) {
	r.group.Handle(method, path, h)
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
			operation.AddParameter(openapi3.NewPathParameter(seg[1:]).WithSchema(openapi3.NewStringSchema()))
		}
	}
	for _, q := range o.query {
		operation.AddParameter(openapi3.NewQueryParameter(q).WithSchema(openapi3.NewStringSchema()))
	}
	if o.request != nil {
		body := openapi3.NewRequestBody().WithJSONSchemaRef(r.schemaFor(o.request)).WithRequired(true)
		operation.RequestBody = &openapi3.RequestBodyRef{Value: body}
	} else if o.consumes != "" {
		body := openapi3.NewRequestBody().WithContent(openapi3.NewContentWithSchema(openapi3.NewObjectSchema(), []string{o.consumes}))
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

func (r *routes) schemaFor(v any) *openapi3.SchemaRef {
	ref, err := r.gen.NewSchemaRefForValue(v, r.schemas)
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
