package hookd

// EndpointOrdering says in what order an endpoint receives its deliveries.
type EndpointOrdering string

// The orderings of endpoints.
const (
	// OrderingNone (the default) sends deliveries as they come due, up to
	// the endpoint's concurrency at once: a retry may arrive after events
	// published later.
	OrderingNone EndpointOrdering = "none"
	// OrderingFIFO sends an endpoint's deliveries in the order their
	// publications committed, one request in flight at a time: a delivery
	// that fails blocks the ones behind it until it succeeds or exhausts
	// its retries (then the endpoint is disabled, and its held deliveries
	// keep their order when it is enabled again). Full mode only.
	//
	// The order is a number per endpoint, Delivery.Seq, taken in the
	// publishing transaction from a counter on the endpoint's row (see
	// sqlstore/fifo.go), so it follows commit order across publishers and
	// instances. A delivery sent again (resent, replayed) keeps its
	// number, hence its place: it goes before the endpoint's waiting
	// deliveries published after it.
	OrderingFIFO EndpointOrdering = "fifo"
)

// FIFO reports whether e receives its deliveries in order, one request at
// a time.
func (e *Endpoint) FIFO() bool {
	return e.Ordering == OrderingFIFO && e.Mode == ModeFull
}

// ParseOrdering returns the ordering named s: "" and "none" are
// OrderingNone, "fifo" OrderingFIFO; ok is false for anything else.
func ParseOrdering(s string) (o EndpointOrdering, ok bool) {
	switch s {
	case "", string(OrderingNone):
		return OrderingNone, true
	case string(OrderingFIFO):
		return OrderingFIFO, true
	}
	return "", false
}
