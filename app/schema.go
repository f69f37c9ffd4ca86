package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
// MaxEventTypeSchemaBytes and returns it compacted. Problems are reported at
// location.
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
	return json.RawMessage(b.Bytes()), nil
}

// compileSchema compiles a JSON Schema (draft 2020-12). It returns the field
// errors at location that say why it does not compile: not an object,
// another draft, a reference outside the schema, or a keyword with a wrong
// value (named by its JSON pointer in the schema).
func compileSchema(location string, schema json.RawMessage) (*jsonschema.Schema, []hookd.FieldError) {
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
// location, each naming the failing place in doc.
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
