package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

func init() {
	notices["delivery-resent"] = "The delivery is on its way again, in a new round of retries."
	notices["test-sent"] = "A webhook.test event is on its way to the endpoint."
	notices["recovered"] = "{count} failed deliveries are on their way again."
}

// deliveryStates are the states History filters by.
var deliveryStates = []hookd.DeliveryState{
	hookd.DeliverySucceeded, hookd.DeliveryFailed, hookd.DeliveryPending, hookd.DeliveryRunning, hookd.DeliveryHeld,
}

// historyPage is the data of History.
type historyPage struct {
	List       listView
	Deliveries []*hookd.Delivery
	// Endpoints are the tenant's endpoints by ID, for the URLs and names
	// the table shows; EndpointList is them in order, for the filter.
	Endpoints    map[string]*hookd.Endpoint
	EndpointList []*hookd.Endpoint
	States       []hookd.DeliveryState
	// State and Endpoint are the filters chosen.
	State, Endpoint string
	PlanForbidden   string
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, tenantID := r.Context(), v.Tenant().ID
	q := r.URL.Query()
	p := historyPage{States: deliveryStates, State: q.Get("state"), Endpoint: q.Get("endpoint")}
	lv, params := listParams(r, "/history", 100, "-created_at", "last_attempt_at", "event_type", "state")
	lv.Filters = url.Values{"state": {p.State}, "endpoint": {p.Endpoint}}
	eps, err := s.endpointsByID(ctx, tenantID)
	if hookd.ErrorCode(err) == hookd.EPLANFORBIDDEN {
		p.PlanForbidden = hookd.ErrorMessage(err)
		p.List = lv
		return s.render(w, r, v, http.StatusForbidden, "history", "History", p)
	} else if err != nil {
		return err
	}
	p.Endpoints, p.EndpointList = eps.byID, eps.list
	f := hookd.DeliveryFilter{EndpointID: p.Endpoint, State: hookd.DeliveryState(p.State)}
	// A whole ID searches exactly: it opens the delivery, or keeps the
	// event's or endpoint's deliveries, without reading every delivery.
	if idPattern.MatchString(params.Query) {
		switch {
		case hookd.HasPrefix(params.Query, hookd.PrefixDelivery):
			http.Redirect(w, r, "/history/"+params.Query, http.StatusSeeOther)
			return nil
		case hookd.HasPrefix(params.Query, hookd.PrefixEvent):
			f.EventID, params.Query = params.Query, ""
		case hookd.HasPrefix(params.Query, hookd.PrefixEndpoint) && f.EndpointID == "":
			f.EndpointID, params.Query = params.Query, ""
		}
	}
	page, err := s.App.ListDeliveries(ctx, tenantID, f, params)
	if err != nil {
		return err
	}
	lv.Next = page.NextCursor
	p.List, p.Deliveries = lv, page.Items
	return s.render(w, r, v, http.StatusOK, "history", "History", p)
}

// idPattern is an ID of hookd's: a type prefix and 32 hex digits.
var idPattern = regexp.MustCompile(`^[a-z]+_[0-9a-f]{32}$`)

// endpointIndex is a tenant's endpoints, in name order and by ID.
type endpointIndex struct {
	list []*hookd.Endpoint
	byID map[string]*hookd.Endpoint
}

// endpointsByID returns every endpoint of the tenant.
func (s *Server) endpointsByID(ctx context.Context, tenantID string) (endpointIndex, error) {
	idx := endpointIndex{byID: map[string]*hookd.Endpoint{}}
	p := hookd.ListParams{Limit: hookd.MaxListLimit, Sort: "name"}
	for {
		page, err := s.App.ListEndpoints(ctx, tenantID, p)
		if err != nil {
			return idx, err
		}
		for _, e := range page.Items {
			idx.list = append(idx.list, e)
			idx.byID[e.ID] = e
		}
		if page.NextCursor == "" {
			return idx, nil
		}
		p.Cursor = page.NextCursor
	}
}

// deliveryPage is the data of a delivery's page.
type deliveryPage struct {
	D        *hookd.Delivery
	Endpoint *hookd.Endpoint
	Event    *hookd.Event
	// Attempts are newest first.
	Attempts []*hookd.Attempt
}

func (s *Server) delivery(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, tenantID := r.Context(), v.Tenant().ID
	d, attempts, err := s.App.Delivery(ctx, tenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := deliveryPage{D: d, Attempts: make([]*hookd.Attempt, 0, len(attempts))}
	for i := len(attempts) - 1; i >= 0; i-- {
		p.Attempts = append(p.Attempts, attempts[i])
	}
	if p.Endpoint, err = s.App.Endpoint(ctx, tenantID, d.EndpointID); err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
		return err
	}
	if p.Event, _, err = s.App.Event(ctx, tenantID, d.EventID); err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
		return err
	}
	return s.render(w, r, v, http.StatusOK, "delivery", d.EventType+" delivery", p)
}

func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request, v *visit) error {
	d, err := s.App.ResendDelivery(r.Context(), v.Tenant().ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	redirect(w, r, "/history/"+d.ID, "delivery-resent")
	return nil
}

// recentDeliveries are how many deliveries an endpoint's page shows.
const recentDeliveries = 10

// testEndpoint sends a webhook.test event to the endpoint and shows its
// delivery.
func (s *Server) testEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	_, d, err := s.App.TestEndpoint(r.Context(), v.Tenant().ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	// For a ping endpoint, d is the notice that announces the test event.
	redirect(w, r, "/history/"+d.ID, "test-sent")
	return nil
}

// recoverLayout is the form of the time of "Recover failed since…": the
// value of an input of type datetime-local, read as UTC.
const recoverLayout = "2006-01-02T15:04"

// recoverEndpoint sends again every failed delivery of the endpoint since
// the time given.
func (s *Server) recoverEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	since, err := time.ParseInLocation(recoverLayout, strings.TrimSpace(r.PostForm.Get("since")), time.UTC)
	if err != nil {
		return hookd.Invalid("The time to recover from is not valid.", hookd.FieldError{
			Location: "form.since", Message: "must be a date and time, such as 2026-11-23T09:00",
		})
	}
	n, err := s.App.RecoverEndpoint(r.Context(), v.Tenant().ID, id, since)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/webhooks/"+id+"?notice=recovered&count="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}
