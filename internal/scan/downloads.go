package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/registry"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/version"
)

// Downloads are files a release publishes: a crate's .crate on crates.io,
// a release's assets. They are fetched and scanned (as archives, when they
// are), never crawled, and never sent the --header values, which are for
// the sites scanned.

// downloader fetches downloads: redirects are followed to any host over
// HTTPS (release assets live on a storage host), plain HTTP only on
// loopback (tests). auth, if set, goes to the first host only.
func (e *engine) downloader(first *url.URL, auth string) *fetch.Fetcher {
	return fetch.New(e.downloadOptions(first, auth))
}

func (e *engine) downloadOptions(first *url.URL, auth string) fetch.Options {
	opts := fetch.Options{
		Timeout: e.cfg.Timeout, MaxBytes: e.cfg.MaxBytes, UserAgent: version.UserAgent(), Retries: e.cfg.Retries,
		Backoff: e.opts.Backoff, Transport: e.opts.Transport,
		Follow: func(from, to *url.URL) string { return e.policy.Check(to, from) },
		Dial:   e.policy.Dial(e.cfg.Timeout),
	}
	if auth != "" {
		opts.Headers = []fetch.Header{{Name: "Authorization", Value: auth}, {Name: "Accept", Value: "application/octet-stream"}}
		opts.HeadersFor = func(u *url.URL) bool { return u.Host == first.Host && u.Scheme == first.Scheme }
	}
	return opts
}

// registry is the crates.io client crate targets are resolved with.
func (e *engine) registry() *registry.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.reg == nil {
		e.reg = &registry.Client{API: e.cfg.CratesAPI, UserAgent: version.UserAgent(),
			CheckURL: func(raw string) error {
				u, err := url.Parse(raw)
				if err != nil {
					return fmt.Errorf("%q is not a URL", raw)
				}
				if why := e.policy.Check(u, nil); why != "" {
					return fmt.Errorf("%s: %s", raw, why)
				}
				return nil
			},
			HTTP: e.policyClient()}
	}
	return e.reg
}

// fetchCrate resolves crate:NAME[@VERSION] on crates.io and scans its
// .crate. A version crates.io does not serve yet is asked for again,
// backing off, for up to --crate-wait (a release job scans right after
// cargo publish).
func (e *engine) fetchCrate(ctx context.Context, sc *worker, j job) {
	begun := time.Now()
	tg := j.target
	t := findings.Target{Target: tg.String(), Start: true, Order: j.order, Content: crawl.Archive.String()}
	defer func() {
		t.Duration = time.Since(begun)
		e.coll.AddTarget(t)
	}()
	reg := e.registry()
	ver := tg.Version
	if ver == "" {
		v, err := reg.DefaultVersion(ctx, tg.Crate)
		if err != nil {
			t.State, t.Reason = findings.Failed, crateError(*tg, err)
			return
		}
		ver = v
		t.Target = tg.String() + "@" + v
	}
	var dl string
	wait := e.waiting(begun)
	for {
		u, err := reg.DownloadURL(ctx, tg.Crate, ver)
		if err == nil {
			dl = u
			break
		}
		if !errors.Is(err, registry.ErrNotFound) || !wait.again(ctx) {
			t.State, t.Reason = findings.Failed, crateError(target.Target{Crate: tg.Crate, Version: ver}, err)+wait.waited(errors.Is(err, registry.ErrNotFound))
			return
		}
	}
	t.Via = "crates.io: " + dl
	u, _ := url.Parse(dl)
	e.download(ctx, sc, j, u, e.downloader(u, ""), &t, as{})
}

// publishing waits for a registry to serve a version just published: a
// target asks again, backing off, for up to --crate-wait from its start
// (a release job scans right after cargo publish, npm publish, docker
// push).
type publishing struct {
	begun time.Time
	limit time.Duration
	delay time.Duration
}

func (e *engine) waiting(begun time.Time) *publishing {
	return &publishing{begun: begun, limit: e.cfg.CrateWait, delay: 5 * time.Second}
}

// again waits before the next question, or says there is no time left.
func (p *publishing) again(ctx context.Context) bool {
	if time.Since(p.begun)+p.delay > p.limit || ctx.Err() != nil {
		return false
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(p.delay):
	}
	p.delay = min(2*p.delay, 30*time.Second)
	return true
}

// waited says how long a target waited for a version never served.
func (p *publishing) waited(notServed bool) string {
	if !notServed || p.limit <= 0 {
		return ""
	}
	return fmt.Sprintf(" (waited %s)", time.Since(p.begun).Round(time.Second))
}

func crateError(t target.Target, err error) string {
	if errors.Is(err, registry.ErrNotFound) {
		if t.Version != "" {
			return fmt.Sprintf("crates.io serves no version %s of %s", t.Version, t.Crate)
		}
		return fmt.Sprintf("crates.io has no crate %s", t.Crate)
	}
	return err.Error()
}

// fetchDownload scans a download target (a release asset).
func (e *engine) fetchDownload(ctx context.Context, sc *worker, j job) {
	begun := time.Now()
	tg := j.target
	t := findings.Target{Target: tg.URL.String(), IsURL: true, Start: true, Order: j.order, Via: tg.Name}
	e.download(ctx, sc, j, tg.URL, e.downloader(tg.URL, tg.Auth), &t, as{})
	t.Duration = time.Since(begun)
	e.coll.AddTarget(t)
}

// policyClient is an HTTP client held to the run's request policy: its
// connections refuse what the policy does, redirects are the caller's.
func (e *engine) policyClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = e.policy.Dial(e.cfg.Timeout)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// as is how a download is named in reports (its URL's name when place is
// empty), and the digest its bytes must have (none when sum is nil).
type as struct {
	place string
	sum   *digest
}

// download fetches u with f and scans its body, under u's name whatever
// the redirects (a storage host's signed URL is no name for a place), or
// the place a says. A body whose digest is not the one a names fails the
// target once scanned: see digest.
func (e *engine) download(ctx context.Context, sc *worker, j job, u *url.URL, f *fetch.Fetcher, t *findings.Target, a as) {
	defer f.Close()
	if why := e.policy.Check(u, nil); why != "" { // a URL the API named, not the user
		t.State, t.Reason = findings.Failed, why
		return
	}
	loc := findings.Location{Target: cmp.Or(a.place, u.String()), IsURL: true, Order: j.order}
	var warnings []string
	var got *body
	var truncated bool
	err := f.Get(ctx, u.String(), 0, func(r *fetch.Response) error {
		if r.Hop == 0 {
			warnings, got = nil, nil
		}
		t.Status, t.Attempts = r.Status, r.Attempt
		if r.Redirect != "" || r.Status < 200 || r.Status > 299 {
			return nil
		}
		kind := crawl.Classify(u, r.Header.Get("Content-Type"))
		if kind == crawl.Binary || kind == crawl.HTML {
			kind = crawl.Archive // what it is decides: archives are opened, the rest scanned as bytes
		}
		t.Content = kind.String()
		body := a.sum.reading(r.Body)
		b, err := e.scanBody(sc, body, kind, linksAt{}, loc, nil)
		if err == nil && a.sum != nil {
			_, err = io.Copy(io.Discard, body) // what the archive did not need is still hashed
		}
		got = b
		t.Bytes = r.Body.Bytes()
		warnings = append(warnings, b.warnings...)
		truncated = r.Body.Truncated()
		if r.Body.Truncated() {
			warnings = append(warnings, fmt.Sprintf("larger than --max-bytes: only the first %d bytes were scanned", t.Bytes))
		}
		if err != nil {
			return fmt.Errorf("body read failed after %d bytes: %w", t.Bytes, err)
		}
		return nil
	})
	t.Warnings = warnings
	switch {
	case err != nil && ctx.Err() != nil:
		t.State, t.Reason = findings.Skipped, "interrupted before it was scanned to the end"
	case err != nil:
		t.State, t.Reason = findings.Failed, err.Error()
	case t.Status < 200 || t.Status > 299:
		t.State, t.Reason = findings.Failed, fmt.Sprintf("HTTP %d %s", t.Status, http.StatusText(t.Status))
	default:
		t.State = findings.Scanned
		got.unread(t)
		if why := a.sum.mismatch(truncated); why != "" {
			t.State, t.Reason = findings.Failed, why
		}
	}
}
