package hookd

import (
	"fmt"
	"time"
)

// UserStatus says whether a directory user is still employed. Users are never
// erased: a terminated user keeps its record.
type UserStatus string

// The statuses a directory user can have.
const (
	UserActive     UserStatus = "active"
	UserTerminated UserStatus = "terminated"
)

// Valid reports whether s is a known user status.
func (s UserStatus) Valid() bool { return s == UserActive || s == UserTerminated }

// TicketInput is a ticket as an inbound helpdesk webhook describes it, already
// parsed and validated (see package inbound). The app layer turns it into a
// ticket, or updates the ticket of the same Source and ExternalID.
type TicketInput struct {
	Number          string
	Title           string
	Description     string
	RequesterEmail  string // validated and lower-cased
	ReportedByEmail string // "" if not given
	OpenedAt        *time.Time
	Impact          string
	Urgency         string
	Priority        string
	Category        string
	Subcategory     string
	State           string
	Source          string // the provider, such as "servicenow" or "generic"
	ExternalID      string // the provider's own key (ServiceNow's sys_id), "" if none
	// Comment is the readable text of every other field the body carried, one
	// "key: value" line per field in key order; it becomes the first comment.
	Comment string
}

// UserInput is a user as an inbound HR webhook describes it, already parsed
// and validated (see package inbound). A nil field was not given and leaves
// the stored value as it is.
type UserInput struct {
	EmployeeID  string // unique per tenant; always set
	FirstName   *string
	LastName    *string
	DisplayName *string
	Email       *string // validated and lower-cased
	Mobile      *string
	// ExternalID is the provider's own key for the user, if it has one beyond
	// the employee ID (Paylocity: "<companyId>/<employeeId>").
	ExternalID string
	// Comment is the readable text of the fields the body carried that have no
	// user field, one "key: value" line per field in key order.
	Comment string
}

// ID prefixes of the directory.
const (
	PrefixOrganization = "org"
	PrefixUser         = "dus" // a directory user, not a console user (usr)
	PrefixTicket       = "tkt"
)

// Limits of the directory.
const (
	MaxOrganizationNameLength = 200
	MaxUserFieldLength        = 200 // names, employee ID, mobile
	MaxEmailLength            = 254 // as ValidateEmail allows
	MaxUserOrganizations      = 100 // organizations one user belongs to
	MaxTicketTitleLength      = 500 // ServiceNow's short_description is 160
	MaxTicketFieldLength      = 200 // number, impact, urgency, priority, category, state…
	MaxTicketTextLength       = 64 << 10
	MaxTicketComments         = 1000 // comments one ticket keeps
)

// Organization is a group of a tenant's directory, such as a department.
type Organization struct {
	ID       string
	TenantID string
	Name     string // unique within the tenant
	// Version counts the saved changes, from 1; an update names the
	// version it read, so a concurrent change is not lost.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OrganizationRef names an organization a user belongs to.
type OrganizationRef struct {
	ID   string
	Name string
}

// User is a person of a tenant's directory, typically provisioned by an HR
// system. Users are never erased: termination keeps the record.
type User struct {
	ID       string
	TenantID string
	// EmployeeID is the HR system's key of the person, unique within the
	// tenant.
	EmployeeID  string
	FirstName   string
	LastName    string
	DisplayName string
	Email       string // lower-cased; "" if unknown
	Mobile      string
	Status      UserStatus
	// Organizations are those the user belongs to, by name then ID.
	Organizations []OrganizationRef
	// ExternalID is the HR system's own key beyond the employee ID, if any.
	ExternalID   string
	TerminatedAt *time.Time
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// OrganizationIDs returns the IDs of u's organizations, in order.
func (u *User) OrganizationIDs() []string {
	ids := make([]string, len(u.Organizations))
	for i, o := range u.Organizations {
		ids[i] = o.ID
	}
	return ids
}

// Ticket is a helpdesk ticket of a tenant, created through the API or a
// helpdesk webhook.
type Ticket struct {
	ID       string
	TenantID string
	// Number is the helpdesk's number (a ServiceNow incident number) or,
	// for tickets that came without one, hookd's own (TKT0000001).
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
	// Source names where the ticket came from: servicenow, generic
	// (the createticket webhook) or api.
	Source string
	// ExternalID is the source's own key (a ServiceNow sys_id), unique per
	// tenant and source; "" if none.
	ExternalID string
	Comments   []TicketComment
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TicketComment is one comment of a ticket.
type TicketComment struct {
	Author    string // who or what wrote it, such as servicenow or api
	Body      string
	CreatedAt time.Time
}

// TicketSourceAPI is the Source of tickets created through the API.
const TicketSourceAPI = "api"

// TicketNumber formats hookd's own number n of a ticket.
func TicketNumber(n int64) string { return fmt.Sprintf("TKT%07d", n) }
