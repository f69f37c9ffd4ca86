package dispatch_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd/dispatch"
)

var ts = time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("CET", 3600))

func TestRenderJSON(t *testing.T) {
	t.Parallel()
	m1 := dispatch.Message{ID: "msg_1", Type: "user.created", Timestamp: ts, Data: json.RawMessage(`{ "name": "<Ada & Bob>", "n": 1.50 }`)}
	m2 := dispatch.Message{ID: "msg_2", Type: "user.updated", Timestamp: ts, Data: nil}
	tests := []struct {
		name  string
		msgs  []dispatch.Message
		batch bool
		want  string
	}{
		{"one", []dispatch.Message{m1}, false,
			`{"id":"msg_1","type":"user.created","timestamp":"2025-01-02T02:04:05.6Z","data":{"name":"<Ada & Bob>","n":1.50}}`},
		{"batch", []dispatch.Message{m1, m2}, true,
			`{"events":[{"id":"msg_1","type":"user.created","timestamp":"2025-01-02T02:04:05.6Z","data":{"name":"<Ada & Bob>","n":1.50}},` +
				`{"id":"msg_2","type":"user.updated","timestamp":"2025-01-02T02:04:05.6Z","data":null}]}`},
		{"batch of one", []dispatch.Message{m2}, true,
			`{"events":[{"id":"msg_2","type":"user.updated","timestamp":"2025-01-02T02:04:05.6Z","data":null}]}`},
	}
	for _, tt := range tests {
		got, err := dispatch.RenderJSON(tt.msgs, tt.batch)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	m := dispatch.Message{ID: "msg_1", Type: "t", Timestamp: ts, Data: json.RawMessage(`{}`)}
	bad := dispatch.Message{ID: "msg_2", Type: "t", Timestamp: ts, Data: json.RawMessage(`{"a":`)}
	for name, render := range map[string]func([]dispatch.Message, bool) ([]byte, error){
		"json": dispatch.RenderJSON, "xml": dispatch.RenderXML,
	} {
		if _, err := render(nil, true); !errors.Is(err, dispatch.ErrNoMessages) {
			t.Errorf("%s: empty batch: err = %v", name, err)
		}
		if _, err := render([]dispatch.Message{m, m}, false); !errors.Is(err, dispatch.ErrNoMessages) {
			t.Errorf("%s: two without batch: err = %v", name, err)
		}
		if _, err := render([]dispatch.Message{m, bad}, true); err == nil {
			t.Errorf("%s: invalid data accepted", name)
		}
		if _, err := render([]dispatch.Message{{Data: json.RawMessage(`1 2`)}}, false); err == nil {
			t.Errorf("%s: trailing data accepted", name)
		}
	}
}

func TestRenderXMLExact(t *testing.T) {
	t.Parallel()
	data := `{"name":"Ada <&> \"'","age":36,"n":1.50e+3,"ok":true,"no":false,"nil":null,` +
		`"tags":["a",["b"],{}],"":1,"first name":"x","field":2,"xmlns":3,"item":"i","ünï":"ß€😀","a-b.c_d":[]}`
	got, err := dispatch.RenderXML([]dispatch.Message{{ID: `msg_"1"`, Type: "user.created", Timestamp: ts, Data: json.RawMessage(data)}}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<event id="msg_&#34;1&#34;" type="user.created" timestamp="2025-01-02T02:04:05.6Z"><data type="object">` +
		`<name>Ada &lt;&amp;&gt; &#34;&#39;</name><age type="number">36</age><n type="number">1.50e+3</n>` +
		`<ok type="boolean">true</ok><no type="boolean">false</no><nil null="true"></nil>` +
		`<tags type="array"><item>a</item><item type="array"><item>b</item></item><item type="object"></item></tags>` +
		`<field name="" type="number">1</field><field name="first name">x</field><field name="field" type="number">2</field>` +
		`<field name="xmlns" type="number">3</field><item>i</item><field name="ünï">ß€😀</field><a-b.c_d type="array"></a-b.c_d>` +
		`</data></event>`
	if string(got) != want {
		t.Errorf("RenderXML:\n got %s\nwant %s", got, want)
	}
	roundTrip(t, got, []dispatch.Message{{ID: `msg_"1"`, Type: "user.created", Timestamp: ts, Data: json.RawMessage(data)}}, false)
}

func TestRenderXMLRoundTrip(t *testing.T) {
	t.Parallel()
	datas := []string{
		`null`, ``, `"just a string"`, `0`, `-1.25E-10`, `123456789012345678901234567890`, `true`,
		`[]`, `{}`, `[[[1],[2,[3]]],[]]`, `{"a":{"b":{"c":[{"d":null}]}}}`,
		`"tab\tnew\nline\rcr"`, `"  spaces kept  "`, `"ctl\u0001\u0000"`, `"lone \ud800 surrogate"`,
		`{"dup":1,"dup":2}`, `{"<tag>":"]]>","x":"<![CDATA[ no ]]>"}`, `{"a:b":1,"1a":2,"-a":3,"XmL":4}`,
	}
	for _, d := range datas {
		msgs := []dispatch.Message{
			{ID: "msg_1", Type: "a.b", Timestamp: ts, Data: json.RawMessage(d)},
			{ID: "msg_2", Type: "c.d", Timestamp: ts.Add(time.Second), Data: json.RawMessage(`{"k":"v"}`)},
		}
		for _, batch := range []bool{false, true} {
			in := msgs
			if !batch {
				in = msgs[:1]
			}
			got, err := dispatch.RenderXML(in, batch)
			if err != nil {
				t.Fatalf("RenderXML(%s): %v", d, err)
			}
			roundTrip(t, got, in, batch)
		}
	}
}

func FuzzRenderXML(f *testing.F) {
	for _, s := range []string{`null`, `{"a":[1,"x",{"<":true}]}`, `"\u0001&<>"`, `{"":{"xml":[]}}`, `1e999`, `[{"field":null}]`} {
		f.Add(s, "msg_1", "user.created")
	}
	f.Fuzz(func(t *testing.T, data, id, typ string) {
		if !json.Valid([]byte(data)) {
			t.Skip()
		}
		msgs := []dispatch.Message{{ID: id, Type: typ, Timestamp: ts, Data: json.RawMessage(data)}}
		for _, batch := range []bool{false, true} {
			out, err := dispatch.RenderXML(msgs, batch)
			if err != nil {
				t.Fatalf("RenderXML(%q): %v", data, err)
			}
			roundTrip(t, out, msgs, batch)
		}
	})
}

// roundTrip parses doc fully with encoding/xml, checks the envelope, and
// checks that the JSON rebuilt from each <data> has the same tokens as the
// message's data, strings compared after XML's replacement of characters it
// cannot hold.
func roundTrip(t *testing.T, doc []byte, msgs []dispatch.Message, batch bool) {
	t.Helper()
	root, err := parseXML(doc)
	if err != nil {
		t.Fatalf("XML does not parse: %v\n%s", err, doc)
	}
	events := []*node{root}
	if batch {
		if root.name != "events" {
			t.Fatalf("root %q, want events", root.name)
		}
		events = root.children
	}
	if len(events) != len(msgs) {
		t.Fatalf("%d events, want %d", len(events), len(msgs))
	}
	for i, ev := range events {
		m := msgs[i]
		if ev.name != "event" || ev.attr["id"] != xmlSafe(m.ID) || ev.attr["type"] != xmlSafe(m.Type) ||
			ev.attr["timestamp"] != m.Timestamp.UTC().Format(time.RFC3339Nano) {
			t.Fatalf("event %d envelope = %s %v", i, ev.name, ev.attr)
		}
		if len(ev.children) != 1 || ev.children[0].name != "data" {
			t.Fatalf("event %d has no single <data>", i)
		}
		var got []any
		if err := nodeTokens(ev.children[0], &got); err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, doc)
		}
		want := jsonTokens(t, m.Data)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d data:\n got %v\nwant %v\n%s", i, got, want, doc)
		}
	}
}

type node struct {
	name     string
	attr     map[string]string
	children []*node
	text     strings.Builder
}

func parseXML(doc []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var root *node
	var stack []*node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			if tok.Name.Space != "" {
				return nil, fmt.Errorf("element %q in a namespace", tok.Name.Local)
			}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				return nil, errors.New("two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(tok)) > 0 {
					return nil, errors.New("text outside the root")
				}
				continue
			}
			stack[len(stack)-1].text.Write(tok)
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// nodeTokens appends the JSON tokens of the value n stands for.
func nodeTokens(n *node, toks *[]any) error {
	if n.attr["null"] == "true" {
		*toks = append(*toks, nil)
		return nil
	}
	switch n.attr["type"] {
	case "":
		if len(n.children) > 0 {
			return fmt.Errorf("string <%s> has children", n.name)
		}
		*toks = append(*toks, n.text.String())
	case "number":
		*toks = append(*toks, json.Number(n.text.String()))
	case "boolean":
		*toks = append(*toks, n.text.String() == "true")
	case "array":
		*toks = append(*toks, json.Delim('['))
		for _, c := range n.children {
			if c.name != "item" {
				return fmt.Errorf("array child <%s>", c.name)
			}
			if err := nodeTokens(c, toks); err != nil {
				return err
			}
		}
		*toks = append(*toks, json.Delim(']'))
	case "object":
		*toks = append(*toks, json.Delim('{'))
		for _, c := range n.children {
			key := c.name
			if c.name == "field" {
				k, ok := c.attr["name"]
				if !ok {
					return errors.New("<field> without name")
				}
				key = k
			}
			*toks = append(*toks, key)
			if err := nodeTokens(c, toks); err != nil {
				return err
			}
		}
		*toks = append(*toks, json.Delim('}'))
	default:
		return fmt.Errorf("unknown type %q", n.attr["type"])
	}
	return nil
}

func jsonTokens(t *testing.T, data []byte) []any {
	t.Helper()
	if len(bytes.TrimSpace(data)) == 0 {
		return []any{nil}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var toks []any
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return toks
		}
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := tok.(string); ok {
			tok = xmlSafe(s)
		}
		toks = append(toks, tok)
	}
}

// xmlSafe replaces what XML 1.0 cannot hold with U+FFFD, as RenderXML does.
func xmlSafe(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		ok := r == 0x09 || r == 0x0A || r == 0x0D ||
			r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if r == utf8.RuneError && size == 1 {
			ok = false
		}
		if !ok {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}
