package hookd

import "time"

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
