package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/hookd/hookd"
)

// JSON Schema support for the event catalog: schemas are compiled as draft
// 2020-12 with no access to anything outside the schema itself, and
// validation errors name the failing place in the instance as a JSON
// pointer.

// schemaURL is the base URI a schema is compiled under. A relative
// reference resolves against it to a URL that schemaLoader refuses.
const (
	schemaBase = "https://schema.hookd.invalid/"
	schemaFile = "event-type.json"
	schemaURL  = schemaBase + schemaFile
)

// draft2020 is the only $schema a schema may declare.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// maxSchemaErrors bounds the field errors one validation reports.
const maxSchemaErrors = 10

var schemaPrinter = message.NewPrinter(language.English)

// schemaLoader refuses every URL: a schema may refer only to itself (its
// $defs and anchors) and the draft's own metaschemas, never to the network
// or to files.
type schemaLoader struct{}

func (schemaLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refusing to load %s", url)
}

// normalizeJSON checks that raw is one JSON value of at most
// MaxEventTypeSchemaBytes, with no duplicate key and no number beyond a
// 64-bit float (hookd.CheckJSON), and returns it compacted. Problems are
// reported at location.
func normalizeJSON(location string, raw json.RawMessage) (json.RawMessage, *hookd.FieldError) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &hookd.FieldError{Location: location, Message: "is required"}
	}
	if len(raw) > hookd.MaxEventTypeSchemaBytes {
		return nil, &hookd.FieldError{Location: location, Message: fmt.Sprintf("must be at most %d bytes", hookd.MaxEventTypeSchemaBytes)}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, &hookd.FieldError{Location: location, Message: "must be valid JSON: " + err.Error()}
	}
	if je := hookd.CheckJSON(b.Bytes()); je != nil {
		return nil, &hookd.FieldError{Location: location, Message: je.Message}
	}
	return json.RawMessage(b.Bytes()), nil
}

// compileSchema compiles a JSON Schema (draft 2020-12). It returns the field
// errors at location that say why it does not compile: not an object,
// another draft, a reference outside the schema, or a keyword with a wrong
// value (named by its JSON pointer in the schema).
func compileSchema(location string, schema json.RawMessage) (*jsonschema.Schema, []hookd.FieldError) {
	return compileGatedSchema(location, schema, nil)
}

// compileGatedSchema is compileSchema that, given a gate, makes every
// subschema check the gate each time it is evaluated (see validationGate).
func compileGatedSchema(location string, schema json.RawMessage, gate *validationGate) (*jsonschema.Schema, []hookd.FieldError) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, []hookd.FieldError{{Location: location, Message: "must be valid JSON: " + err.Error()}}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, []hookd.FieldError{{Location: location, Message: "must be a JSON Schema object"}}
	}
	if v, ok := obj["$schema"]; ok && v != draft2020 && v != draft2020+"#" {
		return nil, []hookd.FieldError{{Location: location, Message: "$schema must be " + draft2020 + " (or be left out): hookd uses JSON Schema draft 2020-12"}}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(schemaLoader{})
	if gate != nil {
		c.RegisterVocabulary(gate.vocabulary())
		c.AssertVocabs()
		c.UseRegexpEngine(gate.regexpEngine)
	}
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, []hookd.FieldError{{Location: location, Message: "cannot be compiled: " + cleanSchemaError(err)}}
	}
	sch, err := c.Compile(schemaURL)
	if err == nil {
		return sch, nil
	}
	var (
		invalid *jsonschema.SchemaValidationError
		load    *jsonschema.LoadURLError
	)
	switch {
	case errors.As(err, &invalid):
		var ve *jsonschema.ValidationError
		if errors.As(invalid.Err, &ve) {
			return nil, schemaFieldErrors(location, "is not a valid JSON Schema: ", ve)
		}
	case errors.As(err, &load):
		return nil, []hookd.FieldError{{Location: location, Message: fmt.Sprintf(
			"refers to %s: a schema may refer only to itself (use $defs), not to other documents", cleanSchemaURL(load.URL))}}
	}
	return nil, []hookd.FieldError{{Location: location, Message: "cannot be compiled: " + cleanSchemaError(err)}}
}

// validateJSON validates doc against sch and returns the field errors at
// location, each naming the failing place in doc. It runs to the end: a
// validation that must stop when its request ends uses a gatedSchema.
func validateJSON(sch *jsonschema.Schema, location, prefix string, doc json.RawMessage) []hookd.FieldError {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return []hookd.FieldError{{Location: location, Message: "must be valid JSON: " + err.Error()}}
	}
	err = sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []hookd.FieldError{{Location: location, Message: prefix + err.Error()}}
	}
	return schemaFieldErrors(location, prefix, ve)
}

// schemaFieldErrors turns the leaves of a validation error into field
// errors at location: "<prefix>at /items/0/name: got number, want string".
func schemaFieldErrors(location, prefix string, ve *jsonschema.ValidationError) []hookd.FieldError {
	var fields []hookd.FieldError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(fields) >= maxSchemaErrors {
			return
		}
		if len(e.Causes) == 0 {
			fields = append(fields, hookd.FieldError{
				Location: location,
				Message:  prefix + "at " + describePointer(e.InstanceLocation) + ": " + e.ErrorKind.LocalizedString(schemaPrinter),
			})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return fields
}

// describePointer renders an instance location as a JSON pointer (RFC
// 6901), or "the top level" for the whole document.
func describePointer(path []string) string {
	if len(path) == 0 {
		return "the top level"
	}
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

// cleanSchemaURL names a URL relative to the schema for messages.
func cleanSchemaURL(u string) string {
	rest, ok := strings.CutPrefix(u, schemaBase)
	if !ok {
		return u
	}
	rest = strings.TrimPrefix(rest, schemaFile)
	if rest == "" {
		return "the schema itself"
	}
	return rest
}

// cleanSchemaError is err's text without the internal base URI.
func cleanSchemaError(err error) string {
	return strings.ReplaceAll(err.Error(), schemaURL, "schema")
}

// DefaultValidationTimeout is how long validating one document against an
// event type's schema may take when App.ValidationTimeout is zero.
const DefaultValidationTimeout = 2 * time.Second

// gateVocabularyURL names the vocabulary through which every subschema of
// a gated schema checks its gate. It has no keywords: its compiler returns
// the check for every subschema.
const gateVocabularyURL = "https://schema.hookd.invalid/vocab/gate"

// validationGate lets a validation be stopped from outside. The validator
// (santhosh-tekuri/jsonschema) takes no context, so a schema compiled with
// a gate evaluates, in every subschema, a check that panics with
// stopValidation once the gate is closed; gatedSchema.validate recovers it.
// A gate serves one validation at a time: each gated schema has its own.
type validationGate struct {
	closed atomic.Bool
}

// stopValidation is the panic that ends a validation whose gate closed.
type stopValidation struct{}

func (g *validationGate) vocabulary() *jsonschema.Vocabulary {
	return &jsonschema.Vocabulary{
		URL: gateVocabularyURL,
		Compile: func(*jsonschema.CompilerContext, map[string]any) (jsonschema.SchemaExt, error) {
			return gateCheck{g}, nil
		},
	}
}

// gateCheck is the check each subschema of a gated schema runs.
type gateCheck struct{ g *validationGate }

func (c gateCheck) Validate(*jsonschema.ValidatorContext, any) { c.g.check() }

// check panics with stopValidation if g is closed.
func (g *validationGate) check() {
	if g.closed.Load() {
		panic(stopValidation{})
	}
}

// regexpEngine compiles patterns whose matching checks g.
func (g *validationGate) regexpEngine(s string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, err
	}
	return gatedRegexp{re: re, gate: g}, nil
}

// gatedSchema is a compiled schema with a gate of its own.
type gatedSchema struct {
	sch  *jsonschema.Schema
	gate *validationGate
}

// validate validates doc like validateJSON, but stops as soon as ctx is
// done: the work stops with it, and err is ctx's error. reusable is false
// when the gate was closed (or is about to be), so g must not serve
// another validation.
func (g *gatedSchema) validate(ctx context.Context, location, prefix string, doc json.RawMessage) (fields []hookd.FieldError, reusable bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, true, err
	}
	stop := context.AfterFunc(ctx, func() { g.gate.closed.Store(true) })
	defer func() {
		reusable = stop() // false: the gate closed or is closing
	}()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopValidation); !ok {
				panic(r)
			}
			fields, err = nil, ctx.Err()
		}
	}()
	return validateJSON(g.sch, location, prefix, doc), true, nil
}

// maxIdleGatedSchemas bounds the compiled copies of one schema kept for
// reuse: as many as validations of that type ran at once, up to this.
const maxIdleGatedSchemas = 8

// compiledSchema is one version of a type's schema, with compiled copies
// ready to validate (one validation at a time each, as each has its gate).
type compiledSchema struct {
	version int
	schema  json.RawMessage

	mu   sync.Mutex
	idle []*gatedSchema
}

// get returns an idle compiled copy, compiling one if none is idle.
func (c *compiledSchema) get() (*gatedSchema, []hookd.FieldError) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		g := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return g, nil
	}
	c.mu.Unlock()
	gate := &validationGate{}
	sch, fields := compileGatedSchema("schema", c.schema, gate)
	if len(fields) > 0 {
		return nil, fields
	}
	return &gatedSchema{sch: sch, gate: gate}, nil
}

// put keeps g for reuse.
func (c *compiledSchema) put(g *gatedSchema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.idle) < maxIdleGatedSchemas {
		c.idle = append(c.idle, g)
	}
}

// validate validates doc against c under ctx and a deadline of timeout
// (see validateWithin).
func (c *compiledSchema) validate(ctx context.Context, timeout time.Duration, name, location, prefix string, doc json.RawMessage) ([]hookd.FieldError, error) {
	g, fields := c.get()
	if len(fields) > 0 {
		return nil, fmt.Errorf("app: stored schema of event type %s does not compile: %s", name, fields[0].Message)
	}
	fields, reusable, err := validateWithin(ctx, timeout, g, name, location, prefix, doc)
	if reusable {
		c.put(g)
	}
	return fields, err
}

// validateWithin validates doc against g under ctx and a deadline of
// timeout. err is ctx's error when ctx ended first, and EINVALID at
// location when the deadline passed; either way the validation stopped.
// reusable says whether g may serve another validation.
func validateWithin(ctx context.Context, timeout time.Duration, g *gatedSchema, name, location, prefix string, doc json.RawMessage) ([]hookd.FieldError, bool, error) {
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fields, reusable, err := g.validate(vctx, location, prefix, doc)
	switch {
	case err == nil:
		return fields, reusable, nil
	case ctx.Err() != nil:
		return nil, reusable, fmt.Errorf("app: validation against the schema of %s stopped: %w", name, ctx.Err())
	}
	return nil, reusable, hookd.Invalid("The data could not be validated in time.", hookd.FieldError{
		Location: location,
		Message:  fmt.Sprintf("could not be validated against the schema of %s within %s: the schema or the data is too complex", name, timeout),
	})
}

// invalidFields returns the field errors of err, a *hookd.Error, or none.
func invalidFields(err error) []hookd.FieldError {
	var e *hookd.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
