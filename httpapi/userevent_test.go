package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestUserEventMatchesAPIUser checks that a user event shows the user as
// the API does: a field with no value is "" in both (events showed null),
// and every other shared field is equal, in user.created, user.updated
// (also its previous values) and user.terminated.
func TestUserEventMatchesAPIUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstoretest.SQLite(t))
	auth := tokenAuth(e.tenantWithAPI("acme"))
	r := e.do("POST", "/api/v1/users", auth, map[string]any{"employee_id": "E-1", "first_name": "Ada", "mobile": "+44 20 7946 0018"})
	wantStatus(t, r, http.StatusCreated)
	id := decode[map[string]any](t, r)["id"].(string)
	wantStatus(t, e.do("PATCH", "/api/v1/users/"+id, auth, map[string]any{"mobile": "", "email": "ada@example.com"}), http.StatusOK)
	wantStatus(t, e.do("PATCH", "/api/v1/users/"+id, auth, map[string]any{"status": "terminated"}), http.StatusOK)
	r = e.do("GET", "/api/v1/users/"+id, auth, nil)
	wantStatus(t, r, http.StatusOK)
	api := decode[map[string]any](t, r)

	for _, typ := range []string{"user.created", "user.updated", "user.terminated"} {
		evs := e.dirEvents(auth, typ)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events, want 1", typ, len(evs))
		}
		user, _ := evs[0]["user"].(map[string]any)
		for _, field := range []string{"first_name", "last_name", "display_name", "email", "mobile", "external_id"} {
			v, ok := user[field]
			if _, isString := v.(string); !ok || !isString {
				t.Errorf("%s: user.%s = %#v, want a string as the API shows (%#v)", typ, field, v, api[field])
			}
		}
		if typ == "user.terminated" {
			for field, want := range api {
				got, ok := user[field]
				if !ok {
					continue
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Errorf("%s: user.%s = %s, the API shows %s", typ, field, g, w)
				}
			}
		}
		if typ == "user.updated" {
			prev, _ := evs[0]["previous"].(map[string]any)
			if prev["email"] != "" || prev["mobile"] != "+44 20 7946 0018" {
				t.Errorf("user.updated previous = %v, want email \"\" and the old mobile", prev)
			}
		}
	}
}
