package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/hookd/hookd"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// uniqueConstraints names each unique constraint of the schema: its name (as
// PostgreSQL reports it), the columns SQLite reports ("table.column, …"), and
// the message a caller sees when it is violated.
var uniqueConstraints = []struct {
	name, columns, message string
}{
	{"tenants_pkey", "tenants.id", "A tenant with this ID already exists."},
	{"tenants_slug_key", "tenants.slug", "A tenant with this slug already exists."},
	{"tenants_api_key_hash_key", "tenants.api_key_hash", "Another tenant already has this API key."},
	{"console_users_pkey", "console_users.id", "A console user with this ID already exists."},
	{"console_users_tenant_email_key", "console_users.tenant_id, console_users.email", "A console user with this email already exists in the tenant."},
	{"access_tokens_pkey", "access_tokens.id", "An access token with this ID already exists."},
	{"access_tokens_hash_key", "access_tokens.hash", "An access token with this hash already exists."},
	{"service_accounts_pkey", "service_accounts.id", "A service account with this ID already exists."},
	{"service_accounts_tenant_email_key", "service_accounts.tenant_id, service_accounts.email", "A service account with this email already exists in the tenant."},
	{"oauth_clients_pkey", "oauth_clients.id", "An OAuth client with this ID already exists."},
	{"settings_pkey", "settings.key", "The setting already exists."},
	{"event_types_pkey", "event_types.id", "An event type with this ID already exists."},
	{"event_types_tenant_name_key", "event_types.tenant_id, event_types.name", "An event type with this name already exists."},
	{"endpoints_pkey", "endpoints.id", "An endpoint with this ID already exists."},
	{"events_pkey", "events.id", "An event with this ID already exists."},
	{"idempotency_keys_pkey", "idempotency_keys.tenant_id, idempotency_keys.key", "An idempotency key is already in use."},
	{"console_sessions_pkey", "console_sessions.id", "A console session with this ID already exists."},
	{"console_sessions_hash_key", "console_sessions.hash", "A console session with this token already exists."},
	{"deliveries_pkey", "deliveries.id", "A delivery with this ID already exists."},
	{"organizations_pkey", "organizations.id", "An organization with this ID already exists."},
	{"organizations_tenant_name_key", "organizations.tenant_id, organizations.name", "An organization with this name already exists."},
	{"directory_users_pkey", "directory_users.id", "A user with this ID already exists."},
	{"directory_users_tenant_employee_key", "directory_users.tenant_id, directory_users.employee_id", "A user with this employee ID already exists."},
	{"user_organizations_pkey", "user_organizations.user_id, user_organizations.organization_id", "The user is already in this organization."},
	{"tickets_pkey", "tickets.id", "A ticket with this ID already exists."},
	{"tickets_tenant_source_external_key", "tickets.tenant_id, tickets.source, tickets.external_id", "A ticket with this external ID already exists."},
	{"provisioning_destinations_pkey", "provisioning_destinations.id", "A provisioning destination with this ID already exists."},
	{"inbound_calls_pkey", "inbound_calls.id", "An inbound call with this ID already exists."},
}

// foreignMessages says, per noun, what is missing when a row of that noun
// refers to something that is not there; other nouns get a message naming
// the tenant.
var foreignMessages = map[string]string{
	"delivery":                "An endpoint the event is delivered to was not found.",
	"organization membership": "An organization of the user was not found.",
}

// interpretError turns an error of the database into what callers of the
// store see: sql.ErrNoRows is ENOTFOUND, a unique violation ECONFLICT, a
// foreign key violation ENOTFOUND (the thing referred to is gone); anything
// else is wrapped with op ("create tenant"). noun names the thing for
// messages ("tenant"). Every error of the package passes through here.
func interpretError(err error, op, noun string) error {
	if err == nil {
		return nil
	}
	var herr *hookd.Error
	if errors.As(err, &herr) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &hookd.Error{Code: hookd.ENOTFOUND, Message: fmt.Sprintf("The %s was not found.", noun), Err: err}
	}

	var constraint string
	unique, foreign, badText := false, false, false
	var pgErr *pgconn.PgError
	var liteErr *sqlite.Error
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "23505": // unique_violation
			unique, constraint = true, pgErr.ConstraintName
		case "23503": // foreign_key_violation
			foreign = true
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character (NUL in text)
			badText = true
		}
		if message, ok := postgresOutage(pgErr.Code); ok {
			return unavailable(message, op, err)
		}
	case isConnectionLost(err):
		return unavailable("The database cannot be reached.", op, err)
	case errors.As(err, &liteErr):
		if message, ok := sqliteOutages[liteErr.Code()&0xff]; ok {
			return unavailable(message, op, err)
		}
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			unique = true
			// "constraint failed: UNIQUE constraint failed: tenants.slug (2067)"
			msg := liteErr.Error()
			if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
				constraint, _, _ = strings.Cut(msg[i+len("constraint failed: "):], " (")
			}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			foreign = true
		}
	}
	switch {
	case unique:
		message := fmt.Sprintf("The %s already exists.", noun)
		for _, c := range uniqueConstraints {
			if constraint != "" && (constraint == c.name || constraint == c.columns) {
				message = c.message
				break
			}
		}
		return &hookd.Error{Code: hookd.ECONFLICT, Message: message, Err: fmt.Errorf("sqlstore: %s: %w", op, err)}
	case badText:
		// SQLite stores any text; PostgreSQL refuses NUL characters. Say
		// so as bad input, the same on both, rather than fail with a 500.
		return &hookd.Error{
			Code:    hookd.EINVALID,
			Message: "The request holds a character that cannot be stored or searched for (such as NUL).",
			Err:     fmt.Errorf("sqlstore: %s: %w", op, err),
		}
	case foreign:
		message, ok := foreignMessages[noun]
		if !ok {
			message = fmt.Sprintf("The tenant or OAuth client the %s belongs to was not found.", noun)
		}
		return &hookd.Error{
			Code:    hookd.ENOTFOUND,
			Message: message,
			Err:     fmt.Errorf("sqlstore: %s: %w", op, err),
		}
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// sqliteOutages are the SQLite result codes (primary, without the extended
// part) of a passing outage, with what a caller is told: a full disk, a
// failing or vanished file, a lock held beyond busy_timeout.
var sqliteOutages = map[int]string{
	sqlite3.SQLITE_FULL:     "The database's disk is full.",
	sqlite3.SQLITE_IOERR:    "The database's disk cannot be read or written.",
	sqlite3.SQLITE_CANTOPEN: "The database file cannot be opened.",
	sqlite3.SQLITE_NOMEM:    "The database is out of memory.",
	sqlite3.SQLITE_BUSY:     "The database is busy.",
}

// postgresOutage reports whether a PostgreSQL SQLSTATE is a passing
// outage: class 08 (connection exception), 53 (insufficient resources:
// disk full, out of memory, too many connections), 57P01–57P03 (the
// server shuts down, crashed or cannot take connections yet) and 58
// (system error, such as an I/O error).
func postgresOutage(code string) (string, bool) {
	switch {
	case strings.HasPrefix(code, "08"):
		return "The database cannot be reached.", true
	case code == "53100":
		return "The database's disk is full.", true
	case strings.HasPrefix(code, "53"):
		return "The database has run out of resources.", true
	case code == "57P01", code == "57P02", code == "57P03":
		return "The database is shutting down or starting.", true
	case strings.HasPrefix(code, "58"):
		return "The database's disk cannot be read or written.", true
	}
	return "", false
}

// isConnectionLost reports whether err tells of a database that cannot be
// reached: a connection refused or timed out while connecting, or one that
// broke mid-way.
func isConnectionLost(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// unavailable returns the EUNAVAILABLE error of an outage.
func unavailable(message, op string, err error) error {
	return &hookd.Error{
		Code:    hookd.EUNAVAILABLE,
		Message: message + " Try again in a moment.",
		Err:     fmt.Errorf("sqlstore: %s: %w", op, err),
	}
}

// notFound returns the ENOTFOUND error for noun.
func notFound(op, noun string) error { return interpretError(sql.ErrNoRows, op, noun) }
