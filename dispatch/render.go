package dispatch

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"
)

// Content types of rendered bodies.
const (
	ContentTypeJSON = "application/json"
	ContentTypeXML  = "application/xml"
)

// Message is one event as it is sent to an endpoint.
type Message struct {
	ID        string          // the event's message ID, also sent as webhook-id
	Type      string          // the event type, such as "user.created"
	Timestamp time.Time       // when the event happened; rendered in UTC, RFC 3339
	Data      json.RawMessage // the event's data: any JSON value; empty means null
}

// ErrNoMessages is returned when rendering an empty list of messages, or more
// than one message without batch.
var ErrNoMessages = errors.New("dispatch: render needs exactly one message, or at least one in a batch")

// timestampFormat is how Message.Timestamp is written in both formats.
const timestampFormat = time.RFC3339Nano

type jsonMessage struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// RenderJSON renders the body of a JSON delivery. Without batch it needs
// exactly one message and renders {"id","type","timestamp","data"}; with batch
// it needs at least one and renders {"events":[…]} of such objects, even for
// one message. Timestamps are RFC 3339 in UTC with as many fractional digits
// as needed. The data is copied compactly; it returns an error if it is not
// valid JSON.
func RenderJSON(msgs []Message, batch bool) ([]byte, error) {
	if err := checkCount(msgs, batch); err != nil {
		return nil, err
	}
	out := make([]jsonMessage, len(msgs))
	for i, m := range msgs {
		data := m.Data
		if len(bytes.TrimSpace(data)) == 0 {
			data = json.RawMessage("null")
		} else if !json.Valid(data) {
			return nil, fmt.Errorf("dispatch: data of message %q is not valid JSON", m.ID)
		}
		out[i] = jsonMessage{ID: m.ID, Type: m.Type, Timestamp: m.Timestamp.UTC().Format(timestampFormat), Data: data}
	}
	var v any = out[0]
	if batch {
		v = struct {
			Events []jsonMessage `json:"events"`
		}{out}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("dispatch: render JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// RenderXML renders the body of an XML delivery, the equivalent of
// RenderJSON. The document is UTF-8 with an XML declaration and no
// whitespace between elements:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<event id="msg_…" type="user.created" timestamp="2025-01-02T03:04:05Z"><data type="object">…</data></event>
//
// and with batch, one <event> per message inside <events>…</events>.
//
// The data, a JSON value, becomes the <data> element. A JSON value becomes an
// element as follows:
//   - string: the text of the element, no attribute.
//   - number: the text, exactly as written in the JSON, with type="number".
//   - true/false: the text "true" or "false", with type="boolean".
//   - null: an empty element with null="true".
//   - object: type="object" and one child element per member, in the order of
//     the JSON. A member whose key is an XML-safe name (ASCII letter or "_"
//     first, then ASCII letters, digits, "_", "-" or "."; not starting with
//     "xml" in any case) is an element named by the key; any other key,
//     including the empty one and "field" itself, is written as
//     <field name="the key">, so a <field> element always has a name.
//   - array: type="array" and one <item> child per element, in order.
//
// Text and attribute values are escaped by encoding/xml (xml.EscapeText):
// <, >, &, ', " and the line breaks and tabs become character references, so
// text survives parsing unchanged. Characters XML 1.0 cannot hold (most
// control characters below U+0020, U+FFFE, U+FFFF, and invalid UTF-8) are
// replaced with U+FFFD. Because every non-string value is typed, the JSON can
// be rebuilt from the XML. It returns an error if data is not valid JSON.
func RenderXML(msgs []Message, batch bool) ([]byte, error) {
	if err := checkCount(msgs, batch); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if batch {
		buf.WriteString("<events>")
	}
	for _, m := range msgs {
		buf.WriteString(`<event id="`)
		escape(&buf, m.ID)
		buf.WriteString(`" type="`)
		escape(&buf, m.Type)
		buf.WriteString(`" timestamp="`)
		escape(&buf, m.Timestamp.UTC().Format(timestampFormat))
		buf.WriteString(`">`)
		if err := writeXMLData(&buf, m.Data); err != nil {
			return nil, fmt.Errorf("dispatch: data of message %q is not valid JSON: %w", m.ID, err)
		}
		buf.WriteString("</event>")
	}
	if batch {
		buf.WriteString("</events>")
	}
	return buf.Bytes(), nil
}

// RenderPing renders the body of a ping notification in the endpoint's
// format: the notice as JSON (see PingNotice), or with xml true as the
// same document in XML by RenderXML's rules, its root element <ping>:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<ping type="object"><webhookId>ep_…</webhookId><locator type="object"><accountId>ten_…</accountId><endpointId>ep_…</endpointId></locator><transaction type="number">42</transaction><pending type="number">3</pending><timestamp>2026-01-02T03:04:05Z</timestamp></ping>
func RenderPing(n PingNotice, xml bool) (body []byte, contentType string, err error) {
	body, err = json.Marshal(n)
	if err != nil || !xml {
		return body, ContentTypeJSON, err
	}
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := writeXMLValue(&buf, dec, "ping", ""); err != nil {
		return nil, "", fmt.Errorf("dispatch: render ping as XML: %w", err)
	}
	return buf.Bytes(), ContentTypeXML, nil
}

func checkCount(msgs []Message, batch bool) error {
	if len(msgs) == 0 || (!batch && len(msgs) != 1) {
		return ErrNoMessages
	}
	return nil
}

// writeXMLData writes the <data> element for the JSON value in data.
func writeXMLData(buf *bytes.Buffer, data json.RawMessage) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = json.RawMessage("null")
	}
	if !json.Valid(data) {
		return errors.New("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := writeXMLValue(buf, dec, "data", ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// writeXMLValue reads the next JSON value from dec and writes it as an
// element. The element is <name>, or <field name="key"> when key is not an
// XML-safe name (name is then ignored).
func writeXMLValue(buf *bytes.Buffer, dec *json.Decoder, name, key string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	open := func(attrs string) {
		buf.WriteByte('<')
		buf.WriteString(name)
		if name == "field" {
			buf.WriteString(` name="`)
			escape(buf, key)
			buf.WriteByte('"')
		}
		buf.WriteString(attrs)
		buf.WriteByte('>')
	}
	closeTag := func() {
		buf.WriteString("</")
		buf.WriteString(name)
		buf.WriteByte('>')
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			open(` type="object"`)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, ok := kt.(string)
				if !ok {
					return fmt.Errorf("object key is %T", kt)
				}
				child, childKey := k, ""
				if !isXMLSafeName(k) || k == "field" {
					child, childKey = "field", k
				}
				if err := writeXMLValue(buf, dec, child, childKey); err != nil {
					return err
				}
			}
		case '[':
			open(` type="array"`)
			for dec.More() {
				if err := writeXMLValue(buf, dec, "item", ""); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("unexpected %v", v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
	case string:
		open("")
		escape(buf, v)
	case json.Number:
		open(` type="number"`)
		escape(buf, v.String())
	case bool:
		open(` type="boolean"`)
		if v {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case nil:
		open(` null="true"`)
	default:
		return fmt.Errorf("unexpected JSON token %T", tok)
	}
	closeTag()
	return nil
}

// isXMLSafeName reports whether s can be used as an element name as is: an
// ASCII letter or "_", then ASCII letters, digits, "_", "-" or "."; not
// starting with "xml" in any case (reserved by XML) and without ":"
// (namespaces). The rule is stricter than XML's so every parser agrees.
func isXMLSafeName(s string) bool {
	if s == "" {
		return false
	}
	if len(s) >= 3 && (s[0]|0x20) == 'x' && (s[1]|0x20) == 'm' && (s[2]|0x20) == 'l' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func escape(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s)) // writes to a bytes.Buffer do not fail
}
