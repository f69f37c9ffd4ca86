package telemetry_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/telemetry"
)

// TestTracePublishToDeliver publishes one event through the API with
// tracing on: the publication and the delivery attempt are spans of one
// trace, the attempt the publication's child, and the receiver gets the
// attempt's traceparent.
func TestTracePublishToDeliver(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	w := newWorld(t, hookd.RetryPolicy{Jitter: -1}, func(*world) observer {
		return telemetry.Observer{Tracer: telemetry.NewTracer(tp)}
	})
	rc := newReceiver(t, http.StatusOK)
	ep := w.endpoint(rc.URL)
	eventID, _ := w.publish("")
	header := <-rc.got
	w.waitRecorded(1)

	spans := exp.GetSpans()
	var publish, deliver *tracetest.SpanStub
	for i := range spans {
		switch s := &spans[i]; s.Name {
		case "publish user.created":
			publish = s
		case "deliver user.created":
			deliver = s
		}
	}
	if publish == nil || deliver == nil {
		t.Fatalf("spans %v; want publish user.created and deliver user.created", spans.Snapshots())
	}
	if publish.SpanContext.TraceID() != deliver.SpanContext.TraceID() {
		t.Errorf("publish in trace %s, deliver in %s; want one trace", publish.SpanContext.TraceID(), deliver.SpanContext.TraceID())
	}
	if deliver.Parent.SpanID() != publish.SpanContext.SpanID() {
		t.Errorf("deliver's parent is %s, want the publish span %s", deliver.Parent.SpanID(), publish.SpanContext.SpanID())
	}
	if deliver.SpanKind != trace.SpanKindClient || publish.SpanKind != trace.SpanKindProducer {
		t.Errorf("kinds: publish %s, deliver %s", publish.SpanKind, deliver.SpanKind)
	}
	attrs := map[string]string{}
	for _, kv := range deliver.Attributes {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	for k, v := range map[string]string{
		"hookd.endpoint.id": ep.ID, "hookd.event.type": "user.created", "hookd.event.id": eventID,
		"http.response.status_code": "200", "hookd.delivery.state": "succeeded",
	} {
		if attrs[k] != v {
			t.Errorf("deliver span attribute %s = %q, want %q (all: %v)", k, attrs[k], v, attrs)
		}
	}
	want := "00-" + deliver.SpanContext.TraceID().String() + "-" + deliver.SpanContext.SpanID().String() + "-01"
	if got := header.Get("Traceparent"); got != want {
		t.Errorf("the receiver got traceparent %q, want the attempt span's %q", got, want)
	}
	e, _, err := w.app.Event(t.Context(), w.tenant, eventID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.TraceParent, publish.SpanContext.SpanID().String()) {
		t.Errorf("the event keeps traceparent %q, want the publish span's", e.TraceParent)
	}
}

// TestRequestIDInAttemptLogs publishes with an X-Request-Id and checks
// that the API echoes it, the event keeps it, and the JSON log lines of
// the event's delivery attempts (a failure at info, a success at debug)
// carry it; a request ID that is not sane is replaced.
func TestRequestIDInAttemptLogs(t *testing.T) {
	w := newWorld(t, hookd.RetryPolicy{Jitter: -1}, func(*world) observer { return telemetry.Observer{} })
	ok, failing := newReceiver(t, http.StatusOK), newReceiver(t, http.StatusServiceUnavailable)
	w.endpoint(ok.URL)
	w.endpoint(failing.URL)
	const id = "checkout-7f3a9c"
	eventID, echoed := w.publish(id)
	if echoed != id {
		t.Errorf("X-Request-Id answered %q, want %q", echoed, id)
	}
	w.waitRecorded(2)
	e, _, err := w.app.Event(t.Context(), w.tenant, eventID)
	if err != nil || e.RequestID != id {
		t.Fatalf("the event keeps request ID %q (%v), want %q", e.RequestID, err, id)
	}

	levels := map[string]string{} // message → level of the lines with the ID
	sc := bufio.NewScanner(strings.NewReader(w.log.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		if line["request_id"] != id {
			continue
		}
		msg, _ := line["msg"].(string)
		levels[msg], _ = line["level"].(string)
		if strings.HasPrefix(msg, "delivery attempt") {
			for _, k := range []string{"delivery", "event", "endpoint", "tenant", "attempt", "status", "duration"} {
				if _, ok := line[k]; !ok {
					t.Errorf("attempt log line %s lacks %s", sc.Text(), k)
				}
			}
			if line["event"] != eventID {
				t.Errorf("attempt log line of event %v, want %s", line["event"], eventID)
			}
		}
	}
	if levels["delivery attempt"] != "DEBUG" || levels["delivery attempt failed"] != "INFO" || levels["request"] != "DEBUG" {
		t.Errorf("lines with the request ID, by message: %v; want the success at DEBUG, the failure at INFO and the request at DEBUG", levels)
	}

	_, echoed = w.publish("bad id\twith spaces")
	if echoed == "" || !hookd.ValidRequestID(echoed) || strings.Contains(echoed, " ") {
		t.Errorf("an insane X-Request-Id was answered with %q, want a new ID", echoed)
	}
}
