package console_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/hookd/hookd/app"
)

// TestOverview counts the tenant's endpoints and tokens and shows the API's
// state.
func TestOverview(t *testing.T) {
	ctx := context.Background()
	h := sqliteHarness(t)
	b := h.browser()
	b.signIn()
	p := b.get("/")
	wantStatus(t, "overview", p, http.StatusOK)
	wantContains(t, "empty overview", p, `<p id="ov-endpoints">0 endpoints</p>`, "0 tokens", `<span class="badge">Disabled</span>`, "on the enterprise plan")

	for _, name := range []string{"a", "b"} {
		e, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: name, URL: "https://" + name + ".example/"})
		if err != nil {
			t.Fatal(err)
		}
		if name == "b" {
			if _, err := h.app.DisableEndpoint(ctx, h.tenant.ID, e.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := h.app.CreateAccessToken(ctx, admin(h.tenant), app.NewAccessToken{Name: "ci"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	wantContains(t, "overview", b.get("/"), `2 endpoints, <span class="badge bad">1 disabled</span>`, "1 token</p>", `<span class="badge ok">Enabled</span>`)
}
