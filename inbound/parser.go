package inbound

import (
	"fmt"

	"github.com/hookd/hookd"
)

// Parser is the hookd.InboundParser of this package: it picks the parser of
// each webhook. Its zero value is ready to use.
type Parser struct{}

var _ hookd.InboundParser = Parser{}

// ParseTicket parses a ServiceNow incident (hookd.InboundServiceNow) or a
// generic ticket (hookd.InboundCreateTicket).
func (Parser) ParseTicket(kind hookd.InboundKind, body []byte) (hookd.TicketInput, error) {
	switch kind {
	case hookd.InboundServiceNow:
		return ParseServiceNowIncident(body)
	case hookd.InboundCreateTicket:
		return ParseGenericTicket(body)
	}
	return hookd.TicketInput{}, fmt.Errorf("inbound: no ticket webhook %q", kind)
}

// ParseUser parses an HR body for destination d: through d's mapping when
// it has one, else as the generic or Paylocity body its type names.
func (Parser) ParseUser(d *hookd.ProvisioningDestination, op hookd.ProvisioningOperation, body []byte) (hookd.UserInput, error) {
	o := Operation(op)
	if len(d.Mapping) > 0 {
		return ParseMapped(body, Mapping(d.Mapping), o)
	}
	switch d.Type {
	case hookd.DestinationGeneric:
		return ParseGenericUser(body, o)
	case hookd.DestinationPaylocity:
		return ParsePaylocity(body, o)
	}
	return hookd.UserInput{}, fmt.Errorf("inbound: destination %s has unknown type %q", d.ID, d.Type)
}

// ValidateMapping checks a destination's mapping; see Mapping.Validate.
func (Parser) ValidateMapping(m map[string]string) error { return Mapping(m).Validate() }
