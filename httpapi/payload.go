package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
)

// Payload is one event kept for a ping or pull endpoint, with its
// transaction number.
type Payload struct {
	Transaction int64 `json:"transaction" example:"42" doc:"The payload's number: per endpoint, 1, 2, 3, … in the order the payloads were stored, never reused."`
	Event       Event `json:"event" doc:"The event, as a full endpoint would be sent it."`
}

// PayloadList is one page of an endpoint's payloads, oldest first.
type PayloadList struct {
	Data      []Payload `json:"data" doc:"The payloads numbered after the after parameter, lowest first."`
	NextAfter int64     `json:"next_after" example:"42" doc:"Pass as after in the next call: the last number returned, or the after given when none was."`
	HasMore   bool      `json:"has_more" example:"false" doc:"Whether more payloads were waiting beyond limit: call again at once."`
}

type listPayloadsInput struct {
	ID    string `path:"id" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
	After int64  `query:"after" minimum:"0" default:"0" example:"41" doc:"The last transaction number seen: only payloads numbered after it are listed. 0 (the default) lists from the first."`
	Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"100" example:"1000" doc:"The most payloads to return, 1 to 1000 (default 100)."`
	Wait  int    `query:"wait" minimum:"0" maximum:"30" default:"0" example:"10" doc:"When no payload is numbered after after, how many seconds (0 to 30) to wait for one before answering with none (a long poll). 0 answers at once."`
}

type listPayloadsOutput struct {
	ContentType string `header:"Content-Type" doc:"application/json, or application/xml for an endpoint whose format is xml."`
	Body        []byte
}

func registerListPayloads(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/endpoints/{id}/payloads", "list-payloads", endpointsTag, "List payloads",
		"Lists the payloads of a ping or pull endpoint numbered after `after`, oldest first, at most `limit`; "+
			"`next_after` is the `after` of the next call and `has_more` says whether to call again at once. A receiver "+
			"that always passes the last number it saw never misses a payload: numbers are taken in the order the "+
			"payloads are stored, without gaps. With `wait`, a call that finds nothing waits up to that many seconds "+
			"and answers as soon as a payload is stored (on any instance), or with none at the deadline.\n\n"+
			"The answer is in the endpoint's format: JSON, or for an endpoint whose format is `xml` the same "+
			"information as XML, each event written as XML deliveries write it (see docs/webhooks.md):\n\n"+
			"```xml\n"+payloadsXMLExample+"\n```\n\n"+
			"Each call counts as a pull: the endpoint stays active for the inactivity period (7 days by default), "+
			"and an inactive one is enabled again. A call counts against the rate limit like any other; with "+
			"`limit=1000` one call drains a large backlog. 404 for another tenant's endpoint; 409 for a full "+
			"endpoint, whose events are sent to it rather than kept.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity)
	op.Responses = map[string]*huma.Response{
		"200": {
			Description: "The payloads, in the endpoint's format.",
			Content: map[string]*huma.MediaType{
				"application/json": {
					Schema:  api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[PayloadList](), true, "PayloadList"),
					Example: payloadsJSONExample(),
				},
				"application/xml": {
					Schema:  &huma.Schema{Type: huma.TypeString, Description: "The same information as the JSON: <payloads next_after has_more> holding one <payload transaction> per payload, each holding the <event> as XML deliveries write it."},
					Example: payloadsXMLExample,
				},
			},
		},
	}
	huma.Register(api, op, func(ctx context.Context, in *listPayloadsInput) (*listPayloadsOutput, error) {
		list, err := a.ListPayloads(ctx, tenantID(ctx), in.ID, app.ListPayloadsInput{
			After: in.After, Limit: in.Limit, Wait: time.Duration(in.Wait) * time.Second,
		})
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// The client went away while waiting: nobody reads this, and
			// it is no internal error to log.
			return nil, newProblem(TypeBadRequest, http.StatusBadRequest, "The client closed the request before the answer.")
		} else if err != nil {
			return nil, err
		}
		if list.Endpoint.Format == hookd.FormatXML {
			body, err := payloadsXML(list)
			if err != nil {
				return nil, err
			}
			return &listPayloadsOutput{ContentType: dispatch.ContentTypeXML, Body: body}, nil
		}
		body, err := payloadsJSON(list)
		if err != nil {
			return nil, err
		}
		return &listPayloadsOutput{ContentType: "application/json", Body: body}, nil
	})
}

// payloadListOf converts a list of the app.
func payloadListOf(l *app.PayloadList) PayloadList {
	out := PayloadList{Data: make([]Payload, 0, len(l.Payloads)), NextAfter: l.NextAfter, HasMore: l.HasMore}
	for _, p := range l.Payloads {
		out.Data = append(out.Data, Payload{Transaction: p.Transaction, Event: eventOf(p.Event)})
	}
	return out
}

// payloadsJSON renders a list as JSON.
func payloadsJSON(l *app.PayloadList) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(payloadListOf(l)); err != nil {
		return nil, fmt.Errorf("httpapi: render payloads: %w", err)
	}
	return buf.Bytes(), nil
}

// xmlDeclaration starts every XML document hookd writes.
const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// payloadsXML renders a list as XML: the information of the JSON, each
// event as dispatch.RenderXML writes it for a delivery.
func payloadsXML(l *app.PayloadList) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xmlDeclaration)
	fmt.Fprintf(&buf, `<payloads next_after="%d" has_more="%t">`, l.NextAfter, l.HasMore)
	for _, p := range l.Payloads {
		e := p.Event
		ev, err := dispatch.RenderXML([]dispatch.Message{{ID: e.ID, Type: e.Type, Timestamp: e.Timestamp, Data: e.Data}}, false)
		if err != nil {
			return nil, fmt.Errorf("httpapi: render payload %d as XML: %w", p.Transaction, err)
		}
		buf.WriteString(`<payload transaction="` + strconv.FormatInt(p.Transaction, 10) + `">`)
		buf.Write(bytes.TrimPrefix(ev, []byte(xmlDeclaration)))
		buf.WriteString(`</payload>`)
	}
	buf.WriteString(`</payloads>`)
	return buf.Bytes(), nil
}

// payloadsXMLExample is the XML of payloadsJSONExample.
const payloadsXMLExample = `<?xml version="1.0" encoding="UTF-8"?>
<payloads next_after="42" has_more="false"><payload transaction="41"><event id="evt_0193c0ffee0000000000000000000001" type="user.created" timestamp="2026-11-23T09:40:00Z"><data type="object"><user type="object"><id>usr_1</id><email>ada@example.com</email></user></data></event></payload><payload transaction="42"><event id="evt_0193c0ffee0000000000000000000002" type="user.updated" timestamp="2026-11-23T09:41:00Z"><data type="object"><user type="object"><id>usr_1</id><email>ada@example.org</email></user></data></event></payload></payloads>`

func payloadsJSONExample() PayloadList {
	at := time.Date(2026, 11, 23, 9, 40, 0, 0, time.UTC)
	return PayloadList{Data: []Payload{
		{Transaction: 41, Event: Event{ID: "evt_0193c0ffee0000000000000000000001", Type: "user.created", Timestamp: at,
			Data: json.RawMessage(`{"user":{"id":"usr_1","email":"ada@example.com"}}`)}},
		{Transaction: 42, Event: Event{ID: "evt_0193c0ffee0000000000000000000002", Type: "user.updated", Timestamp: at.Add(time.Minute),
			Data: json.RawMessage(`{"user":{"id":"usr_1","email":"ada@example.org"}}`)}},
	}, NextAfter: 42, HasMore: false}
}
