package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// The event catalog. Built-in types reach the store through
// EnsureBuiltinEventTypes, which every event-type method below calls once per
// App before anything else (serve may also call it at start, to fail early).

// EnsureBuiltinEventTypes checks the built-in catalog (every schema compiles,
// every example validates) and stores it: missing types are added and changed
// ones saved (see hookd.EventTypeStore.PutBuiltinEventTypes). It is safe to
// call at every start and from several processes at once.
func (a *App) EnsureBuiltinEventTypes(ctx context.Context) error {
	ts := hookd.BuiltinEventTypes()
	now := a.now()
	for _, t := range ts {
		sch, fields := compileSchema("schema", t.Schema)
		if len(fields) == 0 {
			fields = validateJSON(sch, "example", "", t.Example)
		}
		if len(fields) > 0 {
			return fmt.Errorf("app: built-in event type %s is broken: %s: %s", t.Name, fields[0].Location, fields[0].Message)
		}
		t.ID = hookd.NewID(hookd.PrefixEventType)
		t.CreatedAt, t.UpdatedAt = now, now
	}
	if err := a.Store.PutBuiltinEventTypes(ctx, ts); err != nil {
		return err
	}
	a.builtinsDone.Store(true)
	return nil
}

// ensureBuiltins stores the built-in catalog the first time it is needed.
func (a *App) ensureBuiltins(ctx context.Context) error {
	if a.builtinsDone.Load() {
		return nil
	}
	a.builtinsMu.Lock()
	defer a.builtinsMu.Unlock()
	if a.builtinsDone.Load() {
		return nil
	}
	return a.EnsureBuiltinEventTypes(ctx)
}

// checkWebhooksAllowed stores the built-in catalog if need be and returns
// EPLANFORBIDDEN unless the tenant's plan includes webhooks.
func (a *App) checkWebhooksAllowed(ctx context.Context, tenantID string) error {
	_, err := a.webhooksTenant(ctx, tenantID)
	return err
}

// webhooksTenant is checkWebhooksAllowed that also returns the tenant.
func (a *App) webhooksTenant(ctx context.Context, tenantID string) (*hookd.Tenant, error) {
	if err := a.ensureBuiltins(ctx); err != nil {
		return nil, err
	}
	t, err := a.Store.Tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !t.Plan.Allows(hookd.FeatureWebhooks) {
		return nil, planError(t.Plan, hookd.FeatureWebhooks)
	}
	return t, nil
}

// CreateEventTypeInput is a tenant's new event type.
type CreateEventTypeInput struct {
	Name        string
	Description string
	Schema      json.RawMessage // a JSON Schema, draft 2020-12
	Example     json.RawMessage // example data; must validate against Schema
}

// CreateEventType adds a type to the tenant's catalog, at version 1. Returns
// EINVALID listing every invalid field (a schema that does not compile, an
// example that does not validate, naming the failing place), ECONFLICT if the
// name is a built-in type's or the tenant already has it, and EPLANFORBIDDEN
// unless the tenant's plan includes webhooks.
func (a *App) CreateEventType(ctx context.Context, tenantID string, in CreateEventTypeInput) (*hookd.EventType, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	var fields []hookd.FieldError
	if fe := hookd.ValidateEventTypeName("body.name", in.Name); fe != nil {
		fields = append(fields, *fe)
	}
	desc, fe := validateDescription(in.Description)
	if fe != nil {
		fields = append(fields, *fe)
	}
	schema, example, fs, err := a.checkSchemaAndExample(ctx, in.Name, in.Schema, in.Example)
	if err != nil {
		return nil, err
	}
	fields = append(fields, fs...)
	if len(fields) > 0 {
		return nil, hookd.Invalid("The event type cannot be created.", fields...)
	}
	if hookd.IsBuiltinEventType(in.Name) {
		return nil, hookd.Errorf(hookd.ECONFLICT, "%s is a built-in event type; choose another name.", in.Name)
	}
	now := a.now()
	t := &hookd.EventType{
		ID:          hookd.NewID(hookd.PrefixEventType),
		TenantID:    tenantID,
		Name:        in.Name,
		Description: desc,
		Schema:      schema,
		Example:     example,
		Version:     1,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := a.Store.CreateEventType(ctx, t, a.quota(hookd.QuotaEventTypes)...); err != nil {
		return nil, err
	}
	return t, nil
}

// EventType returns a type of the tenant's catalog: built-in or its own.
// Returns ENOTFOUND, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) EventType(ctx context.Context, tenantID, name string) (*hookd.EventType, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	return a.Store.EventType(ctx, tenantID, name)
}

// ListEventTypes returns a page of the tenant's catalog: the built-in types
// and its own. Sort fields: created_at, name, updated_at; the query searches
// names and descriptions. Returns EPLANFORBIDDEN unless the plan includes
// webhooks.
func (a *App) ListEventTypes(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.EventType], error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return hookd.Page[*hookd.EventType]{}, err
	}
	return a.Store.ListEventTypes(ctx, tenantID, p)
}

// UpdateEventTypeInput changes a tenant's type; nil fields stay as they are.
type UpdateEventTypeInput struct {
	Description *string
	Schema      json.RawMessage
	Example     json.RawMessage
	Deprecated  *bool
}

// UpdateEventType changes one of the tenant's own types. A schema that
// differs from the current one raises the version by one; the example (the
// new one, or else the current one) must validate against the resulting
// schema. Deprecating keeps the type listed and deliverable. A request that
// changes nothing returns the type as it is. Returns ENOTFOUND, EFORBIDDEN
// for a built-in type, EINVALID listing every invalid field, and
// EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) UpdateEventType(ctx context.Context, tenantID, name string, in UpdateEventTypeInput) (*hookd.EventType, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	t, err := a.Store.EventType(ctx, tenantID, name)
	if err != nil {
		return nil, err
	}
	if t.BuiltIn() {
		return nil, hookd.Errorf(hookd.EFORBIDDEN, "%s is a built-in event type; built-in types cannot be changed.", name)
	}
	next := *t
	var fields []hookd.FieldError
	if in.Description != nil {
		desc, fe := validateDescription(*in.Description)
		if fe != nil {
			fields = append(fields, *fe)
		}
		next.Description = desc
	}
	sch, schemaChanged := (*gatedSchema)(nil), false
	if in.Schema != nil {
		schema, fe := normalizeJSON("body.schema", in.Schema)
		if fe != nil {
			fields = append(fields, *fe)
		} else {
			var fs []hookd.FieldError
			sch, fs = compileNewSchema("body.schema", schema)
			fields = append(fields, fs...)
			schemaChanged = !bytes.Equal(schema, t.Schema)
			next.Schema = schema
		}
	}
	exampleOK := true
	if in.Example != nil {
		example, fe := normalizeJSON("body.example", in.Example)
		if fe != nil {
			fields, exampleOK = append(fields, *fe), false
		}
		next.Example = example
	}
	if exampleOK && (in.Example != nil || schemaChanged) {
		prefix := ""
		if in.Example == nil {
			prefix = "the current example does not match the new schema; send an example that does: "
		}
		var fs []hookd.FieldError
		switch {
		case sch != nil:
			fs, _, err = validateWithin(ctx, a.validationTimeout(), sch, name, "body.example", prefix, next.Example)
		case in.Schema == nil:
			fs, err = a.compiled(t).validate(ctx, a.validationTimeout(), name, "body.example", prefix, next.Example)
		}
		if err != nil && hookd.ErrorCode(err) != hookd.EINVALID {
			return nil, err
		}
		fields = append(fields, fs...)
		fields = append(fields, invalidFields(err)...)
	}
	if in.Deprecated != nil {
		next.Deprecated = *in.Deprecated
	}
	if len(fields) > 0 {
		return nil, hookd.Invalid("The event type cannot be changed.", fields...)
	}
	if schemaChanged {
		next.Version++
	}
	if next.Description == t.Description && bytes.Equal(next.Schema, t.Schema) &&
		bytes.Equal(next.Example, t.Example) && next.Deprecated == t.Deprecated {
		return t, nil
	}
	next.UpdatedAt = a.now()
	if err := a.Store.UpdateEventType(ctx, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

// ValidateEventData checks data against the schema of the event type
// typeName in the tenant's catalog (built-in or its own, deprecated or not),
// as publishing does. Returns EINVALID at body.type for a type not in the
// catalog, and EINVALID at body.data naming each failing place in data (a
// JSON pointer such as /user/email) when data does not validate. It does not
// check the tenant's plan. Compiled schemas are cached per type and version.
func (a *App) ValidateEventData(ctx context.Context, tenantID, typeName string, data json.RawMessage) error {
	if err := a.ensureBuiltins(ctx); err != nil {
		return err
	}
	t, err := a.Store.EventType(ctx, tenantID, typeName)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return hookd.Invalid("The event type is not in the catalog.", hookd.FieldError{
			Location: "body.type", Message: fmt.Sprintf("%q is not an event type of the catalog; create it first", typeName),
		})
	} else if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return hookd.Invalid("The event data is not valid.", hookd.FieldError{Location: "body.data", Message: "is required"})
	}
	cs := a.compiled(t)
	fields, err := cs.validate(ctx, a.validationTimeout(), t.Name, "body.data", "", data)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return hookd.Invalid(fmt.Sprintf("The event data does not match the schema of %s (version %d).", t.Name, t.Version), fields...)
	}
	return nil
}

// compiled returns t's compiled schema, from the cache when it holds this
// version of t. (A stored schema compiled when it was saved; should it not
// compile now, validating with it reports so.)
func (a *App) compiled(t *hookd.EventType) *compiledSchema {
	key := t.TenantID + "\x00" + t.Name
	if v, ok := a.schemas.Load(key); ok {
		c := v.(*compiledSchema)
		if c.version == t.Version && bytes.Equal(c.schema, t.Schema) {
			return c
		}
	}
	c := &compiledSchema{version: t.Version, schema: t.Schema}
	a.schemas.Store(key, c)
	return c
}

// validationTimeout is a.ValidationTimeout or its default.
func (a *App) validationTimeout() time.Duration {
	if a.ValidationTimeout > 0 {
		return a.ValidationTimeout
	}
	return DefaultValidationTimeout
}

// checkSchemaAndExample normalizes and checks a new type's schema and
// example: the schema compiles within the complexity bounds and the example
// validates against it (under ctx and the validation timeout).
func (a *App) checkSchemaAndExample(ctx context.Context, name string, schema, example json.RawMessage) (json.RawMessage, json.RawMessage, []hookd.FieldError, error) {
	var fields []hookd.FieldError
	schema, fe := normalizeJSON("body.schema", schema)
	if fe != nil {
		fields = append(fields, *fe)
	}
	example, fe2 := normalizeJSON("body.example", example)
	if fe2 != nil {
		fields = append(fields, *fe2)
	}
	if fe != nil {
		return nil, nil, fields, nil
	}
	g, fs := compileNewSchema("body.schema", schema)
	fields = append(fields, fs...)
	if g != nil && fe2 == nil {
		fs, _, err := validateWithin(ctx, a.validationTimeout(), g, name, "body.example", "", example)
		if err != nil && hookd.ErrorCode(err) != hookd.EINVALID {
			return nil, nil, nil, err
		}
		fields = append(fields, fs...)
		fields = append(fields, invalidFields(err)...)
	}
	return schema, example, fields, nil
}

func validateDescription(desc string) (string, *hookd.FieldError) {
	desc = strings.TrimSpace(desc)
	if desc == "" || len(desc) > hookd.MaxEventTypeDescriptionLength {
		return "", &hookd.FieldError{Location: "body.description", Message: fmt.Sprintf("must be 1 to %d characters", hookd.MaxEventTypeDescriptionLength)}
	}
	return desc, nil
}
