package dispatch_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
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

// TestDocumentedPingMatchesRender checks that the ping notice docs/webhooks.md
// shows, in JSON and in XML, is exactly what RenderPing writes for it, and
// that the receiver example is Go that parses.
func TestDocumentedPingMatchesRender(t *testing.T) {
	doc, err := os.ReadFile("../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	ep := &hookd.Endpoint{ID: "ep_0193b7e4a1c27d5e9f3a1b2c3d4e5f61", TenantID: "ten_0193b7e4a1c27d5e9f3a1b2c3d4e5f00"}
	notice := dispatch.NewPingNotice(ep, hookd.PullCursor{LastTransaction: 1042, Notified: 1000, Pulled: 1025, Pending: 17},
		time.Date(2026, 11, 23, 9, 40, 0, 500_000_000, time.UTC))
	for _, xml := range []bool{false, true} {
		body, _, err := dispatch.RenderPing(notice, xml)
		if err != nil {
			t.Fatal(err)
		}
		fence := "```json\n" + string(body) + "\n```"
		if xml {
			fence = "```xml\n" + string(body) + "\n```"
		}
		if !strings.Contains(text, fence) {
			t.Errorf("docs/webhooks.md does not show the ping (xml %v) as RenderPing writes it:\n%s", xml, fence)
		}
	}
	start := strings.Index(text, "```go\n")
	end := strings.Index(text[start+1:], "\n```\n")
	if start < 0 || end < 0 {
		t.Fatal("docs/webhooks.md has no Go receiver example")
	}
	src := text[start+len("```go\n") : start+1+end]
	if _, err := parser.ParseFile(token.NewFileSet(), "receiver.go", src, parser.AllErrors); err != nil {
		t.Errorf("the receiver example does not parse: %v", err)
	}
	if !strings.Contains(src, `"after"`) || !strings.Contains(src, `"wait"`) || !strings.Contains(src, "Verify(") {
		t.Errorf("the receiver example should verify pings and list with after and wait")
	}
}
