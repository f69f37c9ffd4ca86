package sqlstore

import "context"

// MigrateDownTo rolls the schema back to version, for tests of how a
// migration treats rows that exist before it.
func MigrateDownTo(ctx context.Context, s *Store, version int64) error {
	_, err := s.provider.DownTo(ctx, version)
	return err
}
