package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// etTenant creates a tenant on plan and returns its ID.
func etTenant(t *testing.T, a *app.App, slug string, plan hookd.Plan) string {
	t.Helper()
	tn, err := a.CreateTenant(context.Background(), app.CreateTenantInput{Slug: slug, Plan: plan})
	if err != nil {
		t.Fatalf("CreateTenant(%s): %v", slug, err)
	}
	return tn.ID
}

// wantFieldError fails t unless err is EINVALID with a field error at
// location whose message contains each of parts, and returns that message.
func wantFieldError(t *testing.T, err error, location string, parts ...string) string {
	t.Helper()
	var e *hookd.Error
	if !asError(err, &e) || e.Code != hookd.EINVALID {
		t.Fatalf("err = %v, want EINVALID at %s", err, location)
	}
	for _, f := range e.Fields {
		if f.Location != location {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(f.Message, p)
		}
		if ok {
			return f.Message
		}
	}
	t.Fatalf("fields = %+v, want one at %s containing %q", e.Fields, location, parts)
	return ""
}

func wantErrorCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := hookd.ErrorCode(err); got != code {
		t.Fatalf("err = %v (code %q), want %s", err, got, code)
	}
}

const assessmentSchema = `{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"type": "object",
	"required": ["assessment_id", "score"],
	"properties": {
		"assessment_id": {"type": "string"},
		"score": {"type": "integer", "minimum": 0, "maximum": 100},
		"answers": {"type": "array", "items": {"$ref": "#/$defs/answer"}}
	},
	"$defs": {"answer": {"type": "object", "required": ["q"], "properties": {"q": {"type": "string"}}}}
}`

func assessmentInput() app.CreateEventTypeInput {
	return app.CreateEventTypeInput{
		Name:        "assessment.completed",
		Description: "A candidate completed an assessment.",
		Schema:      json.RawMessage(assessmentSchema),
		Example:     json.RawMessage(`{"assessment_id": "as_1", "score": 87, "answers": [{"q": "1"}]}`),
	}
}

func TestBuiltinEventTypes(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		// The catalog gets into the store on first use, without a call to
		// EnsureBuiltinEventTypes.
		page, err := a.ListEventTypes(ctx, tn, hookd.ListParams{Sort: "name"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, et := range page.Items {
			names = append(names, et.Name)
			if !et.BuiltIn() || et.Version != 1 {
				t.Errorf("%s: built-in %v, version %d; want built-in at version 1", et.Name, et.BuiltIn(), et.Version)
			}
			// Every example validates against its own schema.
			if err := a.ValidateEventData(ctx, tn, et.Name, et.Example); err != nil {
				t.Errorf("example of %s does not validate: %v", et.Name, err)
			}
			// Schemas leave additional properties open and say so.
			var sch map[string]any
			if err := json.Unmarshal(et.Schema, &sch); err != nil {
				t.Fatal(err)
			}
			if _, ok := sch["additionalProperties"]; ok {
				t.Errorf("%s: schema closes additionalProperties", et.Name)
			}
			if d, _ := sch["description"].(string); !strings.Contains(d, "must ignore fields they do not know") {
				t.Errorf("%s: schema description %q does not tell receivers to ignore unknown fields", et.Name, d)
			}
		}
		want := "delivery.exhausted endpoint.disabled endpoint.enabled endpoint.failing organization.updated ticket.created ticket.updated " +
			"user.created user.login user.terminated user.updated webhook.test"
		if got := strings.Join(names, " "); got != want {
			t.Fatalf("built-in catalog = %s, want %s", got, want)
		}
		// Calling it again (another start) changes nothing.
		if err := a.EnsureBuiltinEventTypes(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := a.EventType(ctx, tn, hookd.EventUserCreated)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != page.Items[7].ID || !again.UpdatedAt.Equal(page.Items[7].UpdatedAt) {
			t.Errorf("user.created after a second EnsureBuiltinEventTypes: %+v, want unchanged %+v", again, page.Items[7])
		}
		// Unknown fields in data are fine.
		if err := a.ValidateEventData(ctx, tn, hookd.EventWebhookTest, json.RawMessage(`{"message":"hi","extra":{"x":1}}`)); err != nil {
			t.Errorf("data with an unknown field: %v", err)
		}
	})
}

func TestCreateEventTypeValidation(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	tn := etTenant(t, a, "acme", hookd.PlanPlatinum)
	for _, c := range []struct {
		name     string
		change   func(in *app.CreateEventTypeInput)
		location string
		parts    []string
	}{
		{"NameOneSegment", func(in *app.CreateEventTypeInput) { in.Name = "assessment" }, "body.name", nil},
		{"NameUppercase", func(in *app.CreateEventTypeInput) { in.Name = "Assessment.Completed" }, "body.name", nil},
		{"NameEmptySegment", func(in *app.CreateEventTypeInput) { in.Name = "assessment..completed" }, "body.name", nil},
		{"NameTooLong", func(in *app.CreateEventTypeInput) { in.Name = "a." + strings.Repeat("b", 99) }, "body.name", nil},
		{"NoDescription", func(in *app.CreateEventTypeInput) { in.Description = "  " }, "body.description", nil},
		{"NoSchema", func(in *app.CreateEventTypeInput) { in.Schema = nil }, "body.schema", []string{"required"}},
		{"SchemaNotJSON", func(in *app.CreateEventTypeInput) { in.Schema = json.RawMessage(`{"type":`) }, "body.schema", []string{"valid JSON"}},
		{"SchemaNotObject", func(in *app.CreateEventTypeInput) { in.Schema = json.RawMessage(`"object"`) }, "body.schema", []string{"JSON Schema object"}},
		{"SchemaBadKeyword", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"type":"object","properties":{"score":{"type":"integr"}}}`)
		}, "body.schema", []string{"not a valid JSON Schema", "/properties/score/type"}},
		{"SchemaBadRegexp", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"type":"string","pattern":"(unclosed"}`)
		}, "body.schema", nil},
		{"SchemaRemoteRef", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"$ref":"https://example.com/schema.json"}`)
		}, "body.schema", []string{"refers to https://example.com/schema.json"}},
		{"SchemaFileRef", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"$ref":"file:///etc/passwd"}`)
		}, "body.schema", []string{"refers to file:///etc/passwd"}},
		{"SchemaRelativeRef", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"$ref":"other.json#/x"}`)
		}, "body.schema", []string{"refers to other.json"}},
		{"SchemaMissingDef", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"$ref":"#/$defs/nope"}`)
		}, "body.schema", nil},
		{"SchemaOtherDraft", func(in *app.CreateEventTypeInput) {
			in.Schema = json.RawMessage(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`)
		}, "body.schema", []string{"2020-12"}},
		{"NoExample", func(in *app.CreateEventTypeInput) { in.Example = nil }, "body.example", []string{"required"}},
		{"ExampleMissingField", func(in *app.CreateEventTypeInput) {
			in.Example = json.RawMessage(`{"assessment_id":"as_1"}`)
		}, "body.example", []string{"at the top level", "score"}},
		{"ExampleWrongType", func(in *app.CreateEventTypeInput) {
			in.Example = json.RawMessage(`{"assessment_id":"as_1","score":"high"}`)
		}, "body.example", []string{"at /score"}},
		{"ExampleOutOfRange", func(in *app.CreateEventTypeInput) {
			in.Example = json.RawMessage(`{"assessment_id":"as_1","score":101}`)
		}, "body.example", []string{"at /score", "100"}},
		{"ExampleDeep", func(in *app.CreateEventTypeInput) {
			in.Example = json.RawMessage(`{"assessment_id":"as_1","score":1,"answers":[{"q":"1"},{"q":2}]}`)
		}, "body.example", []string{"at /answers/1/q"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := assessmentInput()
			c.change(&in)
			_, err := a.CreateEventType(ctx, tn, in)
			msg := wantFieldError(t, err, c.location, c.parts...)
			t.Logf("%s: %s", c.location, msg)
		})
	}
	// Every problem at once.
	_, err := a.CreateEventType(ctx, tn, app.CreateEventTypeInput{Name: "x", Schema: json.RawMessage(`{"type":"object"}`)})
	wantFieldError(t, err, "body.name")
	wantFieldError(t, err, "body.description")
	wantFieldError(t, err, "body.example")
}

func TestEventTypeLifecycle(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		acme, other := etTenant(t, a, "acme", hookd.PlanEnterprise), etTenant(t, a, "other", hookd.PlanPlatinum)

		et, err := a.CreateEventType(ctx, acme, assessmentInput())
		if err != nil {
			t.Fatal(err)
		}
		if et.Version != 1 || et.BuiltIn() || et.Deprecated || et.TenantID != acme {
			t.Fatalf("created %+v", et)
		}
		if strings.ContainsAny(string(et.Schema), "\n\t") {
			t.Errorf("schema kept insignificant white space: %s", et.Schema)
		}
		_, err = a.CreateEventType(ctx, acme, assessmentInput())
		wantErrorCode(t, err, hookd.ECONFLICT)
		builtin := assessmentInput()
		builtin.Name = hookd.EventUserCreated
		builtin.Example = json.RawMessage(`{"assessment_id":"a","score":1}`)
		_, err = a.CreateEventType(ctx, acme, builtin)
		wantErrorCode(t, err, hookd.ECONFLICT)

		// Isolation.
		_, err = a.EventType(ctx, other, "assessment.completed")
		wantErrorCode(t, err, hookd.ENOTFOUND)
		_, err = a.UpdateEventType(ctx, other, "assessment.completed", app.UpdateEventTypeInput{Deprecated: ptrTo(true)})
		wantErrorCode(t, err, hookd.ENOTFOUND)
		err = a.ValidateEventData(ctx, other, "assessment.completed", json.RawMessage(`{}`))
		wantFieldError(t, err, "body.type")

		// Publishing's check.
		if err := a.ValidateEventData(ctx, acme, "assessment.completed", json.RawMessage(`{"assessment_id":"x","score":3,"new_field":true}`)); err != nil {
			t.Fatalf("valid data: %v", err)
		}
		err = a.ValidateEventData(ctx, acme, "assessment.completed", json.RawMessage(`{"assessment_id":"x","score":3,"answers":[{"q":1}]}`))
		wantFieldError(t, err, "body.data", "at /answers/0/q")
		err = a.ValidateEventData(ctx, acme, "assessment.completed", json.RawMessage(`{"assessment_id":"x","score":3`))
		wantFieldError(t, err, "body.data", "valid JSON")
		err = a.ValidateEventData(ctx, acme, "user.created", json.RawMessage(`{"user":{"id":"u1","employee_id":7}}`))
		wantFieldError(t, err, "body.data", "at /user/employee_id")

		// Changing only the description keeps the version.
		clock.Advance(time.Minute)
		et, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{Description: ptrTo("Renamed.")})
		if err != nil {
			t.Fatal(err)
		}
		if et.Version != 1 || et.Description != "Renamed." || !et.UpdatedAt.Equal(clock.Now()) {
			t.Fatalf("after description change: %+v", et)
		}
		// The same schema, formatted differently, is no change.
		et, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{Schema: json.RawMessage(assessmentSchema + "\n")})
		if err != nil || et.Version != 1 {
			t.Fatalf("same schema: version %d, err %v; want 1", et.Version, err)
		}
		// A schema the current example does not match needs a new example.
		stricter := `{"type":"object","required":["assessment_id","score","passed"],"properties":{"passed":{"type":"boolean"}}}`
		_, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{Schema: json.RawMessage(stricter)})
		wantFieldError(t, err, "body.example", "current example", "passed")
		_, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{
			Schema: json.RawMessage(stricter), Example: json.RawMessage(`{"assessment_id":"a","score":1,"passed":"yes"}`),
		})
		wantFieldError(t, err, "body.example", "at /passed")
		clock.Advance(time.Minute)
		et, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{
			Schema: json.RawMessage(stricter), Example: json.RawMessage(`{"assessment_id":"a","score":1,"passed":true}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if et.Version != 2 || !et.UpdatedAt.Equal(clock.Now()) {
			t.Fatalf("after schema change: version %d, updated %v; want 2 at %v", et.Version, et.UpdatedAt, clock.Now())
		}
		// Publishing now checks the new schema (the cached old one is gone).
		err = a.ValidateEventData(ctx, acme, "assessment.completed", json.RawMessage(`{"assessment_id":"x","score":3}`))
		wantFieldError(t, err, "body.data", "passed")
		// An example alone is checked against the current schema.
		_, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{Example: json.RawMessage(`{"score":1}`)})
		wantFieldError(t, err, "body.example", "at the top level")
		// A bad schema in a change is refused and changes nothing.
		_, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{Schema: json.RawMessage(`{"minimum":"zero"}`)})
		wantFieldError(t, err, "body.schema", "/minimum")

		// Deprecating keeps the type listed and its data valid.
		et, err = a.UpdateEventType(ctx, acme, "assessment.completed", app.UpdateEventTypeInput{Deprecated: ptrTo(true)})
		if err != nil || !et.Deprecated || et.Version != 2 {
			t.Fatalf("deprecate: %+v, %v", et, err)
		}
		if err := a.ValidateEventData(ctx, acme, "assessment.completed", json.RawMessage(`{"assessment_id":"a","score":1,"passed":true}`)); err != nil {
			t.Fatalf("data of a deprecated type: %v", err)
		}
		page, err := a.ListEventTypes(ctx, acme, hookd.ListParams{Query: "assessment"})
		if err != nil || len(page.Items) != 1 || !page.Items[0].Deprecated {
			t.Fatalf("list after deprecation: %+v, %v", page.Items, err)
		}
		got, err := a.EventType(ctx, acme, "assessment.completed")
		if err != nil || got.Version != 2 || !got.Deprecated || got.Description != "Renamed." {
			t.Fatalf("stored after changes: %+v, %v", got, err)
		}

		// Built-in types cannot be changed.
		_, err = a.UpdateEventType(ctx, acme, hookd.EventUserCreated, app.UpdateEventTypeInput{Deprecated: ptrTo(true)})
		wantErrorCode(t, err, hookd.EFORBIDDEN)
		_, err = a.UpdateEventType(ctx, acme, "no.such", app.UpdateEventTypeInput{Deprecated: ptrTo(true)})
		wantErrorCode(t, err, hookd.ENOTFOUND)
	})
}

func TestEventTypesNeedWebhooksPlan(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	free := etTenant(t, a, "free", hookd.PlanFree)
	_, err := a.CreateEventType(ctx, free, assessmentInput())
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	_, err = a.ListEventTypes(ctx, free, hookd.ListParams{})
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	_, err = a.EventType(ctx, free, hookd.EventUserCreated)
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	_, err = a.UpdateEventType(ctx, free, "assessment.completed", app.UpdateEventTypeInput{Deprecated: ptrTo(true)})
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	_, err = a.ListEventTypes(ctx, "ten_missing", hookd.ListParams{})
	wantErrorCode(t, err, hookd.ENOTFOUND)
}

func ptrTo[T any](v T) *T { return &v }
