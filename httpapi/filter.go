package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd/app"
)

type testFilterInput struct {
	Body struct {
		Filter json.RawMessage `json:"filter" example:"{\"data.amount\":{\"$gte\":100}}" doc:"The payload filter to try, as an endpoint's filter field takes it."`
		Event  struct {
			Type string          `json:"type" maxLength:"255" example:"invoice.paid" doc:"The event's type."`
			Data json.RawMessage `json:"data" example:"{\"amount\":250}" doc:"The event's data, a JSON object."`
		} `json:"event" doc:"An example event."`
	}
}

// FilterTest is whether a filter matches an example event.
type FilterTest struct {
	Matches bool `json:"matches" example:"true" doc:"Whether an endpoint with this filter would be sent the event."`
}

type testFilterOutput struct{ Body FilterTest }

func registerTestFilter(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/filters/test", "test-filter", endpointsTag, "Try a payload filter",
		"Tells whether a payload filter matches an example event, storing nothing: try a filter before putting it on an "+
			"endpoint. 422 names each invalid part of the filter.",
		http.StatusOK))
	huma.Register(api, op, func(ctx context.Context, in *testFilterInput) (*testFilterOutput, error) {
		ok, err := a.TestFilter(ctx, tenantID(ctx), in.Body.Filter, app.FilterExample{Type: in.Body.Event.Type, Data: in.Body.Event.Data})
		if err != nil {
			return nil, err
		}
		return &testFilterOutput{Body: FilterTest{Matches: ok}}, nil
	})
}
