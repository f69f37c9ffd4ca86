package hookd

import "time"

// PrefixDelivery is the ID prefix of deliveries.
const PrefixDelivery = "dlv"

// DeliveryState is where a delivery is in its life.
type DeliveryState string

// The states of deliveries.
const (
	// DeliveryPending waits for its RunAt to be sent.
	DeliveryPending DeliveryState = "pending"
	// DeliveryRunning is claimed by a worker until LeaseUntil.
	DeliveryRunning DeliveryState = "running"
	// DeliverySucceeded got a 2xx answer.
	DeliverySucceeded DeliveryState = "succeeded"
	// DeliveryFailed failed its last retry.
	DeliveryFailed DeliveryState = "failed"
	// DeliveryHeld waits for its disabled endpoint to be enabled again.
	DeliveryHeld DeliveryState = "held"
)

// Delivery is one event on its way to one endpoint. The deliveries are the
// queue the workers claim from and, with their attempts, the history a
// tenant sees.
type Delivery struct {
	ID         string
	TenantID   string
	EventID    string
	EndpointID string
	EventType  string
	State      DeliveryState
	// Attempts counts the requests sent so far.
	Attempts int
	// RunAt is when a pending delivery is next due.
	RunAt time.Time
	// LeaseUntil is when a running delivery's claim expires; nil unless
	// running.
	LeaseUntil *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
