package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// Lists page by keyset: rows are ordered by (sort value, id), and the cursor
// holds the sort value and id of the last row of a page, so the next page
// starts after it however rows come and go. IDs are UUIDv7, so created_at
// ties break by creation order.

// sortKind is the kind of value a sort column holds.
type sortKind int

const (
	sortText sortKind = iota
	sortTime
	// sortNullTime is a nullable time; NULL sorts as the oldest time, so
	// it comes first ascending and last descending.
	sortNullTime
)

// sortColumn is a field a list may be sorted by.
type sortColumn struct {
	field  string // as named in ListParams.Sort, such as "created_at"
	column string
	kind   sortKind
}

// table describes a listable table once, for every list over it.
type table[T any] struct {
	name    string
	columns string // the columns scan reads, in order
	// sorts lists the sort fields; the first is the default.
	sorts []sortColumn
	// search lists the columns Query searches.
	search []string
	// scan reads one row of columns, then extra into the given
	// destinations.
	scan func(sc scanner, extra ...any) (T, error)
}

// cursor is what a list's opaque cursor holds.
type cursor struct {
	Sort  string `json:"s"` // the sort it was made for, such as "-name"
	Value string `json:"v"` // the sort value of the last row; times in RFC 3339
	ID    string `json:"i"` // the id of the last row
}

func encodeCursor(c cursor) string {
	b, err := json.Marshal(c)
	if err != nil {
		panic("sqlstore: cannot encode a cursor: " + err.Error()) // strings always marshal
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor(message string) error {
	return hookd.Invalid("The cursor is not valid.", hookd.FieldError{Location: "query.cursor", Message: message})
}

// list returns one page of tbl's rows that match where (SQL conditions with
// ? placeholders, joined by AND) and p.
func list[T any](ctx context.Context, s *Store, tbl *table[T], p hookd.ListParams, where []string, args ...any) (hookd.Page[T], error) {
	op := "list " + tbl.name
	var page hookd.Page[T]

	limit := p.Limit
	switch {
	case limit < 0:
		return page, hookd.Invalid("The limit is not valid.", hookd.FieldError{Location: "query.limit", Message: "must not be negative"})
	case limit == 0:
		limit = hookd.DefaultListLimit
	case limit > hookd.MaxListLimit:
		limit = hookd.MaxListLimit
	}

	sortName := p.Sort
	if sortName == "" {
		sortName = tbl.sorts[0].field
	}
	field, desc := strings.CutPrefix(sortName, "-")
	i := slices.IndexFunc(tbl.sorts, func(c sortColumn) bool { return c.field == field })
	if i < 0 {
		fields := make([]string, len(tbl.sorts))
		for i, c := range tbl.sorts {
			fields[i] = c.field
		}
		return page, hookd.Invalid("The sort is not valid.", hookd.FieldError{
			Location: "query.sort",
			Message:  fmt.Sprintf("must be one of %s, with a leading - for descending order", strings.Join(fields, ", ")),
		})
	}
	sc := tbl.sorts[i]
	expr := sc.column
	if sc.kind == sortNullTime {
		expr = fmt.Sprintf("COALESCE(%s, %s)", sc.column, s.d.timeFloor)
	}
	where = slices.Clone(where)
	args = slices.Clone(args)

	if p.Query != "" {
		pattern := "%" + escapeLike(strings.ToLower(p.Query)) + "%"
		ors := make([]string, len(tbl.search))
		for i, c := range tbl.search {
			ors[i] = fmt.Sprintf(`lower(%s) LIKE ? ESCAPE '\'`, c)
			args = append(args, pattern)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}

	if p.Cursor != "" {
		c, value, err := s.decodeCursor(p.Cursor, sc)
		if err != nil {
			return page, err
		}
		if c.Sort != sortName {
			return page, badCursor("was made for another sort order")
		}
		cmp := ">"
		if desc {
			cmp = "<"
		}
		where = append(where, fmt.Sprintf("(%s, id) %s (?, ?)", expr, cmp))
		args = append(args, value, c.ID)
	}

	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	var q strings.Builder
	fmt.Fprintf(&q, "SELECT %s, %s, id FROM %s", tbl.columns, expr, tbl.name)
	if len(where) > 0 {
		q.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	fmt.Fprintf(&q, " ORDER BY %s %s, id %s LIMIT ?", expr, dir, dir)
	args = append(args, limit+1)

	rows, err := s.queryRead(ctx, s.d.rebind(q.String()), args...)
	if err != nil {
		return page, interpretError(err, op, tbl.name)
	}
	defer rows.Close()
	var last cursor
	for rows.Next() {
		if len(page.Items) == limit {
			page.NextCursor = encodeCursor(last)
			break
		}
		var (
			text string
			tv   timeValue
			id   string
		)
		var sortDest any = &text
		if sc.kind != sortText {
			sortDest = &tv
		}
		item, err := tbl.scan(rows, sortDest, &id)
		if err != nil {
			return page, interpretError(err, op, tbl.name)
		}
		page.Items = append(page.Items, item)
		if sc.kind != sortText {
			text = tv.Time.Format(time.RFC3339Nano)
		}
		last = cursor{Sort: sortName, Value: text, ID: id}
	}
	if err := rows.Err(); err != nil {
		return page, interpretError(err, op, tbl.name)
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page, nil
}

// decodeCursor reads an opaque cursor for sort column sc and returns it with
// its sort value as a query argument.
func (s *Store) decodeCursor(text string, sc sortColumn) (cursor, any, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return c, nil, badCursor("is not a cursor this list returned")
	}
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return c, nil, badCursor("is not a cursor this list returned")
	}
	if sc.kind == sortText {
		return c, c.Value, nil
	}
	t, err := time.Parse(time.RFC3339Nano, c.Value)
	if err != nil {
		return c, nil, badCursor("is not a cursor this list returned")
	}
	return c, s.d.time(t), nil
}

// escapeLike escapes the wildcards of LIKE with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
