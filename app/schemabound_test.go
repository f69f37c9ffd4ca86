package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// fanOutSchema is an allOf of two references, each to the next level,
// levels deep: 2^levels subschemas per value, from a schema of a few KiB.
func fanOutSchema(levels int) string {
	var defs []string
	for i := 0; i < levels; i++ {
		next := fmt.Sprintf(`{"$ref":"#/$defs/l%d"}`, i+1)
		defs = append(defs, fmt.Sprintf(`"l%d":{"allOf":[%s,%s]}`, i, next, next))
	}
	defs = append(defs, fmt.Sprintf(`"l%d":{"type":"object"}`, levels))
	return `{"$ref":"#/$defs/l0","$defs":{` + strings.Join(defs, ",") + `}}`
}

// nested returns a keyword's subschema nested levels deep in itself.
func nested(keyword string, levels int) string {
	s := `{"type":"object"}`
	for i := 0; i < levels; i++ {
		s = fmt.Sprintf(`{%q:[%s,%s]}`, keyword, s, s)
		if len(s) > 60000 {
			s = fmt.Sprintf(`{%q:[%s]}`, keyword, `{"type":"object"}`)
		}
	}
	return s
}

func TestDeepSchemaFanOutIsRefused(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		depth := strings.Repeat(`{"properties":{"a":`, 40) + `{}` + strings.Repeat(`}}`, 40)
		tests := []struct{ name, schema, want string }{
			{"fan-out through references", fanOutSchema(22), "is too complex at the top level: checks one value against more than 256000 subschemas in place"},
			{"fan-out inline", nested("anyOf", 8), "is too complex at the top level: checks one value against 511 subschemas in place"},
			{"nesting", depth, "subschemas nest more than 32 deep"},
			{"reference cycle", `{"$ref":"#/$defs/a","$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"anyOf":[{"$ref":"#/$defs/a"}]}}}`, "a $ref leads back here without moving into the data"},
			{"counted repetition", `{"properties":{"s":{"type":"string","pattern":"a{1000}b"}}}`, "is too complex at /properties/s/pattern: the regular expression compiles to 1003 instructions"},
			{"patterns", `{"patternProperties":{` + patterns(70)[1:] + `}}`, "more than 64 regular expressions"},
			{"number", `{"type":"object","properties":{"n":{"multipleOf":1e-999999}}}`, "number at /properties/n/multipleOf (byte offset 49) has an exponent beyond ±400"},
		}
		for _, tt := range tests {
			in := app.CreateEventTypeInput{Name: "x.y", Description: "x", Schema: json.RawMessage(tt.schema), Example: json.RawMessage(`{}`)}
			start := time.Now()
			_, err := a.CreateEventType(ctx, tn, in)
			wantFieldError(t, err, "body.schema", tt.want)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("%s: refusing took %v", tt.name, d)
			}
			// The same bounds when a schema changes.
			if _, err := a.CreateEventType(ctx, tn, app.CreateEventTypeInput{Name: "x.z", Description: "x", Schema: json.RawMessage(`{}`), Example: json.RawMessage(`{}`)}); err != nil && hookd.ErrorCode(err) != hookd.ECONFLICT {
				t.Fatal(err)
			}
			_, err = a.UpdateEventType(ctx, tn, "x.z", app.UpdateEventTypeInput{Schema: json.RawMessage(tt.schema)})
			wantFieldError(t, err, "body.schema", tt.want)
		}
		// Within the bounds: fan-out of a schema with shared definitions,
		// and recursion that moves into the data.
		for i, schema := range []string{
			fanOutSchema(6),
			`{"$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}`,
			assessmentSchema,
		} {
			name := fmt.Sprintf("ok.type%d", i)
			if _, err := a.CreateEventType(ctx, tn, app.CreateEventTypeInput{Name: name, Description: "x", Schema: json.RawMessage(schema), Example: json.RawMessage(`{"assessment_id":"a","score":1}`)}); err != nil {
				t.Fatalf("%s: %v", schema, err)
			}
		}
	})
}

func patterns(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `,"^p%d":{}`, i)
	}
	return b.String()
}

// TestHugeNumberLiteralsAreRefusedCheaply checks that numbers such as
// 1e-999999, which cost the validator tens of milliseconds each, are refused
// before validation, for about what a normal body of the same size costs.
func TestHugeNumberLiteralsAreRefusedCheaply(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		a.ValidationTimeout = time.Hour // this test is about numbers, not the deadline (-race is slow)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		if _, err := a.CreateEventType(ctx, tn, app.CreateEventTypeInput{Name: "meter.read", Description: "x",
			Schema:  json.RawMessage(`{"type":"object","properties":{"v":{"type":"array","items":{"type":"number","minimum":0,"multipleOf":0.5}}}}`),
			Example: json.RawMessage(`{"v":[1]}`)}); err != nil {
			t.Fatal(err)
		}
		body := func(n string) json.RawMessage {
			return json.RawMessage(`{"v":[` + strings.Repeat("1.5,", 5000) + strings.TrimSuffix(strings.Repeat(n+",", 40), ",") + `]}`)
		}
		normal, hostile := body("100000000"), body("1e-999999")
		if len(normal) != len(hostile) {
			t.Fatalf("bodies of %d and %d bytes", len(normal), len(hostile))
		}
		var base, cost time.Duration
		for i := 0; i < 3; i++ {
			start := time.Now()
			if _, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "meter.read", Data: normal}); err != nil {
				t.Fatal(err)
			}
			d := time.Since(start)
			if i == 0 || d < base {
				base = d
			}
			start = time.Now()
			_, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "meter.read", Data: hostile})
			d = time.Since(start)
			if i == 0 || d < cost {
				cost = d
			}
			wantFieldError(t, err, "body.data", "number at /v/5000 (byte offset 20006) has an exponent beyond ±400")
		}
		t.Logf("normal body %v, hostile body %v", base, cost)
		if cost > 2*base {
			t.Fatalf("refusing the hostile body took %v, %.1f× a normal body's %v", cost, float64(cost)/float64(base), base)
		}
	})
}

// expensiveSchema passes the bounds but costs 2^depth evaluations for data
// nested depth deep that matches neither branch at the bottom.
const expensiveSchema = `{"type":"object","properties":{"a":{"$ref":"#/$defs/n"}},
	"$defs":{"n":{"anyOf":[{"type":"array","items":{"$ref":"#/$defs/n"}},{"type":"array","items":{"$ref":"#/$defs/n"}}]}}}`

func expensiveData(depth int) json.RawMessage {
	return json.RawMessage(`{"a":` + strings.Repeat("[", depth) + `"x"` + strings.Repeat("]", depth) + `}`)
}

// TestValidationStopsWhenClientLeaves checks that validating against a
// schema runs under the request's context and a deadline, and that the
// work itself stops (the validator is interrupted, not abandoned).
func TestValidationStopsWhenClientLeaves(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		if _, err := a.CreateEventType(ctx, tn, app.CreateEventTypeInput{Name: "tree.grown", Description: "x",
			Schema: json.RawMessage(expensiveSchema), Example: json.RawMessage(`{"a":[[]]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateEventType(ctx, tn, app.CreateEventTypeInput{Name: "text.sent", Description: "x",
			Schema: json.RawMessage(`{"type":"object","properties":{"s":{"type":"string","pattern":"^(a|aa)*b$"}}}`), Example: json.RawMessage(`{"s":"ab"}`)}); err != nil {
			t.Fatal(err)
		}
		// returns runs publish and waits for it, failing if it never ends.
		returns := func(ctx context.Context, in app.PublishInput) error {
			t.Helper()
			done := make(chan error, 1)
			go func() {
				_, _, err := a.Publish(ctx, tn, in)
				done <- err
			}()
			select {
			case err := <-done:
				return err
			case <-time.After(2 * time.Minute):
				t.Fatalf("Publish(%s) still running", in.Type)
				return nil
			}
		}
		tree := app.PublishInput{Type: "tree.grown", Data: expensiveData(60)}
		text := app.PublishInput{Type: "text.sent", Data: json.RawMessage(`{"s":"` + strings.Repeat("a", 1<<19) + `"}`)}

		// The client leaves.
		for _, in := range []app.PublishInput{tree, text} {
			cctx, cancel := context.WithCancel(ctx)
			var left atomic.Bool
			time.AfterFunc(20*time.Millisecond, func() { left.Store(true); cancel() })
			err := returns(cctx, in)
			// A fast machine may finish validating before the client
			// leaves; work still running when it leaves must stop.
			if !errors.Is(err, context.Canceled) && left.Load() {
				t.Fatalf("%s: err = %v, want context.Canceled", in.Type, err)
			}
			cancel()
		}
		// The deadline passes.
		// (The slow regular expression gets a deadline a fast machine
		// cannot meet: matching half a MiB takes well over a millisecond.)
		for _, c := range []struct {
			in       app.PublishInput
			deadline time.Duration
		}{{tree, 200 * time.Millisecond}, {text, time.Millisecond}} {
			a.ValidationTimeout = c.deadline
			wantFieldError(t, returns(ctx, c.in), "body.data", fmt.Sprintf("could not be validated against the schema of %s within %v", c.in.Type, c.deadline))
		}
		// The same compiled schema still validates afterwards.
		a.ValidationTimeout = 0
		if _, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "tree.grown", Data: expensiveData(3)}); err == nil {
			t.Fatal("data with a string at the bottom was accepted")
		}
		if _, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "tree.grown", Data: json.RawMessage(`{"a":[[[]]]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "text.sent", Data: json.RawMessage(`{"s":"aab"}`)}); err != nil {
			t.Fatal(err)
		}
	})
}
