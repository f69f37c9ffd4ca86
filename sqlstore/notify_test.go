package sqlstore

import (
	"strings"
	"testing"
)

func TestNotifyBatches(t *testing.T) {
	var ids []string
	for i := range 400 {
		ids = append(ids, "ep_"+strings.Repeat(string(rune('a'+i%26)), 36))
	}
	batches := notifyBatches(ids)
	if len(batches) < 2 {
		t.Fatalf("%d batches for %d IDs of 39 bytes, want several of at most %d bytes", len(batches), len(ids), maxNotifyPayload)
	}
	var got []string
	for _, b := range batches {
		if len(b) > maxNotifyPayload {
			t.Fatalf("a batch of %d bytes", len(b))
		}
		got = append(got, strings.Split(b, ",")...)
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatal("the batches do not hold the IDs in order")
	}
	if b := notifyBatches(nil); len(b) != 0 {
		t.Fatalf("batches of no IDs = %q", b)
	}
}
