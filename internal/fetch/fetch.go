// Package fetch gets one URL: redirects, timeouts, decoding of compressed
// bodies and a cap on decoded size. It streams the body to its caller and
// knows nothing of tokens or reports.
package fetch

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// Header is a custom request header.
type Header struct{ Name, Value string }

// Options configure a Fetcher.
type Options struct {
	Timeout      time.Duration // whole request: headers and body
	MaxBytes     int64         // cap on the decoded body
	Headers      []Header
	UserAgent    string
	MaxRedirects int // default 10
	MaxConns     int // idle connections kept per host
	// Retries is how many times a failed attempt is repeated: connection
	// errors, timeouts, 429 and 5xx. Other 4xx are final.
	Retries int
	// Backoff is the first retry's delay (default 250ms); each retry
	// doubles it, with jitter. RetryAfterCap bounds a server's Retry-After
	// (default 30s).
	Backoff       time.Duration
	RetryAfterCap time.Duration
	// Follow says why a redirect from one URL to another must not be
	// followed ("" when it may be; nil follows all). A refused one ends the
	// fetch with an OtherHost RedirectError, after the caller has seen the
	// redirect response.
	Follow func(from, to *url.URL) string
	// HeadersFor says whether Headers may be sent to u (nil: everywhere).
	// It is asked again at every hop of a redirect chain.
	HeadersFor func(u *url.URL) bool
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Dial, when set, makes the transport's connections (the request
	// policy's dialer, which refuses what a name resolves to).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS, when set, configures the client side of TLS (tests trust their
	// own servers' certificates with it).
	TLS *tls.Config
}

// Fetcher fetches URLs. It is safe for concurrent use.
type Fetcher struct {
	client *http.Client
	opts   Options
}

// New returns a Fetcher.
func New(opts Options) *Fetcher {
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = 10
	}
	if opts.Backoff == 0 {
		opts.Backoff = 250 * time.Millisecond
	}
	if opts.RetryAfterCap == 0 {
		opts.RetryAfterCap = 30 * time.Second
	}
	rt := opts.Transport
	if rt == nil {
		// HTTP/2 multiplexes every request to a host over one connection,
		// whose single read loop then decrypts and frames everything. With
		// many requests in flight, several transports (hence connections)
		// share that work across cores: one per streamsPerConn requests.
		n := min(max((opts.MaxConns+streamsPerConn-1)/streamsPerConn, 1), 8)
		sp := &spread{}
		for range n {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.DisableCompression = true // we ask for and decode encodings ourselves
			tr.ForceAttemptHTTP2 = true
			if opts.Dial != nil {
				tr.DialContext = opts.Dial
			}
			if opts.TLS != nil {
				tr.TLSClientConfig = opts.TLS.Clone()
			}
			if opts.MaxConns > 0 {
				tr.MaxIdleConnsPerHost = opts.MaxConns
			}
			sp.trs = append(sp.trs, tr)
		}
		rt = sp
	}
	f := &Fetcher{opts: opts}
	// Redirects are followed here, one hop at a time, not by the client:
	// each hop's response is the caller's to scan, and each hop decides
	// afresh where headers may go.
	f.client = &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f
}

// streamsPerConn is how many concurrent requests one transport carries.
const streamsPerConn = 8

// spread deals requests out over several transports in turn.
type spread struct {
	trs []*http.Transport
	n   atomic.Uint64
}

func (s *spread) RoundTrip(r *http.Request) (*http.Response, error) {
	return s.trs[s.n.Add(1)%uint64(len(s.trs))].RoundTrip(r)
}

func (s *spread) CloseIdleConnections() {
	for _, t := range s.trs {
		t.CloseIdleConnections()
	}
}

// RedirectError is a redirect chain that was not followed to its end.
type RedirectError struct {
	Msg       string
	OtherHost bool // the redirect led to a host that is not allowed
}

func (e *RedirectError) Error() string { return e.Msg }

// Close releases idle connections.
func (f *Fetcher) Close() { f.client.CloseIdleConnections() }

// Response is a fetched URL whose body is being streamed.
type Response struct {
	URL    string // this response's URL: after redirects, the final one
	Status int
	Header http.Header
	// Redirect is the resolved Location of a redirect response that is
	// followed next (or refused): the caller sees the redirect's headers and
	// body like any other. Empty for the response that ends the chain.
	Redirect string
	// Hop counts redirects before this response (0 for the first);
	// Redirected is set on a final response reached through one.
	Hop        int
	Redirected bool
	// Attempt counts from 1; Final says no retry follows this attempt.
	Attempt int
	Final   bool
	// Body is the decoded body, capped at MaxBytes.
	Body *Body
}

// Body reads a decoded response body up to a cap.
type Body struct {
	r         io.Reader
	max       int64
	n         int64
	truncated bool
}

func (b *Body) Read(p []byte) (int, error) {
	if b.n >= b.max {
		if !b.truncated {
			// Is there more? One byte tells.
			var one [1]byte
			if n, _ := io.ReadFull(b.r, one[:]); n > 0 {
				b.truncated = true
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.max-b.n {
		p = p[:b.max-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// Bytes is how many decoded bytes were read.
func (b *Body) Bytes() int64 { return b.n }

// Truncated reports whether the body went on past the cap.
func (b *Body) Truncated() bool { return b.truncated }

// Get fetches url and calls fn with each response while its body is open:
// the redirects of the chain (Response.Redirect set), then the response
// that ends it. The timeout covers each attempt's whole exchange, redirects
// and bodies included; spent is time already used against the first
// attempt's (waiting for a --rate slot). Every HTTP status reaches fn on
// the last attempt: deciding what a 404 means is the caller's business.
// When an attempt fails (connection error, timeout, 429, 5xx, or fn's
// error while reading the body) it is retried after a backoff, so fn may
// see the same responses again and must expect it (Hop 0 begins an attempt).
func (f *Fetcher) Get(ctx context.Context, url string, spent time.Duration, fn func(*Response) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		final := attempt > f.opts.Retries
		var wait time.Duration
		var retry bool
		timeout := f.opts.Timeout
		if attempt == 1 {
			timeout -= spent
		}
		wait, retry, err = f.once(ctx, url, attempt, final, timeout, fn)
		if err == nil || !retry || final {
			if err != nil && attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return err
		}
		if wait == 0 {
			// Exponential backoff with jitter: base * 2^(n-1) * [0.5, 1.5).
			wait = time.Duration(float64(f.opts.Backoff<<(attempt-1)) * (0.5 + rand.Float64()))
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// StatusError is a retryable HTTP status (429, 5xx) seen on an attempt
// that is not the last.
type StatusError struct{ Status int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
}

func retryableStatus(s int) bool { return s == http.StatusTooManyRequests || s >= 500 }

// once makes one attempt, following redirects. It returns how long the
// server asked to wait before the next attempt, and whether the failure is
// worth retrying.
func (f *Fetcher) once(ctx context.Context, start string, attempt int, final bool, timeout time.Duration, fn func(*Response) error) (time.Duration, bool, error) {
	if timeout <= 0 {
		return 0, false, fmt.Errorf("timed out after %s (--timeout covers waiting for a --rate slot, headers and body)", f.opts.Timeout)
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cur := start
	seen := map[string]bool{}
	for hop := 0; ; hop++ {
		seen[cur] = true
		req, err := http.NewRequestWithContext(actx, http.MethodGet, cur, nil)
		if err != nil {
			return 0, false, err
		}
		f.setHeaders(req)
		resp, err := f.client.Do(req)
		if err != nil {
			return 0, ctx.Err() == nil, describe(actx, err, f.opts.Timeout)
		}
		next, redirect := location(resp)
		if !redirect && retryableStatus(resp.StatusCode) && !final {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
			resp.Body.Close()
			return retryAfter(resp.Header.Get("Retry-After"), f.opts.RetryAfterCap), true, &StatusError{resp.StatusCode}
		}
		r, err := f.response(resp, attempt, final, hop)
		if err != nil {
			resp.Body.Close()
			return 0, false, err
		}
		if redirect {
			r.Redirect = next.String()
		} else {
			r.Redirected = hop > 0
		}
		err = fn(r)
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		if err != nil {
			return 0, ctx.Err() == nil, describe(actx, err, f.opts.Timeout)
		}
		if !redirect {
			return 0, false, nil
		}
		switch {
		case seen[next.String()]:
			return 0, false, &RedirectError{Msg: fmt.Sprintf("redirect loop: %s redirects back to %s after %d hops", cur, next, hop+1)}
		case hop+1 > f.opts.MaxRedirects:
			return 0, false, &RedirectError{Msg: fmt.Sprintf("stopped after %d redirects (last to %s)", f.opts.MaxRedirects, next)}
		}
		if f.opts.Follow != nil {
			if why := f.opts.Follow(resp.Request.URL, next); why != "" {
				return 0, false, &RedirectError{Msg: fmt.Sprintf("redirected to %s: not followed: %s", next, why), OtherHost: true}
			}
		}
		cur = next.String()
	}
}

// setHeaders puts the standard and the configured headers on a request;
// the configured ones only where HeadersFor allows.
func (f *Fetcher) setHeaders(req *http.Request) {
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	req.Header.Set("Accept", "*/*")
	if f.opts.HeadersFor != nil && !f.opts.HeadersFor(req.URL) {
		return
	}
	for _, h := range f.opts.Headers {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Set(h.Name, h.Value)
	}
}

// location returns where a redirect response leads, resolved against its
// URL; ok is false for any other response.
func location(resp *http.Response) (*url.URL, bool) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, false
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, false
	}
	u, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, false
	}
	u.Fragment, u.RawFragment = "", ""
	return u, true
}

// response wraps an HTTP response with its decoded, capped body.
func (f *Fetcher) response(resp *http.Response, attempt int, final bool, hop int) (*Response, error) {
	decoded, err := decode(resp.Body, resp.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	return &Response{
		URL:     resp.Request.URL.String(),
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Hop:     hop,
		Attempt: attempt,
		Final:   final,
		Body:    &Body{r: decoded, max: f.opts.MaxBytes},
	}, nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped.
func retryAfter(v string, limit time.Duration) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, time.Millisecond), limit)
}

// describe turns transport errors into messages a user can act on.
func describe(ctx context.Context, err error, timeout time.Duration) error {
	var re *RedirectError
	if errors.As(err, &re) {
		return re
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s (--timeout covers headers and body)", timeout)
	}
	return err
}

// decode undoes Content-Encoding, which may list several codings in the
// order they were applied.
func decode(r io.Reader, header string) (io.Reader, error) {
	if header == "" {
		return r, nil
	}
	codings := strings.Split(header, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		c := strings.ToLower(strings.TrimSpace(codings[i]))
		var err error
		switch c {
		case "", "identity":
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(r)
		case "br":
			r = brotli.NewReader(r)
		case "deflate":
			r, err = newDeflate(r)
		default:
			return nil, fmt.Errorf("unsupported Content-Encoding %q", c)
		}
		if err != nil {
			return nil, fmt.Errorf("bad %s body: %v", c, err)
		}
	}
	return r, nil
}

// newDeflate reads "deflate" bodies, which should be zlib-wrapped but which
// some servers send as raw DEFLATE.
func newDeflate(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	h, err := br.Peek(2)
	if err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}
