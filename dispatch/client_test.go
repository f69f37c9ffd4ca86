package dispatch_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/dispatch"
)

func newRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func okReceiver(t *testing.T) (*httptest.Server, *int) {
	t.Helper()
	hits := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*hits++
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestClientRefusesLoopbackByDefault(t *testing.T) {
	t.Parallel()
	srv, hits := okReceiver(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	var c dispatch.Client
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "0.0.0.0"} {
		resp, err := c.Send(context.Background(), newRequest(t, "http://"+net.JoinHostPort(strings.Trim(host, "[]"), port)+"/hook"), dispatch.SendOptions{})
		if resp != nil || !errors.Is(err, dispatch.ErrDestinationRefused) {
			t.Errorf("%s: resp %v, err %v; want ErrDestinationRefused", host, resp, err)
		}
		var re *dispatch.RefusedError
		if !errors.As(err, &re) || re.Addr == "" {
			t.Errorf("%s: err %v is not a *RefusedError with an address", host, err)
		}
	}
	if *hits != 0 {
		t.Errorf("receiver hit %d times", *hits)
	}
}

func TestClientRefusesPrivateAndMetadata(t *testing.T) {
	t.Parallel()
	var c dispatch.Client
	// None of these is dialled: the policy refuses before connect.
	for _, host := range []string{"10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254", "[fd00:ec2::254]", "[fe80::1]", "224.0.0.1", "[::ffff:127.0.0.1]", "100.64.0.1"} {
		_, err := c.Send(context.Background(), newRequest(t, "http://"+host+":8080/"), dispatch.SendOptions{Timeout: 5 * time.Second})
		if !errors.Is(err, dispatch.ErrDestinationRefused) {
			t.Errorf("%s: err %v, want ErrDestinationRefused", host, err)
		}
	}
}

func TestClientOtherErrorsAreNotRefusals(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := dispatch.Client{AllowPrivate: true}
	_, err = c.Send(context.Background(), newRequest(t, "http://"+addr+"/"), dispatch.SendOptions{})
	if err == nil || errors.Is(err, dispatch.ErrDestinationRefused) || errors.Is(err, dispatch.ErrTimeout) {
		t.Errorf("closed port: err %v, want a plain connection error", err)
	}
}

func TestClientAllowPrivateReachesReceiver(t *testing.T) {
	t.Parallel()
	srv, hits := okReceiver(t)
	c := dispatch.Client{AllowPrivate: true}
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		resp, err := c.Send(context.Background(), newRequest(t, u), dispatch.SendOptions{})
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if resp.StatusCode != 200 || string(resp.Body) != "ok" || resp.Truncated || resp.Duration <= 0 {
			t.Errorf("%s: resp %+v", u, resp)
		}
	}
	if *hits != 2 {
		t.Errorf("receiver hit %d times, want 2", *hits)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	target, hits := okReceiver(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer srv.Close()
	c := dispatch.Client{AllowPrivate: true}
	resp, err := c.Send(context.Background(), newRequest(t, srv.URL), dispatch.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != target.URL {
		t.Errorf("status %d location %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), target.URL)
	}
	if *hits != 0 {
		t.Errorf("redirect followed")
	}
}

func TestClientTruncatesBody(t *testing.T) {
	t.Parallel()
	for _, size := range []int{dispatch.MaxResponseBody, dispatch.MaxResponseBody + 1, 3 << 20} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("x"), size))
		}))
		c := dispatch.Client{AllowPrivate: true}
		resp, err := c.Send(context.Background(), newRequest(t, srv.URL), dispatch.SendOptions{})
		srv.Close()
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		wantTrunc := size > dispatch.MaxResponseBody
		if len(resp.Body) != dispatch.MaxResponseBody || resp.Truncated != wantTrunc {
			t.Errorf("size %d: body %d bytes, truncated %v; want %d, %v", size, len(resp.Body), resp.Truncated, dispatch.MaxResponseBody, wantTrunc)
		}
	}
}

func TestReadLimitedBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		limit     int64
		want      string
		truncated bool
	}{
		{"", 4, "", false},
		{"abc", 4, "abc", false},
		{"abcd", 4, "abcd", false},
		{"abcde", 4, "abcd", true},
	}
	for _, tt := range tests {
		got, trunc, err := dispatch.ReadLimitedBody(strings.NewReader(tt.in), tt.limit)
		if err != nil || string(got) != tt.want || trunc != tt.truncated {
			t.Errorf("ReadLimitedBody(%q, %d) = %q, %v, %v; want %q, %v", tt.in, tt.limit, got, trunc, err, tt.want, tt.truncated)
		}
	}
}

func TestClientTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := dispatch.Client{AllowPrivate: true, Timeout: time.Hour}
	start := time.Now()
	_, err := c.Send(context.Background(), newRequest(t, srv.URL), dispatch.SendOptions{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, dispatch.ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	if errors.Is(err, dispatch.ErrDestinationRefused) {
		t.Error("timeout reported as refusal")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v with a 200ms timeout", d)
	}
	// Client.Timeout applies when the request sets none.
	c2 := dispatch.Client{AllowPrivate: true, Timeout: 200 * time.Millisecond}
	if _, err := c2.Send(context.Background(), newRequest(t, srv.URL), dispatch.SendOptions{}); !errors.Is(err, dispatch.ErrTimeout) {
		t.Errorf("Client.Timeout: err %v, want ErrTimeout", err)
	}
	// A cancelled caller is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Send(ctx, newRequest(t, srv.URL), dispatch.SendOptions{}); err == nil || errors.Is(err, dispatch.ErrTimeout) {
		t.Errorf("cancelled: err %v, want a non-timeout error", err)
	}
}

func TestClientTLSVerification(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tls")
	}))
	defer srv.Close()
	c := dispatch.Client{AllowPrivate: true}
	if _, err := c.Send(context.Background(), newRequest(t, srv.URL), dispatch.SendOptions{}); err == nil {
		t.Error("self-signed certificate accepted by default")
	}
	resp, err := c.Send(context.Background(), newRequest(t, srv.URL), dispatch.SendOptions{SkipTLSVerify: true})
	if err != nil || string(resp.Body) != "tls" {
		t.Errorf("SkipTLSVerify: resp %v, err %v", resp, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999999999", 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := dispatch.ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
