package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect holds what differs between SQLite and PostgreSQL. Queries are
// written with ? placeholders and rebound for PostgreSQL.
type dialect struct {
	name string
	// dollar says placeholders are $1, $2… rather than ?.
	dollar bool
	// timeArg turns a UTC, microsecond time into a query argument.
	timeArg func(t time.Time) any
	// timeFloor is an SQL literal for the zero time.Time, which sorts below
	// any other; lists sort a NULL time as this.
	timeFloor string
	// versionTableExists is a query answering whether goose's version
	// table exists.
	versionTableExists string
	// timeType is the SQL type of times, for casts.
	timeType string
}

// sqliteTimeLayout is how SQLite keeps times: fixed width, so that text
// order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

var sqliteDialect = &dialect{
	name:               BackendSQLite,
	timeArg:            func(t time.Time) any { return t.Format(sqliteTimeLayout) },
	timeFloor:          "'" + time.Time{}.Format(sqliteTimeLayout) + "'",
	versionTableExists: "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'",
	timeType:           "TEXT",
}

var postgresDialect = &dialect{
	name:               BackendPostgres,
	dollar:             true,
	timeArg:            func(t time.Time) any { return t },
	timeFloor:          "'0001-01-01 00:00:00+00'::timestamptz",
	versionTableExists: "SELECT to_regclass('goose_db_version') IS NOT NULL",
	timeType:           "timestamptz",
}

// rebind rewrites the ? placeholders of q for the dialect. Queries hold no
// ? other than placeholders.
func (d *dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// storeTime is t as the store keeps it: UTC, rounded down to microseconds.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// storeTimePtr is storeTime for an optional time.
func storeTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := storeTime(*t)
	return &u
}

// time returns t as a query argument.
func (d *dialect) time(t time.Time) any { return d.timeArg(storeTime(t)) }

// nullTime returns t as a query argument, NULL for nil.
func (d *dialect) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.time(*t)
}

// nullString returns s as a query argument, NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeValue scans a time column of either dialect into a UTC time.
type timeValue struct {
	Time  time.Time
	Valid bool // false for NULL
}

var _ sql.Scanner = (*timeValue)(nil)

// Scan implements sql.Scanner.
func (v *timeValue) Scan(src any) error {
	switch src := src.(type) {
	case nil:
		*v = timeValue{}
		return nil
	case time.Time:
		*v = timeValue{Time: src.UTC(), Valid: true}
		return nil
	case string:
		return v.parse(src)
	case []byte:
		return v.parse(string(src))
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
}

func (v *timeValue) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("sqlstore: bad stored time %q: %w", s, err)
	}
	*v = timeValue{Time: t.UTC(), Valid: true}
	return nil
}

// ptr returns the time, or nil for NULL.
func (v timeValue) ptr() *time.Time {
	if !v.Valid {
		return nil
	}
	t := v.Time
	return &t
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

var _ driver.Valuer = (*nullBytes)(nil)

// nullBytes is a query argument that is NULL for a nil slice.
type nullBytes []byte

// Value implements driver.Valuer.
func (b nullBytes) Value() (driver.Value, error) {
	if b == nil {
		return nil, nil
	}
	return []byte(b), nil
}
