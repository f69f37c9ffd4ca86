package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// TypeIdempotencyKeyReused is the problem type of a publish whose
// Idempotency-Key was used within 24 hours for another type or data (422).
const TypeIdempotencyKeyReused = ProblemTypeBase + "idempotency-key-reused"

// eventsTag is the OpenAPI tag of the events' operations.
const eventsTag = "Events"

const eventsTagDescription = "Events a tenant publishes. Each is validated against its type's schema in the catalog " +
	"and, once stored, delivered to every endpoint subscribed to its type. Needs a plan that includes webhooks."

// addEventsTag describes the events' tag in the OpenAPI document, once.
func addEventsTag(api huma.API) {
	oa := api.OpenAPI()
	if !slices.ContainsFunc(oa.Tags, func(t *huma.Tag) bool { return t.Name == eventsTag }) {
		oa.Tags = append(oa.Tags, &huma.Tag{Name: eventsTag, Description: eventsTagDescription})
	}
}

// Event is an event as the API shows it.
type Event struct {
	ID        string          `json:"id" example:"evt_0193c0ffee0000000000000000000001" doc:"The event's id."`
	Type      string          `json:"type" example:"user.created" doc:"The event type."`
	Timestamp time.Time       `json:"timestamp" example:"2026-11-23T09:40:00Z" doc:"When the event was published."`
	Data      json.RawMessage `json:"data" example:"{\"user\":{\"id\":\"usr_1\",\"email\":\"ada@example.com\"}}" doc:"The event's data, as published."`
}

func eventOf(e *hookd.Event) Event {
	return Event{ID: e.ID, Type: e.Type, Timestamp: e.Timestamp, Data: e.Data}
}

// PublishedEvent is the answer to a publish.
type PublishedEvent struct {
	Event
	Deliveries int `json:"deliveries" example:"2" doc:"How many deliveries were recorded: one per subscribed endpoint, held for disabled ones."`
}

type publishEventInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" example:"order-4711-created" doc:"Publishing the same type and data again with the same key within 24 hours answers with the first event and stores nothing; another type or data with the key is refused (422)."`
	Body           struct {
		Type string          `json:"type" maxLength:"100" example:"user.created" doc:"An event type of the tenant's catalog."`
		Data json.RawMessage `json:"data" example:"{\"user\":{\"id\":\"usr_1\",\"email\":\"ada@example.com\"}}" doc:"A JSON object valid against the type's schema."`
	}
}

type publishEventOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when the Idempotency-Key was used within 24 hours and this is the first answer again."`
	Body     PublishedEvent
}

func registerPublishEvent(api huma.API, a *app.App) {
	addEventsTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/events", "publish-event", eventsTag, "Publish an event",
		"Validates `data` against the schema of `type` (422 naming each failing place, such as `/user/email`) and stores "+
			"the event with one delivery per subscribed endpoint, in one transaction. 202 means it is durably stored: it "+
			"is then delivered, retried for about a day. Deliveries to disabled endpoints are held until they are enabled "+
			"again. With an `Idempotency-Key` header, publishing again within 24 hours answers with the first event "+
			"(and `Idempotent-Replayed: true`) and stores nothing; the same key with another `type` or `data` is refused "+
			"with 422 `urn:hookd:problem:idempotency-key-reused`. The operational event types (`endpoint.disabled`, "+
			"`endpoint.enabled`, `endpoint.failing`, `delivery.exhausted`) are published by hookd only: 422 at `body.type`.",
		http.StatusAccepted))
	huma.Register(api, op, func(ctx context.Context, in *publishEventInput) (*publishEventOutput, error) {
		e, ds, replayed, err := a.PublishWithDeliveries(ctx, tenantID(ctx), app.PublishInput{
			Type: in.Body.Type, Data: in.Body.Data, IdempotencyKey: in.IdempotencyKey,
		})
		if errors.Is(err, app.ErrIdempotencyKeyReused) {
			p := problemFromError(slog.Default(), err)
			p.Type = TypeIdempotencyKeyReused
			return nil, p
		}
		if err != nil {
			return nil, err
		}
		out := &publishEventOutput{Body: PublishedEvent{Event: eventOf(e), Deliveries: len(ds)}}
		if replayed {
			out.Replayed = "true"
		}
		return out, nil
	})
}

type listEventsInput struct {
	ListInput
	Type string `query:"type" maxLength:"100" example:"user.created" doc:"Only events of this type."`
}

func registerListEvents(api huma.API, a *app.App) {
	addEventsTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/events", "list-events", eventsTag, "List events",
		"Lists the tenant's events. Sort by `created_at` (default) or `type`; `type` keeps one type only; `q` "+
			"searches types.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *listEventsInput) (*listOutput[Event], error) {
		p, err := a.ListEvents(ctx, tenantID(ctx), in.Type, in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, eventOf), nil
	})
}

// EventDelivery is one delivery of an event, as its event shows it.
type EventDelivery struct {
	ID         string    `json:"id" example:"dlv_0193c0ffee0000000000000000000001" doc:"The delivery's id."`
	EndpointID string    `json:"endpoint_id" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint it goes to."`
	State      string    `json:"state" enum:"pending,running,succeeded,failed,held" example:"pending" doc:"pending waits for run_at; running is being sent; held waits for its disabled endpoint to be enabled."`
	Attempts   int       `json:"attempts" example:"0" doc:"How many requests were sent."`
	RunAt      time.Time `json:"run_at" example:"2026-11-23T09:40:00Z" doc:"When a pending delivery is next due."`
}

// EventWithDeliveries is an event and its deliveries.
type EventWithDeliveries struct {
	Event
	Deliveries []EventDelivery `json:"deliveries" doc:"One per endpoint subscribed when the event was published, oldest first."`
}

type eventIDInput struct {
	ID string `path:"id" maxLength:"100" example:"evt_0193c0ffee0000000000000000000001" doc:"The event's id."`
}

type eventOutput struct{ Body EventWithDeliveries }

func registerGetEvent(api huma.API, a *app.App) {
	addEventsTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/events/{id}", "get-event", eventsTag, "Get an event",
		"Returns one of the tenant's events with its deliveries. 404 for another tenant's events.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *eventIDInput) (*eventOutput, error) {
		e, ds, err := a.Event(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		out := EventWithDeliveries{Event: eventOf(e), Deliveries: make([]EventDelivery, len(ds))}
		for i, d := range ds {
			out.Deliveries[i] = EventDelivery{ID: d.ID, EndpointID: d.EndpointID, State: string(d.State), Attempts: d.Attempts, RunAt: d.RunAt}
		}
		return &eventOutput{Body: out}, nil
	})
}
