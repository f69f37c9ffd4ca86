package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// Tickets of the directory: created through the API or a helpdesk webhook,
// each change published as ticket.created or ticket.updated.

// DefaultTicketState is the state of a ticket that came without one.
const DefaultTicketState = "new"

// ticketData is a ticket in event data.
type ticketData struct {
	ID              string              `json:"id"`
	Number          string              `json:"number"`
	Title           string              `json:"title"`
	Description     *string             `json:"description"`
	RequesterEmail  *string             `json:"requester_email"`
	ReportedByEmail *string             `json:"reported_by_email"`
	OpenedAt        *string             `json:"opened_at"`
	Impact          *string             `json:"impact"`
	Urgency         *string             `json:"urgency"`
	Priority        *string             `json:"priority"`
	Category        *string             `json:"category"`
	Subcategory     *string             `json:"subcategory"`
	State           *string             `json:"state"`
	Source          *string             `json:"source"`
	ExternalID      *string             `json:"external_id"`
	Link            *string             `json:"link"`
	Comments        []ticketCommentData `json:"comments"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
}

type ticketCommentData struct {
	Author    *string   `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// ticketEvent is the data of ticket.created and ticket.updated.
type ticketEvent struct {
	Ticket        ticketData     `json:"ticket"`
	ChangedFields []string       `json:"changed_fields,omitempty"`
	Previous      map[string]any `json:"previous,omitempty"`
}

func (a *App) ticketDataOf(t *hookd.Ticket) ticketData {
	d := ticketData{
		ID: t.ID, Number: t.Number, Title: t.Title, Description: nullable(t.Description),
		RequesterEmail: nullable(t.RequesterEmail), ReportedByEmail: nullable(t.ReportedByEmail),
		OpenedAt: nullable(formatOpenedAt(t.OpenedAt)), Impact: nullable(t.Impact), Urgency: nullable(t.Urgency),
		Priority: nullable(t.Priority), Category: nullable(t.Category), Subcategory: nullable(t.Subcategory),
		State: nullable(t.State), Source: nullable(t.Source), ExternalID: nullable(t.ExternalID),
		Link: nullable(a.TicketLink(t)), Comments: make([]ticketCommentData, len(t.Comments)),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	for i, c := range t.Comments {
		d.Comments[i] = ticketCommentData{Author: nullable(c.Author), Body: c.Body, CreatedAt: c.CreatedAt}
	}
	return d
}

func formatOpenedAt(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// TicketLink returns the absolute URL of a ticket in the API, or "" when
// the App has no PublicURL.
func (a *App) TicketLink(t *hookd.Ticket) string {
	if a.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(a.PublicURL, "/") + "/api/v1/tickets/" + t.ID
}

// checkTicket validates every field of t, lower-casing the emails first,
// and lists the problems at body.<field>.
func checkTicket(t *hookd.Ticket) []hookd.FieldError {
	var fields []hookd.FieldError
	t.RequesterEmail = hookd.NormalizeEmail(t.RequesterEmail)
	t.ReportedByEmail = hookd.NormalizeEmail(t.ReportedByEmail)
	fields = checkText(fields, "body.number", t.Number, hookd.MaxTicketFieldLength, true, false)
	fields = checkText(fields, "body.title", t.Title, hookd.MaxTicketTitleLength, true, false)
	fields = checkText(fields, "body.description", t.Description, hookd.MaxTicketTextLength, false, true)
	fields = checkEmail(fields, "body.requester_email", t.RequesterEmail)
	fields = checkEmail(fields, "body.reported_by_email", t.ReportedByEmail)
	for _, f := range []struct{ name, v string }{
		{"impact", t.Impact}, {"urgency", t.Urgency}, {"priority", t.Priority}, {"category", t.Category},
		{"subcategory", t.Subcategory}, {"state", t.State}, {"external_id", t.ExternalID},
	} {
		fields = checkText(fields, "body."+f.name, f.v, hookd.MaxTicketFieldLength, false, false)
	}
	if len(t.Comments) > hookd.MaxTicketComments {
		fields = append(fields, hookd.FieldError{Location: "body.comment", Message: "the ticket has as many comments as it can keep"})
	}
	for _, c := range t.Comments {
		if fs := checkText(nil, "body.comment", c.Body, hookd.MaxTicketTextLength, true, true); len(fs) > 0 {
			fields = append(fields, fs...)
			break
		}
	}
	return fields
}

// CreateTicketInput is a new ticket. Number is hookd's own (TKT0000042)
// when "", State is DefaultTicketState when "", and a Comment becomes the
// ticket's first comment.
type CreateTicketInput struct {
	Number          string
	Title           string
	Description     string
	RequesterEmail  string
	ReportedByEmail string
	OpenedAt        *time.Time
	Impact          string
	Urgency         string
	Priority        string
	Category        string
	Subcategory     string
	State           string
	Comment         string
}

// CreateTicket adds a ticket (source api) to the tenant and publishes
// ticket.created. Returns EINVALID listing every invalid field.
func (a *App) CreateTicket(ctx context.Context, tenantID string, in CreateTicketInput) (*hookd.Ticket, error) {
	t := a.newTicket(tenantID, hookd.TicketSourceAPI)
	t.Number, t.Title, t.Description = strings.TrimSpace(in.Number), strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	t.RequesterEmail, t.ReportedByEmail, t.OpenedAt = in.RequesterEmail, in.ReportedByEmail, in.OpenedAt
	t.Impact, t.Urgency, t.Priority = strings.TrimSpace(in.Impact), strings.TrimSpace(in.Urgency), strings.TrimSpace(in.Priority)
	t.Category, t.Subcategory, t.State = strings.TrimSpace(in.Category), strings.TrimSpace(in.Subcategory), strings.TrimSpace(in.State)
	if c := strings.TrimSpace(in.Comment); c != "" {
		t.Comments = append(t.Comments, hookd.TicketComment{Author: hookd.TicketSourceAPI, Body: c, CreatedAt: t.CreatedAt})
	}
	if err := a.createTicket(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

func (a *App) newTicket(tenantID, source string) *hookd.Ticket {
	now := a.now()
	return &hookd.Ticket{
		ID: hookd.NewID(hookd.PrefixTicket), TenantID: tenantID, Source: source,
		Comments: []hookd.TicketComment{}, CreatedAt: now, UpdatedAt: now,
	}
}

// createTicket numbers t if it has no number, defaults its state, validates,
// stores it and publishes ticket.created.
func (a *App) createTicket(ctx context.Context, t *hookd.Ticket) error {
	if t.State == "" {
		t.State = DefaultTicketState
	}
	numbered := t.Number != ""
	if !numbered {
		t.Number = "TKT0000000" // stands in until it is valid to take a number
	}
	if fields := checkTicket(t); len(fields) > 0 {
		return hookd.Invalid("The ticket cannot be created.", fields...)
	}
	if !numbered {
		n, err := a.Store.NextTicketNumber(ctx, t.TenantID)
		if err != nil {
			return err
		}
		t.Number = hookd.TicketNumber(n)
	}
	pub, err := a.publication(ctx, t.TenantID, hookd.EventTicketCreated, ticketEvent{Ticket: a.ticketDataOf(t)}, t.CreatedAt)
	if err != nil {
		return err
	}
	if err := a.Store.CreateTicket(ctx, t, pub); err != nil {
		return err
	}
	a.published(pub)
	return nil
}

// Ticket returns a ticket of the tenant. Returns ENOTFOUND.
func (a *App) Ticket(ctx context.Context, tenantID, id string) (*hookd.Ticket, error) {
	return a.Store.Ticket(ctx, tenantID, id)
}

// ListTickets returns a page of the tenant's tickets. Sort fields:
// created_at, number, title, state, updated_at; the query searches numbers,
// titles, descriptions and requesters' emails.
func (a *App) ListTickets(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Ticket], error) {
	return a.Store.ListTickets(ctx, tenantID, p)
}

// UpdateTicketInput changes a ticket; nil fields stay as they are. Comment
// adds a comment.
type UpdateTicketInput struct {
	Number          *string
	Title           *string
	Description     *string
	RequesterEmail  *string
	ReportedByEmail *string
	OpenedAt        *time.Time
	Impact          *string
	Urgency         *string
	Priority        *string
	Category        *string
	Subcategory     *string
	State           *string
	Comment         *string
}

// UpdateTicket changes a ticket of the tenant and publishes ticket.updated
// with the changed fields and their previous values; no change publishes
// nothing. Returns ENOTFOUND and EINVALID listing every invalid field.
func (a *App) UpdateTicket(ctx context.Context, tenantID, id string, in UpdateTicketInput) (*hookd.Ticket, error) {
	return a.changeTicket(ctx, tenantID, id, func(t *hookd.Ticket, now time.Time) {
		setText(&t.Number, in.Number)
		setText(&t.Title, in.Title)
		setText(&t.Description, in.Description)
		setText(&t.RequesterEmail, in.RequesterEmail)
		setText(&t.ReportedByEmail, in.ReportedByEmail)
		if in.OpenedAt != nil {
			at := in.OpenedAt.UTC().Truncate(time.Microsecond)
			t.OpenedAt = &at
		}
		setText(&t.Impact, in.Impact)
		setText(&t.Urgency, in.Urgency)
		setText(&t.Priority, in.Priority)
		setText(&t.Category, in.Category)
		setText(&t.Subcategory, in.Subcategory)
		setText(&t.State, in.State)
		if in.Comment != nil {
			t.Comments = append(t.Comments, hookd.TicketComment{Author: hookd.TicketSourceAPI, Body: strings.TrimSpace(*in.Comment), CreatedAt: now})
		}
	})
}

// changeTicket loads a ticket, applies a change and saves it with
// ticket.updated, all again if the ticket changed meanwhile.
func (a *App) changeTicket(ctx context.Context, tenantID, id string, apply func(t *hookd.Ticket, now time.Time)) (*hookd.Ticket, error) {
	var t *hookd.Ticket
	err := retryStale(func() error {
		old, err := a.Store.Ticket(ctx, tenantID, id)
		if err != nil {
			return err
		}
		now := a.now()
		t = cloneTicket(old)
		apply(t, now)
		if fields := checkTicket(t); len(fields) > 0 {
			return hookd.Invalid("The ticket cannot be changed.", fields...)
		}
		c := diffTicket(old, t)
		if !c.any() {
			t = old
			return nil
		}
		t.UpdatedAt = now
		pub, err := a.publication(ctx, tenantID, hookd.EventTicketUpdated,
			ticketEvent{Ticket: a.ticketDataOf(t), ChangedFields: c.fields, Previous: c.previous}, now)
		if err != nil {
			return err
		}
		if err := a.Store.UpdateTicket(ctx, t, pub); err != nil {
			return err
		}
		a.published(pub)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func cloneTicket(t *hookd.Ticket) *hookd.Ticket {
	c := *t
	c.Comments = slices.Clone(t.Comments)
	if t.OpenedAt != nil {
		at := *t.OpenedAt
		c.OpenedAt = &at
	}
	return &c
}

// diffTicket returns what changed from old to t. A comment added is noted
// as comments, with the number of comments before as its previous value.
func diffTicket(old, t *hookd.Ticket) *changes {
	c := &changes{}
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"number", old.Number, t.Number},
		{"title", old.Title, t.Title},
		{"description", old.Description, t.Description},
		{"requester_email", old.RequesterEmail, t.RequesterEmail},
		{"reported_by_email", old.ReportedByEmail, t.ReportedByEmail},
		{"opened_at", formatOpenedAt(old.OpenedAt), formatOpenedAt(t.OpenedAt)},
		{"impact", old.Impact, t.Impact},
		{"urgency", old.Urgency, t.Urgency},
		{"priority", old.Priority, t.Priority},
		{"category", old.Category, t.Category},
		{"subcategory", old.Subcategory, t.Subcategory},
		{"state", old.State, t.State},
	} {
		if f.old != f.new {
			c.note(f.name, nullable(f.old))
		}
	}
	if len(t.Comments) != len(old.Comments) {
		c.note("comments", len(old.Comments))
	}
	return c
}

// ReceiveTicket applies a helpdesk webhook's ticket to the tenant: a new
// ticket (created is true, ticket.created), or, when a ticket of the same
// source and external ID (a ServiceNow sys_id) exists, an update of that
// ticket with the fields in gives (ticket.updated; a resend that changes
// nothing publishes nothing). in.Comment becomes the first comment of a new
// ticket, and is added to an existing one unless it is its last comment
// already. Returns EINVALID listing every invalid field.
func (a *App) ReceiveTicket(ctx context.Context, tenantID string, in hookd.TicketInput) (t *hookd.Ticket, created bool, err error) {
	if in.ExternalID != "" {
		for range maxStaleRetries {
			existing, err := a.Store.TicketByExternalID(ctx, tenantID, in.Source, in.ExternalID)
			if err == nil {
				t, err := a.changeTicket(ctx, tenantID, existing.ID, func(t *hookd.Ticket, now time.Time) { applyTicketInput(t, in, now) })
				return t, false, err
			}
			if hookd.ErrorCode(err) != hookd.ENOTFOUND {
				return nil, false, err
			}
			t := a.newTicket(tenantID, in.Source)
			t.ExternalID = in.ExternalID
			applyTicketInput(t, in, t.CreatedAt)
			err = a.createTicket(ctx, t)
			if err == nil {
				return t, true, nil
			}
			if hookd.ErrorCode(err) != hookd.ECONFLICT {
				return nil, false, err
			}
			// A racing call created it: update it.
		}
		return nil, false, hookd.ErrStale
	}
	t = a.newTicket(tenantID, in.Source)
	applyTicketInput(t, in, t.CreatedAt)
	if err := a.createTicket(ctx, t); err != nil {
		return nil, false, err
	}
	return t, true, nil
}

// applyTicketInput sets the non-empty fields of in on t and adds its
// comment unless t's last comment says the same.
func applyTicketInput(t *hookd.Ticket, in hookd.TicketInput, now time.Time) {
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&t.Number, in.Number}, {&t.Title, in.Title}, {&t.Description, in.Description},
		{&t.RequesterEmail, in.RequesterEmail}, {&t.ReportedByEmail, in.ReportedByEmail},
		{&t.Impact, in.Impact}, {&t.Urgency, in.Urgency}, {&t.Priority, in.Priority},
		{&t.Category, in.Category}, {&t.Subcategory, in.Subcategory}, {&t.State, in.State},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if in.OpenedAt != nil {
		at := in.OpenedAt.UTC().Truncate(time.Microsecond)
		t.OpenedAt = &at
	}
	if in.Comment != "" && (len(t.Comments) == 0 || t.Comments[len(t.Comments)-1].Body != in.Comment) {
		t.Comments = append(t.Comments, hookd.TicketComment{Author: in.Source, Body: in.Comment, CreatedAt: now})
	}
}
