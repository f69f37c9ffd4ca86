package sqlstore

import "context"

// MigrateDownTo rolls the schema back to version, for tests of how a
// migration treats rows that exist before it.
func MigrateDownTo(ctx context.Context, s *Store, version int64) error {
	_, err := s.provider.DownTo(ctx, version)
	return err
}

// SetTookTransaction makes f be called, in the publishing goroutine, each
// time a publishing transaction of s took a payload number, before it
// commits. Set it before s is used.
func SetTookTransaction(s *Store, f func(endpointID string, txn int64)) {
	s.hooks.tookTransaction = f
}

// SetListening makes f be called each time ListenPayloads of s starts
// listening, with the server process ID of its connection. Set it before
// ListenPayloads runs.
func SetListening(s *Store, f func(pid uint32)) {
	s.hooks.listening = f
}
