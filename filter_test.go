package hookd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// filterEvent is the event the operator table matches against.
var filterEvent = &hookd.Event{Type: "invoice.paid", Data: json.RawMessage(`{
	"amount": 250, "currency": "EUR", "ratio": 0.5, "paid": true, "note": null,
	"customer": {"id": "cus_42", "email": "ada@example.com", "tier": "gold"},
	"tags": ["vip", "eu"], "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}],
	"paid_at": "2026-11-30T10:00:00Z", "empty": {}
}`)}

func TestFilterOperators(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{`{}`, true},
		// type
		{`{"type": "invoice.paid"}`, true},
		{`{"type": "invoice.created"}`, false},
		{`{"type": {"$startsWith": "invoice."}}`, true},
		{`{"type": {"$in": ["user.created", "invoice.paid"]}}`, true},
		// literal equality, numbers by value, nested objects and paths
		{`{"data.amount": 250}`, true},
		{`{"data.amount": 250.0}`, true},
		{`{"data.amount": 2.5e2}`, true},
		{`{"data.amount": "250"}`, false},
		{`{"data": {"customer": {"tier": "gold"}}}`, true},
		{`{"data": {"customer": {"tier": "silver"}}}`, false},
		{`{"data.customer.tier": "gold", "data.currency": "EUR"}`, true},
		{`{"data.customer.tier": "gold", "data.currency": "USD"}`, false},
		{`{"data.lines.1.sku": "B-7"}`, true},
		{`{"data.lines.2.sku": "B-7"}`, false},
		{`{"data.paid": true}`, true},
		{`{"data.paid": false}`, false},
		{`{"data.tags": "vip"}`, true},          // an array holds the literal
		{`{"data.tags": ["vip", "eu"]}`, true},  // or equals the array
		{`{"data.tags": ["eu", "vip"]}`, false}, // in order
		{`{"data.note": null}`, true},           // null
		{`{"data.missing": null}`, true},        // null matches a missing field
		{`{"data.missing.deeper": null}`, true}, // through missing objects
		{`{"data.amount.deeper": 1}`, false},    // a number has no fields
		{`{"data.empty": {"x": {"$exists": false}}}`, true},
		// $eq and $neq
		{`{"data.currency": {"$eq": "EUR"}}`, true},
		{`{"data.currency": {"$eq": "eur"}}`, false},
		{`{"data.currency": {"$neq": "USD"}}`, true},
		{`{"data.currency": {"$neq": "EUR"}}`, false},
		{`{"data.missing": {"$neq": "EUR"}}`, true},
		{`{"data.tags": {"$neq": "vip"}}`, false},
		// $gt $gte $lt $lte: numbers, strings (ISO times), arrays' elements
		{`{"data.amount": {"$gt": 100}}`, true},
		{`{"data.amount": {"$gt": 250}}`, false},
		{`{"data.amount": {"$gte": 250}}`, true},
		{`{"data.amount": {"$lt": 250}}`, false},
		{`{"data.amount": {"$lte": 250}}`, true},
		{`{"data.amount": {"$gte": 100, "$lt": 300}}`, true},
		{`{"data.amount": {"$gte": 100, "$lt": 200}}`, false},
		{`{"data.ratio": {"$lt": 1}}`, true},
		{`{"data.amount": {"$gt": "100"}}`, false}, // a number is not compared with a string
		{`{"data.paid_at": {"$gte": "2026-11-01T00:00:00Z"}}`, true},
		{`{"data.paid_at": {"$lt": "2026-11-01T00:00:00Z"}}`, false},
		{`{"data.lines.qty": {"$gt": 1}}`, false}, // no implicit traversal of arrays of objects
		{`{"data.missing": {"$gt": 0}}`, false},
		// $in and $nin
		{`{"data.currency": {"$in": ["USD", "EUR"]}}`, true},
		{`{"data.currency": {"$in": ["USD", "GBP"]}}`, false},
		{`{"data.currency": {"$nin": ["USD", "GBP"]}}`, true},
		{`{"data.currency": {"$nin": ["EUR"]}}`, false},
		{`{"data.tags": {"$in": ["eu"]}}`, true},
		{`{"data.amount": {"$in": [250.0, 1]}}`, true},
		{`{"data.missing": {"$in": [null]}}`, true},
		{`{"data.missing": {"$in": []}}`, false},
		// $exists
		{`{"data.customer.email": {"$exists": true}}`, true},
		{`{"data.customer.phone": {"$exists": true}}`, false},
		{`{"data.customer.phone": {"$exists": false}}`, true},
		{`{"data.note": {"$exists": true}}`, true}, // null is present
		// $startsWith and $endsWith
		{`{"data.customer.email": {"$endsWith": "@example.com"}}`, true},
		{`{"data.customer.email": {"$endsWith": "@example.org"}}`, false},
		{`{"data.customer.id": {"$startsWith": "cus_"}}`, true},
		{`{"data.amount": {"$startsWith": "2"}}`, false}, // not a string
		{`{"data.tags": {"$startsWith": "v"}}`, true},
		// $not, at a field and over filters
		{`{"data.amount": {"$not": {"$gt": 1000}}}`, true},
		{`{"data.amount": {"$not": 250}}`, false},
		{`{"$not": {"data.currency": "EUR"}}`, false},
		{`{"$not": {"data.currency": "USD"}}`, true},
		// $and and $or, at the top and inside an object
		{`{"$and": [{"data.currency": "EUR"}, {"data.amount": {"$gt": 100}}]}`, true},
		{`{"$and": [{"data.currency": "EUR"}, {"data.amount": {"$gt": 300}}]}`, false},
		{`{"$or": [{"data.currency": "USD"}, {"data.amount": {"$gt": 100}}]}`, true},
		{`{"$or": [{"data.currency": "USD"}, {"data.amount": {"$gt": 300}}]}`, false},
		{`{"data.customer": {"$or": [{"tier": "gold"}, {"tier": "platinum"}]}}`, true},
		{`{"type": "invoice.paid", "$or": [{"data.customer.tier": "silver"}]}`, false},
	} {
		f, errs := hookd.ParseFilter(json.RawMessage(tc.filter), "body.filter")
		if errs != nil {
			t.Errorf("%s: refused: %v", tc.filter, errs)
			continue
		}
		if got := f.MatchEvent(filterEvent); got != tc.want {
			t.Errorf("%s: match %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestFilterRefusesNamingThePlace(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20)
	for _, tc := range []struct {
		filter, at, says string
	}{
		{`[]`, "body.filter", "JSON object"},
		{`"x"`, "body.filter", "JSON object"},
		{`{"amount": 1}`, "body.filter.amount", `"data.amount"`},
		{`{"data.amount": {"$gte": true}}`, "body.filter.data.amount.$gte", "number or a string"},
		{`{"data.amount": {"$between": [1, 2]}}`, "body.filter.data.amount.$between", "$startsWith"},
		{`{"data.a": {"$in": "x"}}`, "body.filter.data.a.$in", "array"},
		{`{"data.a": {"$in": [{"b": 1}]}}`, "body.filter.data.a.$in[0]", "not an object"},
		{`{"data.a": {"$exists": 1}}`, "body.filter.data.a.$exists", "true or false"},
		{`{"data.a": {"$endsWith": 1}}`, "body.filter.data.a.$endsWith", "string"},
		{`{"data.a": {"$eq": 1, "b": 2}}`, "body.filter.data.a", "mixes"},
		{`{"$or": []}`, "body.filter.$or", "non-empty array"},
		{`{"$and": [1]}`, "body.filter.$and[0]", "filter object"},
		{`{"$gt": 1}`, "body.filter.$gt", "not an operator here"},
		{`{"data..a": 1}`, "body.filter.data..a", "field path"},
		{`{"type.x": "a"}`, "body.filter.type.x", "string"},
		{`{"data": ` + deep + `}`, "body.filter.data", "levels deep"},
		{`{"data.a": 1, "data.a": 2}`, "body.filter", "duplicate key"},
		{`{"data.a": 1} {}`, "body.filter", "one JSON object"},
		{`{"data.a": {"$in": [` + strings.Repeat(`1,`, 300) + `1]}}`, "body.filter", "at most 256"},
		{`{"data.a": "` + strings.Repeat("x", hookd.MaxFilterBytes) + `"}`, "body.filter", "bytes"},
	} {
		f, errs := hookd.ParseFilter(json.RawMessage(tc.filter), "body.filter")
		if f != nil || len(errs) == 0 {
			t.Errorf("%.60s: accepted", tc.filter)
			continue
		}
		found := false
		for _, e := range errs {
			if strings.HasPrefix(e.Location, tc.at) && strings.Contains(e.Message, tc.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("%.60s: errors %v; want one at %s saying %q", tc.filter, errs, tc.at, tc.says)
		}
	}
}

func TestFilterNoneAndRoundTrip(t *testing.T) {
	for _, raw := range []string{``, `null`, `  `} {
		f, errs := hookd.ParseFilter(json.RawMessage(raw), "body.filter")
		if f != nil || errs != nil {
			t.Errorf("%q: filter %v, errors %v; want none", raw, f, errs)
		}
		if !f.MatchEvent(filterEvent) {
			t.Errorf("no filter must match every event")
		}
	}
	f, errs := hookd.ParseFilter(json.RawMessage(`{ "data.amount" : { "$gt" : 1 } }`), "body.filter")
	if errs != nil {
		t.Fatal(errs)
	}
	if got := string(f.JSON()); got != `{"data.amount":{"$gt":1}}` {
		t.Errorf("JSON() = %s", got)
	}
}

// FuzzFilter parses any filter without panicking, bounds what it accepts,
// and matches any event data; an accepted filter parses again from its
// JSON and matches the same.
func FuzzFilter(f *testing.F) {
	for _, seed := range []string{`{}`, `{"type":"a"}`, `{"data.a":{"$gt":1,"$lt":"z"}}`,
		`{"$or":[{"data":{"x":{"$in":[1,null,"a",[1]]}}},{"$not":{"data.y":{"$exists":false}}}]}`,
		`{"data.l.0":{"$not":{"$startsWith":"a","$endsWith":"b"}}}`} {
		f.Add(seed, `{"a":1,"x":[1,2],"l":["ab"],"y":null}`)
	}
	f.Fuzz(func(t *testing.T, filter, data string) {
		flt, errs := hookd.ParseFilter(json.RawMessage(filter), "body.filter")
		if flt == nil {
			return
		}
		if errs != nil {
			t.Fatalf("both a filter and errors: %v", errs)
		}
		if len(filter) > hookd.MaxFilterBytes+64 && len(strings.TrimSpace(filter)) > hookd.MaxFilterBytes {
			t.Fatalf("accepted %d bytes", len(filter))
		}
		e := &hookd.Event{Type: "t", Data: json.RawMessage(data)}
		got := flt.MatchEvent(e)
		again, errs := hookd.ParseFilter(flt.JSON(), "body.filter")
		if errs != nil {
			t.Fatalf("its own JSON %s refused: %v", flt.JSON(), errs)
		}
		if again.MatchEvent(e) != got {
			t.Fatalf("parsed again from %s, matches differently", flt.JSON())
		}
	})
}

// BenchmarkFilterMatch measures the evaluation alone, per event: decoding
// the event's data (once per event, whatever the number of filters) and
// evaluating a typical filter; and parsing a stored filter, which every
// read of the endpoint does.
func BenchmarkFilterMatch(b *testing.B) {
	raw := json.RawMessage(`{"type": {"$startsWith": "user."}, "data.user.status": {"$in": ["active", "invited"]},` +
		` "data.user.email": {"$endsWith": "@example.com"}, "data.user.organizations.0.id": {"$exists": true}}`)
	f, errs := hookd.ParseFilter(raw, "filter")
	if errs != nil {
		b.Fatal(errs)
	}
	var data json.RawMessage
	for _, t := range hookd.BuiltinEventTypes() {
		if t.Name == hookd.EventUserCreated {
			data = json.RawMessage(t.Example)
		}
	}
	e := &hookd.Event{Type: hookd.EventUserCreated, Data: data}
	b.Run("decode_and_match", func(b *testing.B) {
		for b.Loop() {
			if !f.MatchEvent(e) {
				b.Fatal("no match")
			}
		}
	})
	subject := hookd.NewFilterSubject(e)
	b.Run("match", func(b *testing.B) {
		for b.Loop() {
			if !f.Match(subject) {
				b.Fatal("no match")
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, errs := hookd.ParseFilter(raw, "filter"); errs != nil {
				b.Fatal(errs)
			}
		}
	})
}
