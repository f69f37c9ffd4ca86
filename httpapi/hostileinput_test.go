package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

// TestDuplicateJSONKeysAreRefused checks that a body with a key twice in one
// object is refused with 400 naming the key's path, before anything is
// validated or stored: parsers disagree on which value wins, so the value
// validated need not be the one a receiver reads.
func TestDuplicateJSONKeysAreRefused(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		auth := tokenAuth(key)
		wantStatus(t, e.do("POST", "/api/v1/event-types", auth, map[string]any{
			"name": "invoice.paid", "description": "An invoice was paid.",
			"schema":  map[string]any{"type": "object", "properties": map[string]any{"amount": map[string]any{"type": "number"}}},
			"example": map[string]any{"amount": 5},
		}), http.StatusCreated)

		tests := []struct{ path, body, pointer string }{
			// Inside the event data, at any depth.
			{"/api/v1/events", `{"type":"invoice.paid","data":{"amount":"DROP TABLE","amount":5}}`, "/data/amount"},
			{"/api/v1/events", `{"type":"invoice.paid","data":{"amount":5,"lines":[{"sku":"a"},{"sku":"b","sku":"c"}]}}`, "/data/lines/1/sku"},
			// At the top of the body, escaped or not.
			{"/api/v1/events", `{"type":"invoice.paid","data":{"amount":5},"t\u0079pe":"user.created"}`, "/type"},
			// Another endpoint: an endpoint's creation.
			{"/api/v1/endpoints", `{"name":"A","url":"https://a.example","url":"http://169.254.169.254/"}`, "/url"},
			// An event type's schema.
			{"/api/v1/event-types", `{"name":"x.y","description":"d","schema":{"type":"object","type":"string"},"example":{}}`, "/schema/type"},
			// An inbound webhook.
			{"/hooks/acme/helpdesk/createticket", `{"requester_email":"a@example.com","title":"Printer","title":"Rm -rf"}`, "/title"},
		}
		for _, tt := range tests {
			r := e.do("POST", tt.path, auth, tt.body)
			p := wantProblem(t, r, http.StatusBadRequest, "")
			if !strings.Contains(string(r.Body), "duplicate key at "+tt.pointer) {
				t.Errorf("%s %s: %s does not name the duplicate key %s", tt.path, tt.body, r.Body, tt.pointer)
			}
			if len(p.Errors) == 0 || p.Errors[0].Location != "body" {
				t.Errorf("%s: errors %+v, want one at body", tt.path, p.Errors)
			}
		}
		if n := len(e.dirEvents(auth, "")); n != 0 {
			t.Fatalf("%d events stored from refused bodies", n)
		}
		r := e.do("GET", "/api/v1/tickets", auth, nil)
		if l := decode[listBody[dirTicket]](t, r); len(l.Data) != 0 {
			t.Fatalf("tickets from refused bodies: %s", r.Body)
		}
		// The same keys in different objects are fine.
		wantStatus(t, e.do("POST", "/api/v1/events", auth,
			`{"type":"invoice.paid","data":{"amount":5,"lines":[{"amount":1},{"amount":2}]}}`), http.StatusAccepted)
	})
}

// TestOutOfRangeNumbersAreExplained checks that a number JSON allows but a
// 64-bit float cannot hold is refused with 400 naming its place and why,
// not with a type error about an empty field name.
func TestOutOfRangeNumbersAreExplained(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		auth := tokenAuth(key)
		tests := []struct{ body, want string }{
			{`{"type":"webhook.test","data":{"message":"hi","n":1e309}}`, "number at /data/n (byte offset 50) is beyond the range of a 64-bit floating-point number"},
			{`{"type":"webhook.test","data":{"message":"hi","n":-1e309}}`, "number at /data/n (byte offset 50) is beyond the range"},
			{`{"type":"webhook.test","data":{"message":"hi","n":[` + strings.Repeat("7", 400) + `]}}`, "number at /data/n/0 (byte offset 51) is 400 characters long; at most 100 are accepted"},
			{`{"type":"webhook.test","data":{"message":"hi","n":1e-400}}`, "number at /data/n (byte offset 50) is not zero but nearer to zero"},
			{`{"type":"webhook.test","data":{"message":"hi","n":0e-999999}}`, "number at /data/n (byte offset 50) has an exponent beyond ±400"},
		}
		for _, tt := range tests {
			r := e.do("POST", "/api/v1/events", auth, tt.body)
			wantProblem(t, r, http.StatusBadRequest, httpapi.TypeBadRequest)
			if !strings.Contains(string(r.Body), tt.want) {
				t.Errorf("%s: %s, want it to say %q", tt.body, r.Body, tt.want)
			}
			if strings.Contains(string(r.Body), `field \"\"`) {
				t.Errorf("%s: %s speaks of an empty field name", tt.body, r.Body)
			}
		}
		// In range: accepted as sent.
		wantStatus(t, e.do("POST", "/api/v1/events", auth,
			`{"type":"webhook.test","data":{"message":"hi","n":[1e308,5e-324,12345678901234567890123,0.1]}}`), http.StatusAccepted)
	})
}

// TestIdempotencyKeyReuseWithDifferentBodyIsRefused checks that a key used
// for one request is not silently answered with that request's event when
// it comes with another body: 422 with a problem type that says why.
func TestIdempotencyKeyReuseWithDifferentBodyIsRefused(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auth := tokenAuth(e.tenantWithAPI("acme"))
		publish := func(body string) *response {
			req := e.newRequest("POST", "/api/v1/events", auth, body)
			req.Header.Set("Idempotency-Key", "charge-42")
			return e.send(req)
		}
		first := publish(`{"type":"webhook.test","data":{"message":"charge 5"}}`)
		wantStatus(t, first, http.StatusAccepted)
		p := wantProblem(t, publish(`{"type":"webhook.test","data":{"message":"charge 500"}}`), http.StatusUnprocessableEntity, httpapi.TypeIdempotencyKeyReused)
		if !p.hasLocation("header.Idempotency-Key") || !strings.Contains(p.Detail, "already used for another event") {
			t.Fatalf("problem %+v", p)
		}
		again := publish(`{"type": "webhook.test", "data": {"message": "charge 5"}}`)
		wantStatus(t, again, http.StatusAccepted)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("replay %s %s, want %s", again.Header.Get("Idempotent-Replayed"), again.Body, first.Body)
		}
		if n := len(e.dirEvents(auth, "")); n != 1 {
			t.Fatalf("%d events, want 1", n)
		}
	})
}
