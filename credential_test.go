package hookd_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestScopesParseInCanonicalOrder(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"credentials read", "read credentials"},
		{"inbound  inbound webhooks", "webhooks inbound"},
		{"read admin", "read"}, // an unknown stored name grants nothing
	} {
		if got := hookd.ParseScopes(tc.in).String(); got != tc.want {
			t.Errorf("ParseScopes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := hookd.NewScopes("body.scopes", "read", "admin"); hookd.ErrorCode(err) != hookd.EINVALID {
		t.Errorf("NewScopes with an unknown scope: %v, want EINVALID", err)
	}
}

// TestPrincipalMayGrantNoMoreThanItHas is the rule under every credential a
// credential makes or reveals.
func TestPrincipalMayGrantNoMoreThanItHas(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	hour, day := now.Add(time.Hour), now.Add(24*time.Hour)
	all := hookd.AllScopes()
	readCreds := hookd.Scopes{hookd.ScopeRead, hookd.ScopeCredentials}
	for _, tc := range []struct {
		name    string
		has     hookd.Scopes
		expires *time.Time
		grant   hookd.Scopes
		until   *time.Time
		want    string
	}{
		{"API key grants anything", all, nil, all, nil, ""},
		{"without credentials scope", hookd.Scopes{hookd.ScopeRead, hookd.ScopeWebhooks}, nil, hookd.Scopes{hookd.ScopeRead}, nil, hookd.EINSUFFICIENTSCOPE},
		{"a scope it lacks", readCreds, nil, hookd.Scopes{hookd.ScopeWebhooks}, nil, hookd.EINSUFFICIENTSCOPE},
		{"a subset", readCreds, nil, hookd.Scopes{hookd.ScopeRead}, &day, ""},
		{"expiring grants forever", all, &hour, hookd.Scopes{hookd.ScopeRead}, nil, hookd.EFORBIDDEN},
		{"expiring grants later", all, &hour, hookd.Scopes{hookd.ScopeRead}, &day, hookd.EFORBIDDEN},
		{"expiring grants as long", all, &hour, hookd.Scopes{hookd.ScopeRead}, &hour, ""},
	} {
		p := &hookd.Principal{Scopes: tc.has, ExpiresAt: tc.expires}
		if got := hookd.ErrorCode(p.MayGrant(tc.grant, tc.until)); got != tc.want {
			t.Errorf("%s: MayGrant = %q, want %q", tc.name, got, tc.want)
		}
	}
}
