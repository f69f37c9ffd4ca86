package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/hookd/hookd"
)

// ProblemTypeBase is the start of every problem type URI. The rest names the
// error and never changes, so clients can branch on it.
const ProblemTypeBase = "urn:hookd:problem:"

// Problem types.
const (
	TypeMalformedJSON   = ProblemTypeBase + "malformed-json"
	TypeUnknownField    = ProblemTypeBase + "unknown-field"
	TypeValidation      = ProblemTypeBase + "validation-failed"
	TypeBodyTooLarge    = ProblemTypeBase + "body-too-large"
	TypeBadRequest      = ProblemTypeBase + "bad-request"
	TypeUnauthorized    = ProblemTypeBase + "unauthorized"
	TypeForbidden       = ProblemTypeBase + "forbidden"
	TypeAPIDisabled     = ProblemTypeBase + "api-disabled"
	TypePlanForbidden   = ProblemTypeBase + "plan-forbidden"
	TypeQuotaExceeded   = ProblemTypeBase + "quota-exceeded"
	TypeNotFound        = ProblemTypeBase + "not-found"
	TypeConflict        = ProblemTypeBase + "conflict"
	TypeRateLimited     = ProblemTypeBase + "rate-limited"
	TypeMethod          = ProblemTypeBase + "method-not-allowed"
	TypeUnsupportedType = ProblemTypeBase + "unsupported-media-type"
	TypeInternal        = ProblemTypeBase + "internal"
	TypeUnavailable     = ProblemTypeBase + "unavailable"
)

// TypeInsufficientScope is the problem type of a credential that lacks a
// scope the operation needs; the detail names the scope.
const TypeInsufficientScope = ProblemTypeBase + "insufficient-scope"

// Problem is an RFC 9457 problem document, the body of every error answer.
type Problem struct {
	Type     string         `json:"type" doc:"A URI naming the kind of error; stable, for machines" example:"urn:hookd:problem:validation-failed"`
	Title    string         `json:"title" doc:"A short summary of the kind of error" example:"Unprocessable Entity"`
	Status   int            `json:"status" doc:"The HTTP status code" example:"422"`
	Detail   string         `json:"detail,omitempty" doc:"What went wrong this time, for people" example:"The tenant cannot be created."`
	Instance string         `json:"instance,omitempty" doc:"The request path the problem occurred on"`
	Errors   []ProblemField `json:"errors,omitempty" doc:"Every invalid part of the request, for validation errors; for some conflicts, every thing in the way"`

	headers http.Header
}

// ProblemField names one invalid part of a request.
type ProblemField struct {
	Location string `json:"location" doc:"Where: body.<field>, query.<name>, path.<name> or header.<name>; in a conflict, the thing in the way, such as endpoints.<id>" example:"body.slug"`
	Message  string `json:"message" doc:"What is wrong there" example:"must be 1 to 63 lowercase letters, digits or dashes"`
}

func (p *Problem) Error() string { return p.Detail }

// GetStatus returns the HTTP status code.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// GetHeaders returns headers to send with the problem (WWW-Authenticate,
// Retry-After).
func (p *Problem) GetHeaders() http.Header { return p.headers }

// newProblem returns a Problem of the given type and status.
func newProblem(typ string, status int, detail string) *Problem {
	return &Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail}
}

// problemFromError turns any error into a Problem. Domain errors keep their
// message; anything else becomes a 500 whose cause is logged, never shown.
func problemFromError(log *slog.Logger, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var e *hookd.Error
	if !errors.As(err, &e) {
		log.Error("internal error", "err", err)
		return newProblem(TypeInternal, http.StatusInternalServerError, "An internal error has occurred; it has been logged.")
	}
	status := hookd.HTTPStatus(e.Code)
	typ, ok := problemTypes[e.Code]
	if !ok || status == http.StatusInternalServerError {
		log.Error("internal error", "err", err)
		return newProblem(TypeInternal, http.StatusInternalServerError, "An internal error has occurred; it has been logged.")
	}
	var syn *json.SyntaxError
	if e.Code == hookd.EMALFORMED && errors.As(err, &syn) {
		typ = TypeMalformedJSON
	}
	if e.Code == hookd.EUNAVAILABLE {
		// An outage: the operator must hear of it, the client only that
		// it passes.
		log.Error("service unavailable", "err", err)
	}
	p = newProblem(typ, status, e.Message)
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Location: f.Location, Message: f.Message})
	}
	switch status {
	case http.StatusUnauthorized:
		p.headers = http.Header{"Www-Authenticate": wwwAuthenticate}
	case http.StatusServiceUnavailable:
		p.headers = http.Header{"Retry-After": {strconv.Itoa(hookd.RetryAfterUnavailable)}}
	}
	return p
}

// problemTypes is the problem type of each error code; the status is
// hookd.HTTPStatus's. A malformed body whose JSON does not parse is
// TypeMalformedJSON.
var problemTypes = map[string]string{
	hookd.EMALFORMED:         TypeValidation,
	hookd.EINVALID:           TypeValidation,
	hookd.ENOTFOUND:          TypeNotFound,
	hookd.ECONFLICT:          TypeConflict,
	hookd.EUNAUTHORIZED:      TypeUnauthorized,
	hookd.EFORBIDDEN:         TypeForbidden,
	hookd.EAPIDISABLED:       TypeAPIDisabled,
	hookd.EPLANFORBIDDEN:     TypePlanForbidden,
	hookd.ETOOLARGE:          TypeBodyTooLarge,
	hookd.ERATELIMITED:       TypeRateLimited,
	hookd.EUNAVAILABLE:       TypeUnavailable,
	hookd.EINSUFFICIENTSCOPE: TypeInsufficientScope,
	hookd.EQUOTA:             TypeQuotaExceeded,
}

// wwwAuthenticate lists the schemes hookd accepts, for 401 answers.
var wwwAuthenticate = []string{`Token realm="hookd"`, `Bearer realm="hookd"`, `Basic realm="hookd", charset="UTF-8"`}

// hookHumaErrors makes huma build every error it reports (validation, body
// size, parsing) as a Problem, and turns domain errors returned by handlers
// into Problems. huma's error constructors are package-level variables, so
// they are set once per process, however many Servers there are (tests run
// many side by side); each request's errors are logged with the logger of the
// Server that serves it, which the middleware puts in the request's context.
func hookHumaErrors() {
	hookHumaErrorsOnce.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return newHumaProblem(nil, status, msg, errs...)
		}
		huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			var log *slog.Logger
			if ctx != nil {
				log = logFrom(ctx.Context())
			}
			p := newHumaProblem(log, status, msg, errs...)
			if ctx != nil {
				p.Instance = ctx.URL().Path
			}
			return p
		}
	})
}

var hookHumaErrorsOnce sync.Once

type logKey struct{}

// withLog returns ctx carrying the Server's logger, for errors built by huma.
func withLog(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, log)
}

// logFrom returns the logger withLog put in ctx, or nil.
func logFrom(ctx context.Context) *slog.Logger {
	log, _ := ctx.Value(logKey{}).(*slog.Logger)
	return log
}

// newHumaProblem builds the Problem for an error huma reports, logging
// internal causes to log (slog.Default() if nil).
func newHumaProblem(log *slog.Logger, status int, msg string, errs ...error) *Problem {
	if log == nil {
		log = slog.Default()
	}
	for _, err := range errs {
		var e *hookd.Error
		var p *Problem
		if errors.As(err, &e) || errors.As(err, &p) {
			return problemFromError(log, err)
		}
	}
	if status >= 500 {
		for _, err := range errs {
			log.Error("internal error", "msg", msg, "err", err)
		}
		return newProblem(TypeInternal, status, "An internal error has occurred; it has been logged.")
	}
	p := newProblem(typeForStatus(status), status, capitalize(msg)+".")
	for _, err := range errs {
		if err == nil {
			continue
		}
		f := ProblemField{Message: err.Error()}
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			f = ProblemField{Location: d.Location, Message: d.Message}
		}
		if f.Location == "" {
			f.Location = "body"
		}
		if name, ok := missingProperty(f.Message); ok {
			// huma reports a missing property at its object; name the
			// property itself, as every other field error does.
			f.Location += "." + name
		}
		switch {
		case f.Message == validation.MsgUnexpectedProperty:
			// Unknown fields are a client bug, not bad data: 400.
			p.Type, p.Status, p.Title = TypeUnknownField, http.StatusBadRequest, http.StatusText(http.StatusBadRequest)
			p.Detail = "The request has a field this operation does not know."
		case strings.HasPrefix(f.Message, malformedJSONPrefix):
			p.Type, p.Detail = TypeMalformedJSON, "The request body is not valid JSON."
		}
		p.Errors = append(p.Errors, f)
	}
	return p
}

// missingProperty returns the property named by huma's "expected required
// property … to be present" message.
func missingProperty(msg string) (string, bool) {
	before, after, ok := strings.Cut(validation.MsgExpectedRequiredProperty, "%s")
	if !ok || !strings.HasPrefix(msg, before) || !strings.HasSuffix(msg, after) || len(msg) <= len(before)+len(after) {
		return "", false
	}
	return msg[len(before) : len(msg)-len(after)], true
}

func typeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return TypeBadRequest
	case http.StatusUnprocessableEntity:
		return TypeValidation
	case http.StatusRequestEntityTooLarge:
		return TypeBodyTooLarge
	case http.StatusUnauthorized:
		return TypeUnauthorized
	case http.StatusForbidden:
		return TypeForbidden
	case http.StatusNotFound:
		return TypeNotFound
	case http.StatusConflict:
		return TypeConflict
	case http.StatusTooManyRequests:
		return TypeRateLimited
	case http.StatusMethodNotAllowed:
		return TypeMethod
	case http.StatusUnsupportedMediaType:
		return TypeUnsupportedType
	case http.StatusServiceUnavailable:
		return TypeUnavailable
	}
	return ProblemTypeBase + strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "-")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// writeProblem writes p outside huma (middleware, plain handlers).
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
