package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's chromium through chromedp against the real
// server that run starts. They skip only where no browser is found; CI
// installs chromium first (.ci/run), so there they always run.
//
// Each test saves a screenshot of every page it visits, at 1280×800 and at
// 390×844, under test-output/screenshots/<test>/ in this package's
// directory (gitignored), or under $HOOKD_TEST_OUTPUT/screenshots/<test>/.

// browserPaths are where tests look for a browser, after $HOOKD_TEST_BROWSER.
var browserPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findBrowser returns the path of a browser, or skips the test.
func findBrowser(t *testing.T) string {
	t.Helper()
	candidates := browserPaths
	if p := os.Getenv("HOOKD_TEST_BROWSER"); p != "" {
		candidates = []string{p}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Skipf("no browser found (looked for %v); install Debian's chromium to run the browser tests", candidates)
	return ""
}

// browserLock runs one browser at a time: the tests share two cores with
// everything else.
var browserLock sync.Mutex

// viewports are the sizes every page is photographed at.
var viewports = []struct{ w, h int64 }{{1280, 800}, {390, 844}}

// tab is one browser tab, isolated from other tests' cookies.
type tab struct {
	t    *testing.T
	srv  *server
	ctx  context.Context
	dir  string
	shot int

	mu       sync.Mutex
	problems []string // console errors and uncaught exceptions
}

// newTab starts a browser for the test and opens a tab on srv.
func newTab(t *testing.T, srv *server) *tab {
	t.Helper()
	path := findBrowser(t)
	browserLock.Lock()
	t.Cleanup(browserLock.Unlock)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 800))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses to sandbox as root
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb := &tab{t: t, srv: srv, ctx: ctx, dir: screenshotDir(t)}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser and ties it to ctx, so it takes no
	// timeout of its own (a timeout would end the browser with it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				tb.mu.Lock()
				tb.problems = append(tb.problems, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, p := range tb.problems {
			t.Errorf("browser console: %s", p)
		}
	})
	// Let the page use the clipboard, as a user who allowed it would.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		tb.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name},
				Setting:    browser.PermissionSettingGranted,
				Origin:     srv.base,
			})
			return err
		}))
	}
	tb.run(chromedp.EmulateViewport(viewports[0].w, viewports[0].h))
	return tb
}

// screenshotDir returns the test's empty screenshot folder.
func screenshotDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("HOOKD_TEST_OUTPUT")
	if base == "" {
		base = "test-output"
	}
	dir := filepath.Join(base, "screenshots", regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// run runs actions in the tab, each step within 30 seconds.
func (tb *tab) run(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v (at %s)", err, tb.location())
	}
}

// value runs an action that returns a value.
func value[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("browser: %v (at %s)", err, tb.location())
	}
	return v
}

// location returns the path and query of the tab's page.
func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(u, tb.srv.base)
}

// open loads path and waits for it.
func (tb *tab) open(path string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tb.srv.base+path))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status >= 400 {
		tb.t.Fatalf("open %s: status %d", path, resp.Status)
	}
}

// clickAndLoad clicks sel and waits for the page that it loads.
func (tb *tab) clickAndLoad(sel string) {
	tb.t.Helper()
	value(tb, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)))
	tb.run(chromedp.WaitReady(chromedp.CSS("body")))
}

// click clicks sel, which must be visible.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill types text into the field sel after clearing it.
func (tb *tab) fill(sel, text string) {
	tb.t.Helper()
	tb.run(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
}

// text returns the visible text of sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(value(tb, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// visible reports whether an element matching sel is rendered visibly.
func (tb *tab) visible(sel string) bool {
	tb.t.Helper()
	return value(tb, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		return !!e && e.checkVisibility({checkVisibilityCSS: true});
	})()`, sel)))
}

// hover moves the mouse over the middle of sel.
func (tb *tab) hover(sel string) {
	tb.t.Helper()
	box := value(tb, chromedp.Dimensions(chromedp.CSS(sel), chromedp.NodeVisible))
	q := box.Content // x1,y1 … x4,y4
	x, y := (q[0]+q[2]+q[4]+q[6])/4, (q[1]+q[3]+q[5]+q[7])/4
	tb.run(chromedp.MouseEvent(chromedp.MouseMoved, x, y))
}

// moveMouseAway moves the mouse to the page's top left corner.
func (tb *tab) moveMouseAway() {
	tb.t.Helper()
	tb.run(chromedp.MouseEvent(chromedp.MouseMoved, 1, 1))
}

// key presses keys in the focused element.
func (tb *tab) key(keys string) {
	tb.t.Helper()
	tb.run(chromedp.KeyEvent(keys))
}

// focus focuses sel, as Tab would.
func (tb *tab) focus(sel string) {
	tb.t.Helper()
	tb.run(chromedp.Focus(chromedp.CSS(sel)))
}

// blur takes the focus from sel.
func (tb *tab) blur(sel string) {
	tb.t.Helper()
	tb.run(chromedp.Blur(chromedp.CSS(sel)))
}

// html returns the page's HTML.
func (tb *tab) html() string {
	tb.t.Helper()
	return value(tb, chromedp.OuterHTML(chromedp.CSS("html")))
}

// wantPath fails unless the tab shows path (and query).
func (tb *tab) wantPath(want string) {
	tb.t.Helper()
	if got := tb.location(); got != want {
		tb.t.Fatalf("the browser is at %s, want %s", got, want)
	}
}

// screenshot saves the page as it is at each viewport size, named by a
// running number and name.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	tb.shot++
	for _, vp := range viewports {
		tb.run(chromedp.EmulateViewport(vp.w, vp.h))
		png := value(tb, chromedp.CaptureScreenshot())
		file := filepath.Join(tb.dir, fmt.Sprintf("%02d-%s-%dx%d.png", tb.shot, name, vp.w, vp.h))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.run(chromedp.EmulateViewport(viewports[0].w, viewports[0].h))
}

// clipboard returns the text on the browser's clipboard.
// waitCopied waits until the Copy button sel has copied: the console marks
// it data-copied once the clipboard write resolved, right after it sets
// the status text (an empty status element is visible before that, so
// waiting for it raced with the copy on a loaded machine).
func (tb *tab) waitCopied(sel string) {
	tb.t.Helper()
	tb.run(chromedp.WaitVisible(chromedp.CSS(sel + `[data-copied="true"]`)))
}

func (tb *tab) clipboard() string {
	tb.t.Helper()
	return value(tb, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
}

// consoleServer starts hookd serve on SQLite, with the extra flags, and
// creates the tenant acme with its console user through the operator API.
func consoleServer(t *testing.T, flags ...string) *server {
	t.Helper()
	s := startServer(t, envOf(nil), append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, flags...)...)
	r := s.do(http.MethodPost, "/api/v1/admin/tenants", "Bearer "+s.operatorToken(), map[string]any{
		"slug": "acme", "name": "Acme Inc.", "plan": "enterprise",
		"admin_email": consoleEmail, "admin_password": consolePassword,
	})
	want(t, "create tenant", r, http.StatusCreated)
	return s
}

const (
	consoleEmail    = "ada@acme.example"
	consolePassword = "correct-horse-battery"
)

// signIn signs the tab in as acme's console user through the sign-in form.
func (tb *tab) signIn() {
	tb.t.Helper()
	tb.open("/")
	tb.wantPath("/login")
	tb.fill("#email", consoleEmail)
	tb.fill("#password", consolePassword)
	tb.screenshot("sign-in")
	tb.clickAndLoad("form button[type=submit]")
	tb.wantPath("/")
}

// TestConsolePullEndpoint adds a pull endpoint in the side panel, where
// choosing "Pull only" hides the URL, and follows its cursor on the
// endpoint's page as events are published and pulled through the API; Pull
// now previews the next payloads without moving the cursor.
func TestConsolePullEndpoint(t *testing.T) {
	s := consoleServer(t, "--api-rate-limit", "0")
	key := enableAPI(t, s)
	tb := newTab(t, s)
	tb.signIn()
	tb.open("/webhooks")
	tb.click("#add-endpoint-button")
	if !tb.visible("#add-url") {
		t.Fatal("the URL field is hidden in full mode")
	}
	tb.click("#add-mode-pull")
	if tb.visible("#add-url") {
		t.Fatal("the URL field is still shown for a pull-only endpoint")
	}
	tb.fill("#add-name", "Warehouse")
	tb.screenshot("add-pull-endpoint")
	tb.clickAndLoad("#add-endpoint-submit")
	loc := tb.location()
	if !strings.HasPrefix(loc, "/webhooks/ep_") || !strings.HasSuffix(loc, "?notice=endpoint-created") {
		t.Fatalf("after adding, the browser is at %s", loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/webhooks/"), "?notice=endpoint-created")
	cursor := func() string {
		t.Helper()
		return fmt.Sprintf("last %s, pulled %s, pending %s", tb.text("#cursor-last"), tb.text("#cursor-pulled"), tb.text("#cursor-pending"))
	}
	if got := cursor(); got != "last 0, pulled 0, pending 0" {
		t.Errorf("a new pull endpoint's cursor: %s", got)
	}
	if got := tb.text("#last-pulled"); got != "never" {
		t.Errorf("last pull of a new endpoint: %q", got)
	}
	if !tb.visible("#inactive-by") || !tb.visible("#deleted-by") {
		t.Error("the lifecycle's dates are not shown")
	}

	// Three events; the receiver pulls one.
	r := s.do(http.MethodGet, "/api/v1/event-types/user.created", "Token "+key, nil)
	want(t, "get event type", r, http.StatusOK)
	example := decode[struct {
		Example json.RawMessage `json:"example"`
	}](t, r).Example
	for range 3 {
		want(t, "publish", s.do(http.MethodPost, "/api/v1/events", "Token "+key, map[string]any{"type": "user.created", "data": example}), http.StatusAccepted)
	}
	want(t, "pull one", s.do(http.MethodGet, "/api/v1/endpoints/"+id+"/payloads?limit=1", "Token "+key, nil), http.StatusOK)
	tb.open("/webhooks/" + id)
	if got := cursor(); got != "last 3, pulled 1, pending 2" {
		t.Errorf("after three events and a pull of one, the cursor: %s", got)
	}
	tb.screenshot("pull-endpoint")
	tb.clickAndLoad("#pull-now")
	rows := value(tb, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#preview-payloads tr[data-transaction]")].map(r => r.dataset.transaction)`))
	if strings.Join(rows, ",") != "2,3" {
		t.Errorf("Pull now lists transactions %v, want 2 and 3", rows)
	}
	tb.screenshot("pull-now")
	if got := cursor(); got != "last 3, pulled 1, pending 2" {
		t.Errorf("after Pull now, the cursor: %s (a preview is not a pull)", got)
	}
}
