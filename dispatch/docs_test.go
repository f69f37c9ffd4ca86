package dispatch_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/dispatch"
)

// TestDocumentedXMLNullMatchesRender checks that docs/webhooks.md describes
// a JSON null in an XML body as RenderXML writes it (the docs said
// type="null", the output has null="true").
func TestDocumentedXMLNullMatchesRender(t *testing.T) {
	body, err := dispatch.RenderXML([]dispatch.Message{{ID: "evt_1", Type: "a.b", Timestamp: time.Unix(0, 0), Data: json.RawMessage(`{"mobile":null}`)}}, false)
	if err != nil {
		t.Fatal(err)
	}
	const written = `<mobile null="true"></mobile>`
	if !strings.Contains(string(body), written) {
		t.Fatalf("RenderXML wrote %s, want %s", body, written)
	}
	doc, err := os.ReadFile("../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(doc)), " ")
	if !strings.Contains(text, "a `null` is an empty element with `null=\"true\"`") {
		t.Errorf("docs/webhooks.md does not say that a null is an empty element with null=\"true\"")
	}
	if strings.Contains(text, "`boolean` or `null`") || strings.Contains(text, `type="null"`) {
		t.Errorf("docs/webhooks.md still gives nulls a type attribute")
	}
}
