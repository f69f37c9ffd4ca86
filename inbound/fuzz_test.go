package inbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hookd/hookd"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fuzzSeeds = []string{
	serviceNowExample, genericTicketExample, genericUserExample, paylocityNewHire,
	`{}`, `{"a":1,}`, `[]`, `null`, ``, `{"employee_id":1e400}`, `{"title":"\u0000"}`,
	`{"worker":{"id":"1"}}`, "{\"a\":\"\xff\"}", `{"a":1} {}`,
}

// checkResult asserts a parser's result: an error is always an EINVALID
// *hookd.Error, and success only happens for a valid JSON object.
func checkResult(t *testing.T, body []byte, err error) {
	t.Helper()
	if err != nil {
		var e *hookd.Error
		if !errors.As(err, &e) || e.Code != hookd.EINVALID {
			t.Fatalf("error %v is not an EINVALID *hookd.Error", err)
		}
		return
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if !json.Valid(body) || len(trimmed) == 0 || trimmed[0] != '{' {
		t.Fatalf("accepted %q, which is not a JSON object", body)
	}
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
}

func FuzzServiceNow(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := ParseServiceNowIncident(body)
		checkResult(t, body, err)
	})
}

func FuzzGenericTicket(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := ParseGenericTicket(body)
		checkResult(t, body, err)
	})
}

func FuzzGenericUser(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range []Operation{AddUser, ModifyUser, DeleteUser} {
			u, err := ParseGenericUser(body, op)
			checkResult(t, body, err)
			if err == nil && u.EmployeeID == "" {
				t.Fatalf("%s accepted %q without employee ID", op, body)
			}
		}
	})
}

func FuzzPaylocity(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range []Operation{AddUser, ModifyUser, DeleteUser} {
			u, err := ParsePaylocity(body, op)
			checkResult(t, body, err)
			if err == nil && u.EmployeeID == "" {
				t.Fatalf("%s accepted %q without employee ID", op, body)
			}
		}
	})
}

func FuzzMapped(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "/worker/id", "/name")
	}
	f.Add([]byte(`{"a/b":{"~":"1"}}`), "/a~1b/~0", "")
	f.Add([]byte(`{"x":["1"]}`), "/x/0", "x~")
	f.Fuzz(func(t *testing.T, body []byte, idPtr, namePtr string) {
		m := Mapping{idPtr: "employee_id", namePtr: "first_name"}
		if verr := m.Validate(); verr != nil {
			checkResult(t, body, verr)
		}
		for _, op := range []Operation{AddUser, ModifyUser, DeleteUser} {
			u, err := ParseMapped(body, m, op)
			checkResult(t, body, err)
			if err == nil && u.EmployeeID == "" {
				t.Fatalf("%s accepted %q without employee ID", op, body)
			}
		}
	})
}
