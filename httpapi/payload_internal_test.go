package httpapi

import (
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// TestPayloadsXMLExample checks that the XML example of the OpenAPI
// document is what the server writes for its JSON example.
func TestPayloadsXMLExample(t *testing.T) {
	ex := payloadsJSONExample()
	l := &app.PayloadList{NextAfter: ex.NextAfter, HasMore: ex.HasMore}
	for _, p := range ex.Data {
		l.Payloads = append(l.Payloads, &hookd.Payload{Transaction: p.Transaction, Event: &hookd.Event{
			ID: p.Event.ID, Type: p.Event.Type, Timestamp: p.Event.Timestamp, Data: p.Event.Data,
		}})
	}
	got, err := payloadsXML(l)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != payloadsXMLExample {
		t.Errorf("payloadsXML of the JSON example =\n%s\nwant the documented example\n%s", got, payloadsXMLExample)
	}
}
