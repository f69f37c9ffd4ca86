package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hookd/hookd"
)

// listView is the state of a sortable, searchable table: its sort and
// search from the query string, and the cursor of the next page.
type listView struct {
	Path  string
	Sort  string // such as "name" or "-created_at"
	Query string
	// Next is the cursor of the next page, "" on the last.
	Next string
	// defaultSort is the sort when the query string names none.
	defaultSort string
	// Filters are further query parameters that sort and page links keep.
	Filters url.Values
}

// listParams reads sort, q and cursor from r for a table at path whose
// allowed sort fields are sorts (the first, with its sign, is the default).
func listParams(r *http.Request, path string, limit int, sorts ...string) (listView, hookd.ListParams) {
	q := r.URL.Query()
	lv := listView{Path: path, Sort: sorts[0], Query: strings.TrimSpace(q.Get("q")), defaultSort: sorts[0]}
	if s := q.Get("sort"); s != "" {
		field := strings.TrimPrefix(s, "-")
		for _, allowed := range sorts {
			if strings.TrimPrefix(allowed, "-") == field {
				lv.Sort = s
			}
		}
	}
	return lv, hookd.ListParams{Limit: limit, Cursor: q.Get("cursor"), Sort: lv.Sort, Query: lv.Query}
}

func (l listView) url(sort, cursor string) string {
	v := url.Values{}
	for k, vs := range l.Filters {
		for _, x := range vs {
			if x != "" {
				v.Add(k, x)
			}
		}
	}
	if sort != l.defaultSort {
		v.Set("sort", sort)
	}
	if l.Query != "" {
		v.Set("q", l.Query)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return l.Path
	}
	return l.Path + "?" + v.Encode()
}

// SortURL returns the URL that sorts by field: ascending, or descending if
// the table is sorted ascending by it already.
func (l listView) SortURL(field string) string {
	if l.Sort == field {
		return l.url("-"+field, "")
	}
	return l.url(field, "")
}

// AriaSort returns the aria-sort value of the column of field.
func (l listView) AriaSort(field string) string {
	switch l.Sort {
	case field:
		return "ascending"
	case "-" + field:
		return "descending"
	}
	return "none"
}

// DefaultSort is the sort of the table when the URL names none.
func (l listView) DefaultSort() string { return l.defaultSort }

// NextURL returns the URL of the next page, "" on the last.
func (l listView) NextURL() string {
	if l.Next == "" {
		return ""
	}
	return l.url(l.Sort, l.Next)
}
