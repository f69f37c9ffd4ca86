package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// directoryTag is the OpenAPI tag of the directory's operations.
const directoryTag = "Directory"

const directoryTagDescription = "The tenant's built-in directory: organizations, users and helpdesk tickets, filled " +
	"through this API and the inbound webhooks. Every change is published as an event (`organization.updated`, " +
	"`user.created`, `user.updated`, `user.terminated`, `ticket.created`, `ticket.updated`) in the same transaction: " +
	"the change and its event both happen or neither does. Users are terminated, never erased."

// addDirectoryTag describes the directory's tag in the OpenAPI document,
// once.
func addDirectoryTag(api huma.API) {
	oa := api.OpenAPI()
	if !slices.ContainsFunc(oa.Tags, func(t *huma.Tag) bool { return t.Name == directoryTag }) {
		oa.Tags = append(oa.Tags, &huma.Tag{Name: directoryTag, Description: directoryTagDescription})
	}
}

// directoryIDInput is the path of one directory item.
type directoryIDInput struct {
	ID string `path:"id" maxLength:"100" example:"dus_0193c0ffee0000000000000000000001" doc:"The item's id."`
}

// Organizations.

// Organization is an organization as the API shows it.
type Organization struct {
	ID        string    `json:"id" example:"org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70"`
	Name      string    `json:"name" example:"Research & Development" doc:"Unique within the tenant."`
	CreatedAt time.Time `json:"created_at" example:"2026-11-23T09:40:00Z"`
	UpdatedAt time.Time `json:"updated_at" example:"2026-11-23T09:40:00Z"`
}

func organizationOf(o *hookd.Organization) Organization {
	return Organization{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

type organizationOutput struct{ Body Organization }

type organizationNameBody struct {
	Name string `json:"name" maxLength:"200" example:"Research & Development" doc:"1 to 200 characters, unique within the tenant."`
}

func registerCreateOrganization(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/organizations", "create-organization", directoryTag,
		"Create an organization", "Adds an organization and publishes `organization.updated` with `change: created`. "+
			"409 if the tenant has an organization of that name.",
		http.StatusCreated, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *struct{ Body organizationNameBody }) (*organizationOutput, error) {
		o, err := a.CreateOrganization(ctx, tenantID(ctx), in.Body.Name)
		if err != nil {
			return nil, err
		}
		return &organizationOutput{Body: organizationOf(o)}, nil
	})
}

func registerListOrganizations(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/organizations", "list-organizations", directoryTag, "List organizations",
		"Lists the tenant's organizations. Sort by `created_at` (default), `name` or `updated_at`; `q` searches names.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[Organization], error) {
		p, err := a.ListOrganizations(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, organizationOf), nil
	})
}

func registerGetOrganization(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/organizations/{id}", "get-organization", directoryTag, "Get an organization",
		"Returns one of the tenant's organizations. 404 for another tenant's.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *directoryIDInput) (*organizationOutput, error) {
		o, err := a.Organization(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &organizationOutput{Body: organizationOf(o)}, nil
	})
}

type updateOrganizationInput struct {
	ID   string `path:"id" maxLength:"100" example:"dus_0193c0ffee0000000000000000000001" doc:"The item's id."`
	Body organizationNameBody
}

func registerUpdateOrganization(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/organizations/{id}", "update-organization", directoryTag,
		"Rename an organization", "Renames the organization and publishes `organization.updated` with `change: renamed` "+
			"and the previous name. The same name changes nothing and publishes nothing.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *updateOrganizationInput) (*organizationOutput, error) {
		o, err := a.RenameOrganization(ctx, tenantID(ctx), in.ID, in.Body.Name)
		if err != nil {
			return nil, err
		}
		return &organizationOutput{Body: organizationOf(o)}, nil
	})
}

// Users.

// OrganizationRef names an organization a user belongs to.
type OrganizationRef struct {
	ID   string `json:"id" example:"org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70"`
	Name string `json:"name" example:"Research & Development"`
}

// User is a user of the directory as the API shows it.
type User struct {
	ID            string            `json:"id" example:"dus_0193b7e4a1c27d5e9f3a1b2c3d4e5f62"`
	EmployeeID    string            `json:"employee_id" example:"E-1042" doc:"The HR system's key of the person, unique within the tenant."`
	FirstName     string            `json:"first_name" example:"Ada"`
	LastName      string            `json:"last_name" example:"Lovelace"`
	DisplayName   string            `json:"display_name" example:"Ada Lovelace"`
	Email         string            `json:"email" example:"ada.lovelace@example.com" doc:"Lower-cased; empty if unknown."`
	Mobile        string            `json:"mobile" example:"+44 20 7946 0018"`
	Status        string            `json:"status" enum:"active,terminated" example:"active"`
	Organizations []OrganizationRef `json:"organizations" doc:"The organizations the user belongs to, by name."`
	ExternalID    string            `json:"external_id" example:"C01/E-1042" doc:"The HR system's own key beyond the employee ID, if any."`
	TerminatedAt  *time.Time        `json:"terminated_at" nullable:"true" example:"2026-11-30T17:00:00Z" doc:"When the user was terminated; null while active."`
	CreatedAt     time.Time         `json:"created_at" example:"2026-11-23T09:40:00Z"`
	UpdatedAt     time.Time         `json:"updated_at" example:"2026-11-23T09:40:00Z"`
}

func userOf(u *hookd.User) User {
	out := User{
		ID: u.ID, EmployeeID: u.EmployeeID, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Email: u.Email, Mobile: u.Mobile, Status: string(u.Status), Organizations: make([]OrganizationRef, len(u.Organizations)),
		ExternalID: u.ExternalID, TerminatedAt: u.TerminatedAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
	for i, o := range u.Organizations {
		out.Organizations[i] = OrganizationRef{ID: o.ID, Name: o.Name}
	}
	return out
}

type userOutput struct{ Body User }

type createUserInput struct {
	Body struct {
		EmployeeID      string   `json:"employee_id,omitempty" maxLength:"200" example:"E-1042" doc:"Required; unique within the tenant."`
		FirstName       string   `json:"first_name,omitempty" maxLength:"200" example:"Ada"`
		LastName        string   `json:"last_name,omitempty" maxLength:"200" example:"Lovelace"`
		DisplayName     string   `json:"display_name,omitempty" maxLength:"200" example:"Ada Lovelace" doc:"Defaults to first and last name."`
		Email           string   `json:"email,omitempty" maxLength:"254" example:"ada.lovelace@example.com"`
		Mobile          string   `json:"mobile,omitempty" maxLength:"200" example:"+44 20 7946 0018"`
		OrganizationIDs []string `json:"organization_ids,omitempty" maxItems:"100" example:"[\"org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70\"]" doc:"Organizations of the tenant's directory."`
	}
}

func registerCreateUser(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/users", "create-user", directoryTag, "Create a user",
		"Adds an active user and publishes `user.created`. 422 lists every invalid field; 409 if the employee ID is taken.",
		http.StatusCreated, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *createUserInput) (*userOutput, error) {
		b := in.Body
		u, err := a.CreateUser(ctx, tenantID(ctx), app.CreateUserInput{
			EmployeeID: b.EmployeeID, FirstName: b.FirstName, LastName: b.LastName, DisplayName: b.DisplayName,
			Email: b.Email, Mobile: b.Mobile, OrganizationIDs: b.OrganizationIDs,
		})
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: userOf(u)}, nil
	})
}

type listUsersInput struct {
	ListInput
	Status string `query:"status" enum:"active,terminated" doc:"Only users of this status."`
}

func registerListUsers(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/users", "list-users", directoryTag, "List users",
		"Lists the tenant's users, terminated ones included unless `status` says otherwise. Sort by `created_at` "+
			"(default), `employee_id`, `last_name`, `email` or `updated_at`; `q` searches employee IDs, names and emails.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *listUsersInput) (*listOutput[User], error) {
		p, err := a.ListUsers(ctx, tenantID(ctx), hookd.UserStatus(in.Status), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, userOf), nil
	})
}

func registerGetUser(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/users/{id}", "get-user", directoryTag, "Get a user",
		"Returns one of the tenant's users. 404 for another tenant's.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *directoryIDInput) (*userOutput, error) {
		u, err := a.User(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: userOf(u)}, nil
	})
}

type updateUserInput struct {
	ID   string `path:"id" maxLength:"100" example:"dus_0193c0ffee0000000000000000000001" doc:"The item's id."`
	Body struct {
		FirstName       *string   `json:"first_name,omitempty" maxLength:"200" example:"Ada"`
		LastName        *string   `json:"last_name,omitempty" maxLength:"200" example:"King"`
		DisplayName     *string   `json:"display_name,omitempty" maxLength:"200" example:"Ada King"`
		Email           *string   `json:"email,omitempty" maxLength:"254" example:"ada@example.com" doc:"An empty string removes it."`
		Mobile          *string   `json:"mobile,omitempty" maxLength:"200" example:"+44 20 7946 0999"`
		OrganizationIDs *[]string `json:"organization_ids,omitempty" maxItems:"100" example:"[\"org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70\"]" doc:"Replaces the user's organizations; [] removes them all."`
		Status          *string   `json:"status,omitempty" enum:"active,terminated" example:"terminated" doc:"terminated terminates the user (user.terminated); active takes a terminated user back."`
	}
}

func registerUpdateUser(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/users/{id}", "update-user", directoryTag, "Change or terminate a user",
		"Changes a user; fields left out stay as they are. Terminating (`status: terminated`) publishes "+
			"`user.terminated`; any other change publishes `user.updated` with `changed_fields` and their `previous` "+
			"values; a change that changes nothing publishes nothing. Users cannot be deleted.",
		http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *updateUserInput) (*userOutput, error) {
		b := in.Body
		up := app.UpdateUserInput{
			FirstName: b.FirstName, LastName: b.LastName, DisplayName: b.DisplayName, Email: b.Email, Mobile: b.Mobile,
			OrganizationIDs: b.OrganizationIDs,
		}
		if up.OrganizationIDs != nil && *up.OrganizationIDs == nil {
			up.OrganizationIDs = &[]string{}
		}
		if b.Status != nil {
			s := hookd.UserStatus(*b.Status)
			up.Status = &s
		}
		u, err := a.UpdateUser(ctx, tenantID(ctx), in.ID, up)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: userOf(u)}, nil
	})
}

// Tickets.

// TicketComment is one comment of a ticket.
type TicketComment struct {
	Author    string    `json:"author" example:"servicenow" doc:"Who or what wrote it: the webhook's source, or api."`
	Body      string    `json:"body" example:"assignment_group: Network"`
	CreatedAt time.Time `json:"created_at" example:"2026-11-23T09:12:45Z"`
}

// Ticket is a helpdesk ticket as the API shows it.
type Ticket struct {
	ID              string          `json:"id" example:"tkt_0193b7e4a1c27d5e9f3a1b2c3d4e5f80"`
	Number          string          `json:"number" example:"INC0010042" doc:"The helpdesk's number, or hookd's own (TKT0000042) for tickets that came without one."`
	Title           string          `json:"title" example:"Cannot connect to the VPN"`
	Description     string          `json:"description" example:"Since this morning the VPN client times out."`
	RequesterEmail  string          `json:"requester_email" example:"ada@example.com"`
	ReportedByEmail string          `json:"reported_by_email" example:"grace@example.com"`
	OpenedAt        *time.Time      `json:"opened_at" nullable:"true" example:"2026-11-23T09:12:44Z"`
	Impact          string          `json:"impact" example:"2 - Medium"`
	Urgency         string          `json:"urgency" example:"2 - Medium"`
	Priority        string          `json:"priority" example:"3 - Moderate"`
	Category        string          `json:"category" example:"Network"`
	Subcategory     string          `json:"subcategory" example:"VPN"`
	State           string          `json:"state" example:"new"`
	Source          string          `json:"source" example:"servicenow" doc:"servicenow, generic (the createticket webhook) or api."`
	ExternalID      string          `json:"external_id" example:"9d385017c611228701d22104cc95c371" doc:"The source's own key, such as a ServiceNow sys_id."`
	Link            string          `json:"link,omitempty" example:"https://hookd.example.com/api/v1/tickets/tkt_0193b7e4a1c27d5e9f3a1b2c3d4e5f80" doc:"The ticket's absolute URL in this API."`
	Comments        []TicketComment `json:"comments"`
	CreatedAt       time.Time       `json:"created_at" example:"2026-11-23T09:12:45Z"`
	UpdatedAt       time.Time       `json:"updated_at" example:"2026-11-23T09:12:45Z"`
}

func ticketOf(a *app.App) func(t *hookd.Ticket) Ticket {
	return func(t *hookd.Ticket) Ticket {
		out := Ticket{
			ID: t.ID, Number: t.Number, Title: t.Title, Description: t.Description, RequesterEmail: t.RequesterEmail,
			ReportedByEmail: t.ReportedByEmail, OpenedAt: t.OpenedAt, Impact: t.Impact, Urgency: t.Urgency,
			Priority: t.Priority, Category: t.Category, Subcategory: t.Subcategory, State: t.State, Source: t.Source,
			ExternalID: t.ExternalID, Link: a.TicketLink(t), Comments: make([]TicketComment, len(t.Comments)),
			CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		}
		for i, c := range t.Comments {
			out.Comments[i] = TicketComment{Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt}
		}
		return out
	}
}

type ticketOutput struct{ Body Ticket }

type createTicketInput struct {
	Body struct {
		Number          string     `json:"number,omitempty" maxLength:"200" example:"INC0010042" doc:"Default: hookd's next number, TKT0000001 and on."`
		Title           string     `json:"title,omitempty" maxLength:"500" example:"Cannot connect to the VPN" doc:"Required."`
		Description     string     `json:"description,omitempty" example:"Since this morning the VPN client times out."`
		RequesterEmail  string     `json:"requester_email,omitempty" maxLength:"254" example:"ada@example.com"`
		ReportedByEmail string     `json:"reported_by_email,omitempty" maxLength:"254" example:"grace@example.com"`
		OpenedAt        *time.Time `json:"opened_at,omitempty" example:"2026-11-23T09:12:44Z"`
		Impact          string     `json:"impact,omitempty" maxLength:"200" example:"2 - Medium"`
		Urgency         string     `json:"urgency,omitempty" maxLength:"200" example:"2 - Medium"`
		Priority        string     `json:"priority,omitempty" maxLength:"200" example:"3 - Moderate"`
		Category        string     `json:"category,omitempty" maxLength:"200" example:"Network"`
		Subcategory     string     `json:"subcategory,omitempty" maxLength:"200" example:"VPN"`
		State           string     `json:"state,omitempty" maxLength:"200" example:"new" doc:"Default new."`
		Comment         string     `json:"comment,omitempty" example:"Reported by phone." doc:"The ticket's first comment."`
	}
}

func registerCreateTicket(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/tickets", "create-ticket", directoryTag, "Create a ticket",
		"Adds a ticket (source `api`) and publishes `ticket.created`. 422 lists every invalid field.",
		http.StatusCreated))
	huma.Register(api, op, func(ctx context.Context, in *createTicketInput) (*ticketOutput, error) {
		b := in.Body
		t, err := a.CreateTicket(ctx, tenantID(ctx), app.CreateTicketInput{
			Number: b.Number, Title: b.Title, Description: b.Description, RequesterEmail: b.RequesterEmail,
			ReportedByEmail: b.ReportedByEmail, OpenedAt: b.OpenedAt, Impact: b.Impact, Urgency: b.Urgency,
			Priority: b.Priority, Category: b.Category, Subcategory: b.Subcategory, State: b.State, Comment: b.Comment,
		})
		if err != nil {
			return nil, err
		}
		return &ticketOutput{Body: ticketOf(a)(t)}, nil
	})
}

func registerListTickets(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/tickets", "list-tickets", directoryTag, "List tickets",
		"Lists the tenant's tickets. Sort by `created_at` (default), `number`, `title`, `state` or `updated_at`; `q` "+
			"searches numbers, titles, descriptions and requesters' emails.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[Ticket], error) {
		p, err := a.ListTickets(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, ticketOf(a)), nil
	})
}

func registerGetTicket(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/tickets/{id}", "get-ticket", directoryTag, "Get a ticket",
		"Returns one of the tenant's tickets with its comments. 404 for another tenant's.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *directoryIDInput) (*ticketOutput, error) {
		t, err := a.Ticket(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &ticketOutput{Body: ticketOf(a)(t)}, nil
	})
}

type updateTicketInput struct {
	ID   string `path:"id" maxLength:"100" example:"dus_0193c0ffee0000000000000000000001" doc:"The item's id."`
	Body struct {
		Number          *string    `json:"number,omitempty" maxLength:"200" example:"INC0010042"`
		Title           *string    `json:"title,omitempty" maxLength:"500" example:"VPN times out"`
		Description     *string    `json:"description,omitempty" example:"Only from home."`
		RequesterEmail  *string    `json:"requester_email,omitempty" maxLength:"254" example:"ada@example.com"`
		ReportedByEmail *string    `json:"reported_by_email,omitempty" maxLength:"254" example:"grace@example.com"`
		OpenedAt        *time.Time `json:"opened_at,omitempty" example:"2026-11-23T09:12:44Z"`
		Impact          *string    `json:"impact,omitempty" maxLength:"200" example:"1 - High"`
		Urgency         *string    `json:"urgency,omitempty" maxLength:"200" example:"1 - High"`
		Priority        *string    `json:"priority,omitempty" maxLength:"200" example:"2 - High"`
		Category        *string    `json:"category,omitempty" maxLength:"200" example:"Network"`
		Subcategory     *string    `json:"subcategory,omitempty" maxLength:"200" example:"VPN"`
		State           *string    `json:"state,omitempty" maxLength:"200" example:"in progress"`
		Comment         *string    `json:"comment,omitempty" example:"Looking into it." doc:"Adds a comment (author api)."`
	}
}

func registerUpdateTicket(api huma.API, a *app.App) {
	addDirectoryTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/tickets/{id}", "update-ticket", directoryTag, "Change a ticket",
		"Changes a ticket; fields left out stay as they are, and `comment` adds a comment. Publishes `ticket.updated` "+
			"with `changed_fields` and their `previous` values; a change that changes nothing publishes nothing.",
		http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *updateTicketInput) (*ticketOutput, error) {
		b := in.Body
		t, err := a.UpdateTicket(ctx, tenantID(ctx), in.ID, app.UpdateTicketInput{
			Number: b.Number, Title: b.Title, Description: b.Description, RequesterEmail: b.RequesterEmail,
			ReportedByEmail: b.ReportedByEmail, OpenedAt: b.OpenedAt, Impact: b.Impact, Urgency: b.Urgency,
			Priority: b.Priority, Category: b.Category, Subcategory: b.Subcategory, State: b.State, Comment: b.Comment,
		})
		if err != nil {
			return nil, err
		}
		return &ticketOutput{Body: ticketOf(a)(t)}, nil
	})
}
