package inbound

import (
	"time"

	"github.com/hookd/hookd"
)

// SourceServiceNow and SourceGeneric name where a ticket came from.
const (
	SourceServiceNow = "servicenow"
	SourceGeneric    = "generic"
)

// openedAtLayouts are the forms of opened_at accepted: ServiceNow's own
// "2006-01-02 15:04:05" (taken as UTC) and RFC 3339.
var openedAtLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
}

// ParseServiceNowIncident parses the body of a ServiceNow incident webhook:
// requester_email, number and short_description are required; reported_by_email,
// opened_at, impact, urgency, description, category, priority, sys_id,
// subcategory and state are optional; any other member is kept, readable, in
// the Comment. Every problem is listed in one EINVALID error.
func ParseServiceNowIncident(body []byte) (hookd.TicketInput, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return hookd.TicketInput{}, err
	}
	f := newFields(obj)
	t := hookd.TicketInput{Source: SourceServiceNow}
	t.RequesterEmail = f.required("requester_email", emailAddr)
	t.Number = f.required("number", ident)
	t.Title = f.required("short_description", line)
	t.ReportedByEmail, _ = f.get("reported_by_email", emailAddr)
	if s, ok := f.get("opened_at", line); ok {
		if at, ok := parseTime(s); ok {
			t.OpenedAt = &at
		} else {
			f.fail("opened_at", `must be a time such as "2024-01-15 10:30:00" or RFC 3339`)
		}
	}
	t.Impact, _ = f.get("impact", ident)
	t.Urgency, _ = f.get("urgency", ident)
	t.Description, _ = f.get("description", text)
	t.Category, _ = f.get("category", line)
	t.Priority, _ = f.get("priority", ident)
	t.ExternalID, _ = f.get("sys_id", ident)
	t.Subcategory, _ = f.get("subcategory", line)
	t.State, _ = f.get("state", ident)
	t.Comment = f.comment()
	if err := invalid(f.errs); err != nil {
		return hookd.TicketInput{}, err
	}
	return t, nil
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range openedAtLayouts {
		if at, err := time.Parse(layout, s); err == nil {
			return at.UTC(), true
		}
	}
	return time.Time{}, false
}
