package hookd_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// TestDocumentedRetryDurationMatchesPolicy checks that docs/webhooks.md
// states how long retries last as the default RetryPolicy has it (it said
// "about 33 hours" of a schedule of 27.6 h).
func TestDocumentedRetryDurationMatchesPolicy(t *testing.T) {
	doc, err := os.ReadFile("docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, d := range hookd.DefaultRetrySchedule {
		total += d
	}
	text := strings.Join(strings.Fields(string(doc)), " ")
	m := regexp.MustCompile(`(\d+) attempts over (\d+) h (\d+) min (\d+) s \(([\d,]+) s\) before jitter`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("docs/webhooks.md does not state the retries' total as \"N attempts over H h M min S s (N s) before jitter\"")
	}
	num := func(s string) int {
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got, want := num(m[1]), (hookd.RetryPolicy{}).MaxAttempts(); got != want {
		t.Errorf("docs say %d attempts, the policy makes %d", got, want)
	}
	hms := time.Duration(num(m[2]))*time.Hour + time.Duration(num(m[3]))*time.Minute + time.Duration(num(m[4]))*time.Second
	secs := time.Duration(num(m[5])) * time.Second
	if hms != total || secs != total {
		t.Errorf("docs say %v (%v), the schedule totals %v", hms, secs, total)
	}
	for _, stale := range []string{"about 33 hours", "33 hours"} {
		if strings.Contains(text, stale) {
			t.Errorf("docs/webhooks.md still says %q", stale)
		}
	}
	// The waits listed one by one.
	var waits []string
	for _, d := range hookd.DefaultRetrySchedule {
		switch {
		case d >= time.Hour:
			waits = append(waits, fmt.Sprintf("%d h", d/time.Hour))
		case d >= time.Minute:
			waits = append(waits, fmt.Sprintf("%d min", d/time.Minute))
		default:
			waits = append(waits, fmt.Sprintf("%d s", d/time.Second))
		}
	}
	list := strings.Join(waits[:len(waits)-1], ", ") + " and " + waits[len(waits)-1]
	if !strings.Contains(text, "**"+list+"**") {
		t.Errorf("docs/webhooks.md does not list the waits as **%s**", list)
	}
}
