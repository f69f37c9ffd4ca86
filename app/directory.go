package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// The directory: each tenant's organizations, users and tickets. Every
// change is published as an event (organization.updated, user.created,
// user.updated, user.terminated, ticket.created, ticket.updated) written in
// the same transaction as the change, with one delivery per subscribed
// endpoint. A change that changes nothing publishes nothing.

// maxStaleRetries bounds how often a change is read and applied again after
// someone else changed the same item meanwhile.
const maxStaleRetries = 5

// retryStale runs f again while it fails with hookd.ErrStale, up to
// maxStaleRetries times.
func retryStale(f func() error) error {
	var err error
	for range maxStaleRetries {
		if err = f(); !errors.Is(err, hookd.ErrStale) {
			return err
		}
	}
	return err
}

// publication returns the event of type typ with data for the tenant and
// one delivery per subscribed endpoint (held for disabled ones), ready to
// be stored with the change it tells of. The data must be valid against the
// type's schema: if it is not, that is a bug of hookd's, reported as an
// internal error.
func (a *App) publication(ctx context.Context, tenantID, typ string, data any, now time.Time) (*hookd.Publication, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("app: encode %s data: %w", typ, err)
	}
	if err := a.ValidateEventData(ctx, tenantID, typ, raw); err != nil {
		return nil, fmt.Errorf("app: %s data does not match the type's schema: %v", typ, err)
	}
	e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: tenantID, Type: typ, Data: raw, Timestamp: now, CreatedAt: now,
		RequestID: hookd.RequestID(ctx)}
	ds, endpoints, err := a.deliveriesFor(ctx, e)
	if err != nil {
		return nil, err
	}
	// A large fan-out goes with the change only as far as its first
	// chunk; published writes the rest.
	ds, _, _, _ = a.splitFanOut(e, ds, endpoints)
	return &hookd.Publication{Event: e, Deliveries: ds}, nil
}

// published tells the workers about pub's deliveries once it is stored,
// and writes the rest of a fan-out too large for the change's transaction
// (in chunks; if it cannot, ResumeFanOuts will).
func (a *App) published(pub *hookd.Publication) {
	if pub == nil {
		return
	}
	a.deliveriesDue(pub.Deliveries)
	if pub.Event != nil && pub.Event.FanOutAfter != "" {
		ctx := context.Background()
		if _, err := a.resumeFanOut(ctx, pub.Event); err != nil {
			a.Log.WarnContext(ctx, "fan-out interrupted; it will be resumed", "event", pub.Event.ID, "err", err)
		}
	}
}

// changes collects the fields a change changed and their previous values,
// for the changed_fields and previous of an *.updated event.
type changes struct {
	fields   []string
	previous map[string]any
}

func (c *changes) note(field string, previous any) {
	if c.previous == nil {
		c.previous = map[string]any{}
	}
	c.fields = append(c.fields, field)
	c.previous[field] = previous
}

func (c *changes) any() bool { return len(c.fields) > 0 }

// nullable returns s, or nil for "" (JSON null).
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// checkText appends a problem at location unless v has at most max bytes
// and, unless multiline, no control characters; required also refuses "".
func checkText(fields []hookd.FieldError, location, v string, max int, required, multiline bool) []hookd.FieldError {
	bad := func(msg string) []hookd.FieldError {
		return append(fields, hookd.FieldError{Location: location, Message: msg})
	}
	switch {
	case required && v == "":
		return bad("is required")
	case len(v) > max:
		return bad(fmt.Sprintf("must be at most %d bytes", max))
	case !multiline && hookd.HasControl(v):
		return bad("must be one line without control characters")
	case multiline && strings.ContainsRune(v, 0):
		return bad("must not contain NUL characters")
	}
	return fields
}

// checkEmail appends a problem at location unless v is "" or an address.
func checkEmail(fields []hookd.FieldError, location, v string) []hookd.FieldError {
	if v == "" {
		return fields
	}
	if fe := hookd.ValidateEmail(location, v); fe != nil {
		return append(fields, *fe)
	}
	return fields
}

// Organizations.

// organizationData is an organization in event data.
type organizationData struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// organizationEvent is the data of organization.updated.
type organizationEvent struct {
	Organization organizationData `json:"organization"`
	Change       string           `json:"change"`
	Previous     map[string]any   `json:"previous,omitempty"`
}

// checkOrganizationName returns the trimmed name or why it is not one.
func checkOrganizationName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if fields := checkText(nil, "body.name", name, hookd.MaxOrganizationNameLength, true, false); len(fields) > 0 {
		return "", hookd.Invalid("The organization's name is not valid.", fields...)
	}
	return name, nil
}

// CreateOrganization adds an organization to the tenant's directory and
// publishes organization.updated (change "created"). Returns EINVALID at
// body.name, ECONFLICT if the tenant has an organization of that name.
func (a *App) CreateOrganization(ctx context.Context, tenantID, name string) (*hookd.Organization, error) {
	name, err := checkOrganizationName(name)
	if err != nil {
		return nil, err
	}
	now := a.now()
	o := &hookd.Organization{ID: hookd.NewID(hookd.PrefixOrganization), TenantID: tenantID, Name: name, CreatedAt: now, UpdatedAt: now}
	pub, err := a.publication(ctx, tenantID, hookd.EventOrganizationUpdated,
		organizationEvent{Organization: organizationData{ID: o.ID, Name: o.Name}, Change: "created"}, now)
	if err != nil {
		return nil, err
	}
	if err := a.Store.CreateOrganization(ctx, o, pub); err != nil {
		return nil, err
	}
	a.published(pub)
	return o, nil
}

// Organization returns an organization of the tenant. Returns ENOTFOUND.
func (a *App) Organization(ctx context.Context, tenantID, id string) (*hookd.Organization, error) {
	return a.Store.Organization(ctx, tenantID, id)
}

// ListOrganizations returns a page of the tenant's organizations. Sort
// fields: created_at, name, updated_at; the query searches names.
func (a *App) ListOrganizations(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Organization], error) {
	return a.Store.ListOrganizations(ctx, tenantID, p)
}

// RenameOrganization renames an organization of the tenant and publishes
// organization.updated (change "renamed", with the previous name); the
// same name changes nothing. Returns ENOTFOUND, EINVALID at body.name, and
// ECONFLICT if the name is taken.
func (a *App) RenameOrganization(ctx context.Context, tenantID, id, name string) (*hookd.Organization, error) {
	name, err := checkOrganizationName(name)
	if err != nil {
		return nil, err
	}
	var o *hookd.Organization
	err = retryStale(func() error {
		var err error
		if o, err = a.Store.Organization(ctx, tenantID, id); err != nil {
			return err
		}
		if o.Name == name {
			return nil
		}
		previous := o.Name
		now := a.now()
		o.Name, o.UpdatedAt = name, now
		pub, err := a.publication(ctx, tenantID, hookd.EventOrganizationUpdated, organizationEvent{
			Organization: organizationData{ID: o.ID, Name: o.Name}, Change: "renamed",
			Previous: map[string]any{"name": previous},
		}, now)
		if err != nil {
			return err
		}
		if err := a.Store.UpdateOrganization(ctx, o, pub); err != nil {
			return err
		}
		a.published(pub)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// organizationRefs returns the tenant's organizations of ids, without
// duplicates, and a problem at body.organization_ids[i] for each that is
// not the tenant's.
func (a *App) organizationRefs(ctx context.Context, tenantID string, ids []string) ([]hookd.OrganizationRef, []hookd.FieldError, error) {
	if len(ids) > hookd.MaxUserOrganizations {
		return nil, []hookd.FieldError{{Location: "body.organization_ids",
			Message: fmt.Sprintf("must name at most %d organizations", hookd.MaxUserOrganizations)}}, nil
	}
	refs := []hookd.OrganizationRef{}
	var fields []hookd.FieldError
	for i, id := range ids {
		if slices.ContainsFunc(refs, func(r hookd.OrganizationRef) bool { return r.ID == id }) {
			continue
		}
		o, err := a.Store.Organization(ctx, tenantID, id)
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			fields = append(fields, hookd.FieldError{Location: fmt.Sprintf("body.organization_ids[%d]", i),
				Message: fmt.Sprintf("%q is not an organization of the directory", id)})
			continue
		} else if err != nil {
			return nil, nil, err
		}
		refs = append(refs, hookd.OrganizationRef{ID: o.ID, Name: o.Name})
	}
	return refs, fields, nil
}

// Users.

// userData is a user in event data.
type userData struct {
	ID            string             `json:"id"`
	EmployeeID    string             `json:"employee_id"`
	FirstName     string             `json:"first_name"`
	LastName      string             `json:"last_name"`
	DisplayName   string             `json:"display_name"`
	Email         string             `json:"email"`
	Mobile        string             `json:"mobile"`
	Status        string             `json:"status"`
	Organizations []organizationData `json:"organizations"`
	ExternalID    string             `json:"external_id"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
}

func userDataOf(u *hookd.User) userData {
	return userData{
		ID: u.ID, EmployeeID: u.EmployeeID, FirstName: u.FirstName, LastName: u.LastName,
		DisplayName: u.DisplayName, Email: u.Email, Mobile: u.Mobile,
		Status: string(u.Status), Organizations: organizationsData(u.Organizations),
		ExternalID: u.ExternalID, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

func organizationsData(refs []hookd.OrganizationRef) []organizationData {
	out := make([]organizationData, len(refs))
	for i, r := range refs {
		out[i] = organizationData{ID: r.ID, Name: r.Name}
	}
	return out
}

// userEvent is the data of user.created, user.updated and user.terminated.
type userEvent struct {
	User          userData       `json:"user"`
	ChangedFields []string       `json:"changed_fields,omitempty"`
	Previous      map[string]any `json:"previous,omitempty"`
	TerminatedAt  *time.Time     `json:"terminated_at,omitempty"`
}

// checkUser validates every field of u, trimming and lower-casing the email
// first, and lists the problems at body.<field>.
func checkUser(u *hookd.User) []hookd.FieldError {
	var fields []hookd.FieldError
	u.Email = hookd.NormalizeEmail(u.Email)
	fields = checkText(fields, "body.employee_id", u.EmployeeID, hookd.MaxUserFieldLength, true, false)
	fields = checkText(fields, "body.first_name", u.FirstName, hookd.MaxUserFieldLength, false, false)
	fields = checkText(fields, "body.last_name", u.LastName, hookd.MaxUserFieldLength, false, false)
	fields = checkText(fields, "body.display_name", u.DisplayName, hookd.MaxUserFieldLength, false, false)
	fields = checkEmail(fields, "body.email", u.Email)
	fields = checkText(fields, "body.mobile", u.Mobile, hookd.MaxUserFieldLength, false, false)
	fields = checkText(fields, "body.external_id", u.ExternalID, hookd.MaxUserFieldLength, false, false)
	if !u.Status.Valid() {
		fields = append(fields, hookd.FieldError{Location: "body.status", Message: "must be active or terminated"})
	}
	return fields
}

// CreateUserInput is a new user of the directory.
type CreateUserInput struct {
	EmployeeID  string
	FirstName   string
	LastName    string
	DisplayName string // defaults to "FirstName LastName"
	Email       string
	Mobile      string
	// OrganizationIDs names organizations of the tenant's directory.
	OrganizationIDs []string
}

// CreateUser adds an active user to the tenant's directory and publishes
// user.created. Returns EINVALID listing every invalid field (organizations
// must be the tenant's) and ECONFLICT if the employee ID is taken.
func (a *App) CreateUser(ctx context.Context, tenantID string, in CreateUserInput) (*hookd.User, error) {
	refs, fields, err := a.organizationRefs(ctx, tenantID, in.OrganizationIDs)
	if err != nil {
		return nil, err
	}
	u := a.newUser(tenantID, strings.TrimSpace(in.EmployeeID))
	u.FirstName, u.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	u.DisplayName, u.Email, u.Mobile = strings.TrimSpace(in.DisplayName), in.Email, strings.TrimSpace(in.Mobile)
	u.Organizations = refs
	if err := a.createUser(ctx, u, fields); err != nil {
		return nil, err
	}
	return u, nil
}

func (a *App) newUser(tenantID, employeeID string) *hookd.User {
	now := a.now()
	return &hookd.User{
		ID: hookd.NewID(hookd.PrefixUser), TenantID: tenantID, EmployeeID: employeeID, Status: hookd.UserActive,
		Organizations: []hookd.OrganizationRef{}, CreatedAt: now, UpdatedAt: now,
	}
}

// createUser validates u (adding fields found before), defaults its display
// name, stores it and publishes user.created.
func (a *App) createUser(ctx context.Context, u *hookd.User, fields []hookd.FieldError) error {
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if fields = append(fields, checkUser(u)...); len(fields) > 0 {
		return hookd.Invalid("The user cannot be created.", fields...)
	}
	pub, err := a.publication(ctx, u.TenantID, hookd.EventUserCreated, userEvent{User: userDataOf(u)}, u.CreatedAt)
	if err != nil {
		return err
	}
	if err := a.Store.CreateUser(ctx, u, pub); err != nil {
		return err
	}
	a.published(pub)
	return nil
}

// User returns a user of the tenant. Returns ENOTFOUND.
func (a *App) User(ctx context.Context, tenantID, id string) (*hookd.User, error) {
	return a.Store.User(ctx, tenantID, id)
}

// ListUsers returns a page of the tenant's users, of status only unless it
// is "". Sort fields: created_at, employee_id, last_name, email,
// updated_at; the query searches employee IDs, names and emails. Returns
// EINVALID at query.status for an unknown status.
func (a *App) ListUsers(ctx context.Context, tenantID string, status hookd.UserStatus, p hookd.ListParams) (hookd.Page[*hookd.User], error) {
	if status != "" && !status.Valid() {
		return hookd.Page[*hookd.User]{}, hookd.Invalid("The status is not valid.",
			hookd.FieldError{Location: "query.status", Message: "must be active or terminated"})
	}
	return a.Store.ListUsers(ctx, tenantID, status, p)
}

// UpdateUserInput changes a user; nil fields stay as they are. Status
// terminated terminates the user; active takes a terminated user back.
type UpdateUserInput struct {
	FirstName       *string
	LastName        *string
	DisplayName     *string
	Email           *string
	Mobile          *string
	OrganizationIDs *[]string
	Status          *hookd.UserStatus
}

// UpdateUser changes a user of the tenant. Terminating publishes
// user.terminated (the user as it is now, with any other change of the same
// call); any other change publishes user.updated with the changed fields
// and their previous values; no change publishes nothing. Returns ENOTFOUND
// and EINVALID listing every invalid field.
func (a *App) UpdateUser(ctx context.Context, tenantID, id string, in UpdateUserInput) (*hookd.User, error) {
	var refs []hookd.OrganizationRef
	var fields []hookd.FieldError
	if in.OrganizationIDs != nil {
		var err error
		if refs, fields, err = a.organizationRefs(ctx, tenantID, *in.OrganizationIDs); err != nil {
			return nil, err
		}
	}
	if in.Status != nil && !in.Status.Valid() {
		fields = append(fields, hookd.FieldError{Location: "body.status", Message: "must be active or terminated"})
	}
	return a.changeUser(ctx, func() (*hookd.User, error) { return a.Store.User(ctx, tenantID, id) }, func(u *hookd.User) []hookd.FieldError {
		setText(&u.FirstName, in.FirstName)
		setText(&u.LastName, in.LastName)
		setText(&u.DisplayName, in.DisplayName)
		setText(&u.Email, in.Email)
		setText(&u.Mobile, in.Mobile)
		if in.OrganizationIDs != nil {
			u.Organizations = slices.Clone(refs)
		}
		if in.Status != nil && in.Status.Valid() {
			u.Status = *in.Status
		}
		return fields
	})
}

// setText sets *dst to the trimmed *v unless v is nil.
func setText(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

// changeUser loads a user, applies a change to it and saves it with the
// event the change calls for, all again if the user changed meanwhile.
// apply returns problems found before validation.
func (a *App) changeUser(ctx context.Context, load func() (*hookd.User, error), apply func(u *hookd.User) []hookd.FieldError) (*hookd.User, error) {
	var u *hookd.User
	err := retryStale(func() error {
		old, err := load()
		if err != nil {
			return err
		}
		u = cloneUser(old)
		fields := apply(u)
		if fields = append(fields, checkUser(u)...); len(fields) > 0 {
			return hookd.Invalid("The user cannot be changed.", fields...)
		}
		c := diffUser(old, u)
		if !c.any() {
			u = old
			return nil
		}
		now := a.now()
		u.UpdatedAt = now
		var data userEvent
		typ := hookd.EventUserUpdated
		switch {
		case u.Status == hookd.UserTerminated && old.Status != hookd.UserTerminated:
			typ = hookd.EventUserTerminated
			u.TerminatedAt = &now
			data.TerminatedAt = &now
		default:
			if u.Status == hookd.UserActive {
				u.TerminatedAt = nil
			}
			data.ChangedFields, data.Previous = c.fields, c.previous
		}
		data.User = userDataOf(u)
		pub, err := a.publication(ctx, u.TenantID, typ, data, now)
		if err != nil {
			return err
		}
		if err := a.Store.UpdateUser(ctx, u, pub); err != nil {
			return err
		}
		a.published(pub)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func cloneUser(u *hookd.User) *hookd.User {
	c := *u
	c.Organizations = slices.Clone(u.Organizations)
	return &c
}

// diffUser returns what changed from old to u.
func diffUser(old, u *hookd.User) *changes {
	c := &changes{}
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"first_name", old.FirstName, u.FirstName},
		{"last_name", old.LastName, u.LastName},
		{"display_name", old.DisplayName, u.DisplayName},
		{"email", old.Email, u.Email},
		{"mobile", old.Mobile, u.Mobile},
		{"external_id", old.ExternalID, u.ExternalID},
	} {
		if f.old != f.new {
			c.note(f.name, f.old) // "" when it had none, as the API shows it
		}
	}
	oldIDs, newIDs := old.OrganizationIDs(), u.OrganizationIDs()
	slices.Sort(oldIDs)
	slices.Sort(newIDs)
	if !slices.Equal(oldIDs, newIDs) {
		c.note("organizations", organizationsData(old.Organizations))
	}
	if old.Status != u.Status {
		c.note("status", string(old.Status))
	}
	return c
}

// ProvisionUser applies an HR webhook's operation to the tenant's
// directory: AddUser creates the user of in.EmployeeID (created is true),
// or updates it if it exists, taking a terminated user back; ModifyUser
// updates it; DeleteUser terminates it (a terminated user stays as it is).
// Only the fields in gives are changed. Returns ENOTFOUND when ModifyUser
// or DeleteUser name an unknown employee ID, EINVALID listing every invalid
// field.
func (a *App) ProvisionUser(ctx context.Context, tenantID string, op hookd.ProvisioningOperation, in hookd.UserInput) (u *hookd.User, created bool, err error) {
	employeeID := strings.TrimSpace(in.EmployeeID)
	load := func() (*hookd.User, error) {
		u, err := a.Store.UserByEmployeeID(ctx, tenantID, employeeID)
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			return nil, hookd.Errorf(hookd.ENOTFOUND, "No user of the directory has the employee ID %q.", employeeID)
		}
		return u, err
	}
	switch op {
	case hookd.AddUser:
		// Create, unless the employee ID is taken (perhaps by a racing
		// call, which the conflict tells): then update.
		for range maxStaleRetries {
			_, err := a.Store.UserByEmployeeID(ctx, tenantID, employeeID)
			if err == nil {
				break
			}
			if hookd.ErrorCode(err) != hookd.ENOTFOUND {
				return nil, false, err
			}
			u := a.newUser(tenantID, employeeID)
			applyUserInput(u, in)
			err = a.createUser(ctx, u, nil)
			if err == nil {
				return u, true, nil
			}
			if hookd.ErrorCode(err) != hookd.ECONFLICT {
				return nil, false, err
			}
		}
		u, err := a.changeUser(ctx, load, func(u *hookd.User) []hookd.FieldError {
			applyUserInput(u, in)
			u.Status = hookd.UserActive
			return nil
		})
		return u, false, err
	case hookd.ModifyUser:
		u, err := a.changeUser(ctx, load, func(u *hookd.User) []hookd.FieldError {
			applyUserInput(u, in)
			return nil
		})
		return u, false, err
	case hookd.DeleteUser:
		u, err := a.changeUser(ctx, load, func(u *hookd.User) []hookd.FieldError {
			u.Status = hookd.UserTerminated
			return nil
		})
		return u, false, err
	}
	return nil, false, hookd.Errorf(hookd.EINVALID, "Unknown provisioning operation %q; use adduser, modifyuser or deleteuser.", string(op))
}

// applyUserInput sets the fields in gives on u.
func applyUserInput(u *hookd.User, in hookd.UserInput) {
	setText(&u.FirstName, in.FirstName)
	setText(&u.LastName, in.LastName)
	setText(&u.DisplayName, in.DisplayName)
	setText(&u.Email, in.Email)
	setText(&u.Mobile, in.Mobile)
	if in.ExternalID != "" {
		u.ExternalID = in.ExternalID
	}
}
