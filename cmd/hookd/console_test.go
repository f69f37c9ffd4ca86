package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestConsoleSignInAndOut signs in through the form and out with the
// button.
func TestConsoleSignInAndOut(t *testing.T) {
	s := consoleServer(t)
	tb := newTab(t, s)
	tb.signIn()
	tb.screenshot("overview")
	tb.clickAndLoad("#sign-out")
	tb.wantPath("/login?signed_out")
	if got := tb.text("main .banner"); got != "You are signed out." {
		t.Errorf("after sign-out the page says %q", got)
	}
	tb.screenshot("signed-out")
	// The session is gone: the console sends the browser to sign in.
	tb.open("/webhooks")
	tb.wantPath("/login?next=%2Fwebhooks")
}

// TestConsoleAddEndpoint adds an endpoint through the side panel, with
// event types chosen after reading an example payload, and checks it
// through the API.
func TestConsoleAddEndpoint(t *testing.T) {
	s := consoleServer(t)
	tb := newTab(t, s)
	tb.signIn()
	tb.open("/webhooks")
	tb.screenshot("webhooks-empty")

	tb.click("#add-endpoint-button")
	if !tb.visible("#add-endpoint") {
		t.Fatal("the side panel did not open")
	}
	tb.wantPath("/webhooks") // opened in place, by script
	tb.fill("#add-url", "https://receiver.example/hooks?key={VerificationKey}")
	tb.fill("#add-name", "Receiver")
	tb.click(`#add-endpoint input[value="user.login"]`)
	tb.click(`#add-endpoint input[value="user.created"]`)
	tb.click(`#add-endpoint summary[aria-label="Example payload of user.login"]`)
	if ex := tb.text(`#add-endpoint details[open] pre`); !strings.Contains(ex, `"method": "password"`) {
		t.Errorf("the ? of user.login shows %q", ex)
	}
	tb.click(`#add-endpoint input[name=format][value=xml]`)
	tb.fill("#add-max", "5")
	tb.fill("#add-headers", "X-Team: billing")
	tb.screenshot("add-endpoint-panel")
	tb.clickAndLoad("#add-endpoint-submit")
	if loc := tb.location(); !strings.HasPrefix(loc, "/webhooks/ep_") || !strings.HasSuffix(loc, "?notice=endpoint-created") {
		t.Fatalf("after adding, the browser is at %s", loc)
	}
	tb.screenshot("endpoint-added")
	id := strings.TrimSuffix(strings.TrimPrefix(tb.location(), "/webhooks/"), "?notice=endpoint-created")

	// The API sees the same endpoint.
	key := enableAPI(t, s)
	r := s.do(http.MethodGet, "/api/v1/endpoints/"+id, "Token "+key, nil)
	want(t, "GET the endpoint", r, http.StatusOK)
	ep := decode[struct {
		Name                string   `json:"name"`
		URL                 string   `json:"url"`
		EventTypes          []string `json:"event_types"`
		Format              string   `json:"format"`
		MaxEventsPerRequest int      `json:"max_events_per_request"`
		Headers             map[string]string
	}](t, r)
	if ep.Name != "Receiver" || ep.URL != "https://receiver.example/hooks?key={VerificationKey}" || ep.Format != "xml" ||
		ep.MaxEventsPerRequest != 5 || strings.Join(ep.EventTypes, ",") != "user.created,user.login" || ep.Headers["X-Team"] != "billing" {
		t.Errorf("endpoint as the API sees it: %+v", ep)
	}

	tb.open("/webhooks")
	if got := tb.text(`tr[data-endpoint="` + id + `"] .endpoint-name`); got != "Receiver" {
		t.Errorf("the table shows %q", got)
	}
	tb.screenshot("webhooks")
	tb.open("/webhooks/documentation")
	tb.screenshot("webhooks-documentation")
}

// enableAPI enables acme's API with the operator token and returns its key.
func enableAPI(t *testing.T, s *server) string {
	t.Helper()
	r := s.do(http.MethodPut, "/api/v1/admin/tenants/acme/api", "Bearer "+s.operatorToken(), map[string]any{"enabled": true})
	want(t, "enable the API", r, http.StatusOK)
	return decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey
}

// apiCall calls GET /api/v1/tenant with the Authorization header and
// returns the status.
func apiCall(s *server, authorization string) int {
	s.t.Helper()
	return s.do(http.MethodGet, "/api/v1/tenant", authorization, nil).status
}

// TestConsoleAccessToken creates a token, which is shown once with a Copy
// button, checks that it is gone after Done, and revokes it.
func TestConsoleAccessToken(t *testing.T) {
	s := consoleServer(t)
	enableAPI(t, s)
	tb := newTab(t, s)
	tb.signIn()
	tb.open("/access-tokens")
	tb.screenshot("tokens-empty")

	tb.click("#create-token")
	if !tb.visible("#create-dialog") {
		t.Fatal("the create dialog did not open")
	}
	tb.fill("#token-name", "CI pipeline")
	tb.screenshot("create-token")
	tb.clickAndLoad("#create-token-submit")
	if !tb.visible("#token-created") {
		t.Fatal("the new token is not shown")
	}
	token := tb.text("#new-token .plain")
	if !strings.HasPrefix(token, "hkd_at_") {
		t.Fatalf("the dialog shows %q, want a token", token)
	}
	tb.click("#new-token-copy")
	tb.waitCopied("#new-token-copy")
	if got := tb.text("#new-token-status"); got != "Copied" {
		t.Errorf("after Copy the status says %q", got)
	}
	if got := tb.clipboard(); got != token {
		t.Errorf("the clipboard holds %q, want the token", got)
	}
	tb.screenshot("token-shown-once")
	if got := apiCall(s, "Bearer "+token); got != http.StatusOK {
		t.Fatalf("the token shown answers %d", got)
	}

	tb.clickAndLoad("#token-done")
	tb.wantPath("/access-tokens")
	if strings.Contains(tb.html(), token) {
		t.Fatal("the token is still on the page after Done")
	}
	row := `#tokens tr[data-token]`
	if got := tb.text(row + " .token-name"); got != "CI pipeline" {
		t.Errorf("the table shows %q", got)
	}
	if got := tb.text(row + ` td[data-label="Prefix"]`); got != token[:len("hkd_at_")+4]+"…" {
		t.Errorf("the prefix shown is %q", got)
	}
	tb.screenshot("tokens")

	tb.click(row + " details.actions summary")
	tb.click(row + ` a[data-open^="revoke-"]`)
	tb.screenshot("revoke-token")
	tb.clickAndLoad(row + ` dialog[open] button[type=submit]`)
	tb.wantPath("/access-tokens?notice=token-revoked")
	if got := tb.text("#tokens .empty"); !strings.HasPrefix(got, "No access tokens yet.") {
		t.Errorf("after revoking the table says %q", got)
	}
	tb.screenshot("token-revoked")
	if got := apiCall(s, "Bearer "+token); got != http.StatusUnauthorized {
		t.Errorf("the revoked token answers %d, want 401", got)
	}
}

// TestConsoleAPIKey enables the API, reveals the key by hover and by focus,
// copies it and regenerates it.
func TestConsoleAPIKey(t *testing.T) {
	s := consoleServer(t)
	tb := newTab(t, s)
	tb.signIn()
	tb.open("/api-access")
	if got := tb.text("#api-banner"); !strings.HasPrefix(got, "The API is disabled.") {
		t.Errorf("the banner says %q", got)
	}
	tb.screenshot("api-disabled")

	tb.clickAndLoad("#api-switch")
	tb.wantPath("/api-access?notice=api-enabled")
	if got := tb.text("#api-banner"); !strings.HasPrefix(got, "The API is enabled.") {
		t.Errorf("the banner says %q", got)
	}
	if tb.visible("#api-key .plain") || !tb.visible("#api-key .mask") {
		t.Fatal("the key is not masked")
	}
	tb.screenshot("api-enabled")

	tb.hover("#api-key")
	if !tb.visible("#api-key .plain") {
		t.Fatal("hovering does not reveal the key")
	}
	key := tb.text("#api-key .plain")
	tb.moveMouseAway()
	if tb.visible("#api-key .plain") {
		t.Fatal("the key stays revealed after the mouse left")
	}
	tb.focus("#api-key")
	if !tb.visible("#api-key .plain") {
		t.Fatal("focusing does not reveal the key")
	}
	tb.screenshot("api-key-revealed")
	tb.blur("#api-key")
	if !strings.HasPrefix(key, "hkd_key_") || apiCall(s, "Token "+key) != http.StatusOK {
		t.Fatalf("the revealed key %q does not work", key)
	}

	tb.click("#api-key-copy")
	tb.waitCopied("#api-key-copy")
	if got := tb.clipboard(); got != key {
		t.Errorf("the clipboard holds %q, want the key", got)
	}

	tb.click("#regenerate")
	if !tb.visible("#regenerate-dialog") {
		t.Fatal("Regenerate asks nothing")
	}
	if got := tb.text("#regenerate-dialog .banner"); !strings.Contains(got, "The current key stops working at once.") {
		t.Errorf("the confirmation says %q", got)
	}
	tb.screenshot("regenerate-confirmation")
	tb.key(kb.Escape)
	if tb.visible("#regenerate-dialog") {
		t.Fatal("Escape does not close the confirmation")
	}
	if apiCall(s, "Token "+key) != http.StatusOK {
		t.Fatal("cancelling changed the key")
	}
	tb.click("#regenerate")
	tb.clickAndLoad("#confirm-regenerate")
	tb.wantPath("/api-access?notice=api-key-regenerated")
	tb.focus("#api-key")
	newKey := tb.text("#api-key .plain")
	tb.screenshot("api-key-regenerated")
	if newKey == key {
		t.Fatal("the key did not change")
	}
	if got := apiCall(s, "Token "+key); got != http.StatusUnauthorized {
		t.Errorf("the old key answers %d, want 401", got)
	}
	if got := apiCall(s, "Token "+newKey); got != http.StatusOK {
		t.Errorf("the new key answers %d, want 200", got)
	}
}

// TestConsoleOperator signs in as the operator, creates a tenant through
// the side panel and looks at the instance's health.
func TestConsoleOperator(t *testing.T) {
	s := consoleServer(t)
	tb := newTab(t, s)
	tb.open("/login?as=operator")
	tb.fill("#operator_token", s.operatorToken())
	tb.screenshot("operator-sign-in")
	tb.clickAndLoad("form button[type=submit]")
	tb.wantPath("/operator/tenants")
	tb.screenshot("tenants")

	tb.click("#create-tenant-button")
	tb.fill("#tenant-slug", "globex")
	tb.fill("#tenant-name", "Globex")
	tb.run(chromedp.SetValue(chromedp.CSS("#tenant-plan"), "platinum"))
	tb.click(`input[name=enable_api]`)
	tb.fill("#tenant-email", "hank@globex.example")
	tb.fill("#tenant-password", "a-long-password")
	tb.screenshot("create-tenant")
	tb.clickAndLoad("#create-tenant-submit")
	tb.wantPath("/operator/tenants/globex?notice=tenant-created")
	tb.screenshot("tenant")
	tb.focus("#tenant-api-key")
	if key := tb.text("#tenant-api-key .plain"); apiCall(s, "Token "+key) != http.StatusOK {
		t.Errorf("globex's key %q does not work", key)
	}

	tb.open("/operator/health")
	if got := tb.text("#health-status"); !strings.HasPrefix(got, "Ready.") {
		t.Errorf("health says %q", got)
	}
	tb.screenshot("health")
}

// receiver is a webhook receiver that answers 200 and remembers the
// webhook-id of each request.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	ids []string
	got chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{got: make(chan struct{}, 16)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.ids = append(rc.ids, r.Header.Get("webhook-id"))
		n := len(rc.ids)
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Receiver", "hookd-test")
		fmt.Fprintf(w, `{"received":%d}`, n)
		rc.got <- struct{}{}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// wait waits for the receiver's next request.
func (rc *receiver) wait(t *testing.T) {
	t.Helper()
	select {
	case <-rc.got:
	case <-time.After(20 * time.Second):
		t.Fatal("the receiver got no request in 20 s")
	}
}

// waitDelivery polls the API until the event's delivery has made attempts
// attempts and is in state, and returns its ID.
func waitDelivery(t *testing.T, s *server, key, eventID string, attempts int, state string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := s.do(http.MethodGet, "/api/v1/deliveries?event_id="+eventID, "Token "+key, nil)
		want(t, "list deliveries", r, http.StatusOK)
		page := decode[struct {
			Data []struct {
				ID       string `json:"id"`
				State    string `json:"state"`
				Attempts int    `json:"attempts"`
			} `json:"data"`
		}](t, r)
		if len(page.Data) == 1 && page.Data[0].Attempts == attempts && page.Data[0].State == state {
			return page.Data[0].ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery of %s is %+v after 20 s, want %d attempts and %s", eventID, page.Data, attempts, state)
		}
		time.Sleep(50 * time.Millisecond) // waiting for the worker, not for a clock
	}
}

// TestConsoleHistory publishes an event through the API, finds it in
// History with the receiver's answer, opens it and re-sends it.
func TestConsoleHistory(t *testing.T) {
	rc := newReceiver(t)
	s := consoleServer(t, "--allow-private-destinations", "--api-rate-limit", "0")
	key := enableAPI(t, s)
	r := s.do(http.MethodPost, "/api/v1/endpoints", "Token "+key, map[string]any{
		"url": rc.URL + "/hooks", "name": "Test receiver", "event_types": []string{"user.created"},
	})
	want(t, "create endpoint", r, http.StatusCreated)
	r = s.do(http.MethodGet, "/api/v1/event-types/user.created", "Token "+key, nil)
	want(t, "get event type", r, http.StatusOK)
	example := decode[struct {
		Example json.RawMessage `json:"example"`
	}](t, r).Example
	r = s.do(http.MethodPost, "/api/v1/events", "Token "+key, map[string]any{"type": "user.created", "data": example})
	want(t, "publish", r, http.StatusAccepted)
	eventID := decode[struct {
		ID string `json:"id"`
	}](t, r).ID
	rc.wait(t)
	id := waitDelivery(t, s, key, eventID, 1, "succeeded")

	tb := newTab(t, s)
	tb.signIn()
	tb.open("/history")
	row := `#deliveries tr[data-delivery="` + id + `"]`
	if got := tb.text(row + " .result"); got != "Succeeded 200" {
		t.Errorf("History shows the result %q", got)
	}
	if got := tb.text(row + ` td[data-label="URL"]`); got != rc.URL+"/hooks" {
		t.Errorf("History shows the URL %q", got)
	}
	tb.screenshot("history")

	tb.clickAndLoad(row + " a.delivery-link")
	tb.wantPath("/history/" + id)
	if got := tb.text(".attempt .response-body"); !strings.Contains(got, `"received": 1`) {
		t.Errorf("the response body shows %q", got)
	}
	if got := tb.text(".attempt h3 code.status"); got != "200 OK" {
		t.Errorf("the response status shows %q", got)
	}
	if !strings.Contains(tb.html(), `<th scope="row">X-Receiver</th><td>hookd-test</td>`) {
		t.Error("the response headers are not shown")
	}
	if got := tb.text(".attempt .request-body"); !strings.Contains(got, eventID) {
		t.Errorf("the request body shows %q", got)
	}
	tb.screenshot("delivery")

	tb.clickAndLoad("#resend")
	tb.wantPath("/history/" + id + "?notice=delivery-resent")
	rc.wait(t)
	waitDelivery(t, s, key, eventID, 2, "succeeded")
	tb.open("/history/" + id)
	if n := strings.Count(tb.html(), `class="card attempt"`); n != 2 {
		t.Errorf("after re-sending the delivery shows %d attempts, want 2", n)
	}
	if got := tb.text(".attempt .response-body"); !strings.Contains(got, `"received": 2`) {
		t.Errorf("the newest attempt's response shows %q", got)
	}
	tb.screenshot("delivery-resent")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.ids) != 2 || rc.ids[0] != rc.ids[1] {
		t.Errorf("the receiver got webhook-ids %v, want the same one twice", rc.ids)
	}
}

// TestConsoleInbound adds a provisioning destination through its dialog,
// copies one of its URLs, replays a failed inbound call and browses the
// directory the replay filled.
func TestConsoleInbound(t *testing.T) {
	s := consoleServer(t)
	key := enableAPI(t, s)
	tb := newTab(t, s)
	tb.signIn()
	tb.open("/inbound")
	tb.screenshot("inbound-empty")

	tb.click("#create-destination")
	if !tb.visible("#create-dialog") {
		t.Fatal("the create dialog did not open")
	}
	tb.fill("#destination-name", "Workday")
	tb.screenshot("add-destination")
	tb.clickAndLoad("#create-destination-submit")
	tb.wantPath("/inbound?notice=destination-created")
	id := value(tb, chromedp.Evaluate[string](`document.querySelector("section[data-destination]").dataset.destination`))
	add := tb.text("#dest-" + id + "-adduser")
	if !strings.HasSuffix(add, "/hooks/acme/provisioning/"+id+"/adduser") {
		t.Fatalf("the adduser URL shown is %q", add)
	}
	tb.click("#dest-" + id + "-adduser-copy")
	tb.waitCopied("#dest-" + id + "-adduser-copy")
	if got := tb.clipboard(); got != add {
		t.Errorf("the clipboard holds %q, want %q", got, add)
	}
	tb.screenshot("inbound-destination")

	// An adduser without an email fails; once the body is logged, replaying
	// it fails the same way, which the page says.
	r := s.do(http.MethodPost, "/hooks/acme/provisioning/"+id+"/adduser", "Token "+key,
		map[string]any{"employee_id": "1111", "first_name": "Grace", "last_name": "Hopper"})
	want(t, "adduser without an email", r, http.StatusBadRequest)
	tb.open("/inbound?failed=true")
	tb.screenshot("inbound-failed-calls")
	tb.clickAndLoad(`#calls tr[data-call] form button[type=submit]`)
	if got := tb.text("#replay-outcome"); !strings.HasPrefix(got, "The replay failed again (status 400).") {
		t.Errorf("the replay's outcome says %q", got)
	}
	tb.screenshot("inbound-replayed")

	r = s.do(http.MethodPost, "/hooks/acme/provisioning/"+id+"/adduser", "Token "+key,
		map[string]any{"employee_id": "1111", "first_name": "Grace", "last_name": "Hopper", "email": "grace@acme.example"})
	want(t, "adduser", r, http.StatusCreated)
	tb.open("/directory")
	if got := tb.text(`#users tr[data-user] td[data-label="Name"]`); got != "Grace Hopper" {
		t.Errorf("the directory shows %q", got)
	}
	tb.screenshot("directory-users")
	tb.open("/directory?tab=tickets")
	tb.screenshot("directory-tickets")
}
