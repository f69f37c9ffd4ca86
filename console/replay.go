package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

func init() {
	notices["replay-started"] = "The replay started: the deliveries are resent in the background."
	notices["replay-cancelled"] = "The replay was cancelled: what it resent stays resent, nothing more is."
}

// replaysPage is the data of the bulk replays page: the form, a dry run's
// answer, and the tenant's replays.
type replaysPage struct {
	Form         replayForm
	Preview      *app.ReplayPreview
	Replays      []*hookd.Replay
	Endpoints    map[string]*hookd.Endpoint
	EndpointList []*hookd.Endpoint
	States       []hookd.DeliveryState
	Errors       []hookd.FieldError
}

// replayForm is the replay form as posted.
type replayForm struct {
	Endpoint, EventType, State, StatusClass, Status, Since, Until string
}

// filter turns the form into a replay filter, listing what could not be
// read (times, the status); the app checks the rest.
func (f replayForm) filter() (hookd.ReplayFilter, []hookd.FieldError) {
	var problems []hookd.FieldError
	out := hookd.ReplayFilter{EndpointID: f.Endpoint, EventType: strings.TrimSpace(f.EventType), State: hookd.DeliveryState(f.State)}
	readTime := func(name, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(recoverLayout, s, time.UTC)
		if err != nil {
			problems = append(problems, hookd.FieldError{Location: "body.filter." + name, Message: "must be a date and time, such as 2026-11-23T09:40"})
		}
		return t
	}
	out.Since, out.Until = readTime("since", f.Since), readTime("until", f.Until)
	if s := strings.TrimSpace(f.Status); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			problems = append(problems, hookd.FieldError{Location: "body.filter.status", Message: "must be a whole number"})
		}
		out.Status = &n
	}
	if f.StatusClass != "" {
		class, ok := hookd.StatusClassOf(f.StatusClass)
		if !ok {
			problems = append(problems, hookd.FieldError{Location: "body.filter.status_class", Message: "must be 1xx to 5xx"})
		}
		out.StatusClass = class
	}
	return out, problems
}

func (s *Server) replays(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	return s.renderReplays(w, r, v, http.StatusOK, replaysPage{Form: replayForm{Endpoint: q.Get("endpoint"), State: q.Get("state")}})
}

func (s *Server) renderReplays(w http.ResponseWriter, r *http.Request, v *visit, status int, p replaysPage) error {
	ctx, tenantID := r.Context(), v.Tenant().ID
	// The form's fields are the filter's: name them without it.
	for i, f := range p.Errors {
		p.Errors[i].Location = strings.Replace(f.Location, "body.filter.", "body.", 1)
	}
	eps, err := s.endpointsByID(ctx, tenantID)
	if err != nil {
		return err
	}
	p.Endpoints, p.EndpointList, p.States = eps.byID, eps.list, deliveryStates
	page, err := s.App.ListReplays(ctx, tenantID, hookd.ListParams{Limit: 20})
	if err != nil {
		return err
	}
	p.Replays = page.Items
	return s.render(w, r, v, status, "replays", "Bulk replay", p)
}

// startReplay previews (the preview button) or starts a bulk replay.
func (s *Server) startReplay(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, tenantID := r.Context(), v.Tenant().ID
	f := r.PostForm
	form := replayForm{Endpoint: f.Get("endpoint"), EventType: f.Get("event_type"), State: f.Get("state"),
		StatusClass: f.Get("status_class"), Status: f.Get("status"), Since: f.Get("since"), Until: f.Get("until")}
	filter, problems := form.filter()
	p := replaysPage{Form: form, Errors: problems}
	if len(problems) > 0 {
		return s.renderReplays(w, r, v, http.StatusUnprocessableEntity, p)
	}
	if f.Get("action") == "preview" {
		preview, err := s.App.PreviewReplay(ctx, tenantID, filter)
		if fields, ok := fieldProblems(err); ok {
			p.Errors = fields
			return s.renderReplays(w, r, v, http.StatusUnprocessableEntity, p)
		} else if err != nil {
			return err
		}
		p.Preview = preview
		return s.renderReplays(w, r, v, http.StatusOK, p)
	}
	_, err := s.App.StartReplay(ctx, tenantID, filter)
	if fields, ok := fieldProblems(err); ok {
		p.Errors = fields
		return s.renderReplays(w, r, v, http.StatusUnprocessableEntity, p)
	} else if err != nil {
		return err
	}
	redirect(w, r, "/replays", "replay-started")
	return nil
}

func (s *Server) cancelReplay(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := s.App.CancelReplay(r.Context(), v.Tenant().ID, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/replays", "replay-cancelled")
	return nil
}
