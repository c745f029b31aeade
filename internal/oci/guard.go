package oci

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cratesguard/cratesguard/internal/target"
)

// MaxManifest bounds a manifest or index: what Docker's own registry
// takes (4 MiB; 10,000 layers weigh under 2 MiB). A var for the tests.
var MaxManifest int64 = 4 << 20

// guard is the innermost transport under go-containerregistry's (retries,
// bearer tokens, redirects the http.Client follows): it sees every
// request, each hop of a redirect and the token exchange included, as it
// goes out.
type guard struct {
	inner    http.RoundTripper
	check    func(u, from *url.URL) string
	registry string // the host (and port) the image is on
	// secret is the token sent to ghcr.io, when one is: no request to
	// any other host may carry an Authorization header then (the bearer
	// token ghcr.io's realm gives for it is as much a secret).
	secret string
}

// RefusedError is a request the guard did not let out.
type RefusedError struct{ URL, Why string }

func (e *RefusedError) Error() string { return fmt.Sprintf("%s: not requested: %s", e.URL, e.Why) }

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	var from *url.URL
	if req.Response != nil && req.Response.Request != nil {
		from = req.Response.Request.URL // a redirect's hop
	}
	if g.check != nil {
		if why := g.check(req.URL, from); why != "" {
			return nil, &RefusedError{URL: req.URL.Redacted(), Why: why}
		}
	}
	if auth := req.Header.Get("Authorization"); auth != "" {
		host := strings.ToLower(req.URL.Host)
		switch {
		case g.secret != "" && host != GHCR && host != GHCR+":443":
			return nil, &RefusedError{URL: req.URL.Redacted(), Why: "it would carry credentials for " + GHCR + " to another host"}
		case g.secret == "" && strings.HasPrefix(strings.ToLower(auth), "basic "):
			return nil, &RefusedError{URL: req.URL.Redacted(), Why: "it would carry basic credentials, and none were given"}
		case req.URL.Scheme != "https" && !target.IsLoopback(req.URL.Host):
			return nil, &RefusedError{URL: req.URL.Redacted(), Why: "it would carry credentials in clear"}
		}
	}
	resp, err := g.inner.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/manifests/") {
		return resp, err
	}
	if resp.ContentLength > MaxManifest {
		resp.Body.Close()
		return nil, fmt.Errorf("the manifest at %s says it weighs %d bytes, more than %d: not read", req.URL.Redacted(), resp.ContentLength, MaxManifest)
	}
	resp.Body = &capped{rc: resp.Body, left: MaxManifest, url: req.URL.Redacted()}
	return resp, nil
}

// capped fails a manifest's body past MaxManifest bytes.
type capped struct {
	rc   io.ReadCloser
	left int64
	url  string
}

func (c *capped) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1] // one byte past the cap tells whether there is more
	}
	n, err := c.rc.Read(p)
	if c.left -= int64(n); c.left < 0 {
		return 0, fmt.Errorf("the manifest at %s weighs more than %d bytes: not read", c.url, MaxManifest)
	}
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }
