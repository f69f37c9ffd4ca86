package storetest

import (
	"context"
	"net/http"
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
