// Package fetch gets one URL: redirects, timeouts, decoding of compressed
// bodies and a cap on decoded size. It streams the body to its caller and
// knows nothing of tokens or reports.
package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
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
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
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
	rt := opts.Transport
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableCompression = true // we ask for and decode encodings ourselves
		tr.ForceAttemptHTTP2 = true
		if opts.MaxConns > 0 {
			tr.MaxIdleConnsPerHost = opts.MaxConns
		}
		rt = tr
	}
	f := &Fetcher{opts: opts}
	f.client = &http.Client{Transport: rt, CheckRedirect: f.checkRedirect}
	return f
}

// RedirectError is a redirect chain that was not followed to its end.
type RedirectError struct{ Msg string }

func (e *RedirectError) Error() string { return e.Msg }

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return &RedirectError{fmt.Sprintf("redirect loop: %s redirects back to itself after %d hops", req.URL, len(via))}
		}
	}
	if len(via) > f.opts.MaxRedirects {
		return &RedirectError{fmt.Sprintf("stopped after %d redirects (last to %s)", f.opts.MaxRedirects, req.URL)}
	}
	return nil
}

// Response is a fetched URL whose body is being streamed.
type Response struct {
	URL        string // final URL after redirects
	Status     int
	Header     http.Header
	Redirected bool
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

// Get fetches url and calls fn with the response while its body is open.
// The timeout covers the whole exchange, body included. Every HTTP status
// reaches fn: deciding what a 404 means is the caller's business.
func (f *Fetcher) Get(ctx context.Context, url string, fn func(*Response) error) error {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	req.Header.Set("Accept", "*/*")
	for _, h := range f.opts.Headers {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return describe(ctx, err, f.opts.Timeout)
	}
	defer resp.Body.Close()
	decoded, err := decode(resp.Body, resp.Header.Get("Content-Encoding"))
	if err != nil {
		return err
	}
	body := &Body{r: decoded, max: f.opts.MaxBytes}
	r := &Response{
		URL:        resp.Request.URL.String(),
		Status:     resp.StatusCode,
		Header:     resp.Header,
		Redirected: resp.Request.URL.String() != url,
		Body:       body,
	}
	if err := fn(r); err != nil {
		return describe(ctx, err, f.opts.Timeout)
	}
	return nil
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
