package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

const deliveriesTag = "Deliveries"

// addDeliveriesTag describes the deliveries' tag in the OpenAPI document,
// once.
func addDeliveriesTag(api huma.API) {
	oa := api.OpenAPI()
	if slices.ContainsFunc(oa.Tags, func(t *huma.Tag) bool { return t.Name == deliveriesTag }) {
		return
	}
	oa.Tags = append(oa.Tags, &huma.Tag{
		Name: deliveriesTag,
		Description: "The history of deliveries: one per event and endpoint, with every attempt (request and " +
			"response). Deliveries are retried for about a day (5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, " +
			"±10 %); delivery is at least once, so receivers must tolerate duplicates (use webhook-id). History is " +
			"kept for the retention period (30 days by default).",
	})
}

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID            string     `json:"id" example:"dlv_0193c0ffee0000000000000000000001" doc:"The delivery's id."`
	EventID       string     `json:"event_id" example:"evt_0193c0ffee0000000000000000000001" doc:"The event delivered."`
	EventType     string     `json:"event_type" example:"user.created" doc:"The event's type."`
	EndpointID    string     `json:"endpoint_id" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint it goes to."`
	State         string     `json:"state" enum:"pending,running,succeeded,failed,held" example:"succeeded" doc:"pending waits for run_at; running is being sent; succeeded got a 2xx; failed used up its retries; held waits for its disabled endpoint to be enabled."`
	Attempts      int        `json:"attempts" example:"1" doc:"How many requests were sent in all."`
	RunAt         time.Time  `json:"run_at" example:"2026-11-23T09:40:00Z" doc:"When a pending delivery is next due."`
	LastAttemptAt *time.Time `json:"last_attempt_at" nullable:"true" example:"2026-11-23T09:40:00Z" doc:"When the last request was sent; null before the first."`
	LastStatus    int        `json:"last_status" example:"200" doc:"The HTTP status of the last answer; 0 if none came."`
	LastError     string     `json:"last_error" example:"" doc:"Why the last attempt got no answer, such as a timeout; empty otherwise."`
	CreatedAt     time.Time  `json:"created_at" example:"2026-11-23T09:40:00Z" doc:"When the event was published."`
}

func deliveryOf(d *hookd.Delivery) Delivery {
	return Delivery{
		ID: d.ID, EventID: d.EventID, EventType: d.EventType, EndpointID: d.EndpointID, State: string(d.State),
		Attempts: d.Attempts, RunAt: d.RunAt, LastAttemptAt: d.LastAttemptAt, LastStatus: d.LastStatus,
		LastError: d.LastError, CreatedAt: d.CreatedAt,
	}
}

// Attempt is one request of a delivery and its answer.
type Attempt struct {
	ID              string              `json:"id" example:"att_0193c0ffee0000000000000000000001" doc:"The attempt's id."`
	URL             string              `json:"url" example:"https://example.com/webhooks" doc:"Where the request went."`
	RequestHeaders  map[string][]string `json:"request_headers" doc:"The headers sent, signature included."`
	RequestBody     string              `json:"request_body" example:"{\"id\":\"evt_…\",\"type\":\"user.created\",\"timestamp\":\"…\",\"data\":{}}" doc:"The body sent (at most 64 KiB kept)."`
	ResponseStatus  int                 `json:"response_status" example:"200" doc:"The HTTP status answered; 0 if no answer came."`
	ResponseHeaders map[string][]string `json:"response_headers" doc:"The headers answered."`
	ResponseBody    string              `json:"response_body" example:"ok" doc:"The body answered (at most 64 KiB kept)."`
	DurationMS      float64             `json:"duration_ms" example:"12.5" doc:"From sending the request to the end of the answer, in milliseconds."`
	Error           string              `json:"error" example:"" doc:"Why no answer came (refused destination, timeout, connection error); empty otherwise."`
	CreatedAt       time.Time           `json:"created_at" example:"2026-11-23T09:40:00Z" doc:"When the request was sent."`
}

func attemptOf(a *hookd.Attempt) Attempt {
	return Attempt{
		ID: a.ID, URL: a.URL, RequestHeaders: a.RequestHeaders, RequestBody: a.RequestBody,
		ResponseStatus: a.ResponseStatus, ResponseHeaders: a.ResponseHeaders, ResponseBody: a.ResponseBody,
		DurationMS: float64(a.Duration.Microseconds()) / 1000, Error: a.Error, CreatedAt: a.CreatedAt,
	}
}

// DeliveryWithAttempts is a delivery and every attempt of it.
type DeliveryWithAttempts struct {
	Delivery
	AttemptList []Attempt `json:"attempt_list" doc:"Every request sent, oldest first."`
}

type listDeliveriesInput struct {
	ListInput
	EndpointID string    `query:"endpoint_id" maxLength:"100" doc:"Only deliveries to this endpoint."`
	EventType  string    `query:"event_type" maxLength:"100" doc:"Only deliveries of events of this type."`
	EventID    string    `query:"event_id" maxLength:"100" doc:"Only deliveries of this event."`
	State      string    `query:"state" enum:"pending,running,succeeded,failed,held" doc:"Only deliveries in this state."`
	Since      time.Time `query:"since" doc:"Only deliveries created at or after this time (RFC 3339)."`
	Until      time.Time `query:"until" doc:"Only deliveries created before this time (RFC 3339)."`
}

func registerListDeliveries(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/deliveries", "list-deliveries", deliveriesTag, "List deliveries",
		"Lists the tenant's deliveries, newest first with `sort=-created_at`. Filter by `endpoint_id`, `event_type`, "+
			"`event_id`, `state` and creation time (`since`, `until`); sort by `created_at` (default), "+
			"`last_attempt_at`, `event_type` or `state`; `q` searches the delivery, event and endpoint ids and the "+
			"event type.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *listDeliveriesInput) (*listOutput[Delivery], error) {
		f := hookd.DeliveryFilter{
			EndpointID: in.EndpointID, EventType: in.EventType, EventID: in.EventID,
			State: hookd.DeliveryState(in.State), Since: in.Since, Until: in.Until,
		}
		p, err := a.ListDeliveries(ctx, tenantID(ctx), f, in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, deliveryOf), nil
	})
}

type deliveryIDInput struct {
	ID string `path:"id" maxLength:"100" example:"dlv_0193c0ffee0000000000000000000001" doc:"The delivery's id."`
}

type deliveryWithAttemptsOutput struct{ Body DeliveryWithAttempts }

func registerGetDelivery(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/deliveries/{id}", "get-delivery", deliveriesTag, "Get a delivery",
		"Returns one of the tenant's deliveries with every attempt: the request's URL, headers and body, and the "+
			"answer's status, headers and body (bodies cut at 64 KiB), its duration and any error.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *deliveryIDInput) (*deliveryWithAttemptsOutput, error) {
		d, as, err := a.Delivery(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		out := DeliveryWithAttempts{Delivery: deliveryOf(d), AttemptList: make([]Attempt, len(as))}
		for i, at := range as {
			out.AttemptList[i] = attemptOf(at)
		}
		return &deliveryWithAttemptsOutput{Body: out}, nil
	})
}

type deliveryOutput struct{ Body Delivery }

func registerResendDelivery(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodPost, "/api/v1/deliveries/{id}/resend", "resend-delivery", deliveriesTag,
		"Resend a delivery",
		"Sends a delivery again at once, whatever became of it, in a new round of retries. It keeps its webhook-id, "+
			"so a receiver that already processed it can tell. While its endpoint is disabled it is held instead. "+
			"409 while it is being sent.",
		http.StatusAccepted, http.StatusNotFound, http.StatusConflict)
	huma.Register(api, op, func(ctx context.Context, in *deliveryIDInput) (*deliveryOutput, error) {
		d, err := a.ResendDelivery(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &deliveryOutput{Body: deliveryOf(d)}, nil
	})
}

type recoverEndpointInput struct {
	ID   string `path:"id" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
	Body struct {
		Since time.Time `json:"since" example:"2026-11-22T00:00:00Z" doc:"Resend the failed deliveries created at or after this time."`
	}
}

// RecoverResult says how many deliveries a recovery sends again.
type RecoverResult struct {
	Deliveries int `json:"deliveries" example:"12" doc:"How many failed deliveries are sent again."`
}

type recoverOutput struct{ Body RecoverResult }

func registerRecoverEndpoint(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/endpoints/{id}/recover", "recover-endpoint", deliveriesTag,
		"Recover failed deliveries",
		"Sends again every failed delivery of the endpoint created at or after `since`, each in a new round of "+
			"retries, and says how many. Use it after fixing a receiver that was down.",
		http.StatusAccepted, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *recoverEndpointInput) (*recoverOutput, error) {
		n, err := a.RecoverEndpoint(ctx, tenantID(ctx), in.ID, in.Body.Since)
		if err != nil {
			return nil, err
		}
		return &recoverOutput{Body: RecoverResult{Deliveries: n}}, nil
	})
}

type endpointIDOnlyInput struct {
	ID string `path:"id" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
}

// TestResult is the answer of a test: the delivery that carries the test
// event, and for a ping endpoint the test payload's number.
type TestResult struct {
	Delivery
	Transaction *int64 `json:"transaction" nullable:"true" example:"43" doc:"For a ping endpoint, the transaction number of the test payload (list it with GET /api/v1/endpoints/{id}/payloads); null for a full endpoint."`
}

type testResultOutput struct{ Body TestResult }

func registerTestEndpoint(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodPost, "/api/v1/endpoints/{id}/test", "test-endpoint", deliveriesTag,
		"Send a test event",
		"Publishes a `webhook.test` event to this endpoint only, whatever it subscribes to, and returns its "+
			"delivery; follow it with GET /api/v1/deliveries/{id}. Held if the endpoint is disabled.\n\n"+
			"For a ping endpoint the test event becomes a payload with the next transaction number, and the "+
			"delivery returned is the ping notification that announces it: a new one, or the one already waiting "+
			"or in flight (its `id` is empty in the rare case that one was sent meanwhile and none is left). A pull "+
			"endpoint is sent nothing, so there is nothing to test: 409.",
		http.StatusAccepted, http.StatusNotFound, http.StatusConflict)
	huma.Register(api, op, func(ctx context.Context, in *endpointIDOnlyInput) (*testResultOutput, error) {
		ep, err := a.Endpoint(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		if ep.Mode == hookd.ModePull {
			return nil, hookd.Errorf(hookd.ECONFLICT, "A pull endpoint is sent nothing, so there is nothing to test; list its payloads with GET /api/v1/endpoints/%s/payloads.", ep.ID)
		}
		_, d, err := a.TestEndpoint(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		out := &testResultOutput{Body: TestResult{Delivery: deliveryOf(d)}}
		if d.Pull == nil {
			return out, nil
		}
		// The app returns the ping that announces the test payload.
		txn := d.Pull.Transaction
		out.Body.Transaction = &txn
		return out, nil
	})
}
