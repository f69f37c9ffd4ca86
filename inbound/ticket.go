package inbound

import "github.com/hookd/hookd"

// ParseGenericTicket parses the body of the generic ticket webhook:
// requester_email and title are required, description is optional, and any
// other member is kept, readable, in the Comment. Every problem is listed in
// one EINVALID error.
func ParseGenericTicket(body []byte) (hookd.TicketInput, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return hookd.TicketInput{}, err
	}
	f := newFields(obj)
	t := hookd.TicketInput{Source: SourceGeneric}
	t.RequesterEmail = f.required("requester_email", emailAddr)
	t.Title = f.required("title", line)
	t.Description, _ = f.get("description", text)
	t.Comment = f.comment()
	if err := invalid(f.errs); err != nil {
		return hookd.TicketInput{}, err
	}
	return t, nil
}
