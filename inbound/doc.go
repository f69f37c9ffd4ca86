// Package inbound parses the bodies third-party systems post to hookd's
// inbound webhooks (helpdesk tickets, HR provisioning) into hookd.TicketInput
// and hookd.UserInput. It does no HTTP, storage or events: the app layer
// applies what the parsers return.
//
// Every parser is strict in the same way: the body must be one JSON object;
// malformed JSON (including a trailing comma) is rejected with the byte
// offset of the fault; a value of the wrong type names its field; and every
// missing or invalid field is listed in one *hookd.Error with code
// hookd.EINVALID. Strings are trimmed, and where an identifier is expected a
// JSON number is accepted as its decimal text.
package inbound
