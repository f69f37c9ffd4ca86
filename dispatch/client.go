package dispatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Defaults of Client.
const (
	DefaultTimeout  = 15 * time.Second // per request, from dialling to the last body byte read
	MaxResponseBody = 64 << 10         // bytes of a response body kept; the rest is discarded
)

// ErrDestinationRefused is in the chain of every error caused by the outbound
// policy refusing a destination address; test with errors.Is. The error
// itself is a *RefusedError.
var ErrDestinationRefused = errors.New("destination refused by policy")

// ErrTimeout is in the chain of the error Send returns when the request did
// not complete within its timeout.
var ErrTimeout = errors.New("request timed out")

// RefusedError tells that a connection to Addr was refused by the outbound
// policy before it was made. Addr is the resolved IP address and port, so a
// host name that resolves to a private address is refused too.
type RefusedError struct {
	Addr string // "ip:port" as dialled
	Err  error  // the reason, from code.dny.dev/ssrf
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s: %v", ErrDestinationRefused, e.Err)
}

// Unwrap returns the reason.
func (e *RefusedError) Unwrap() error { return e.Err }

// Is reports whether target is ErrDestinationRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrDestinationRefused }

// metadataPrefixes are the cloud instance-metadata addresses. ssrf's deny
// lists already cover them (169.254.0.0/16 and everything outside 2000::/3);
// they are listed again so the guarantee does not rest on that detail.
var metadataPrefixes = []netip.Prefix{
	netip.MustParsePrefix("169.254.169.254/32"), // AWS, GCP, Azure, OpenStack
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS IPv6
}

// Client sends deliveries over HTTP. By default it refuses to connect to
// loopback, private, link-local, shared, multicast, unspecified, reserved and
// cloud-metadata addresses, checking each address it is about to connect to
// after DNS resolution (a net.Dialer Control function, code.dny.dev/ssrf), so
// a name that resolves, or re-resolves, to such an address is refused. Any
// port is allowed. It follows no redirects, uses no proxy (environment
// variables are ignored) and keeps at most MaxResponseBody bytes of an
// answer.
//
// The zero value is ready to use. Set the fields before the first Send; a
// Client is safe for concurrent use and should be reused so connections are.
type Client struct {
	// AllowPrivate turns the destination policy off, for operators whose
	// receivers are on private networks and for tests. Default false.
	AllowPrivate bool

	// Timeout bounds each Send whose SendOptions.Timeout is zero. Zero means
	// DefaultTimeout (15 s).
	Timeout time.Duration

	once    sync.Once
	verify  *http.Client // verifies TLS certificates
	noCheck *http.Client // InsecureSkipVerify, for endpoints that ask for it
}

// SendOptions are the per-request settings of Send, normally from the endpoint.
type SendOptions struct {
	// Timeout bounds the whole exchange. Zero means Client.Timeout.
	Timeout time.Duration
	// SkipTLSVerify accepts any TLS certificate. Default false: certificates
	// are verified.
	SkipTLSVerify bool
}

// Response is the answer to a delivery, its body read and closed.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte        // at most MaxResponseBody bytes
	Truncated  bool          // the body was longer than Body
	Duration   time.Duration // from sending the request to the end of the body
}

// Send sends req and reads the answer. A 3xx answer is returned as it is,
// not followed. It returns an error for a refused destination (errors.Is
// ErrDestinationRefused), a timeout (errors.Is ErrTimeout), and any other
// failure to connect or to read; when the status line arrived before the
// failure, the partial Response is returned with the error.
func (c *Client) Send(ctx context.Context, req *http.Request, opts SendOptions) (*Response, error) {
	c.once.Do(c.init)
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = c.Timeout
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimeout)
	defer cancel()
	hc := c.verify
	if opts.SkipTLSVerify {
		hc = c.noCheck
	}

	start := time.Now()
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, classify(ctx, err)
	}
	defer resp.Body.Close()
	body, truncated, err := ReadLimitedBody(resp.Body, MaxResponseBody)
	r := &Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       body,
		Truncated:  truncated,
		Duration:   time.Since(start),
	}
	if err != nil {
		return r, classify(ctx, err)
	}
	return r, nil
}

// classify marks err with ErrTimeout when our deadline passed.
func classify(ctx context.Context, err error) error {
	if context.Cause(ctx) == ErrTimeout && !errors.Is(err, ErrTimeout) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

func (c *Client) init() {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !c.AllowPrivate {
		guard := ssrf.New(ssrf.WithAnyPort())
		dialer.Control = func(network, address string, conn syscall.RawConn) error {
			if err := guard.Safe(network, address, conn); err != nil {
				return &RefusedError{Addr: address, Err: err}
			}
			if ap, err := netip.ParseAddrPort(address); err == nil {
				for _, p := range metadataPrefixes {
					if p.Contains(ap.Addr().Unmap()) {
						return &RefusedError{Addr: address, Err: fmt.Errorf("%s is a cloud metadata address", ap.Addr())}
					}
				}
			}
			return nil
		}
	}
	newClient := func(skipVerify bool) *http.Client {
		t := &http.Transport{
			Proxy:                 nil, // never a proxy from the environment
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          1024,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}, //nolint:gosec // per endpoint, off by default
		}
		return &http.Client{
			Transport: t,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	c.verify = newClient(false)
	c.noCheck = newClient(true)
}

// CloseIdleConnections closes the idle connections of the client's transports.
func (c *Client) CloseIdleConnections() {
	c.once.Do(c.init)
	c.verify.CloseIdleConnections()
	c.noCheck.CloseIdleConnections()
}

// ReadLimitedBody reads r to its end, keeping the first limit bytes. It
// reports whether there was more; the rest is read and discarded (up to a
// further 1 MiB, so a connection can be reused without reading forever).
func ReadLimitedBody(r io.Reader, limit int64) (body []byte, truncated bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return body, false, err
	}
	n, err := io.CopyN(io.Discard, r, 1<<20)
	if n > 0 {
		truncated = true
	}
	if err == io.EOF {
		err = nil
	}
	return body, truncated, err
}

// ParseRetryAfter returns the delay asked for by a Retry-After header value,
// either delay-seconds or an HTTP date (taken relative to now), and 0 when
// the value is empty, malformed or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second) // no overflow; callers cap further
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
