package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.DirectoryStore = (*Store)(nil)

// inTx runs f in a write transaction and commits it; errors of f and of the
// commit are interpreted with op and noun.
func (s *Store) inTx(ctx context.Context, op, noun string, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, noun)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return interpretError(err, op, noun)
	}
	return interpretError(tx.Commit(), op, noun)
}

// updateVersioned runs an UPDATE … WHERE tenant_id = ? AND id = ? AND
// version = ? (its last three arguments) in tx. When it changes no row it
// tells ENOTFOUND (no such row) from hookd.ErrStale (a newer version is stored).
func (s *Store) updateVersioned(ctx context.Context, tx *sql.Tx, table, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	tenantID, id := args[len(args)-3], args[len(args)-2]
	var one int
	err = tx.QueryRowContext(ctx, s.d.rebind("SELECT 1 FROM "+table+" WHERE tenant_id = ? AND id = ?"), tenantID, id).Scan(&one)
	if err != nil {
		return err // sql.ErrNoRows: ENOTFOUND
	}
	return hookd.ErrStale
}

// Organizations.

const organizationColumns = "id, tenant_id, name, version, created_at, updated_at"

var organizations = &table[*hookd.Organization]{
	name:    "organizations",
	columns: organizationColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "name", column: "name", kind: sortText},
		{field: "updated_at", column: "updated_at", kind: sortTime},
	},
	search: []string{"name"},
	scan:   scanOrganization,
}

func scanOrganization(sc scanner, extra ...any) (*hookd.Organization, error) {
	var (
		o                hookd.Organization
		created, updated timeValue
	)
	dest := []any{&o.ID, &o.TenantID, &o.Name, &o.Version, &created, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = created.Time, updated.Time
	return &o, nil
}

// CreateOrganization stores o with Version 1 and pub in one transaction.
func (s *Store) CreateOrganization(ctx context.Context, o *hookd.Organization, pub *hookd.Publication) error {
	const op = "create organization"
	err := s.inTx(ctx, op, "organization", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO organizations ("+organizationColumns+") VALUES (?, ?, ?, ?, ?, ?)"),
			o.ID, o.TenantID, o.Name, 1, s.d.time(o.CreatedAt), s.d.time(o.UpdatedAt)); err != nil {
			return interpretError(err, op, "organization")
		}
		return s.insertPublication(ctx, tx, op, pub)
	})
	if err != nil {
		return err
	}
	o.Version = 1
	o.CreatedAt, o.UpdatedAt = storeTime(o.CreatedAt), storeTime(o.UpdatedAt)
	s.publicationStored(pub)
	return nil
}

// Organization returns an organization of the tenant.
func (s *Store) Organization(ctx context.Context, tenantID, id string) (*hookd.Organization, error) {
	row := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+organizationColumns+" FROM organizations WHERE tenant_id = ? AND id = ?"), tenantID, id)
	o, err := scanOrganization(row)
	if err != nil {
		return nil, interpretError(err, "organization", "organization")
	}
	return o, nil
}

// ListOrganizations returns a page of the tenant's organizations.
func (s *Store) ListOrganizations(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Organization], error) {
	return list(ctx, s, organizations, p, []string{"tenant_id = ?"}, tenantID)
}

// UpdateOrganization saves o's name and UpdatedAt, if o.Version is the
// stored one, and pub, in one transaction.
func (s *Store) UpdateOrganization(ctx context.Context, o *hookd.Organization, pub *hookd.Publication) error {
	const op = "update organization"
	err := s.inTx(ctx, op, "organization", func(tx *sql.Tx) error {
		if err := s.updateVersioned(ctx, tx, "organizations",
			"UPDATE organizations SET name = ?, updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ?",
			o.Name, s.d.time(o.UpdatedAt), o.TenantID, o.ID, o.Version); err != nil {
			return interpretError(err, op, "organization")
		}
		return s.insertPublication(ctx, tx, op, pub)
	})
	if err != nil {
		return err
	}
	o.Version++
	o.CreatedAt, o.UpdatedAt = storeTime(o.CreatedAt), storeTime(o.UpdatedAt)
	s.publicationStored(pub)
	return nil
}

// Users.

const userColumns = "id, tenant_id, employee_id, first_name, last_name, display_name, email, mobile, status, " +
	"external_id, terminated_at, version, created_at, updated_at"

var users = &table[*hookd.User]{
	name:    "directory_users",
	columns: userColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "employee_id", column: "employee_id", kind: sortText},
		{field: "last_name", column: "last_name", kind: sortText},
		{field: "email", column: "email", kind: sortText},
		{field: "updated_at", column: "updated_at", kind: sortTime},
	},
	search: []string{"employee_id", "first_name", "last_name", "display_name", "email"},
	scan:   scanUser,
}

// scanUser reads a user without its organizations; see loadOrganizations.
func scanUser(sc scanner, extra ...any) (*hookd.User, error) {
	var (
		u                            hookd.User
		status                       string
		terminated, created, updated timeValue
	)
	dest := []any{&u.ID, &u.TenantID, &u.EmployeeID, &u.FirstName, &u.LastName, &u.DisplayName, &u.Email, &u.Mobile,
		&status, &u.ExternalID, &terminated, &u.Version, &created, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	u.Status = hookd.UserStatus(status)
	u.TerminatedAt = terminated.ptr()
	u.CreatedAt, u.UpdatedAt = created.Time, updated.Time
	u.Organizations = []hookd.OrganizationRef{}
	return &u, nil
}

// queryer is a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadOrganizations fills in the organizations of us (users of one tenant)
// with one query.
func (s *Store) loadOrganizations(ctx context.Context, q queryer, us []*hookd.User) error {
	if len(us) == 0 {
		return nil
	}
	byID := make(map[string]*hookd.User, len(us))
	args := []any{us[0].TenantID}
	marks := make([]string, 0, len(us))
	for _, u := range us {
		byID[u.ID] = u
		args = append(args, u.ID)
		marks = append(marks, "?")
	}
	rows, err := q.QueryContext(ctx, s.d.rebind("SELECT m.user_id, o.id, o.name FROM user_organizations m"+
		" JOIN organizations o ON o.tenant_id = m.tenant_id AND o.id = m.organization_id"+
		" WHERE m.tenant_id = ? AND m.user_id IN ("+strings.Join(marks, ", ")+") ORDER BY o.name, o.id"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var userID string
		var ref hookd.OrganizationRef
		if err := rows.Scan(&userID, &ref.ID, &ref.Name); err != nil {
			return err
		}
		if u := byID[userID]; u != nil {
			u.Organizations = append(u.Organizations, ref)
		}
	}
	return rows.Err()
}

// writeMemberships replaces the memberships of u with u.Organizations.
func (s *Store) writeMemberships(ctx context.Context, tx *sql.Tx, op string, u *hookd.User, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM user_organizations WHERE tenant_id = ? AND user_id = ?"),
			u.TenantID, u.ID); err != nil {
			return interpretError(err, op, "organization membership")
		}
	}
	for _, o := range u.Organizations {
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO user_organizations (tenant_id, user_id, organization_id) VALUES (?, ?, ?)"),
			u.TenantID, u.ID, o.ID); err != nil {
			return interpretError(err, op, "organization membership")
		}
	}
	return nil
}

// normalizeUser makes u as it reads back: times rounded as stored,
// organizations in their order and never nil.
func normalizeUser(u *hookd.User) {
	u.TerminatedAt = storeTimePtr(u.TerminatedAt)
	u.CreatedAt, u.UpdatedAt = storeTime(u.CreatedAt), storeTime(u.UpdatedAt)
	if u.Organizations == nil {
		u.Organizations = []hookd.OrganizationRef{}
	}
	slices.SortFunc(u.Organizations, func(a, b hookd.OrganizationRef) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}

// CreateUser stores u with Version 1, its memberships and pub in one
// transaction.
func (s *Store) CreateUser(ctx context.Context, u *hookd.User, pub *hookd.Publication) error {
	const op = "create user"
	err := s.inTx(ctx, op, "user", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO directory_users ("+userColumns+
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			u.ID, u.TenantID, u.EmployeeID, u.FirstName, u.LastName, u.DisplayName, u.Email, u.Mobile, string(u.Status),
			u.ExternalID, s.d.nullTime(u.TerminatedAt), 1, s.d.time(u.CreatedAt), s.d.time(u.UpdatedAt)); err != nil {
			return interpretError(err, op, "user")
		}
		if err := s.writeMemberships(ctx, tx, op, u, false); err != nil {
			return err
		}
		return s.insertPublication(ctx, tx, op, pub)
	})
	if err != nil {
		return err
	}
	u.Version = 1
	normalizeUser(u)
	s.publicationStored(pub)
	return nil
}

// User returns a user of the tenant.
func (s *Store) User(ctx context.Context, tenantID, id string) (*hookd.User, error) {
	return s.userWhere(ctx, "user", "id = ?", tenantID, id)
}

// UserByEmployeeID returns the tenant's user with that employee ID.
func (s *Store) UserByEmployeeID(ctx context.Context, tenantID, employeeID string) (*hookd.User, error) {
	return s.userWhere(ctx, "user by employee ID", "employee_id = ?", tenantID, employeeID)
}

func (s *Store) userWhere(ctx context.Context, op, cond, tenantID, value string) (*hookd.User, error) {
	row := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+userColumns+" FROM directory_users WHERE tenant_id = ? AND "+cond), tenantID, value)
	u, err := scanUser(row)
	if err != nil {
		return nil, interpretError(err, op, "user")
	}
	if err := s.loadOrganizations(ctx, s.rdb, []*hookd.User{u}); err != nil {
		return nil, interpretError(err, op, "user")
	}
	return u, nil
}

// ListUsers returns a page of the tenant's users, of status only unless it
// is "".
func (s *Store) ListUsers(ctx context.Context, tenantID string, status hookd.UserStatus, p hookd.ListParams) (hookd.Page[*hookd.User], error) {
	where, args := []string{"tenant_id = ?"}, []any{tenantID}
	if status != "" {
		where, args = append(where, "status = ?"), append(args, string(status))
	}
	page, err := list(ctx, s, users, p, where, args...)
	if err != nil {
		return page, err
	}
	if err := s.loadOrganizations(ctx, s.rdb, page.Items); err != nil {
		return hookd.Page[*hookd.User]{}, interpretError(err, "list users", "user")
	}
	return page, nil
}

// UpdateUser saves u and its memberships, if u.Version is the stored one,
// and pub, in one transaction.
func (s *Store) UpdateUser(ctx context.Context, u *hookd.User, pub *hookd.Publication) error {
	const op = "update user"
	err := s.inTx(ctx, op, "user", func(tx *sql.Tx) error {
		if err := s.updateVersioned(ctx, tx, "directory_users", `UPDATE directory_users SET first_name = ?,
			last_name = ?, display_name = ?, email = ?, mobile = ?, status = ?, external_id = ?, terminated_at = ?,
			updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ?`,
			u.FirstName, u.LastName, u.DisplayName, u.Email, u.Mobile, string(u.Status), u.ExternalID,
			s.d.nullTime(u.TerminatedAt), s.d.time(u.UpdatedAt), u.TenantID, u.ID, u.Version); err != nil {
			return interpretError(err, op, "user")
		}
		if err := s.writeMemberships(ctx, tx, op, u, true); err != nil {
			return err
		}
		return s.insertPublication(ctx, tx, op, pub)
	})
	if err != nil {
		return err
	}
	u.Version++
	normalizeUser(u)
	s.publicationStored(pub)
	return nil
}

// Tickets.

const ticketColumns = "id, tenant_id, number, title, description, requester_email, reported_by_email, opened_at, " +
	"impact, urgency, priority, category, subcategory, state, source, external_id, comments, version, created_at, updated_at"

var tickets = &table[*hookd.Ticket]{
	name:    "tickets",
	columns: ticketColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "number", column: "number", kind: sortText},
		{field: "title", column: "title", kind: sortText},
		{field: "state", column: "state", kind: sortText},
		{field: "updated_at", column: "updated_at", kind: sortTime},
	},
	search: []string{"number", "title", "description", "requester_email"},
	scan:   scanTicket,
}

// storedComment is a ticket comment as the comments column keeps it.
type storedComment struct {
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func scanTicket(sc scanner, extra ...any) (*hookd.Ticket, error) {
	var (
		t                        hookd.Ticket
		external                 sql.NullString
		comments                 string
		opened, created, updated timeValue
	)
	dest := []any{&t.ID, &t.TenantID, &t.Number, &t.Title, &t.Description, &t.RequesterEmail, &t.ReportedByEmail,
		&opened, &t.Impact, &t.Urgency, &t.Priority, &t.Category, &t.Subcategory, &t.State, &t.Source, &external,
		&comments, &t.Version, &created, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	var cs []storedComment
	if err := json.Unmarshal([]byte(comments), &cs); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored comments of ticket %s: %w", t.ID, err)
	}
	t.Comments = make([]hookd.TicketComment, len(cs))
	for i, c := range cs {
		t.Comments[i] = hookd.TicketComment{Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt.UTC()}
	}
	t.ExternalID = external.String
	t.OpenedAt = opened.ptr()
	t.CreatedAt, t.UpdatedAt = created.Time, updated.Time
	return &t, nil
}

// commentsValue returns the stored form of t's comments.
func commentsValue(t *hookd.Ticket) (string, error) {
	cs := make([]storedComment, len(t.Comments))
	for i, c := range t.Comments {
		cs[i] = storedComment{Author: c.Author, Body: c.Body, CreatedAt: storeTime(c.CreatedAt)}
	}
	b, err := json.Marshal(cs)
	return string(b), err
}

// normalizeTicket makes t as it reads back.
func normalizeTicket(t *hookd.Ticket) {
	t.OpenedAt = storeTimePtr(t.OpenedAt)
	t.CreatedAt, t.UpdatedAt = storeTime(t.CreatedAt), storeTime(t.UpdatedAt)
	if t.Comments == nil {
		t.Comments = []hookd.TicketComment{}
	}
	for i := range t.Comments {
		t.Comments[i].CreatedAt = storeTime(t.Comments[i].CreatedAt)
	}
}

// NextTicketNumber counts the tenant's ticket numbers up by one, in one
// upsert, and returns the new number.
func (s *Store) NextTicketNumber(ctx context.Context, tenantID string) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(`INSERT INTO ticket_numbers (tenant_id, last_number) VALUES (?, 1)
		ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_numbers.last_number + 1 RETURNING last_number`),
		tenantID).Scan(&n)
	if err != nil {
		return 0, interpretError(err, "next ticket number", "ticket number")
	}
	return n, nil
}

// CreateTicket stores t with Version 1 and pub in one transaction.
func (s *Store) CreateTicket(ctx context.Context, t *hookd.Ticket, pub *hookd.Publication) error {
	const op = "create ticket"
	comments, err := commentsValue(t)
	if err != nil {
		return interpretError(err, op, "ticket")
	}
	err = s.inTx(ctx, op, "ticket", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO tickets ("+ticketColumns+
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			t.ID, t.TenantID, t.Number, t.Title, t.Description, t.RequesterEmail, t.ReportedByEmail,
			s.d.nullTime(t.OpenedAt), t.Impact, t.Urgency, t.Priority, t.Category, t.Subcategory, t.State, t.Source,
			nullString(t.ExternalID), comments, 1, s.d.time(t.CreatedAt), s.d.time(t.UpdatedAt)); err != nil {
			return interpretError(err, op, "ticket")
		}
		return s.insertPublication(ctx, tx, op, pub)
	})
	if err != nil {
		return err
	}
	t.Version = 1
	normalizeTicket(t)
	s.publicationStored(pub)
	return nil
}

// Ticket returns a ticket of the tenant.
func (s *Store) Ticket(ctx context.Context, tenantID, id string) (*hookd.Ticket, error) {
	row := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+ticketColumns+" FROM tickets WHERE tenant_id = ? AND id = ?"), tenantID, id)
	t, err := scanTicket(row)
	if err != nil {
		return nil, interpretError(err, "ticket", "ticket")
	}
	return t, nil
}

// TicketByExternalID returns the tenant's ticket of that source and
// external ID.
func (s *Store) TicketByExternalID(ctx context.Context, tenantID, source, externalID string) (*hookd.Ticket, error) {
	row := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+ticketColumns+
		" FROM tickets WHERE tenant_id = ? AND source = ? AND external_id = ?"), tenantID, source, externalID)
	t, err := scanTicket(row)
	if err != nil {
		return nil, interpretError(err, "ticket by external ID", "ticket")
	}
	return t, nil
}

// ListTickets returns a page of the tenant's tickets.
func (s *Store) ListTickets(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Ticket], error) {
	return list(ctx, s, tickets, p, []string{"tenant_id = ?"}, tenantID)
}

// UpdateTicket saves t, if t.Version is the stored one, and pub, in one
// transaction.
func (s *Store) UpdateTicket(ctx context.Context, t *hookd.Ticket, pub *hookd.Publication) error {
	const op = "update ticket"
	comments, err := commentsValue(t)
	if err != nil {
		return interpretError(err, op, "ticket")
	}
	err = s.inTx(ctx, op, "ticket", func(tx *sql.Tx) error {
		if err := s.updateVersioned(ctx, tx, "tickets", `UPDATE tickets SET number = ?, title = ?,
			description = ?, requester_email = ?, reported_by_email = ?, opened_at = ?, impact = ?, urgency = ?,
			priority = ?, category = ?, subcategory = ?, state = ?, comments = ?, updated_at = ?,
			version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ?`,
			t.Number, t.Title, t.Description, t.RequesterEmail, t.ReportedByEmail, s.d.nullTime(t.OpenedAt), t.Impact,
			t.Urgency, t.Priority, t.Category, t.Subcategory, t.State, comments, s.d.time(t.UpdatedAt),
			t.TenantID, t.ID, t.Version); err != nil {
			return interpretError(err, op, "ticket")
		}
		return s.insertPublication(ctx, tx, op, pub)
	})
	if err != nil {
		return err
	}
	t.Version++
	normalizeTicket(t)
	s.publicationStored(pub)
	return nil
}
