package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// AuditEntry is one thing hookd did on its own, as the operator sees it.
type AuditEntry struct {
	ID        string    `json:"id" example:"aud_0193c0ffee0000000000000000000001" doc:"The entry's id."`
	TenantID  string    `json:"tenant_id" example:"ten_0193b7e4a1c27d5e9f3a1b2c3d4e5f60" doc:"The tenant it concerned (the tenant may since have been deleted)."`
	Action    string    `json:"action" example:"endpoint.deleted" doc:"What happened: endpoint.deleted is a ping or pull endpoint deleted with its payloads after its inactive period."`
	Subject   string    `json:"subject" example:"ep_0193c0ffee0000000000000000000001" doc:"The id of what it happened to."`
	Detail    string    `json:"detail" example:"Endpoint \"Payroll\" (pull) was inactive since 2026-11-30T09:40:00Z: deleted with its 12 payloads not listed." doc:"Why, for people."`
	CreatedAt time.Time `json:"created_at" example:"2026-12-07T09:41:00Z" doc:"When it happened."`
}

func auditEntryOf(e *hookd.AuditEntry) AuditEntry {
	return AuditEntry{ID: e.ID, TenantID: e.TenantID, Action: e.Action, Subject: e.Subject, Detail: e.Detail, CreatedAt: e.CreatedAt}
}

type listAuditInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"How many entries to return (1-500)."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
}

func registerListAuditEntries(api huma.API, a *app.App) {
	op := operatorOperation(http.MethodGet, "/api/v1/admin/audit", "list-audit-entries", "List the audit trace",
		"Lists what hookd did on its own across all tenants, newest first, such as deleting a ping or pull endpoint "+
			"whose payloads were not listed during its inactive period (`endpoint.deleted`). Entries outlive the "+
			"tenant and endpoint they name. Page with `cursor`.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *listAuditInput) (*listOutput[AuditEntry], error) {
		p, err := a.ListAuditEntries(ctx, hookd.ListParams{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, err
		}
		return pageOf(p, auditEntryOf), nil
	})
}
