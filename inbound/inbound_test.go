package inbound

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// Example payloads modelled on how helpdesk and HR products document these webhooks.
const (
	serviceNowExample = `{
    "requester_email": "Jane.Roe@example.com",
    "number": "INC0012345",
    "reported_by_email": "helpdesk@example.com",
    "opened_at": "2024-01-15T19:25:51.927013+00:00",
    "impact": "low",
    "urgency": "medium",
    "short_description": "  VPN does not connect ",
    "description": "Since this morning\nthe VPN client times out.",
    "category": "network",
    "priority": "high",
    "sys_id": "4f1c0b2a9e8d7c6b5a4f3e2d1c0b9a88",
    "subcategory": "vpn",
    "state": "open"
}`
	genericTicketExample = `{
    "requester_email": "jane.roe@example.com",
    "title": "Printer jammed",
    "description": "Third floor printer"
}`
	genericUserExample = `{
    "employee_id": "1111",
    "first_name": "Jane",
    "last_name": "Roe",
    "email": "Jane.Roe@Example.com",
    "mobile": "+1 555 0100",
    "display_name": "Jane Roe"
}`
	paylocityNewHire = `{
    "companyId": "C01",
    "companyName": "Example Group",
    "employeeAddressLine1": "1 Main St",
    "employeeCity": "Springfield",
    "employeeId": 1234,
    "employeeFirstName": "Jane",
    "employeeLastName": "Roe",
    "employeeWorkEmail": "jane.roe@example.com",
    "employeeMobilePhone": "555-0100"
}`
)

func ptrTo(s string) *string { return &s }

// fieldsOf checks err is an EINVALID *hookd.Error and returns its sorted locations.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *hookd.Error
	if !errors.As(err, &e) || e.Code != hookd.EINVALID {
		t.Fatalf("err = %v, want EINVALID *hookd.Error", err)
	}
	var locs []string
	for _, f := range e.Fields {
		locs = append(locs, f.Location)
	}
	sort.Strings(locs)
	return locs
}

// without returns the example with the given top-level keys removed.
func without(t *testing.T, body string, keys ...string) []byte {
	t.Helper()
	obj, err := decodeObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		delete(obj, k)
	}
	return mustJSON(t, obj)
}

func with(t *testing.T, body string, key string, v any) []byte {
	t.Helper()
	obj, err := decodeObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	obj[key] = v
	return mustJSON(t, obj)
}

func TestServiceNowValid(t *testing.T) {
	got, err := ParseServiceNowIncident([]byte(serviceNowExample))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 15, 19, 25, 51, 927013000, time.UTC)
	want := hookd.TicketInput{
		Number: "INC0012345", Title: "VPN does not connect",
		Description:    "Since this morning\nthe VPN client times out.",
		RequesterEmail: "jane.roe@example.com", ReportedByEmail: "helpdesk@example.com",
		OpenedAt: &at, Impact: "low", Urgency: "medium", Priority: "high",
		Category: "network", Subcategory: "vpn", State: "open", Source: "servicenow",
		ExternalID: "4f1c0b2a9e8d7c6b5a4f3e2d1c0b9a88",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestServiceNowOpenedAtForms(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2024-01-15 10:30:00":       time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		"2024-01-15T10:30:00Z":      time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		"2024-01-15T12:30:00+02:00": time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
	} {
		got, err := ParseServiceNowIncident(with(t, serviceNowExample, "opened_at", in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !got.OpenedAt.Equal(want) || got.OpenedAt.Location() != time.UTC {
			t.Errorf("%s: got %v", in, got.OpenedAt)
		}
	}
	_, err := ParseServiceNowIncident(with(t, serviceNowExample, "opened_at", "yesterday"))
	if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{"body.opened_at"}) {
		t.Errorf("locations %v", got)
	}
}

func TestServiceNowExtraFieldsToComment(t *testing.T) {
	body := with(t, serviceNowExample, "assignment_group", "Network")
	obj, _ := decodeObject(body)
	obj["caller_id"] = map[string]any{"value": "abc"}
	obj["reassignment_count"] = 2
	got, err := ParseServiceNowIncident(mustJSON(t, obj))
	if err != nil {
		t.Fatal(err)
	}
	want := "assignment_group: Network\ncaller_id: {\"value\":\"abc\"}\nreassignment_count: 2"
	if got.Comment != want {
		t.Errorf("comment %q, want %q", got.Comment, want)
	}
}

func TestServiceNowNumberAsNumber(t *testing.T) {
	got, err := ParseServiceNowIncident(with(t, serviceNowExample, "number", 10100))
	if err != nil || got.Number != "10100" {
		t.Fatalf("got %q, %v", got.Number, err)
	}
}

type invalidCase struct {
	name string
	body []byte
	want []string // sorted locations
}

func runInvalid(t *testing.T, parse func([]byte) error, cases []invalidCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fieldsOf(t, parse(c.body))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("locations %v, want %v", got, c.want)
			}
		})
	}
}

func TestServiceNowInvalid(t *testing.T) {
	parse := func(b []byte) error { _, err := ParseServiceNowIncident(b); return err }
	runInvalid(t, parse, []invalidCase{
		{"no requester_email", without(t, serviceNowExample, "requester_email"), []string{"body.requester_email"}},
		{"no number", without(t, serviceNowExample, "number"), []string{"body.number"}},
		{"no short_description", without(t, serviceNowExample, "short_description"), []string{"body.short_description"}},
		{"empty short_description", with(t, serviceNowExample, "short_description", "  "), []string{"body.short_description"}},
		{"all missing", []byte(`{}`), []string{"body.number", "body.requester_email", "body.short_description"}},
		{"bad email", with(t, serviceNowExample, "requester_email", "nobody"), []string{"body.requester_email"}},
		{"title number", with(t, serviceNowExample, "short_description", 5), []string{"body.short_description"}},
		{"category object", with(t, serviceNowExample, "category", map[string]any{}), []string{"body.category"}},
		{"many wrong", []byte(`{"requester_email":1,"number":true,"short_description":"x","state":[]}`),
			[]string{"body.number", "body.requester_email", "body.state"}},
	})
}

func TestGenericTicket(t *testing.T) {
	got, err := ParseGenericTicket(with(t, genericTicketExample, "asset", "PRN-3"))
	if err != nil {
		t.Fatal(err)
	}
	want := hookd.TicketInput{RequesterEmail: "jane.roe@example.com", Title: "Printer jammed",
		Description: "Third floor printer", Source: "generic", Comment: "asset: PRN-3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	parse := func(b []byte) error { _, err := ParseGenericTicket(b); return err }
	runInvalid(t, parse, []invalidCase{
		{"no requester_email", without(t, genericTicketExample, "requester_email"), []string{"body.requester_email"}},
		{"no title", without(t, genericTicketExample, "title"), []string{"body.title"}},
		{"all missing", []byte(`{"description":"x"}`), []string{"body.requester_email", "body.title"}},
		{"title number", with(t, genericTicketExample, "title", 3), []string{"body.title"}},
	})
}

func TestGenericUser(t *testing.T) {
	got, err := ParseGenericUser([]byte(genericUserExample), AddUser)
	if err != nil {
		t.Fatal(err)
	}
	want := hookd.UserInput{EmployeeID: "1111", FirstName: ptrTo("Jane"), LastName: ptrTo("Roe"),
		Email: ptrTo("jane.roe@example.com"), Mobile: ptrTo("+1 555 0100"), DisplayName: ptrTo("Jane Roe")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	got, err = ParseGenericUser([]byte(`{"employee_id": 42, "cost_center": "R&D"}`), DeleteUser)
	if err != nil {
		t.Fatal(err)
	}
	if want := (hookd.UserInput{EmployeeID: "42", Comment: "cost_center: R&D"}); !reflect.DeepEqual(got, want) {
		t.Errorf("delete: got %+v", got)
	}
	got, err = ParseGenericUser([]byte(`{"employee_id":"7","last_name":" Doe ","email":""}`), ModifyUser)
	if err != nil || got.LastName == nil || *got.LastName != "Doe" || got.FirstName != nil || got.Email != nil {
		t.Errorf("modify: got %+v, %v", got, err)
	}
	for _, op := range []Operation{AddUser, ModifyUser, DeleteUser} {
		parse := func(b []byte) error { _, err := ParseGenericUser(b, op); return err }
		cases := []invalidCase{
			{"no employee_id", without(t, genericUserExample, "employee_id"), []string{"body.employee_id"}},
			{"bad email", with(t, genericUserExample, "email", "John"), []string{"body.email"}},
			{"mobile number", with(t, genericUserExample, "mobile", 5550100), []string{"body.mobile"}},
		}
		if op == AddUser {
			for _, k := range []string{"first_name", "last_name", "email"} {
				cases = append(cases, invalidCase{"no " + k, without(t, genericUserExample, k), []string{"body." + k}})
			}
			cases = append(cases, invalidCase{"all missing", []byte(`{}`),
				[]string{"body.email", "body.employee_id", "body.first_name", "body.last_name"}})
		} else {
			cases = append(cases, invalidCase{"all missing", []byte(`{}`), []string{"body.employee_id"}})
		}
		t.Run(string(op), func(t *testing.T) { runInvalid(t, parse, cases) })
	}
	if _, err := ParseGenericUser([]byte(genericUserExample), "purge"); hookd.ErrorCode(err) != hookd.EINVALID {
		t.Errorf("unknown op: %v", err)
	}
}

func TestPaylocity(t *testing.T) {
	got, err := ParsePaylocity([]byte(paylocityNewHire), AddUser)
	if err != nil {
		t.Fatal(err)
	}
	want := hookd.UserInput{EmployeeID: "1234", FirstName: ptrTo("Jane"), LastName: ptrTo("Roe"),
		Email: ptrTo("jane.roe@example.com"), Mobile: ptrTo("555-0100"), ExternalID: "C01/1234",
		Comment: "companyId: C01\ncompanyName: Example Group\nemployeeAddressLine1: 1 Main St\nemployeeCity: Springfield"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, op := range []Operation{ModifyUser, DeleteUser} {
		got, err := ParsePaylocity([]byte(`{"companyId":"C01","employeeId":"1234"}`), op)
		if err != nil || got.EmployeeID != "1234" || got.ExternalID != "C01/1234" {
			t.Errorf("%s: got %+v, %v", op, got, err)
		}
	}
	parse := func(b []byte) error { _, err := ParsePaylocity(b, AddUser); return err }
	runInvalid(t, parse, []invalidCase{
		{"no employeeId", without(t, paylocityNewHire, "employeeId"), []string{"body.employeeId"}},
		{"no first name", without(t, paylocityNewHire, "employeeFirstName"), []string{"body.employeeFirstName"}},
		{"no last name", without(t, paylocityNewHire, "employeeLastName"), []string{"body.employeeLastName"}},
		{"all missing", []byte(`{"companyId":"C01"}`), []string{"body.employeeFirstName", "body.employeeId", "body.employeeLastName"}},
		{"bad email", with(t, paylocityNewHire, "employeeWorkEmail", "x"), []string{"body.employeeWorkEmail"}},
		{"id bool", with(t, paylocityNewHire, "employeeId", true), []string{"body.employeeId"}},
	})
}

func TestMalformed(t *testing.T) {
	parsers := map[string]func([]byte) error{
		"servicenow": func(b []byte) error { _, err := ParseServiceNowIncident(b); return err },
		"ticket":     func(b []byte) error { _, err := ParseGenericTicket(b); return err },
		"user":       func(b []byte) error { _, err := ParseGenericUser(b, AddUser); return err },
		"paylocity":  func(b []byte) error { _, err := ParsePaylocity(b, AddUser); return err },
		"mapped": func(b []byte) error {
			_, err := ParseMapped(b, Mapping{"/id": "employee_id"}, ModifyUser)
			return err
		},
	}
	cases := []struct{ body, want string }{
		{`{"a":1,}`, "trailing comma at byte offset 6"},
		{"{\n  \"employee_id\": \"1\",\n  \"x\": [1,2,],\n}", "trailing comma at byte offset 35"},
		{`{"a" 1}`, "byte offset 5"},
		{`{"a":1`, "ends too early, at byte offset 6"},
		{`{"a":1} x`, "byte offset 8"},
		{``, "empty"},
		{`[1]`, "must be a JSON object"},
		{`"s"`, "must be a JSON object"},
		{`null`, "must be a JSON object"},
	}
	for name, parse := range parsers {
		for _, c := range cases {
			err := parse([]byte(c.body))
			if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{"body"}) {
				t.Errorf("%s %q: locations %v", name, c.body, got)
			}
			if msg := hookd.ErrorMessage(err); !strings.Contains(msg, c.want) {
				t.Errorf("%s %q: message %q lacks %q", name, c.body, msg, c.want)
			}
		}
	}
}

func TestMapping(t *testing.T) {
	m := Mapping{
		"/worker/id":          "employee_id",
		"/worker/name/given":  "first_name",
		"/worker/name/family": "last_name",
		"/contacts/0/value":   "email",
		"/a~1b":               "mobile",
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	body := `{"worker":{"id":77,"name":{"given":" Jane","family":"Roe"}},
		"contacts":[{"value":"JANE@example.com"}],"a/b":"555","site":"HQ"}`
	got, err := ParseMapped([]byte(body), m, AddUser)
	if err != nil {
		t.Fatal(err)
	}
	want := hookd.UserInput{EmployeeID: "77", FirstName: ptrTo("Jane"), LastName: ptrTo("Roe"),
		Email: ptrTo("jane@example.com"), Mobile: ptrTo("555"), Comment: "site: HQ"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	parse := func(b []byte) error { _, err := ParseMapped(b, m, AddUser); return err }
	runInvalid(t, parse, []invalidCase{
		{"all missing", []byte(`{}`), []string{"body.contacts.0.value", "body.worker.id", "body.worker.name.family", "body.worker.name.given"}},
		{"wrong type", []byte(`{"worker":{"id":77,"name":{"given":1,"family":"Roe"}},"contacts":[{"value":"j@example.com"}]}`),
			[]string{"body.worker.name.given"}},
	})
	_, err = ParseMapped([]byte(`{"id":"1"}`), Mapping{"/id": "employee_id"}, AddUser)
	if got := fieldsOf(t, err); len(got) != 3 {
		t.Errorf("unmapped required fields: %v", got)
	}

	bad := Mapping{"id": "employee_id", "/x~2": "first_name", "/y": "salary", "/z": "first_name"}
	if got := fieldsOf(t, bad.Validate()); len(got) != 4 {
		t.Errorf("bad mapping locations %v", got)
	}
	if got := fieldsOf(t, Mapping{"/a": "email"}.Validate()); !reflect.DeepEqual(got, []string{"body.mapping"}) {
		t.Errorf("no employee_id: %v", got)
	}
	if _, err := ParseMapped([]byte(`{}`), bad, ModifyUser); hookd.ErrorCode(err) != hookd.EINVALID {
		t.Errorf("ParseMapped with bad mapping: %v", err)
	}
}

func TestParser(t *testing.T) {
	var p Parser
	tk, err := p.ParseTicket(hookd.InboundServiceNow, []byte(serviceNowExample))
	if err != nil || tk.Source != SourceServiceNow {
		t.Fatalf("servicenow: %+v, %v", tk, err)
	}
	tk, err = p.ParseTicket(hookd.InboundCreateTicket, []byte(genericTicketExample))
	if err != nil || tk.Source != SourceGeneric {
		t.Fatalf("createticket: %+v, %v", tk, err)
	}
	if _, err := p.ParseTicket(hookd.InboundProvisioning, []byte(genericTicketExample)); err == nil || hookd.ErrorCode(err) != hookd.EINTERNAL {
		t.Fatalf("provisioning as a ticket: %v", err)
	}

	generic := &hookd.ProvisioningDestination{Type: hookd.DestinationGeneric}
	u, err := p.ParseUser(generic, hookd.AddUser, []byte(genericUserExample))
	if err != nil || u.EmployeeID != "1111" {
		t.Fatalf("generic: %+v, %v", u, err)
	}
	paylocity := &hookd.ProvisioningDestination{Type: hookd.DestinationPaylocity}
	u, err = p.ParseUser(paylocity, hookd.AddUser, []byte(paylocityNewHire))
	if err != nil || u.EmployeeID != "1234" || u.ExternalID != "C01/1234" {
		t.Fatalf("paylocity: %+v, %v", u, err)
	}
	// A mapping wins over the type.
	mapped := &hookd.ProvisioningDestination{Type: hookd.DestinationPaylocity, Mapping: map[string]string{"/worker/id": "employee_id"}}
	u, err = p.ParseUser(mapped, hookd.DeleteUser, []byte(`{"worker":{"id":77}}`))
	if err != nil || u.EmployeeID != "77" {
		t.Fatalf("mapped: %+v, %v", u, err)
	}
	if _, err := p.ParseUser(generic, "purge", []byte(genericUserExample)); hookd.ErrorCode(err) != hookd.EINVALID {
		t.Fatalf("unknown operation: %v", err)
	}
	if err := p.ValidateMapping(map[string]string{"/a": "salary"}); hookd.ErrorCode(err) != hookd.EINVALID {
		t.Fatalf("bad mapping: %v", err)
	}
	if err := p.ValidateMapping(map[string]string{"/a": "employee_id"}); err != nil {
		t.Fatalf("good mapping: %v", err)
	}
}
