package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// eventCatalogTag is the OpenAPI tag of the event catalog's operations.
const eventCatalogTag = "Event catalog"

const eventCatalogTagDescription = "The event types a tenant's endpoints can subscribe to: hookd's built-in types and the " +
	"tenant's own, each with a description, a JSON Schema (draft 2020-12) of its `data` and an example. " +
	"Schemas may gain fields without it being a breaking change: receivers must ignore fields they do not know. " +
	"Needs a plan that includes webhooks."

// EventType is a type of the event catalog as the API shows it.
type EventType struct {
	Name        string          `json:"name" example:"assessment.completed" doc:"The type's name: dot-separated lowercase segments."`
	Description string          `json:"description" example:"A candidate completed an assessment." doc:"What the event means and when it is sent."`
	Schema      json.RawMessage `json:"schema" example:"{\"type\":\"object\",\"required\":[\"assessment_id\",\"score\"],\"properties\":{\"assessment_id\":{\"type\":\"string\"},\"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100}}}" doc:"The JSON Schema (draft 2020-12) of the event's data. Receivers must ignore fields they do not know: fields may be added without it being a breaking change."`
	Example     json.RawMessage `json:"example" example:"{\"assessment_id\":\"as_2741\",\"score\":87}" doc:"An example of the event's data; it validates against the schema."`
	Version     int             `json:"version" example:"1" doc:"Starts at 1 and grows by one each time the schema changes."`
	Deprecated  bool            `json:"deprecated" example:"false" doc:"A deprecated type is still published, delivered and listed; prefer another for new work."`
	BuiltIn     bool            `json:"built_in" example:"false" doc:"Whether the type is one of hookd's built-in types, which cannot be changed."`
	CreatedAt   time.Time       `json:"created_at" example:"2026-11-23T09:40:00Z"`
	UpdatedAt   time.Time       `json:"updated_at" example:"2026-11-23T09:40:00Z"`
}

func eventTypeOf(t *hookd.EventType) EventType {
	return EventType{
		Name: t.Name, Description: t.Description, Schema: t.Schema, Example: t.Example, Version: t.Version,
		Deprecated: t.Deprecated, BuiltIn: t.BuiltIn(), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

type eventTypeOutput struct{ Body EventType }

// addEventCatalogTag describes the catalog's tag in the OpenAPI document,
// once.
func addEventCatalogTag(api huma.API) {
	oa := api.OpenAPI()
	if !slices.ContainsFunc(oa.Tags, func(t *huma.Tag) bool { return t.Name == eventCatalogTag }) {
		oa.Tags = append(oa.Tags, &huma.Tag{Name: eventCatalogTag, Description: eventCatalogTagDescription})
	}
}

func registerListEventTypes(api huma.API, a *app.App) {
	addEventCatalogTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/event-types", "list-event-types", eventCatalogTag, "List event types",
		"Lists the tenant's event catalog: hookd's built-in types (`built_in: true`) and the tenant's own, each with its "+
			"description, schema, example and version. Deprecated types are listed too, flagged. Sort by `created_at` "+
			"(default), `name` or `updated_at`; `q` searches names and descriptions. Receivers must ignore fields of event "+
			"data they do not know. Answers 403 (plan-forbidden) unless the tenant's plan includes webhooks.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[EventType], error) {
		p, err := a.ListEventTypes(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, eventTypeOf), nil
	})
}

type createEventTypeInput struct {
	Body struct {
		Name        string          `json:"name" minLength:"3" maxLength:"100" pattern:"^[a-z0-9_]+(\\.[a-z0-9_]+)+$" example:"assessment.completed" doc:"Two or more dot-separated segments of lowercase letters, digits and underscores; not a built-in type's name."`
		Description string          `json:"description" minLength:"1" maxLength:"2000" example:"A candidate completed an assessment." doc:"What the event means and when it is sent."`
		Schema      json.RawMessage `json:"schema" example:"{\"type\":\"object\",\"required\":[\"assessment_id\",\"score\"],\"properties\":{\"assessment_id\":{\"type\":\"string\"},\"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100}}}" doc:"A JSON Schema (draft 2020-12) object for the event's data. It may refer only to itself ($defs), never to other documents."`
		Example     json.RawMessage `json:"example" example:"{\"assessment_id\":\"as_2741\",\"score\":87}" doc:"An example of the event's data; it must validate against the schema."`
	}
}

func registerCreateEventType(api huma.API, a *app.App) {
	addEventCatalogTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/event-types", "create-event-type", eventCatalogTag, "Create an event type",
		"Adds a type to the tenant's catalog, at version 1. The schema must compile as JSON Schema draft 2020-12 and the "+
			"example must validate against it; otherwise 422 names the failing place (a JSON pointer such as `/score`). "+
			"409 if the tenant already has a type of that name or a built-in type has it. Leave `additionalProperties` "+
			"open so that the schema can gain fields later without breaking receivers.",
		http.StatusCreated, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *createEventTypeInput) (*eventTypeOutput, error) {
		t, err := a.CreateEventType(ctx, tenantID(ctx), app.CreateEventTypeInput{
			Name: in.Body.Name, Description: in.Body.Description, Schema: in.Body.Schema, Example: in.Body.Example,
		})
		if err != nil {
			return nil, err
		}
		return &eventTypeOutput{Body: eventTypeOf(t)}, nil
	})
}

type eventTypeNameInput struct {
	Name string `path:"name" maxLength:"100" example:"user.created" doc:"The event type's name."`
}

func registerGetEventType(api huma.API, a *app.App) {
	addEventCatalogTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/event-types/{name}", "get-event-type", eventCatalogTag, "Get an event type",
		"Returns one type of the tenant's catalog, built-in or its own, with its schema and example. 404 for a name "+
			"that is neither (another tenant's types are never visible).",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *eventTypeNameInput) (*eventTypeOutput, error) {
		t, err := a.EventType(ctx, tenantID(ctx), in.Name)
		if err != nil {
			return nil, err
		}
		return &eventTypeOutput{Body: eventTypeOf(t)}, nil
	})
}

type updateEventTypeInput struct {
	Name string `path:"name" maxLength:"100" example:"assessment.completed" doc:"The event type's name."`
	Body struct {
		Description *string         `json:"description,omitempty" minLength:"1" maxLength:"2000" example:"A candidate completed and submitted an assessment." doc:"A new description."`
		Schema      json.RawMessage `json:"schema,omitempty" example:"{\"type\":\"object\",\"required\":[\"assessment_id\",\"score\"],\"properties\":{\"assessment_id\":{\"type\":\"string\"},\"score\":{\"type\":\"integer\"},\"passed\":{\"type\":\"boolean\"}}}" doc:"A new JSON Schema (draft 2020-12) for the event's data. A schema that differs from the current one raises the version by one."`
		Example     json.RawMessage `json:"example,omitempty" example:"{\"assessment_id\":\"as_2741\",\"score\":87,\"passed\":true}" doc:"A new example. The example (this one, or else the current one) must validate against the resulting schema."`
		Deprecated  *bool           `json:"deprecated,omitempty" example:"true" doc:"Deprecate (true) or undeprecate (false) the type. A deprecated type is still published, delivered and listed."`
	}
}

func registerUpdateEventType(api huma.API, a *app.App) {
	addEventCatalogTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/event-types/{name}", "update-event-type", eventCatalogTag, "Change an event type",
		"Changes one of the tenant's own types; fields left out stay as they are. A new schema raises the version by one "+
			"(a schema equal to the current one does not); the example must validate against the resulting schema, or 422 "+
			"names the failing place. Built-in types cannot be changed: 403.",
		http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *updateEventTypeInput) (*eventTypeOutput, error) {
		t, err := a.UpdateEventType(ctx, tenantID(ctx), in.Name, app.UpdateEventTypeInput{
			Description: in.Body.Description, Schema: in.Body.Schema, Example: in.Body.Example, Deprecated: in.Body.Deprecated,
		})
		if err != nil {
			return nil, err
		}
		return &eventTypeOutput{Body: eventTypeOf(t)}, nil
	})
}
