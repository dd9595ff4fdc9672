package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// Problem is an RFC 9457 problem details body. Errors names each field that
// is wrong, so a client can put the message beside the right input.
type Problem struct {
	Type   string       `json:"type" doc:"A URI reference naming the problem, such as /problems/validation."`
	Title  string       `json:"title"`
	Status int          `json:"status" doc:"The HTTP status."`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError says what is wrong with one field of a request: the domain's
// fault.Field, answered as it is.
type FieldError = fault.Field

func (p *Problem) Error() string { return p.Detail }

// fieldErrors collects every problem with a request before answering, so a
// client sees them all at once.
type fieldErrors fault.Fields

func (e *fieldErrors) add(field, format string, args ...any) {
	(*fault.Fields)(e).Add(field, format, args...)
}

// problem is the Invalid fault about kind naming every field, or nil when
// there are none.
func (e fieldErrors) problem(kind string) error {
	return fault.Fields(e).Err(kind)
}

func badRequest(detail string, args ...any) *Problem {
	return &Problem{Type: "/problems/bad-request", Title: "Bad request", Status: http.StatusBadRequest, Detail: fmt.Sprintf(detail, args...)}
}

// tooLarge refuses a request over a size limit, which detail states.
func tooLarge(title, detail string, args ...any) *Problem {
	return &Problem{Type: "/problems/too-large", Title: title, Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf(detail, args...)}
}

// fromFault is the problem a domain fault is answered with.
func fromFault(f *fault.Error) *Problem {
	subject := f.Subject
	if subject == "" {
		subject = "request"
	}
	switch f.Kind {
	case fault.Invalid:
		return &Problem{Type: "/problems/validation", Title: "Invalid " + subject, Status: http.StatusUnprocessableEntity, Detail: f.Detail, Errors: f.Fields}
	case fault.NotFound:
		return &Problem{Type: "/problems/not-found", Title: "Not found", Status: http.StatusNotFound, Detail: f.Detail}
	case fault.Conflict:
		return &Problem{Type: "/problems/conflict", Title: "Conflict", Status: http.StatusConflict, Detail: f.Detail, Errors: f.Fields}
	}
	return unavailable()
}

// unavailable answers a dependency's outage without its internals: the
// same request may succeed later.
func unavailable() *Problem {
	return &Problem{Type: "/problems/unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
		Detail: "a service Outdial depends on did not answer; try again shortly"}
}

// maxLoggedError bounds an error's message in the log: a PostgreSQL error
// can quote a value of megabytes.
const maxLoggedError = 2 << 10

// logged records err for the logging middleware, its message cut to
// maxLoggedError.
func logged(c *gin.Context, err error) {
	if msg := err.Error(); len(msg) > maxLoggedError {
		cut := strings.ToValidUTF8(msg[:maxLoggedError], "")
		err = fmt.Errorf("%s… (%d more bytes)", cut, len(msg)-len(cut))
	}
	c.Error(err) //nolint:errcheck // recorded for the logging middleware
}

// fail answers with err as a problem. A domain fault is answered by its
// kind, a database that does not answer with 503; any other error is
// logged and answered as 500 without internals.
func fail(c *gin.Context, err error) {
	var p *Problem
	f, isFault := fault.As(err)
	switch {
	case errors.As(err, &p):
	case isFault:
		p = fromFault(f)
		if f.Kind == fault.Unavailable {
			logged(c, err)
		}
	case models.Unavailable(err):
		logged(c, err)
		p = unavailable()
	default:
		logged(c, err)
		p = &Problem{Type: "/problems/internal", Title: "Internal error", Status: http.StatusInternalServerError, Detail: "the server failed; the error is in its log"}
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
