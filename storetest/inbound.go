package storetest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func newDestination(tn *hookd.Tenant, name string, created time.Time) *hookd.ProvisioningDestination {
	return &hookd.ProvisioningDestination{
		ID: hookd.NewID(hookd.PrefixProvisioningDestination), TenantID: tn.ID, Name: name,
		Type: hookd.DestinationGeneric, Mapping: map[string]string{}, Signature: hookd.SignatureNone,
		CreatedAt: created, UpdatedAt: created,
	}
}

func newInboundCall(tn *hookd.Tenant, status int, received time.Time) *hookd.InboundCall {
	return &hookd.InboundCall{
		ID: hookd.NewID(hookd.PrefixInboundCall), TenantID: tn.ID, ReceivedAt: received,
		Kind: hookd.InboundServiceNow, Method: "POST", Path: "/hooks/" + tn.Slug + "/helpdesk/servicenow",
		SourceIP: "203.0.113.7", Headers: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"number":"INC1"}`), Status: status, Errors: []hookd.FieldError{},
	}
}

var inboundTests = []storeTest{
	{"DestinationRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		d := newDestination(tn, "Paylocity", at(1500*time.Nanosecond))
		d.Type = hookd.DestinationPaylocity
		d.Mapping = map[string]string{"/worker/id": "employee_id", "/a~1b": "email"}
		d.Signature, d.SignatureHeader, d.SignatureEncoding = hookd.SignatureHMACSHA256, "X-Signature", "hex"
		d.SealedSigningSecret = []byte{0, 1, 2, 255}
		d.SigningSecret = "plaintext is never stored"
		must(t, s.CreateProvisioningDestination(ctx, d))
		if d.SigningSecret != "" || !d.CreatedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("after create: %s", show(d))
		}
		got, err := s.ProvisioningDestination(ctx, tn.ID, d.ID)
		must(t, err)
		wantEqual(t, "destination", got, d)

		got.Name, got.Type, got.Mapping = "Generic", hookd.DestinationGeneric, nil
		got.Signature, got.SignatureHeader, got.SignatureEncoding, got.SealedSigningSecret = hookd.SignatureNone, "", "", nil
		got.UpdatedAt = at(time.Hour)
		must(t, s.UpdateProvisioningDestination(ctx, got))
		again, err := s.ProvisioningDestination(ctx, tn.ID, d.ID)
		must(t, err)
		wantEqual(t, "updated destination", again, got)

		other := newTenant(t, s, "other")
		_, err = s.ProvisioningDestination(ctx, other.ID, d.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		theirs := *got
		theirs.TenantID = other.ID
		wantCode(t, s.UpdateProvisioningDestination(ctx, &theirs), hookd.ENOTFOUND)
		wantCode(t, s.DeleteProvisioningDestination(ctx, other.ID, d.ID), hookd.ENOTFOUND)
		must(t, s.DeleteProvisioningDestination(ctx, tn.ID, d.ID))
		_, err = s.ProvisioningDestination(ctx, tn.ID, d.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteProvisioningDestination(ctx, tn.ID, d.ID), hookd.ENOTFOUND)
		wantCode(t, s.CreateProvisioningDestination(ctx, newDestination(&hookd.Tenant{ID: "ten_missing"}, "x", t0)), hookd.ENOTFOUND)
	}},
	{"ListDestinations", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		must(t, s.CreateProvisioningDestination(ctx, newDestination(newTenant(t, s, "b"), "alpha", t0)))
		var items []*hookd.ProvisioningDestination
		for i, name := range listNames {
			d := newDestination(tn, name, at(listTimes[i]))
			must(t, s.CreateProvisioningDestination(ctx, d))
			items = append(items, d)
		}
		l := lister[*hookd.ProvisioningDestination]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.ProvisioningDestination], error) {
				return s.ListProvisioningDestinations(ctx, tn.ID, p)
			},
			id: func(x *hookd.ProvisioningDestination) string { return x.ID },
			sorts: map[string]func(a, b *hookd.ProvisioningDestination) int{
				"created_at": func(a, b *hookd.ProvisioningDestination) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"name":       func(a, b *hookd.ProvisioningDestination) int { return strings.Compare(a.Name, b.Name) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "Alpha", l.matching(items, func(x *hookd.ProvisioningDestination) bool { return strings.EqualFold(x.Name, "alpha") }))
	}},
	{"InboundCallRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		c := newInboundCall(tn, http.StatusBadRequest, at(1500*time.Nanosecond))
		c.Kind, c.DestinationID, c.Operation = hookd.InboundProvisioning, "dst_1", hookd.AddUser
		c.Caller = "service_account sva_1"
		c.Headers = http.Header{"Authorization": {"Basic [redacted]"}, "X-Many": {"a", "b"}}
		c.Body, c.BodyTruncated = []byte{'{', 0xff, 0}, true
		c.Problem = "The body has 2 invalid fields."
		c.Errors = []hookd.FieldError{{Location: "body.email", Message: "is required"}, {Location: "body.employee_id", Message: "is required"}}
		c.ResultType, c.ResultID, c.ReplayOf = "user", "dus_1", "inb_0"
		c.Authenticated, c.BodySize, c.BodySHA256 = true, 1<<20, strings.Repeat("ab", 32)
		must(t, s.CreateInboundCall(ctx, c))
		if !c.ReceivedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("ReceivedAt = %v, want rounded", c.ReceivedAt)
		}
		got, err := s.InboundCall(ctx, tn.ID, c.ID)
		must(t, err)
		wantEqual(t, "inbound call", got, c)

		// Nil headers, body and errors come back empty.
		bare := newInboundCall(tn, http.StatusCreated, t0)
		bare.Headers, bare.Body, bare.Errors = nil, nil, nil
		must(t, s.CreateInboundCall(ctx, bare))
		got, err = s.InboundCall(ctx, tn.ID, bare.ID)
		must(t, err)
		if got.Headers == nil || got.Body == nil || got.Errors == nil {
			t.Fatalf("bare call reads back with nils: %#v", got)
		}
		wantEqual(t, "bare call", got, bare)

		_, err = s.InboundCall(ctx, newTenant(t, s, "other").ID, c.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.CreateInboundCall(ctx, newInboundCall(&hookd.Tenant{ID: "ten_missing"}, 200, t0)), hookd.ENOTFOUND)
		wantCode(t, s.CreateInboundCall(ctx, c), hookd.ECONFLICT)
	}},
	{"InboundCallForSlug", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		c := newInboundCall(&hookd.Tenant{Slug: "acme"}, http.StatusUnauthorized, at(1500*time.Nanosecond))
		c.Body, c.BodySize, c.BodySHA256 = nil, 65536, strings.Repeat("0f", 32)
		must(t, s.CreateInboundCallForSlug(ctx, "acme", c))
		if c.TenantID != tn.ID || !c.ReceivedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("after create: tenant %q, received %v", c.TenantID, c.ReceivedAt)
		}
		got, err := s.InboundCall(ctx, tn.ID, c.ID)
		must(t, err)
		wantEqual(t, "inbound call", got, c)
		if got.Authenticated || len(got.Body) != 0 {
			t.Fatalf("stored as %+v", got)
		}
		// No tenant of that slug: ENOTFOUND, nothing stored.
		missing := newInboundCall(&hookd.Tenant{Slug: "nobody"}, http.StatusUnauthorized, t0)
		wantCode(t, s.CreateInboundCallForSlug(ctx, "nobody", missing), hookd.ENOTFOUND)
		p, err := s.ListInboundCalls(ctx, tn.ID, false, hookd.ListParams{})
		must(t, err)
		if len(p.Items) != 1 {
			t.Fatalf("log has %d calls, want 1", len(p.Items))
		}
		wantCode(t, s.CreateInboundCallForSlug(ctx, "acme", c), hookd.ECONFLICT)
	}},
	{"PruneInboundCalls", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		var kept []string
		for i := range 5 {
			for _, tn := range []*hookd.Tenant{a, b} {
				c := newInboundCall(tn, 400, at(time.Duration(i)*time.Hour))
				must(t, s.CreateInboundCall(ctx, c))
				if i >= 3 {
					kept = append(kept, c.ID)
				}
			}
		}
		// Calls before 3h go, in batches of the limit.
		n, err := s.PruneInboundCalls(ctx, at(3*time.Hour), 4)
		must(t, err)
		if n != 4 {
			t.Fatalf("first batch pruned %d, want 4", n)
		}
		n, err = s.PruneInboundCalls(ctx, at(3*time.Hour), 4)
		must(t, err)
		if n != 2 {
			t.Fatalf("second batch pruned %d, want 2", n)
		}
		n, err = s.PruneInboundCalls(ctx, at(3*time.Hour), 4)
		must(t, err)
		if n != 0 {
			t.Fatalf("third batch pruned %d, want 0", n)
		}
		var left []string
		for _, tn := range []*hookd.Tenant{a, b} {
			p, err := s.ListInboundCalls(ctx, tn.ID, false, hookd.ListParams{Limit: 100})
			must(t, err)
			for _, c := range p.Items {
				left = append(left, c.ID)
			}
		}
		slices.Sort(left)
		slices.Sort(kept)
		wantEqual(t, "calls left", left, kept)
	}},
	{"TrimInboundCalls", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		var ids []string
		for i := range 6 {
			c := newInboundCall(a, 400, at(time.Duration(i)*time.Minute))
			c.Body = make([]byte, 1000)
			must(t, s.CreateInboundCall(ctx, c))
			ids = append(ids, c.ID)
			must(t, s.CreateInboundCall(ctx, newInboundCall(b, 400, at(time.Duration(i)*time.Minute))))
		}
		left := func(tn *hookd.Tenant) []string {
			t.Helper()
			p, err := s.ListInboundCalls(ctx, tn.ID, false, hookd.ListParams{Limit: 100})
			must(t, err)
			var out []string
			for _, c := range p.Items {
				out = append(out, c.ID)
			}
			return out
		}
		// No limits: nothing goes.
		n, err := s.TrimInboundCalls(ctx, a.ID, hookd.InboundLogLimits{}, 100)
		must(t, err)
		if n != 0 {
			t.Fatalf("trimmed %d without limits", n)
		}
		// The newest 4 calls stay; up to limit go per statement.
		n, err = s.TrimInboundCalls(ctx, a.ID, hookd.InboundLogLimits{MaxCalls: 4}, 1)
		must(t, err)
		if n != 1 {
			t.Fatalf("trimmed %d, want 1 (the limit)", n)
		}
		n, err = s.TrimInboundCalls(ctx, a.ID, hookd.InboundLogLimits{MaxCalls: 4}, 100)
		must(t, err)
		if n != 1 {
			t.Fatalf("trimmed %d, want 1", n)
		}
		wantEqual(t, "a's calls after MaxCalls 4", left(a), ids[2:])
		// Bytes: each call counts its body, headers, path…: two fit in 2500.
		n, err = s.TrimInboundCalls(ctx, a.ID, hookd.InboundLogLimits{MaxBytes: 2500}, 100)
		must(t, err)
		if n != 2 {
			t.Fatalf("trimmed %d by bytes, want 2", n)
		}
		wantEqual(t, "a's calls after MaxBytes 2500", left(a), ids[4:])
		// The other tenant's log is untouched.
		if got := len(left(b)); got != 6 {
			t.Fatalf("b has %d calls, want 6", got)
		}
	}},
	{"ListInboundCalls", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		must(t, s.CreateInboundCall(ctx, newInboundCall(newTenant(t, s, "b"), 400, t0)))
		statuses := []int{201, 400, 200, 401, 404, 413, 500}
		var items []*hookd.InboundCall
		for i, name := range listNames {
			c := newInboundCall(tn, statuses[i], at(listTimes[i]))
			c.Path = "/hooks/a/" + name
			if c.Failed() {
				c.Problem = "problem " + name
			}
			must(t, s.CreateInboundCall(ctx, c))
			items = append(items, c)
		}
		l := lister[*hookd.InboundCall]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.InboundCall], error) {
				if p.Sort == "created_at" || p.Sort == "-created_at" {
					p.Sort = strings.Replace(p.Sort, "created_at", "received_at", 1)
				}
				return s.ListInboundCalls(ctx, tn.ID, false, p)
			},
			id: func(x *hookd.InboundCall) string { return x.ID },
			sorts: map[string]func(a, b *hookd.InboundCall) int{
				"created_at": func(a, b *hookd.InboundCall) int { return a.ReceivedAt.Compare(b.ReceivedAt) },
			},
		}
		l.checkPaging(t, items)
		l.checkQuery(t, "ZULU 100%", []string{items[6].ID})
		l.checkQuery(t, "problem beta", []string{items[3].ID})
		l.checkQuery(t, "203.0.113", l.expect(items, ""))

		failed := lister[*hookd.InboundCall]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.InboundCall], error) {
				return s.ListInboundCalls(ctx, tn.ID, true, p)
			},
			id:    l.id,
			sorts: l.sorts,
		}
		failed.checkQuery(t, "", l.matching(items, (*hookd.InboundCall).Failed))
		_, err := s.ListInboundCalls(ctx, tn.ID, false, hookd.ListParams{Sort: "status"})
		wantField(t, err, "query.sort")
	}},
}
