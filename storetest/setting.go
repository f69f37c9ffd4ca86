package storetest

import (
	"testing"

	"github.com/hookd/hookd"
)

var settingTests = []storeTest{
	{"Missing", func(t *testing.T, s hookd.Store) {
		_, err := s.Setting(t.Context(), "nope")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"PutAndGet", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		must(t, s.PutSetting(ctx, "k", "v1"))
		got, err := s.Setting(ctx, "k")
		must(t, err)
		wantEqual(t, "Setting", got, "v1")
		must(t, s.PutSetting(ctx, "k", "v2"))
		got, err = s.Setting(ctx, "k")
		must(t, err)
		wantEqual(t, "Setting after replace", got, "v2")
		must(t, s.PutSetting(ctx, "empty", ""))
		got, err = s.Setting(ctx, "empty")
		must(t, err)
		wantEqual(t, "empty Setting", got, "")
	}},
	{"PutIfAbsent", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		got, err := s.PutSettingIfAbsent(ctx, "k", "first")
		must(t, err)
		wantEqual(t, "first PutSettingIfAbsent", got, "first")
		got, err = s.PutSettingIfAbsent(ctx, "k", "second")
		must(t, err)
		wantEqual(t, "second PutSettingIfAbsent", got, "first")
		got, err = s.Setting(ctx, "k")
		must(t, err)
		wantEqual(t, "Setting", got, "first")
		must(t, s.PutSetting(ctx, "k", "replaced"))
		got, err = s.PutSettingIfAbsent(ctx, "k", "third")
		must(t, err)
		wantEqual(t, "PutSettingIfAbsent after PutSetting", got, "replaced")
	}},
	{"PutIfAbsentRace", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		const n = 8
		results := make(chan string, n)
		errs := make(chan error, n)
		for i := range n {
			go func() {
				v, err := s.PutSettingIfAbsent(ctx, "race", string(rune('a'+i)))
				results <- v
				errs <- err
			}()
		}
		var first string
		for i := range n {
			must(t, <-errs)
			v := <-results
			if i == 0 {
				first = v
			} else if v != first {
				t.Fatalf("racing PutSettingIfAbsent returned %q and %q", first, v)
			}
		}
		got, err := s.Setting(ctx, "race")
		must(t, err)
		wantEqual(t, "Setting after race", got, first)
	}},
}
