package hookd_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

func TestBuiltinEventTypes(t *testing.T) {
	ts := hookd.BuiltinEventTypes()
	if len(ts) != 12 {
		t.Fatalf("%d built-in types, want 12", len(ts))
	}
	seen := map[string]bool{}
	for _, et := range ts {
		if fe := hookd.ValidateEventTypeName("name", et.Name); fe != nil {
			t.Errorf("%s: %s", et.Name, fe.Message)
		}
		if seen[et.Name] || !hookd.IsBuiltinEventType(et.Name) {
			t.Errorf("%s: duplicate or not reported as built-in", et.Name)
		}
		seen[et.Name] = true
		if et.Version < 1 || et.Description == "" || !json.Valid(et.Schema) || !json.Valid(et.Example) {
			t.Errorf("%s: incomplete: %+v", et.Name, et)
		}
		if !et.BuiltIn() {
			t.Errorf("%s: BuiltIn() is false", et.Name)
		}
	}
	// Callers get copies.
	ts[0].Schema[0] = 'x'
	if hookd.BuiltinEventTypes()[0].Schema[0] != '{' {
		t.Fatal("BuiltinEventTypes shares its schemas")
	}
	if hookd.IsBuiltinEventType("assessment.completed") {
		t.Error("assessment.completed reported as built-in")
	}
}

// TestBuiltinEventTypesDocumented checks that docs/webhooks.md shows every
// built-in type with the catalog's own description and example.
func TestBuiltinEventTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, et := range hookd.BuiltinEventTypes() {
		var example bytes.Buffer
		if err := json.Indent(&example, et.Example, "", "  "); err != nil {
			t.Fatal(err)
		}
		want := "### `" + et.Name + "`\n\n" + et.Description + "\n\n```json\n" + example.String() + "\n```\n"
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/webhooks.md does not show %s as the catalog has it:\n%s", et.Name, want)
		}
	}
}

func TestValidateEventTypeName(t *testing.T) {
	for name, ok := range map[string]bool{
		"user.created": true, "assessment.completed": true, "a.b.c_d.e9": true, "a." + strings.Repeat("b", 98): true,
		"a." + strings.Repeat("b", 99): false, "user": false, "User.created": false, "user..created": false,
		".user": false, "user.": false, "user-created.x": false, "user created.x": false, "": false,
	} {
		if got := hookd.ValidateEventTypeName("body.name", name) == nil; got != ok {
			t.Errorf("ValidateEventTypeName(%q) ok = %v, want %v", name, got, ok)
		}
	}
}
