package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
)

const malformedJSONPrefix = "malformed JSON"

// jsonFormat is huma's JSON format with errors that say where: a syntax error
// names its byte offset, a type error its field and offset.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		return json.NewEncoder(w).Encode(v)
	},
	Unmarshal: decodeJSON,
}

// decodeJSON decodes data into v, describing errors with their offsets. When
// v is *any, as in the validation pass huma makes over every request body
// before decoding it into the input struct (hookd sets no operation's
// SkipValidateBody), it first refuses a key that appears twice in an object
// and a number beyond a 64-bit float (see hookd.CheckJSON), naming the place;
// the second pass over the same body does not scan it again.
func decodeJSON(data []byte, v any) error {
	if _, ok := v.(*any); ok {
		if je := hookd.CheckJSON(data); je != nil {
			return je
		}
	}
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// Offset counts the bytes read up to and including the bad one;
		// name the bad byte's own (zero-based) offset, or the end of the
		// data when it ended too soon.
		off := syn.Offset
		if off > 0 && off <= int64(len(data)) && syn.Error() != "unexpected end of JSON input" {
			off--
		}
		return fmt.Errorf("%s at byte offset %d: %s", malformedJSONPrefix, off, syn.Error())
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("wrong type at byte offset %d: field %q must be %s, not %s", typ.Offset, typ.Field, typ.Type, typ.Value)
	}
	if err.Error() == "unexpected end of JSON input" {
		return fmt.Errorf("%s at byte offset %d: unexpected end of JSON input", malformedJSONPrefix, len(data))
	}
	return fmt.Errorf("%s: %s", malformedJSONPrefix, err.Error())
}
