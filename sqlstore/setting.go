package sqlstore

import (
	"context"

	"github.com/hookd/hookd"
)

var _ hookd.SettingStore = (*Store)(nil)

// Setting returns the value stored under key. Returns ENOTFOUND if none.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := s.queryRowRead(ctx, s.d.rebind("SELECT value FROM settings WHERE key = ?"), key).Scan(&value)
	if err != nil {
		return "", interpretError(err, "setting", "setting")
	}
	return value, nil
}

// PutSettingIfAbsent stores value under key unless the key already has a
// value, and returns the value the key holds afterwards. Of several callers
// racing, exactly one stores its value and all get that value back.
func (s *Store) PutSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	const op = "put setting if absent"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", interpretError(err, op, "setting")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.d.rebind(
		"INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"), key, value); err != nil {
		return "", interpretError(err, op, "setting")
	}
	var got string
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT value FROM settings WHERE key = ?"), key).Scan(&got); err != nil {
		return "", interpretError(err, op, "setting")
	}
	if err := tx.Commit(); err != nil {
		return "", interpretError(err, op, "setting")
	}
	return got, nil
}

// PutSetting stores value under key, replacing any earlier value.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, s.d.rebind(
		"INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"), key, value)
	return interpretError(err, "put setting", "setting")
}
