package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookd/hookd"
)

var _ hookd.QuotaStore = (*Store)(nil)

// quotaCounts counts a tenant's items of each kind.
var quotaCounts = map[hookd.QuotaKind]string{
	hookd.QuotaEndpoints:       "SELECT count(*) FROM endpoints WHERE tenant_id = ?",
	hookd.QuotaEventTypes:      "SELECT count(*) FROM event_types WHERE tenant_id = ?",
	hookd.QuotaDestinations:    "SELECT count(*) FROM provisioning_destinations WHERE tenant_id = ?",
	hookd.QuotaAccessTokens:    "SELECT count(*) FROM access_tokens WHERE tenant_id = ? AND oauth_client_id IS NULL",
	hookd.QuotaOAuthClients:    "SELECT count(*) FROM oauth_clients WHERE tenant_id = ?",
	hookd.QuotaServiceAccounts: "SELECT count(*) FROM service_accounts WHERE tenant_id = ?",
}

// QuotaCounts returns how many items of each kind the tenant has.
func (s *Store) QuotaCounts(ctx context.Context, tenantID string) (map[hookd.QuotaKind]int, error) {
	counts := make(map[hookd.QuotaKind]int, len(quotaCounts))
	for _, k := range hookd.QuotaKinds {
		var n int
		if err := s.queryRowRead(ctx, quotaCounts[k], tenantID).Scan(&n); err != nil {
			return nil, interpretError(err, "quota counts", "tenant")
		}
		counts[k] = n
	}
	return counts, nil
}

// checkQuotas returns EQUOTA, in tx, if the tenant has as many items as one
// of quotas allows for its plan, and ENOTFOUND if the tenant does not exist.
// On PostgreSQL it first locks the tenant's row FOR NO KEY UPDATE, so
// creates of one tenant checking quotas serialize (until their transactions
// end) while inserts that merely reference the tenant (FOR KEY SHARE) go on;
// on SQLite write transactions are serial already.
func (s *Store) checkQuotas(ctx context.Context, tx *sql.Tx, tenantID string, quotas []hookd.Quota) error {
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR NO KEY UPDATE"
	}
	var plan string
	err := tx.QueryRowContext(ctx, s.d.rebind("SELECT plan FROM tenants WHERE id = ?"+lock), tenantID).Scan(&plan)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("check quota", "tenant")
	} else if err != nil {
		return err
	}
	for _, q := range quotas {
		limit := q.For(hookd.Plan(plan))
		if limit <= 0 {
			continue
		}
		query, ok := quotaCounts[q.Kind]
		if !ok {
			return fmt.Errorf("sqlstore: unknown quota kind %q", q.Kind)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.d.rebind(query), tenantID).Scan(&n); err != nil {
			return err
		}
		if n >= limit {
			return hookd.QuotaExceeded(q.Kind, limit)
		}
	}
	return nil
}

// execWithinQuotas runs q, the INSERT of one item of the tenant: on its
// own without quotas, else in one transaction after checkQuotas.
func (s *Store) execWithinQuotas(ctx context.Context, tenantID string, quotas []hookd.Quota, q string, args ...any) (sql.Result, error) {
	if len(quotas) == 0 {
		return s.exec(ctx, q, args...)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := s.checkQuotas(ctx, tx, tenantID, quotas); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return res, tx.Commit()
}
