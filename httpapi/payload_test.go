package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
)

// pullBody is the pull state of an endpoint as the API shows it.
type pullBody struct {
	Transaction         int64      `json:"transaction"`
	NotifiedTransaction int64      `json:"notified_transaction"`
	PulledTransaction   int64      `json:"pulled_transaction"`
	Pending             int64      `json:"pending"`
	LastPulledAt        *time.Time `json:"last_pulled_at"`
	InactiveSince       *time.Time `json:"inactive_since"`
	InactiveBy          *time.Time `json:"inactive_by"`
	DeletedBy           *time.Time `json:"deleted_by"`
}

// pullEndpointBody is an endpoint with its pull state.
type pullEndpointBody struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Mode           string    `json:"mode"`
	Format         string    `json:"format"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason"`
	Pull           *pullBody `json:"pull"`
	CreatedAt      time.Time `json:"created_at"`
}

// payloadsBody is a page of payloads.
type payloadsBody struct {
	Data []struct {
		Transaction int64 `json:"transaction"`
		Event       struct {
			ID        string          `json:"id"`
			Type      string          `json:"type"`
			Timestamp time.Time       `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
		} `json:"event"`
	} `json:"data"`
	NextAfter int64 `json:"next_after"`
	HasMore   bool  `json:"has_more"`
}

func (p payloadsBody) transactions() []int64 {
	out := []int64{}
	for _, d := range p.Data {
		out = append(out, d.Transaction)
	}
	return out
}

// pullTenant creates a tenant with its API on and an event type
// invoice.paid whose data is {"n": <number>}, and returns its ID and
// API key auth.
func (e *env) pullTenant(slug string) (tenantID, auth string) {
	e.t.Helper()
	t := e.createTenant(slug, "enterprise")
	auth = tokenAuth(e.enableAPI(slug))
	r := e.do("POST", "/api/v1/event-types", auth, map[string]any{
		"name": "invoice.paid", "description": "An invoice was paid.",
		"schema":  map[string]any{"type": "object", "required": []string{"n"}, "properties": map[string]any{"n": map[string]any{"type": "integer"}}},
		"example": map[string]any{"n": 1},
	})
	wantStatus(e.t, r, http.StatusCreated)
	return t.ID, auth
}

// createPullEndpoint creates an endpoint from body (mode pull unless it
// says otherwise) subscribed to invoice.paid.
func (e *env) createPullEndpoint(auth string, body map[string]any) pullEndpointBody {
	e.t.Helper()
	b := map[string]any{"name": "Puller", "mode": "pull", "event_types": []string{"invoice.paid"}}
	for k, v := range body {
		b[k] = v
	}
	r := e.do("POST", "/api/v1/endpoints", auth, b)
	wantStatus(e.t, r, http.StatusCreated)
	return decode[pullEndpointBody](e.t, r)
}

// publishN publishes n invoice.paid events numbered from first through
// the app (no HTTP, no rate limit) and returns their IDs.
func (e *env) publishN(tenantID string, first, n int) []string {
	e.t.Helper()
	ids := make([]string, 0, n)
	for i := first; i < first+n; i++ {
		ev, _, err := e.app.Publish(context.Background(), tenantID, app.PublishInput{Type: "invoice.paid", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
		if err != nil {
			e.t.Fatalf("publish %d: %v", i, err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

func (e *env) payloads(auth, id, query string) payloadsBody {
	e.t.Helper()
	r := e.do("GET", "/api/v1/endpoints/"+id+"/payloads"+query, auth, nil)
	wantStatus(e.t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Fatalf("GET payloads%s: Content-Type %q, want application/json", query, ct)
	}
	return decode[payloadsBody](e.t, r)
}

func (e *env) getPullEndpoint(auth, id string) pullEndpointBody {
	e.t.Helper()
	r := e.do("GET", "/api/v1/endpoints/"+id, auth, nil)
	wantStatus(e.t, r, http.StatusOK)
	return decode[pullEndpointBody](e.t, r)
}

func sameTime(a *time.Time, b time.Time) bool { return a != nil && a.Equal(b) }

func TestListPayloads(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)
		if ep.Mode != "pull" || ep.URL != "" || ep.Pull == nil {
			t.Fatalf("created pull endpoint = %+v, want mode pull, no URL, a pull object", ep)
		}
		created := ep.CreatedAt
		week := 7 * 24 * time.Hour
		if p := ep.Pull; p.Transaction != 0 || p.Pending != 0 || p.LastPulledAt != nil || p.InactiveSince != nil ||
			!sameTime(p.InactiveBy, created.Add(week)) || !sameTime(p.DeletedBy, created.Add(2*week)) {
			t.Fatalf("new endpoint's pull = %+v, want nothing yet, inactive by %v, deleted by %v", p, created.Add(week), created.Add(2*week))
		}

		ids := e.publishN(tid, 1, 5)
		if got := e.getPullEndpoint(acme, ep.ID).Pull; got.Transaction != 5 || got.Pending != 5 || got.PulledTransaction != 0 {
			t.Fatalf("after 5 events pull = %+v, want transaction 5, pending 5", got)
		}

		var seen []string
		for _, step := range []struct {
			query     string
			want      []int64
			nextAfter int64
			hasMore   bool
		}{
			{"?limit=2", []int64{1, 2}, 2, true},
			{"?after=2&limit=2", []int64{3, 4}, 4, true},
			{"?after=4", []int64{5}, 5, false},
			{"?after=5", []int64{}, 5, false},
			{"?after=99", []int64{}, 99, false},
		} {
			p := e.payloads(acme, ep.ID, step.query)
			if !slices.Equal(p.transactions(), step.want) || p.NextAfter != step.nextAfter || p.HasMore != step.hasMore {
				t.Fatalf("payloads%s = %v next_after %d has_more %v; want %v, %d, %v",
					step.query, p.transactions(), p.NextAfter, p.HasMore, step.want, step.nextAfter, step.hasMore)
			}
			for _, d := range p.Data {
				if d.Event.Type != "invoice.paid" || string(d.Event.Data) != fmt.Sprintf(`{"n":%d}`, d.Transaction) {
					t.Errorf("payload %d = %+v, want invoice.paid {\"n\":%d}", d.Transaction, d.Event, d.Transaction)
				}
				seen = append(seen, d.Event.ID)
			}
		}
		if !slices.Equal(seen, ids) {
			t.Fatalf("events listed %v, want those published in order %v", seen, ids)
		}
		// The cursor is the highest number listed (after=99 beyond the last
		// does not move it past); the pull is recorded.
		got := e.getPullEndpoint(acme, ep.ID)
		now := e.clock.Now()
		if p := got.Pull; p.PulledTransaction != 5 || p.Pending != 0 || p.LastPulledAt == nil ||
			now.Sub(*p.LastPulledAt) > time.Second || !sameTime(p.InactiveBy, p.LastPulledAt.Add(week)) {
			t.Fatalf("after listing, pull = %+v; want pending 0, last pulled about %v, inactive a week after", p, now)
		}

		// Bad parameters: 422 naming each.
		for query, location := range map[string]string{
			"?limit=0": "query.limit", "?limit=1001": "query.limit", "?after=-1": "query.after",
			"?wait=31": "query.wait", "?wait=-1": "query.wait", "?limit=many": "query.limit",
		} {
			p := wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads"+query, acme, nil), http.StatusUnprocessableEntity, httpapi.TypeValidation)
			if !p.hasLocation(location) {
				t.Errorf("payloads%s: problem %+v does not name %s", query, p, location)
			}
		}

		// A full endpoint: 409. Another tenant's endpoint, or none: 404.
		full := e.createPullEndpoint(acme, map[string]any{"mode": "full", "url": "https://books.example/hook"})
		if full.Pull != nil {
			t.Errorf("full endpoint has pull %+v, want null", full.Pull)
		}
		wantProblem(t, e.do("GET", "/api/v1/endpoints/"+full.ID+"/payloads", acme, nil), http.StatusConflict, httpapi.TypeConflict)
		_, globex := e.pullTenant("globex")
		wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads", globex, nil), http.StatusNotFound, httpapi.TypeNotFound)
		wantProblem(t, e.do("GET", "/api/v1/endpoints/ep_nope/payloads", acme, nil), http.StatusNotFound, httpapi.TypeNotFound)
		if p := e.getPullEndpoint(acme, ep.ID).Pull; p.PulledTransaction != 5 {
			t.Errorf("another tenant's call moved the cursor: %+v", p)
		}
	})
}

func TestPullEndpointModeAndURL(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		_, acme := e.pullTenant("acme")
		create := func(body map[string]any) *response {
			b := map[string]any{"name": "X", "event_types": []string{"invoice.paid"}}
			for k, v := range body {
				b[k] = v
			}
			return e.do("POST", "/api/v1/endpoints", acme, b)
		}
		for name, c := range map[string]struct {
			body     map[string]any
			location string
		}{
			"pull with a URL":  {map[string]any{"mode": "pull", "url": "https://x.example/hook"}, "body.url"},
			"ping without URL": {map[string]any{"mode": "ping"}, "body.url"},
			"full without URL": {map[string]any{"mode": "full"}, "body.url"},
			"unknown mode":     {map[string]any{"mode": "push", "url": "https://x.example/hook"}, "body.mode"},
		} {
			p := wantProblem(t, create(c.body), http.StatusUnprocessableEntity, "")
			if !p.hasLocation(c.location) {
				t.Errorf("%s: problem %+v does not name %s", name, p, c.location)
			}
		}

		ping := e.createPullEndpoint(acme, map[string]any{"mode": "ping", "url": "https://ping.example/hook"})
		if ping.Mode != "ping" || ping.URL != "https://ping.example/hook" || ping.Pull == nil {
			t.Fatalf("ping endpoint = %+v", ping)
		}
		// ping → pull drops the URL; pull → ping needs one.
		r := e.do("PATCH", "/api/v1/endpoints/"+ping.ID, acme, map[string]any{"mode": "pull"})
		wantStatus(t, r, http.StatusOK)
		if got := decode[pullEndpointBody](t, r); got.Mode != "pull" || got.URL != "" {
			t.Fatalf("ping changed to pull = %+v, want mode pull without URL", got)
		}
		p := wantProblem(t, e.do("PATCH", "/api/v1/endpoints/"+ping.ID, acme, map[string]any{"mode": "ping"}), http.StatusUnprocessableEntity, "")
		if !p.hasLocation("body.url") {
			t.Errorf("pull → ping without URL: problem %+v does not name body.url", p)
		}
		p = wantProblem(t, e.do("PATCH", "/api/v1/endpoints/"+ping.ID, acme, map[string]any{"url": "https://x.example/"}), http.StatusUnprocessableEntity, "")
		if !p.hasLocation("body.url") {
			t.Errorf("URL on a pull endpoint: problem %+v does not name body.url", p)
		}
		r = e.do("PATCH", "/api/v1/endpoints/"+ping.ID, acme, map[string]any{"mode": "ping", "url": "https://ping2.example/hook"})
		wantStatus(t, r, http.StatusOK)
		if got := decode[pullEndpointBody](t, r); got.Mode != "ping" || got.URL != "https://ping2.example/hook" {
			t.Fatalf("pull changed to ping = %+v", got)
		}
		// Between full and ping or pull: refused.
		p = wantProblem(t, e.do("PATCH", "/api/v1/endpoints/"+ping.ID, acme, map[string]any{"mode": "full"}), http.StatusUnprocessableEntity, "")
		if !p.hasLocation("body.mode") {
			t.Errorf("ping → full: problem %+v does not name body.mode", p)
		}
		full := e.createPullEndpoint(acme, map[string]any{"mode": "full", "url": "https://full.example/hook"})
		p = wantProblem(t, e.do("PATCH", "/api/v1/endpoints/"+full.ID, acme, map[string]any{"mode": "pull", "url": ""}), http.StatusUnprocessableEntity, "")
		if !p.hasLocation("body.mode") {
			t.Errorf("full → pull: problem %+v does not name body.mode", p)
		}
		// Other changes of a pull endpoint, and an empty URL as a form sends
		// it, are fine.
		pull := e.createPullEndpoint(acme, map[string]any{"url": ""})
		r = e.do("PATCH", "/api/v1/endpoints/"+pull.ID, acme, map[string]any{"name": "Renamed", "url": ""})
		wantStatus(t, r, http.StatusOK)

		// Testing: a pull endpoint is sent nothing (409); a ping endpoint
		// answers with the notification that announces the test payload.
		wantProblem(t, e.do("POST", "/api/v1/endpoints/"+pull.ID+"/test", acme, nil), http.StatusConflict, "")
		r = e.do("POST", "/api/v1/endpoints/"+ping.ID+"/test", acme, nil)
		wantStatus(t, r, http.StatusAccepted)
		test := decode[struct {
			ID          string `json:"id"`
			EndpointID  string `json:"endpoint_id"`
			State       string `json:"state"`
			Transaction *int64 `json:"transaction"`
		}](t, r)
		if test.EndpointID != ping.ID || test.Transaction == nil || *test.Transaction != 1 || test.ID == "" {
			t.Fatalf("test of a ping endpoint = %s; want its ping delivery and transaction 1", r.Body)
		}
		wantStatus(t, e.do("GET", "/api/v1/deliveries/"+test.ID, acme, nil), http.StatusOK)
		// A second test is covered by the ping already waiting.
		r = e.do("POST", "/api/v1/endpoints/"+ping.ID+"/test", acme, nil)
		wantStatus(t, r, http.StatusAccepted)
		again := decode[struct {
			ID          string `json:"id"`
			Transaction *int64 `json:"transaction"`
		}](t, r)
		if again.Transaction == nil || *again.Transaction != 2 || again.ID != test.ID {
			t.Fatalf("second test = %s; want transaction 2 announced by the waiting ping %s", r.Body, test.ID)
		}
		full2 := e.do("POST", "/api/v1/endpoints/"+full.ID+"/test", acme, nil)
		wantStatus(t, full2, http.StatusAccepted)
		if !strings.Contains(string(full2.Body), `"transaction":null`) {
			t.Errorf("test of a full endpoint = %s, want transaction null", full2.Body)
		}
	})
}

func TestListPayloadsXML(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, map[string]any{"format": "xml"})
		ids := e.publishN(tid, 1, 3)
		r := e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads?limit=2", acme, nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
			t.Fatalf("Content-Type %q, want application/xml; body %s", ct, r.Body)
		}
		if !strings.HasPrefix(string(r.Body), `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Errorf("body does not start with the XML declaration: %s", r.Body)
		}
		var doc struct {
			XMLName   xml.Name `xml:"payloads"`
			NextAfter int64    `xml:"next_after,attr"`
			HasMore   bool     `xml:"has_more,attr"`
			Payloads  []struct {
				Transaction int64 `xml:"transaction,attr"`
				Event       struct {
					ID        string `xml:"id,attr"`
					Type      string `xml:"type,attr"`
					Timestamp string `xml:"timestamp,attr"`
					Data      struct {
						Type string `xml:"type,attr"`
						N    struct {
							Type  string `xml:"type,attr"`
							Value string `xml:",chardata"`
						} `xml:"n"`
					} `xml:"data"`
				} `xml:"event"`
			} `xml:"payload"`
		}
		if err := xml.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("answer is not XML: %v; %s", err, r.Body)
		}
		if doc.NextAfter != 2 || !doc.HasMore || len(doc.Payloads) != 2 {
			t.Fatalf("XML = %+v, want 2 payloads, next_after 2, has_more", doc)
		}
		for i, p := range doc.Payloads {
			ev := p.Event
			if p.Transaction != int64(i+1) || ev.ID != ids[i] || ev.Type != "invoice.paid" || ev.Timestamp == "" ||
				ev.Data.Type != "object" || ev.Data.N.Type != "number" || ev.Data.N.Value != fmt.Sprint(i+1) {
				t.Errorf("payload %d = %+v, want transaction %d, event %s with n=%d", i, p, i+1, ids[i], i+1)
			}
		}
		// The rest, and an empty page, in XML too.
		r = e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads?after=3", acme, nil)
		wantStatus(t, r, http.StatusOK)
		if want := `<payloads next_after="3" has_more="false"></payloads>`; !strings.HasSuffix(string(r.Body), want) {
			t.Errorf("empty XML page = %s, want it to end with %s", r.Body, want)
		}
	})
}

func TestListPayloadsDrainsBacklog(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)
		// Four publishers at once (the transaction numbers still come
		// without gaps, in commit order).
		const n, publishers = 2500, 4
		var (
			mu        sync.Mutex
			published = map[string]bool{}
			wg        sync.WaitGroup
			errs      = make(chan error, publishers)
		)
		for w := range publishers {
			wg.Go(func() {
				for i := w; i < n; i += publishers {
					ev, _, err := e.app.Publish(context.Background(), tid, app.PublishInput{Type: "invoice.paid", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					published[ev.ID] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("publish: %v", err)
		}
		got := map[string]bool{}
		after, calls := int64(0), 0
		for {
			p := e.payloads(acme, ep.ID, fmt.Sprintf("?after=%d&limit=1000", after))
			calls++
			for i, d := range p.Data {
				if want := after + int64(i) + 1; d.Transaction != want {
					t.Fatalf("call %d: payload %d has transaction %d, want %d", calls, i, d.Transaction, want)
				}
				got[d.Event.ID] = true
			}
			after = p.NextAfter
			if !p.HasMore {
				break
			}
			if calls > 3 {
				t.Fatalf("still has_more after %d calls", calls)
			}
		}
		if calls != 3 || after != n || !maps.Equal(got, published) {
			t.Fatalf("drained %d payloads (next_after %d) in %d calls; want the %d published in 3", len(got), after, calls, len(published))
		}
	})
}

func TestListPayloadsLongPoll(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)

		// pollAsync starts a pull with wait and returns a channel that
		// yields when (real time) its answer arrived, and the answer.
		type answer struct {
			at   time.Time
			body payloadsBody
			err  error
		}
		pollAsync := func(after int64, wait int) <-chan answer {
			req := e.newRequest("GET", fmt.Sprintf("/api/v1/endpoints/%s/payloads?after=%d&wait=%d", ep.ID, after, wait), acme, nil)
			e.clock.Advance(250 * time.Millisecond) // stay under the rate limit
			ch := make(chan answer, 1)
			go func() {
				res, err := e.ts.Client().Do(req)
				if err != nil {
					ch <- answer{err: err}
					return
				}
				defer res.Body.Close()
				var a answer
				if res.StatusCode != http.StatusOK {
					a.err = fmt.Errorf("status %d", res.StatusCode)
				} else {
					a.err = json.NewDecoder(res.Body).Decode(&a.body)
				}
				a.at = time.Now()
				ch <- a
			}()
			return ch
		}

		const tries = 20
		latencies := make([]time.Duration, 0, tries)   // from the publish call
		afterCommit := make([]time.Duration, 0, tries) // from its return (committed), 0 if the answer came first
		for i := 1; i <= tries; i++ {
			ch := pollAsync(int64(i-1), 10)
			// Let the pull reach its wait; if it has not yet, it finds the
			// payload at once, which only makes the figure smaller.
			time.Sleep(20 * time.Millisecond)
			published := time.Now()
			e.publishN(tid, i, 1)
			committed := time.Now()
			select {
			case a := <-ch:
				if a.err != nil {
					t.Fatalf("try %d: %v", i, a.err)
				}
				if got := a.body.transactions(); !slices.Equal(got, []int64{int64(i)}) {
					t.Fatalf("try %d: woke with %v, want [%d]", i, got, i)
				}
				latencies = append(latencies, a.at.Sub(published))
				afterCommit = append(afterCommit, max(a.at.Sub(committed), 0))
			case <-time.After(15 * time.Second):
				t.Fatalf("try %d: the pull with wait=10 did not answer", i)
			}
		}
		slices.Sort(latencies)
		slices.Sort(afterCommit)
		median := (latencies[tries/2-1] + latencies[tries/2]) / 2
		t.Logf("%s: long poll wait=10, publish → answer over %d tries: median %v (min %v, max %v); from the publish's commit: median %v",
			t.Name(), tries, median, latencies[0], latencies[tries-1], (afterCommit[tries/2-1]+afterCommit[tries/2])/2)
		if median > 250*time.Millisecond {
			t.Errorf("median publish → answer %v, want far below the wait of 10 s (< 250 ms)", median)
		}

		// Nothing comes: empty at the deadline.
		begun := time.Now()
		a := <-pollAsync(tries, 1)
		took := a.at.Sub(begun)
		if a.err != nil || len(a.body.Data) != 0 || a.body.NextAfter != tries || a.body.HasMore {
			t.Fatalf("pull with nothing to come = %+v, %v; want empty, next_after %d", a.body, a.err, tries)
		}
		if took < 900*time.Millisecond || took > 5*time.Second {
			t.Errorf("pull with wait=1 and nothing to come answered after %v, want about 1 s", took)
		}
	})
}

func TestTokenSchemeTakesAccessTokens(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)
		e.publishN(tid, 1, 1)
		at := e.createAccessToken(acme, "puller").Token

		client := decode[struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}](t, e.do("POST", "/api/v1/oauth-clients", acme, map[string]any{"name": "Puller", "scopes": []string{"read"}}))
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ClientID}, "client_secret": {client.ClientSecret}}
		req := e.newRequest("POST", "/oauth/token", "", form.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := e.send(req)
		wantStatus(t, r, http.StatusOK)
		oauth := decode[struct {
			AccessToken string `json:"access_token"`
		}](t, r).AccessToken
		if oauth == "" {
			t.Fatalf("no OAuth token: %s", r.Body)
		}

		for name, auth := range map[string]string{
			"Token <access token>": "Token " + at, "token <access token>": "token " + at, "TOKEN <access token>": "TOKEN " + at,
			"Bearer <access token>": bearerAuth(at),
			"Token <OAuth token>":   "Token " + oauth, "Bearer <OAuth token>": bearerAuth(oauth),
		} {
			p := e.payloads(auth, ep.ID, "")
			if len(p.Data) != 1 {
				t.Errorf("%s on the pull route: %d payloads, want 1", name, len(p.Data))
			}
			if got := e.whoAmI(auth); got != "acme" {
				t.Errorf("%s on GET /api/v1/tenant: tenant %q, want acme", name, got)
			}
		}
		// Elsewhere: listing endpoints, and a change with the access token's
		// webhooks scope.
		wantStatus(t, e.do("GET", "/api/v1/endpoints", "Token "+at, nil), http.StatusOK)
		wantStatus(t, e.do("PATCH", "/api/v1/endpoints/"+ep.ID, "Token "+at, map[string]any{"name": "Renamed"}), http.StatusOK)
		// The OAuth token keeps its scopes under Token: read only.
		wantProblem(t, e.do("PATCH", "/api/v1/endpoints/"+ep.ID, "Token "+oauth, map[string]any{"name": "Nope"}), http.StatusForbidden, httpapi.TypeInsufficientScope)

		for _, auth := range []string{"Token wrong", "Token " + at + "x", "Token hkd_oat_" + strings.Repeat("a", 40)} {
			wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads", auth, nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		}
		// A revoked token is refused under Token too.
		tok := e.createAccessToken(acme, "short-lived")
		wantStatus(t, e.do("DELETE", "/api/v1/access-tokens/"+tok.ID, acme, nil), http.StatusNoContent)
		wantProblem(t, e.do("GET", "/api/v1/tenant", "Token "+tok.Token, nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
	})
}

func TestListPayloadsCountsAgainstRateLimit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)
		e.publishN(tid, 1, 1)
		e.clock.Advance(time.Minute)
		e.tick = 0
		for i := 1; i <= 5; i++ {
			wantStatus(t, e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads", acme, nil), http.StatusOK)
		}
		r := e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads", acme, nil)
		wantProblem(t, r, http.StatusTooManyRequests, httpapi.TypeRateLimited)
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		// Pulls and other calls share the budget.
		e.clock.Advance(time.Minute)
		for i := 1; i <= 3; i++ {
			wantStatus(t, e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads", acme, nil), http.StatusOK)
		}
		wantStatus(t, e.do("GET", "/api/v1/endpoints/"+ep.ID, acme, nil), http.StatusOK)
		wantStatus(t, e.do("GET", "/api/v1/endpoints", acme, nil), http.StatusOK)
		wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ep.ID+"/payloads", acme, nil), http.StatusTooManyRequests, httpapi.TypeRateLimited)
	})
}

// auditBody is a page of the audit trace.
type auditBody struct {
	Data []struct {
		ID        string    `json:"id"`
		TenantID  string    `json:"tenant_id"`
		Action    string    `json:"action"`
		Subject   string    `json:"subject"`
		Detail    string    `json:"detail"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func TestPullLifecycle(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		var logs syncBuffer
		e.app.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		ctx := context.Background()
		day, week := 24*time.Hour, 7*24*time.Hour
		tid, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)
		ping := e.createPullEndpoint(acme, map[string]any{"mode": "ping", "url": "https://ping.example/hook"})
		e.publishN(tid, 1, 2)
		run := func(wantDeactivated, wantDeleted int) {
			t.Helper()
			res, err := e.app.RunPullLifecycle(ctx)
			if err != nil || res.Deactivated != wantDeactivated || res.Deleted != wantDeleted {
				t.Fatalf("RunPullLifecycle at %v = %+v, %v; want %d deactivated, %d deleted", e.clock.Now(), res, err, wantDeactivated, wantDeleted)
			}
		}

		// Six days on: nothing happens.
		e.clock.Advance(6 * day)
		run(0, 0)
		// A little over 7 days without a pull: both inactive.
		e.clock.Advance(day + time.Minute)
		inactiveAt := e.clock.Now()
		run(2, 0)
		got := e.getPullEndpoint(acme, ep.ID)
		if got.Enabled || got.DisabledReason != app.InactiveReason(week) || !strings.Contains(got.DisabledReason, "7 days") ||
			!sameTime(got.Pull.InactiveSince, inactiveAt) || got.Pull.InactiveBy != nil || !sameTime(got.Pull.DeletedBy, inactiveAt.Add(week)) {
			t.Fatalf("after 7 days without a pull: %+v %+v; want disabled, inactive since %v, deleted by %v", got, got.Pull, inactiveAt, inactiveAt.Add(week))
		}
		if p := e.getPullEndpoint(acme, ping.ID); p.Enabled || p.Pull.InactiveSince == nil {
			t.Fatalf("ping endpoint after 7 days without a pull: %+v %+v; want its notifications off (inactive)", p, p.Pull)
		}
		// Payloads keep being stored while inactive.
		e.publishN(tid, 3, 1)

		// A pull during the inactive period enables the endpoint again and
		// extends by 7 days.
		e.clock.Advance(3 * day)
		p := e.payloads(acme, ep.ID, "")
		if !slices.Equal(p.transactions(), []int64{1, 2, 3}) {
			t.Fatalf("pull of the inactive endpoint = %v, want [1 2 3]", p.transactions())
		}
		pulledAt := e.clock.Now()
		got = e.getPullEndpoint(acme, ep.ID)
		if !got.Enabled || got.DisabledReason != "" || got.Pull.InactiveSince != nil || !sameTime(got.Pull.LastPulledAt, pulledAt) ||
			!sameTime(got.Pull.InactiveBy, pulledAt.Add(week)) || !sameTime(got.Pull.DeletedBy, pulledAt.Add(2*week)) {
			t.Fatalf("after a pull while inactive: %+v %+v; want enabled, last pulled %v, inactive by %v, deleted by %v",
				got, got.Pull, pulledAt, pulledAt.Add(week), pulledAt.Add(2*week))
		}
		// The ping endpoint, not pulled, is deleted 7 days after it turned
		// inactive; the pulled one is not.
		e.clock.Advance(4*day + time.Minute)
		run(0, 1)
		wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ping.ID, acme, nil), http.StatusNotFound, httpapi.TypeNotFound)
		wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ping.ID+"/payloads", acme, nil), http.StatusNotFound, httpapi.TypeNotFound)
		if _, err := e.store.Payloads(ctx, tid, ping.ID, 0, 10); hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Errorf("payloads of the deleted endpoint in the store: err %v, want ENOTFOUND", err)
		}
		if e.getPullEndpoint(acme, ep.ID).Pull.InactiveSince != nil {
			t.Fatalf("the pulled endpoint turned inactive 4 days after its pull")
		}

		// 14 days without a pull: inactive at 7, deleted at 14.
		e.clock.Advance(3 * day)
		run(1, 0)
		e.clock.Advance(week + time.Minute)
		run(0, 1)
		wantProblem(t, e.do("GET", "/api/v1/endpoints/"+ep.ID, acme, nil), http.StatusNotFound, httpapi.TypeNotFound)

		// The operator sees both deletions, newest first, one per page.
		r := e.do("GET", "/api/v1/admin/audit?limit=1", operatorAuth(), nil)
		wantStatus(t, r, http.StatusOK)
		page := decode[auditBody](t, r)
		if len(page.Data) != 1 || page.NextCursor == nil {
			t.Fatalf("audit page 1 = %s, want one entry and a cursor", r.Body)
		}
		r = e.do("GET", "/api/v1/admin/audit?limit=1&cursor="+url.QueryEscape(*page.NextCursor), operatorAuth(), nil)
		wantStatus(t, r, http.StatusOK)
		page2 := decode[auditBody](t, r)
		if len(page2.Data) != 1 {
			t.Fatalf("audit page 2 = %s, want one entry", r.Body)
		}
		entries := append(page.Data, page2.Data...)
		for i, want := range []string{ep.ID, ping.ID} {
			en := entries[i]
			if en.Action != hookd.AuditEndpointDeleted || en.Subject != want || en.TenantID != tid || en.Detail == "" || !strings.HasPrefix(en.ID, hookd.PrefixAudit+"_") {
				t.Errorf("audit entry %d = %+v, want endpoint.deleted of %s in %s", i, en, want, tid)
			}
		}
		if !entries[0].CreatedAt.After(entries[1].CreatedAt) {
			t.Errorf("audit entries not newest first: %v then %v", entries[0].CreatedAt, entries[1].CreatedAt)
		}
		// Tenants cannot read it.
		wantProblem(t, e.do("GET", "/api/v1/admin/audit", acme, nil), http.StatusUnauthorized, "")

		// Logged: each deactivation (info) and deletion (warn) with tenant
		// and endpoint.
		for _, want := range []struct {
			level, msg, endpoint string
		}{
			{"INFO", "endpoint inactive", ep.ID}, {"INFO", "endpoint inactive", ping.ID},
			{"WARN", "endpoint deleted", ep.ID}, {"WARN", "endpoint deleted", ping.ID},
		} {
			if !logs.has(func(l map[string]any) bool {
				msg, _ := l["msg"].(string)
				return l["level"] == want.level && strings.HasPrefix(msg, want.msg) && l["endpoint"] == want.endpoint && l["tenant"] == tid
			}) {
				t.Errorf("no %s log %q for endpoint %s of tenant %s in:\n%s", want.level, want.msg, want.endpoint, tid, logs.String())
			}
		}
	})
}

func TestPullLifecycleConfiguredPeriods(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.app.PullLifecycle = hookd.PullLifecycle{InactiveAfter: 36 * time.Hour, DeleteAfter: 2 * time.Hour}
		_, acme := e.pullTenant("acme")
		ep := e.createPullEndpoint(acme, nil)
		if p := ep.Pull; !sameTime(p.InactiveBy, ep.CreatedAt.Add(36*time.Hour)) || !sameTime(p.DeletedBy, ep.CreatedAt.Add(38*time.Hour)) {
			t.Fatalf("pull = %+v, want inactive by created + 36 h, deleted by created + 38 h", p)
		}
		e.clock.Advance(36*time.Hour + time.Second)
		if res, err := e.app.RunPullLifecycle(context.Background()); err != nil || res.Deactivated != 1 {
			t.Fatalf("RunPullLifecycle = %+v, %v; want 1 deactivated", res, err)
		}
		got := e.getPullEndpoint(acme, ep.ID)
		if want := "inactive: its payloads were not listed for 36 hours; list them to enable it again"; got.DisabledReason != want {
			t.Errorf("disabled_reason %q, want %q", got.DisabledReason, want)
		}
		e.clock.Advance(2*time.Hour + time.Second)
		if res, err := e.app.RunPullLifecycle(context.Background()); err != nil || res.Deleted != 1 {
			t.Fatalf("RunPullLifecycle = %+v, %v; want 1 deleted", res, err)
		}
	})
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// has reports whether a JSON log line satisfies f.
func (b *syncBuffer) has(f func(map[string]any) bool) bool {
	for _, line := range strings.Split(b.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil && f(l) {
			return true
		}
	}
	return false
}
