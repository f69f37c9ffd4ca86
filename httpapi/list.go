package httpapi

import (
	"reflect"
	"strconv"

	"github.com/hookd/hookd"
)

// ListInput is the query of every list operation.
type ListInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"How many items to return (1-500)."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
	Sort   string `query:"sort" doc:"The field to sort by; prefix with - for descending."`
	Q      string `query:"q" doc:"Only items whose searchable text contains this, ignoring case."`
}

func (in *ListInput) params() hookd.ListParams {
	return hookd.ListParams{Limit: in.Limit, Cursor: in.Cursor, Sort: in.Sort, Query: in.Q}
}

// ListBody is one page of a list.
type ListBody[T any] struct {
	Data       []T     `json:"data" doc:"The items of this page."`
	NextCursor *string `json:"next_cursor" nullable:"true" doc:"Pass as cursor to get the next page; null on the last page."`
}

type listOutput[T any] struct {
	Body ListBody[T]
}

// pageOf converts a store page with f.
func pageOf[S, T any](p hookd.Page[S], f func(S) T) *listOutput[T] {
	out := &listOutput[T]{Body: ListBody[T]{Data: make([]T, 0, len(p.Items))}}
	for _, it := range p.Items {
		out.Body.Data = append(out.Body.Data, f(it))
	}
	if p.NextCursor != "" {
		c := p.NextCursor
		out.Body.NextCursor = &c
	}
	return out
}

func reflectType[T any]() reflect.Type { return reflect.TypeFor[T]() }

func itoa(n int) string { return strconv.Itoa(n) }
