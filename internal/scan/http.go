// Fetching a URL target or a discovered URL, and the limits on requests
// to one host.

package scan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// fetchURL fetches one URL and scans every response of its redirect chain:
// headers and bodies of redirects too (a token in a 302 is a leak), the
// final one crawled for links.
func (e *engine) fetchURL(ctx context.Context, sc *worker, j job) (findings.Target, *body) {
	begun := time.Now()
	t := findings.Target{Target: j.url, IsURL: true, Start: j.start, Discovered: !j.start, Depth: j.depth, Order: j.order}
	guess := false
	if j.link != nil {
		t.Via = j.link.Via
		if j.from != "" && !j.link.Probe {
			t.Via += " on " + j.from
		}
		guess = j.link.Guess
	}
	u, _ := url.Parse(j.url)
	waited, err := e.hosts.acquire(ctx, u.Host, e.cfg.Timeout)
	if err != nil {
		t.State, t.Reason = findings.Failed, err.Error()
		return t, nil
	}
	defer e.hosts.release(u.Host)

	var b *body
	var skip string
	err = e.fetcher.Get(ctx, j.url, waited, func(r *fetch.Response) error {
		if r.Hop == 0 { // an attempt starts afresh
			b, skip, t.Warnings = nil, "", nil
		}
		t.Status, t.Attempts = r.Status, r.Attempt
		final, _ := url.Parse(r.URL)
		loc := findings.Location{Target: r.URL, IsURL: true, Order: j.order}
		hloc := loc
		hloc.Part = findings.PartHeaders
		for _, m := range detect.Find(headerText(r.Header)) {
			e.coll.Add(m, hloc)
		}
		ctype := r.Header.Get("Content-Type")
		kind := crawl.Classify(final, ctype)
		if r.Redirect != "" {
			// A redirect's body is scanned, not crawled.
			_, err := e.scanBody(sc, r.Body, kind, linksAt{}, loc, nil)
			t.Warnings = append(t.Warnings, "redirected to "+r.Redirect)
			return err
		}
		var body io.Reader = r.Body
		if kind == crawl.Binary && !e.cfg.ScanBinary {
			// An archive served as bytes is opened; other binary content
			// is skipped.
			br, ak := sniff(r.Body)
			body = br
			if head, _ := br.Peek(len(wasmMagic)); ak == archive.None && string(head) == wasmMagic {
				kind, ak = crawl.Wasm, archive.None
			} else if ak == archive.None {
				mt, _, _ := mime.ParseMediaType(ctype)
				skip = fmt.Sprintf("binary content (%s); --scan-binary scans it", cmp.Or(mt, "by extension"))
				t.Content = kind.String()
				return nil
			} else {
				kind = crawl.Archive
			}
		}
		t.Content = kind.String()
		ok := r.Status >= 200 && r.Status <= 299
		notFound := e.notFoundPage(j.order, final)
		scanNotFound := func(r io.Reader) (int, error) {
			b, err := e.scanBody(sc, r, crawl.Text, linksAt{}, notFound, nil)
			return b.found, err
		}
		once := func(r io.Reader) { scanNotFound(r) } // the answer to a path that cannot exist
		if guess && ok {
			// A host that answers every path (an SPA host's index.html) has
			// not served a guessed file: that answer is no content.
			var why string
			if body, why = e.fallbacks.check(ctx, e.fetcher, final, ctype, r.Body, once); why != "" {
				skip = "not present: " + why
				return nil
			}
		}
		if guess && (r.Status == http.StatusNotFound || r.Status == http.StatusGone) {
			// The site's 404 page: the guessed URL is not present, and never
			// a finding's place; the page is scanned once, as the site's 404
			// page, and again only where it differs (a debug 404).
			skip = fmt.Sprintf("HTTP %d: not present", r.Status)
			body, same := e.fallbacks.notFound(ctx, e.fetcher, final, r.Status, body, once)
			if same {
				return nil
			}
			found, err := scanNotFound(body)
			if found > 0 {
				skip += "; its answer holds a token, reported at the site's 404 page"
			}
			return err
		}
		// Error pages are scanned too (a debug 500 page is a classic leak),
		// as are the 404 pages of guessed URLs, but neither is crawled.
		lk := linksAt{}
		if ok {
			lk = linksAt{url: final}
			if j.link != nil {
				lk.runtime = j.link.Base
			}
		}
		got, err := e.scanBody(sc, body, kind, lk, loc, j.wants)
		b, got.final = got, r.URL
		if m := cmp.Or(r.Header.Get("SourceMap"), r.Header.Get("X-SourceMap")); m != "" && ok {
			if mu, err := final.Parse(m); err == nil && (mu.Scheme == "http" || mu.Scheme == "https") {
				got.links = append(got.links, crawl.Link{URL: mu, Kind: crawl.Asset, Guess: true, Via: "SourceMap header"})
			}
		}
		t.Bytes = r.Body.Bytes()
		if err != nil {
			return fmt.Errorf("body read failed after %d bytes: %w", t.Bytes, err)
		}
		t.Warnings = append(t.Warnings, got.warnings...)
		if r.Body.Truncated() {
			t.Warnings = append(t.Warnings, fmt.Sprintf("body larger than --max-bytes: only the first %d bytes were scanned", t.Bytes))
		}
		return nil
	})
	t.Duration = time.Since(begun)
	var re *fetch.RedirectError
	switch {
	case err != nil && ctx.Err() != nil:
		t.State, t.Reason = findings.Skipped, "interrupted before it was scanned to the end"
		e.mu.Lock()
		e.unrun++
		e.mu.Unlock()
	case err != nil && errors.As(err, &re) && re.OtherHost && !j.start:
		t.State, t.Reason = findings.Skipped, err.Error()
	case err != nil:
		t.State, t.Reason = findings.Failed, err.Error()
	case skip != "":
		t.State, t.Reason = findings.Skipped, skip
	case t.Status < 200 || t.Status > 299:
		t.State, t.Reason = findings.Failed, fmt.Sprintf("HTTP %d %s", t.Status, http.StatusText(t.Status))
	default:
		t.State = findings.Scanned
		b.unread(&t)
	}
	if kind := crawl.Classify(u, ""); kind == crawl.SourceMap || j.bundle != "" {
		e.recordMap(j.url, j.bundle, b)
	}
	if t.State != findings.Scanned || b == nil {
		return t, nil
	}
	for _, l := range b.links {
		if l.Via == "sourceMappingURL" || l.Via == "SourceMap header" {
			t.SourceMap = l.URL.String()
		}
	}
	return t, b
}

// notFoundPage is the place of what a site's 404 page holds: the start
// URL the crawl came from (the site's root where the page's origin is
// another), with the part saying it is the 404 page.
func (e *engine) notFoundPage(order int, u *url.URL) findings.Location {
	site := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	if order < len(e.cfg.Targets) {
		if s := e.cfg.Targets[order].URL; s != nil && crawl.OriginOf(s) == crawl.OriginOf(u) {
			site = s
		}
	}
	return findings.Location{Target: site.String(), IsURL: true, Part: findings.PartNotFound, Order: order}
}

// headerText renders response headers as "Name: value" lines, sorted, so a
// header finding has a stable line number.
func headerText(h http.Header) []byte {
	var b bytes.Buffer
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.Bytes()
}

// hostLimiter bounds concurrent requests per host and spaces them to a rate.
type hostLimiter struct {
	per  int
	gap  time.Duration
	mu   sync.Mutex
	sems map[string]chan struct{}
	next map[string]time.Time
}

func newHostLimiter(per int, rate float64) *hostLimiter {
	h := &hostLimiter{per: per, sems: map[string]chan struct{}{}, next: map[string]time.Time{}}
	if rate > 0 {
		h.gap = time.Duration(float64(time.Second) / rate)
	}
	return h
}

// acquire waits for a slot on host and returns how long it waited for the
// rate. Waiting counts toward the request's timeout: a slot further away
// than timeout fails at once.
func (h *hostLimiter) acquire(ctx context.Context, host string, timeout time.Duration) (time.Duration, error) {
	host = strings.ToLower(host)
	h.mu.Lock()
	sem, ok := h.sems[host]
	if !ok {
		sem = make(chan struct{}, h.per)
		h.sems[host] = sem
	}
	h.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if h.gap == 0 {
		return 0, nil
	}
	h.mu.Lock()
	now := time.Now()
	at := h.next[host]
	if at.Before(now) {
		at = now
	}
	wait := at.Sub(now)
	if wait >= timeout {
		h.mu.Unlock()
		<-sem
		return 0, fmt.Errorf("the next --rate slot for %s is %v away, past --timeout %v", host, wait.Round(time.Millisecond), timeout)
	}
	h.next[host] = at.Add(h.gap)
	h.mu.Unlock()
	select {
	case <-time.After(wait):
		return wait, nil
	case <-ctx.Done():
		<-sem
		return 0, ctx.Err()
	}
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	sem := h.sems[strings.ToLower(host)]
	h.mu.Unlock()
	<-sem
}
