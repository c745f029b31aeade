// Package verify asks crates.io, read-only, whether leaked tokens are live.
//
// GET /api/v1/me with the token never changes anything (it updates the
// token's "last used" time, which its owner sees). A live token gets 403
// with a body saying the action can only be performed on the crates.io
// website (or that the account is locked); a revoked, expired or unknown
// one gets 403 "authentication failed". The status code alone tells
// nothing, so the body decides, and anything unexpected is "unknown".
package verify

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/pace"
)

// Validity is what crates.io said about a token.
type Validity string

// Validity classes.
const (
	Active       Validity = "active"       // crates.io accepts it
	Inactive     Validity = "inactive"     // revoked, expired or never issued
	Unknown      Validity = "unknown"      // no clear answer: network error, 5xx, 429, an unexpected reply
	Unverifiable Validity = "unverifiable" // trusted-publishing tokens: no read-only check exists
)

// DefaultAPI is crates.io.
const DefaultAPI = "https://crates.io"

// Result is one token's verdict with the reason behind it.
type Result struct {
	Validity Validity
	Detail   string
}

// Verifier checks tokens against one crates.io API, one request per token
// per run, at most one request per Interval.
type Verifier struct {
	API       string
	UserAgent string
	Client    *http.Client
	Interval  time.Duration // default 1s
	Retries   int           // on network errors, 429 and 5xx (default 1)

	mu      sync.Mutex
	pacer   pace.Pacer
	cache   map[string]Result
	revoked map[string]RevokeResult
}

// CheckAPI validates an API base URL: HTTPS, or plain HTTP to a loopback
// address (a test's fake), since tokens are sent to it.
func CheckAPI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q: tokens are only sent over HTTPS (plain HTTP only to loopback test servers)", raw)
	}
	return fmt.Errorf("%q: scheme must be https", raw)
}

// Check verifies one API token. Safe for concurrent use; requests are
// serialised and spaced by Interval.
func (v *Verifier) Check(ctx context.Context, token string) Result {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache == nil {
		v.cache = map[string]Result{}
	}
	if r, ok := v.cache[token]; ok {
		return r
	}
	r := v.check(ctx, token)
	v.cache[token] = r
	return r
}

func (v *Verifier) check(ctx context.Context, token string) Result {
	var last Result
	for attempt := 0; attempt <= max(v.Retries, 1); attempt++ {
		if err := v.wait(ctx, attempt); err != nil {
			return Result{Unknown, "cancelled"}
		}
		var retry bool
		last, retry = v.once(ctx, token)
		if !retry {
			return last
		}
	}
	return last
}

// wait spaces requests to crates.io, whatever was asked. Called with mu
// held.
func (v *Verifier) wait(ctx context.Context, attempt int) error {
	v.pacer.Interval = v.Interval
	return v.pacer.Wait(ctx, attempt)
}

// request sends method endpoint to the API with auth as Authorization,
// and returns the status and the start of the body, lower-cased.
func (v *Verifier) request(ctx context.Context, method, endpoint, auth string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(v.API, "/")+endpoint, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("User-Agent", v.UserAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := v.client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, strings.ToLower(string(b)), nil
}

// client is the HTTP client: never following a redirect, which would
// carry the token along.
func (v *Verifier) client() *http.Client {
	if v.Client != nil {
		return v.Client
	}
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// once makes one request; it says whether a retry could help.
func (v *Verifier) once(ctx context.Context, token string) (Result, bool) {
	status, body, err := v.request(ctx, http.MethodGet, "/api/v1/me", token)
	if err != nil {
		return Result{Unknown, "request failed: " + scrub(err.Error(), token)}, true
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return Result{Unknown, fmt.Sprintf("crates.io answered HTTP %d", status)}, true
	case strings.Contains(body, "this action can only be performed on the crates.io website"):
		return Result{Active, "crates.io accepted the token (HTTP 403: this action can only be performed on the crates.io website)"}, false
	case strings.Contains(body, "account is locked") || strings.Contains(body, "account locked"):
		return Result{Active, "crates.io accepted the token; its account is locked"}, false
	case strings.Contains(body, "authentication failed"):
		return Result{Inactive, "crates.io rejected the token (authentication failed): revoked, expired or never issued"}, false
	case status >= 300 && status < 400:
		return Result{Unknown, fmt.Sprintf("crates.io redirected (HTTP %d); the redirect was not followed", status)}, false
	}
	// Anything else, HTTP 200 included (/me does not answer 200 to an API
	// token today), is no answer cratesguard knows how to read: unknown,
	// never guessed.
	return Result{Unknown, fmt.Sprintf("unexpected answer from crates.io: HTTP %d", status)}, false
}

// scrub keeps a token out of an error message.
func scrub(s, token string) string { return strings.ReplaceAll(s, token, "<token>") }
