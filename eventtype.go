package hookd

import (
	"bytes"
	"encoding/json"
	"regexp"
	"time"
)

// PrefixEventType is the ID prefix of event types.
const PrefixEventType = "etp"

// EventType is one kind of event in the catalog: what the event means, the
// JSON Schema (draft 2020-12) its data follows, and an example of that data.
// Built-in types (TenantID "") are the same for every tenant; a tenant adds
// its own beside them. The catalog is what the webhooks documentation shows.
//
// Schemas may gain fields without it being a breaking change: receivers must
// ignore fields they do not know. Version starts at 1 and grows by one each
// time the schema changes. A deprecated type is still published and
// delivered, and still listed, flagged as deprecated.
type EventType struct {
	ID       string
	TenantID string // "" for built-in types
	// Name is dot-separated lowercase segments, such as
	// "assessment.completed"; see ValidateEventTypeName.
	Name        string
	Description string
	// Schema is the JSON Schema (draft 2020-12) of the event's data.
	Schema json.RawMessage
	// Example is an example of the event's data; it validates against Schema.
	Example    json.RawMessage
	Version    int
	Deprecated bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// BuiltIn reports whether t is one of hookd's built-in types, which belong
// to no tenant and which tenants cannot change.
func (t *EventType) BuiltIn() bool { return t.TenantID == "" }

// Limits of event types.
const (
	MaxEventTypeNameLength        = 100
	MaxEventTypeDescriptionLength = 2000
	// MaxEventTypeSchemaBytes bounds a schema and an example, each.
	MaxEventTypeSchemaBytes = 64 << 10
)

var eventTypeNamePattern = regexp.MustCompile(`^[a-z0-9_]+(?:\.[a-z0-9_]+)+$`)

// ValidateEventTypeName returns a problem at location unless name is at
// most MaxEventTypeNameLength characters of at least two dot-separated
// segments, each of lowercase letters, digits and underscores.
func ValidateEventTypeName(location, name string) *FieldError {
	if len(name) > MaxEventTypeNameLength || !eventTypeNamePattern.MatchString(name) {
		return &FieldError{
			Location: location,
			Message: "must be at most 100 characters of two or more dot-separated segments of lowercase letters, " +
				"digits and underscores, such as assessment.completed",
		}
	}
	return nil
}

// IsBuiltinEventType reports whether name is the name of a built-in type.
func IsBuiltinEventType(name string) bool {
	for _, b := range builtinEventTypes {
		if b.name == name {
			return true
		}
	}
	return false
}

// BuiltinEventTypes returns the built-in catalog, in a fresh slice the
// caller may change. The types have no ID, TenantID or times; the store
// sets those when it keeps them.
func BuiltinEventTypes() []*EventType {
	ts := make([]*EventType, len(builtinEventTypes))
	for i, b := range builtinEventTypes {
		ts[i] = &EventType{
			Name:        b.name,
			Description: b.description,
			Schema:      json.RawMessage(compactJSON(b.schema)),
			Example:     json.RawMessage(compactJSON(b.example)),
			Version:     b.version,
			Deprecated:  b.deprecated,
		}
	}
	return ts
}

// compactJSON returns s without insignificant white space; s is one of the
// catalog's own JSON texts, so an error is a bug in hookd.
func compactJSON(s string) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		panic("hookd: a built-in event type has invalid JSON: " + err.Error())
	}
	return b.Bytes()
}
