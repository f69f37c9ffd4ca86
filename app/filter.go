package app

import (
	"context"
	"encoding/json"

	"github.com/hookd/hookd"
)

// FilterExample is an event a filter is tried against: a type and data.
type FilterExample struct {
	Type string
	Data json.RawMessage
}

// TestFilter reports whether the payload filter raw (hookd.Filter) matches
// the example event, storing nothing: the "try this filter" of the API and
// console. Returns EINVALID at body.filter.… for a filter that is not
// valid, at body.event.data for data that is not a JSON object, and
// EPLANFORBIDDEN unless the tenant's plan includes webhooks.
func (a *App) TestFilter(ctx context.Context, tenantID string, raw json.RawMessage, example FilterExample) (bool, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return false, err
	}
	f, fields := hookd.ParseFilter(raw, "body.filter")
	if f == nil && fields == nil {
		fields = append(fields, hookd.FieldError{Location: "body.filter", Message: "is required: a filter object, such as {\"data.amount\": {\"$gte\": 100}}"})
	}
	data, fe := eventData(example.Data)
	if fe != nil {
		fe.Location = "body.event.data"
		fields = append(fields, *fe)
	}
	if len(fields) > 0 {
		return false, hookd.Invalid("The filter cannot be tried.", fields...)
	}
	return f.MatchEvent(&hookd.Event{Type: example.Type, Data: data}), nil
}
