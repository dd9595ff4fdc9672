// Package fault is the errors Outdial's domain packages return for what a
// caller can act on: a request that is invalid (naming each field at
// fault), a missing object, a conflict with the object's state, or a
// dependency that is down. The HTTP API maps each kind to
// its status; any other error is the server's own failure.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is what went wrong, from the caller's side.
type Kind int

// The kinds of fault.
const (
	// Invalid: the request's values are wrong; Fields names them.
	Invalid Kind = iota + 1
	// NotFound: the object does not exist.
	NotFound
	// Conflict: the object's state does not allow the request.
	Conflict
	// Unavailable: a dependency (PostgreSQL, Temporal) did not answer;
	// the same request may succeed later.
	Unavailable
)

// Error is a fault with a message for the caller.
type Error struct {
	Kind Kind
	// Subject is what the request was about ("campaign", "upload"), for a title.
	Subject string
	Detail  string
	Fields  Fields
	// Err is the cause, for logs; it is never shown to the caller.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Detail + ": " + e.Err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// As returns err's fault, if it has one.
func As(err error) (*Error, bool) {
	var f *Error
	ok := errors.As(err, &f)
	return f, ok
}

// Refused reports whether err refuses the request for good: invalid, not
// found or in conflict. Any other error may pass if the request is sent
// again.
func Refused(err error) bool {
	f, ok := As(err)
	return ok && f.Kind != Unavailable
}

// Is reports whether err is a fault of kind k.
func Is(err error, k Kind) bool {
	f, ok := As(err)
	return ok && f.Kind == k
}

// NotFoundf says that subject id does not exist.
func NotFoundf(subject string, id any) error {
	return &Error{Kind: NotFound, Subject: subject, Detail: fmt.Sprintf("%s %v does not exist", subject, id)}
}

// Conflictf says the object's state refuses the request; field, when not
// empty, is the field the conflict is about.
func Conflictf(field, format string, args ...any) error {
	d := fmt.Sprintf(format, args...)
	e := &Error{Kind: Conflict, Detail: d}
	if field != "" {
		e.Fields = Fields{{Field: field, Detail: d}}
	}
	return e
}

// Invalidf says the request is invalid, without naming a field.
func Invalidf(subject, format string, args ...any) error {
	return &Error{Kind: Invalid, Subject: subject, Detail: fmt.Sprintf(format, args...)}
}

// Unavailablef wraps err, a dependency's failure to answer.
func Unavailablef(err error, format string, args ...any) error {
	return &Error{Kind: Unavailable, Detail: fmt.Sprintf(format, args...), Err: err}
}

// Field says what is wrong with one field of a request.
type Field struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Fields collects every problem with a request before answering, so the
// caller sees them all at once.
type Fields []Field

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, Field{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// Conflict is a Conflict fault about subject naming every field (each
// what stands in the way), or nil when there are none.
func (f Fields) Conflict(subject string) error {
	err, ok := As(f.Err(subject))
	if !ok {
		return nil
	}
	err.Kind = Conflict
	return err
}

// Err is an Invalid fault about subject naming every field, or nil when
// there are none.
func (f Fields) Err(subject string) error {
	if len(f) == 0 {
		return nil
	}
	details := make([]string, len(f))
	for i, x := range f {
		details[i] = x.Field + ": " + x.Detail
	}
	return &Error{Kind: Invalid, Subject: subject, Detail: strings.Join(details, "; "), Fields: f}
}
