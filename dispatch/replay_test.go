package dispatch_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestBulkReplay fails an endpoint's deliveries with 500, previews a
// replay of exactly those (dry run: count and sample, nothing sent), runs
// it as the background job does and sees each event arrive again at the
// real receiver, with the replay's progress; a replay cancelled before it
// ran resends nothing.
func TestBulkReplay(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		failing, fine := newReceiver(t), newReceiver(t)
		failing.answerWith(http.StatusServiceUnavailable, nil)
		w := newWorld(t, s, nil)
		bad := w.endpoint(failing.URL, app.CreateEndpointInput{})
		w.endpoint(fine.URL, app.CreateEndpointInput{})
		w.start()
		const events = 7
		var want []string
		for range events {
			want = append(want, w.publish(userData).ID)
		}
		for range events {
			failing.next(t)
			fine.next(t)
		}
		w.waitRecorded(2 * events)

		filter := hookd.ReplayFilter{EndpointID: bad.ID, StatusClass: 5}
		preview, err := w.app.PreviewReplay(ctx, w.tenant, filter)
		if err != nil {
			t.Fatal(err)
		}
		if preview.Count != events || len(preview.Sample) != events || preview.Sample[0].EndpointID != bad.ID {
			t.Fatalf("dry run: %d matching, sample of %d; want %d of the failing endpoint", preview.Count, len(preview.Sample), events)
		}
		if ok := 200; true {
			n, err := w.app.PreviewReplay(ctx, w.tenant, hookd.ReplayFilter{Status: &ok})
			if err != nil || n.Count != events {
				t.Fatalf("dry run of status 200: %+v, %v; want the %d of the fine endpoint", n, err, events)
			}
		}
		failing.none(t)

		// Cancelled before any run: nothing is resent.
		cancelled, err := w.app.StartReplay(ctx, w.tenant, filter)
		if err != nil {
			t.Fatal(err)
		}
		if cancelled, err = w.app.CancelReplay(ctx, w.tenant, cancelled.ID); err != nil || cancelled.State != hookd.ReplayCancelled {
			t.Fatalf("cancel: %+v, %v", cancelled, err)
		}

		failing.answerWith(http.StatusOK, nil)
		r, err := w.app.StartReplay(ctx, w.tenant, filter)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != hookd.ReplayRunning || r.Total != events || r.Resent != 0 {
			t.Fatalf("started: %+v", r)
		}
		n, err := w.app.RunReplays(ctx)
		if err != nil || n != events {
			t.Fatalf("RunReplays resent %d (%v), want %d", n, err, events)
		}
		var got []string
		for range events {
			got = append(got, failing.next(t).Header.Get("Webhook-Id"))
		}
		w.waitRecorded(events)
		fine.none(t)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("replayed %v, want %v", got, want)
		}
		r, err = w.app.Replay(ctx, w.tenant, r.ID)
		if err != nil || r.State != hookd.ReplayDone || r.Resent != events || r.Skipped != 0 || r.FinishedAt == nil {
			t.Fatalf("after the run: %+v, %v", r, err)
		}
		if c, _ := w.app.Replay(ctx, w.tenant, cancelled.ID); c.Resent != 0 || c.State != hookd.ReplayCancelled {
			t.Errorf("the cancelled replay: %+v", c)
		}
		// What a replay resent is not matched again by a later one.
		if n, err := w.app.RunReplays(ctx); err != nil || n != 0 {
			t.Errorf("a second run resent %d (%v)", n, err)
		}
		page, err := w.app.ListReplays(ctx, w.tenant, hookd.ListParams{})
		if err != nil || len(page.Items) != 2 || page.Items[0].ID != r.ID {
			t.Errorf("list: %d replays (%v), want 2, newest first", len(page.Items), err)
		}

		if _, err := w.app.PreviewReplay(ctx, w.tenant, hookd.ReplayFilter{EndpointID: "ep_nope", StatusClass: 9, State: "lost"}); hookd.ErrorCode(err) != hookd.EINVALID {
			t.Errorf("a bad filter: %v, want EINVALID", err)
		}
	})
}
