package sqlstore

import "testing"

func TestPostgresPoolSize(t *testing.T) {
	for _, tt := range []struct {
		in, wantURL string
		wantConns   int
		wantErr     bool
	}{
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?sslmode=disable", PostgresConnections, false},
		{"postgres://u@h/db?pool_max_conns=8&search_path=s", "postgres://u@h/db?search_path=s", 8, false},
		{"postgres://u@h/db?pool_max_conns=3", "", 0, true},
		{"postgres://u@h/db?pool_max_conns=many", "", 0, true},
	} {
		gotURL, gotConns, err := postgresPoolSize(tt.in)
		if (err != nil) != tt.wantErr || gotURL != tt.wantURL || gotConns != tt.wantConns {
			t.Errorf("postgresPoolSize(%q) = %q, %d, %v; want %q, %d, error %v", tt.in, gotURL, gotConns, err, tt.wantURL, tt.wantConns, tt.wantErr)
		}
	}
}
