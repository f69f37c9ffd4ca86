package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// contract sends requests to a real server and checks each request and its
// answer against the server's own OpenAPI document with an outside
// validator (libopenapi-validator).
type contract struct {
	t *testing.T
	s *server
	v validator.Validator
	// raw is the document as JSON, for what the validator does not check:
	// form-encoded bodies.
	raw map[string]any
}

// call sends body (JSON unless contentType says otherwise) and checks the
// pair against the document and the status against want.
func (c *contract) call(method, path, auth, contentType, body string, want int) response {
	c.t.Helper()
	return c.exchange(true, method, path, auth, contentType, body, want)
}

// bad is call for a request that breaks the document on purpose (malformed
// JSON, an unknown field, a number beyond float64): only the answer is
// checked against the document.
func (c *contract) bad(method, path, auth, body string, want int) response {
	c.t.Helper()
	return c.exchange(false, method, path, auth, "", body, want)
}

func (c *contract) exchange(checkRequest bool, method, path, auth, contentType, body string, want int) response {
	c.t.Helper()
	req := func() *http.Request {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, c.s.base+path, rd)
		if err != nil {
			c.t.Fatal(err)
		}
		if body != "" {
			if contentType == "" {
				contentType = "application/json"
			}
			req.Header.Set("Content-Type", contentType)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return req
	}
	if checkRequest && contentType == "application/x-www-form-urlencoded" {
		c.checkForm(method, path, body)
	}
	r := c.s.send(req())
	if r.status != want {
		c.t.Errorf("%s %s: got %s, want status %d", method, path, r, want)
	}
	res := &http.Response{StatusCode: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)), Request: req()}
	check := c.v.ValidateHttpResponse
	if checkRequest {
		check = c.v.ValidateHttpRequestResponse
	}
	if ok, errs := check(req(), res); !ok {
		for _, e := range errs {
			msg := e.Message + ": " + e.Reason
			for _, se := range e.SchemaValidationErrors {
				msg += "\n    " + se.FieldPath + ": " + se.Reason
			}
			c.t.Errorf("%s %s → %d disagrees with /openapi.json: %s\nbody: %.400s", method, path, r.status, msg, r.body)
		}
	}
	return r
}

// checkForm checks a form body against the schema the document gives it:
// an object whose properties name every field sent, with its required
// fields present and enum values kept. (libopenapi-validator checks JSON
// bodies only.)
func (c *contract) checkForm(method, path, body string) {
	c.t.Helper()
	schema, _ := dig(c.raw, "paths", path, strings.ToLower(method), "requestBody", "content", "application/x-www-form-urlencoded", "schema").(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	if schema["type"] != "object" || len(props) == 0 {
		c.t.Errorf("%s %s: /openapi.json describes the form body as %v, not as an object with its fields", method, path, schema)
		return
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		c.t.Fatal(err)
	}
	for name, vals := range form {
		p, ok := props[name].(map[string]any)
		if !ok {
			c.t.Errorf("%s %s: form field %q is not in /openapi.json", method, path, name)
			continue
		}
		if enum, ok := p["enum"].([]any); ok && !slices.Contains(enum, any(vals[0])) {
			c.t.Errorf("%s %s: form field %s=%q is not one of %v", method, path, name, vals[0], enum)
		}
	}
	req, _ := schema["required"].([]any)
	for _, name := range req {
		if _, ok := form[name.(string)]; !ok {
			c.t.Errorf("%s %s: the form lacks %s, which /openapi.json requires", method, path, name)
		}
	}
}

// dig returns the value at keys in nested maps, or nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestOpenAPIDocumentMatchesTraffic drives many operations of the real
// server, successes and errors, and checks every request and answer
// against /openapi.json with an outside contract validator.
func TestOpenAPIDocumentMatchesTraffic(t *testing.T) {
	t.Parallel()
	s := startServer(t, envOf(nil), "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--api-rate-limit", "0")
	defer s.stop()
	body := s.get("/openapi.json").body
	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("build validator: %v", errs)
	}
	c := &contract{t: t, s: s, v: v, raw: decode[map[string]any](t, response{body: body})}
	op := "Bearer " + s.operatorToken()

	c.call("GET", "/readyz", "", "", "", http.StatusOK)

	// Tenants and their API.
	c.call("POST", "/api/v1/admin/tenants", op, "", `{"slug":"acme","name":"Acme"}`, http.StatusCreated)
	c.call("POST", "/api/v1/admin/tenants", op, "", `{"slug":"acme","name":"Acme"}`, http.StatusConflict)
	c.call("POST", "/api/v1/admin/tenants", op, "", `{"slug":"Not A Slug","name":"x"}`, http.StatusUnprocessableEntity)
	c.bad("POST", "/api/v1/admin/tenants", op, `{"slug":"x","name":"x","bogus":1}`, http.StatusBadRequest)
	c.call("GET", "/api/v1/admin/tenants", op, "", "", http.StatusOK)
	c.call("GET", "/api/v1/admin/tenants/acme", op, "", "", http.StatusOK)
	c.call("GET", "/api/v1/admin/tenants/nobody", op, "", "", http.StatusNotFound)
	key := decode[struct {
		APIKey string `json:"api_key"`
	}](t, c.call("PUT", "/api/v1/admin/tenants/acme/api", op, "", `{"enabled":true}`, http.StatusOK)).APIKey
	auth := "Token " + key
	c.call("GET", "/api/v1/api", auth, "", "", http.StatusOK)
	c.bad("GET", "/api/v1/api", "", "", http.StatusUnauthorized)
	c.call("GET", "/api/v1/api", "Token wrong", "", "", http.StatusUnauthorized)

	// Event types.
	c.call("GET", "/api/v1/event-types", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/event-types/user.created", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/event-types/no.such", auth, "", "", http.StatusNotFound)
	c.call("POST", "/api/v1/event-types", auth, "", `{"name":"invoice.paid","description":"An invoice was paid.",
		"schema":{"type":"object","required":["amount"],"properties":{"amount":{"type":"number"}}},"example":{"amount":5}}`, http.StatusCreated)
	c.call("POST", "/api/v1/event-types", auth, "", `{"name":"invoice.paid","description":"d","schema":{},"example":{}}`, http.StatusConflict)
	c.call("PATCH", "/api/v1/event-types/invoice.paid", auth, "", `{"description":"Paid."}`, http.StatusOK)

	// Endpoints.
	ep := decode[struct {
		ID string `json:"id"`
	}](t, c.call("POST", "/api/v1/endpoints", auth, "", `{"name":"Books","url":"https://books.example/hook","event_types":["invoice.paid"]}`, http.StatusCreated)).ID
	c.call("POST", "/api/v1/endpoints", auth, "", `{"name":"Bad","url":"ftp://x"}`, http.StatusUnprocessableEntity)
	c.call("GET", "/api/v1/endpoints", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/endpoints/"+ep, auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/endpoints/ep_nope", auth, "", "", http.StatusNotFound)
	c.call("PATCH", "/api/v1/endpoints/"+ep, auth, "", `{"name":"Bookkeeping"}`, http.StatusOK)
	c.call("GET", "/api/v1/endpoints/"+ep+"/secret", auth, "", "", http.StatusOK)
	c.call("POST", "/api/v1/endpoints/"+ep+"/disable", auth, "", "", http.StatusOK)
	c.call("POST", "/api/v1/endpoints/"+ep+"/enable", auth, "", "", http.StatusOK)

	// Pull endpoints and their payloads, JSON and XML.
	pull := decode[struct {
		ID string `json:"id"`
	}](t, c.call("POST", "/api/v1/endpoints", auth, "", `{"name":"Payroll","mode":"pull","event_types":["invoice.paid"]}`, http.StatusCreated)).ID
	pullXML := decode[struct {
		ID string `json:"id"`
	}](t, c.call("POST", "/api/v1/endpoints", auth, "", `{"name":"Payroll XML","mode":"ping","format":"xml","url":"https://payroll.example/hook","event_types":["invoice.paid"]}`, http.StatusCreated)).ID
	c.call("POST", "/api/v1/endpoints", auth, "", `{"name":"Bad","mode":"pull","url":"https://x.example/"}`, http.StatusUnprocessableEntity)
	c.call("GET", "/api/v1/endpoints/"+pull, auth, "", "", http.StatusOK)
	c.call("PATCH", "/api/v1/endpoints/"+pullXML, auth, "", `{"mode":"full"}`, http.StatusUnprocessableEntity)

	// Events, with every kind of refusal.
	ev := decode[struct {
		ID string `json:"id"`
	}](t, c.call("POST", "/api/v1/events", auth, "", `{"type":"invoice.paid","data":{"amount":5}}`, http.StatusAccepted)).ID
	c.call("POST", "/api/v1/events", auth, "", `{"type":"invoice.paid","data":{"amount":"five"}}`, http.StatusUnprocessableEntity)
	c.bad("POST", "/api/v1/events", auth, `{"type":"invoice.paid","data":{"amount":5,"amount":6}}`, http.StatusBadRequest)
	c.bad("POST", "/api/v1/events", auth, `{"type":"invoice.paid","data":{"amount":1e999}}`, http.StatusBadRequest)
	c.bad("POST", "/api/v1/events", auth, `{"type":"invoice.paid",`, http.StatusBadRequest)
	c.bad("POST", "/api/v1/events", auth, `{"type":"invoice.paid","data":{"amount":5},"extra":true}`, http.StatusBadRequest)
	c.call("GET", "/api/v1/events", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/events?sort=-created_at&limit=1", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/events/"+ev, auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/events/evt_nope", auth, "", "", http.StatusNotFound)
	c.call("GET", "/api/v1/deliveries", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/endpoints/"+pull+"/payloads?after=0&limit=10", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/endpoints/"+pull+"/payloads?after=1&wait=1", auth, "", "", http.StatusOK)
	if r := c.call("GET", "/api/v1/endpoints/"+pullXML+"/payloads", auth, "", "", http.StatusOK); r.header.Get("Content-Type") != "application/xml" {
		t.Errorf("payloads of an XML endpoint: Content-Type %q, want application/xml", r.header.Get("Content-Type"))
	}
	c.bad("GET", "/api/v1/endpoints/"+pull+"/payloads?limit=1001", auth, "", http.StatusUnprocessableEntity)
	c.call("GET", "/api/v1/endpoints/"+ep+"/payloads", auth, "", "", http.StatusConflict)
	c.call("GET", "/api/v1/endpoints/ep_nope/payloads", auth, "", "", http.StatusNotFound)
	c.call("GET", "/api/v1/endpoints", auth, "", "", http.StatusOK)
	c.call("POST", "/api/v1/endpoints/"+pullXML+"/test", auth, "", "", http.StatusAccepted)
	c.call("POST", "/api/v1/endpoints/"+pull+"/test", auth, "", "", http.StatusConflict)
	c.call("GET", "/api/v1/admin/audit?limit=5", op, "", "", http.StatusOK)

	// Credentials.
	c.call("POST", "/api/v1/access-tokens", auth, "", `{"name":"CI"}`, http.StatusCreated)
	c.call("GET", "/api/v1/access-tokens", auth, "", "", http.StatusOK)
	at := decode[struct {
		Token string `json:"token"`
	}](t, c.call("POST", "/api/v1/access-tokens", auth, "", `{"name":"Puller","scopes":["read"]}`, http.StatusCreated)).Token
	c.call("GET", "/api/v1/endpoints/"+pull+"/payloads", "Token "+at, "", "", http.StatusOK)
	c.call("GET", "/api/v1/endpoints/"+pull+"/payloads", "Token "+at+"x", "", "", http.StatusUnauthorized)
	client := decode[struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}](t, c.call("POST", "/api/v1/oauth-clients", auth, "", `{"name":"Reports"}`, http.StatusCreated))
	c.call("GET", "/api/v1/oauth-clients", auth, "", "", http.StatusOK)
	form := "application/x-www-form-urlencoded"
	c.call("POST", "/oauth/token", "", form, url.Values{"grant_type": {"client_credentials"},
		"client_id": {client.ClientID}, "client_secret": {client.ClientSecret}}.Encode(), http.StatusOK)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(client.ClientID+":"+client.ClientSecret))
	c.call("POST", "/oauth/token", basic, form, "grant_type=client_credentials&scope=read", http.StatusOK)
	c.call("POST", "/oauth/token", "", form, "grant_type=client_credentials&client_id="+client.ClientID+"&client_secret=wrong", http.StatusUnauthorized)

	// Idempotency: a replay, and a key reused with another body.
	idem := func(body string, want int) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.base+"/api/v1/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		req.Header.Set("Idempotency-Key", "inv-1")
		r := s.send(req)
		if r.status != want {
			t.Errorf("POST /api/v1/events with Idempotency-Key: got %s, want %d", r, want)
		}
		req, _ = http.NewRequest("POST", s.base+"/api/v1/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		req.Header.Set("Idempotency-Key", "inv-1")
		res := &http.Response{StatusCode: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)), Request: req}
		if ok, errs := v.ValidateHttpRequestResponse(req, res); !ok {
			for _, e := range errs {
				t.Errorf("POST /api/v1/events with Idempotency-Key → %d disagrees with /openapi.json: %s: %s", r.status, e.Message, e.Reason)
			}
		}
	}
	idem(`{"type":"invoice.paid","data":{"amount":7}}`, http.StatusAccepted)
	idem(`{"type":"invoice.paid","data":{"amount":7}}`, http.StatusAccepted)
	idem(`{"type":"invoice.paid","data":{"amount":700}}`, http.StatusUnprocessableEntity)

	// Inbound webhooks.
	c.call("POST", "/hooks/acme/helpdesk/createticket", auth, "", `{"requester_email":"a@example.com","title":"Printer"}`, http.StatusCreated)
	c.bad("POST", "/hooks/acme/helpdesk/createticket", auth, `{"title":"Printer"}`, http.StatusBadRequest)
	c.bad("POST", "/hooks/acme/helpdesk/createticket", "", `{"requester_email":"a@example.com","title":"Printer"}`, http.StatusUnauthorized)

	// Deleting.
	c.call("DELETE", "/api/v1/endpoints/"+ep, auth, "", "", http.StatusNoContent)
	c.call("DELETE", "/api/v1/endpoints/"+ep, auth, "", "", http.StatusNotFound)
	c.bad("GET", "/api/v1/admin/tenants", auth, "", http.StatusUnauthorized)

	// The directory.
	c.call("GET", "/api/v1/users", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/tickets", auth, "", "", http.StatusOK)
	c.call("GET", "/api/v1/organizations", auth, "", "", http.StatusOK)
}
