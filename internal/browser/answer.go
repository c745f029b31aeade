package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
)

// Every request of every target is paused before it leaves (Fetch
// interception) and answered here: the same rules for the page, its
// frames and its workers (dedicated workers' requests pause in the page's
// session), shared and service workers (in their own), and, underneath,
// in the browser's own session, where every request of the browser pauses
// again, whoever made it: the one a target's session did not see (a
// service worker's script) meets the same rules there.

// verdict says why rq may not leave, or "" when it may: only GET and
// HEAD, and only where Allow admits (from: the page, nil when unknown).
func (b *Browser) verdict(rq *network.Request, from *url.URL) (*url.URL, string) {
	u, err := url.Parse(rq.URL)
	switch {
	case err != nil:
		return nil, "not a URL"
	case rq.Method != http.MethodGet && rq.Method != http.MethodHead:
		return u, fmt.Sprintf("a %s request: cratesguard sends nothing but GET and HEAD", rq.Method)
	}
	return u, b.opts.Allow(u, from)
}

// answerRequest gives one paused request its verdict in session s: sent
// on, with the configured headers where HeadersFor approves; or refused,
// and then returned. A navigation away (a login redirect, a form's
// submission, a hostile page fleeing) is answered "204 No Content", which
// leaves the page where it is, readable; any other request fails. mark,
// if set, is told of a refusal before the browser is: the response to our
// 204 must be known as ours before its event can arrive.
func (b *Browser) answerRequest(ctx context.Context, s session, ev *fetch.EventRequestPaused, from *url.URL, mark func(Blocked)) *Blocked {
	rq := ev.Request
	if rq == nil {
		return nil
	}
	u, why := b.verdict(rq, from)
	if why == "" {
		cont := fetch.ContinueRequestParams{RequestID: ev.RequestID}
		if len(b.opts.Headers) > 0 && b.opts.HeadersFor != nil && b.opts.HeadersFor(u) {
			cont.Headers = withHeaders(rq.Headers, b.opts.Headers)
		}
		_, _ = call(ctx, s, fetch.ContinueRequest, cont)
		return nil
	}
	bl := &Blocked{URL: rq.URL, Method: rq.Method, Reason: why, Type: string(ev.ResourceType)}
	if mark != nil {
		mark(*bl)
	}
	if ev.ResourceType == network.ResourceTypeDocument {
		_, _ = call(ctx, s, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: http.StatusNoContent})
	} else {
		_, _ = call(ctx, s, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
	}
	return bl
}

// answerTimeout bounds an answer given in the browser's own session,
// which no page's deadline bounds.
const answerTimeout = 5 * time.Second

// answerAll answers what the page waits on, as soon as it asks, apart
// from the slow work of watch and harvest: its paused requests, and its
// dialogs, dismissed (a dialog holds the page's renderer, and with it
// every read of what the page holds: the response bodies, the DOM).
func (p *pageRun) answerAll(ctx context.Context) {
	drain(ctx, p.urgent, func(e event) {
		switch ev := e.ev.(type) {
		case *fetch.EventRequestPaused:
			k := key{e.t.src, ev.NetworkID}
			p.b.answerRequest(ctx, e.t.s, ev, p.from, func(bl Blocked) { p.block(bl, k) })
		case *page.EventJavascriptDialogOpening:
			_, _ = call(ctx, e.t.s, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
}

// block counts a refused request and lists it, up to maxBlocked; its
// response, if the browser reports one (our 204), is ours, not the site's.
func (p *pageRun) block(bl Blocked, k key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blockedCount++
	if len(p.blocked) < maxBlocked {
		p.blocked = append(p.blocked, bl)
	}
	if k.id != "" && len(p.ours) < maxBlocked {
		p.ours[k] = true
	}
}

// answerBrowser answers the requests paused in the browser's own session,
// for as long as the browser runs. Those already answered in a target's
// session arrive here sent on, and pass; one refused here had escaped its
// target's session, and is counted for the run (which page made it cannot
// be told).
func (b *Browser) answerBrowser(ctx context.Context) {
	drain(ctx, b.paused, func(ev *fetch.EventRequestPaused) {
		actx, cancel := context.WithTimeout(ctx, answerTimeout)
		bl := b.answerRequest(actx, b.root, ev, nil, nil)
		cancel()
		if bl == nil || chromeOwn(bl.URL) {
			return
		}
		b.mu.Lock()
		b.blockedCount++
		if len(b.blocked) < maxBlocked {
			b.blocked = append(b.blocked, *bl)
		}
		b.mu.Unlock()
	})
}

// Blocked lists the requests refused in the browser's own session (up to
// a bound) and counts them all: requests no page's session saw.
func (b *Browser) Blocked() ([]Blocked, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Blocked(nil), b.blocked...), b.blockedCount
}

// chromeOwnHosts are the services Chromium calls by itself (sign-in,
// component updates) despite the switches that ask it not to: refused like
// any other host, but no page's doing, so not reported.
var chromeOwnHosts = []string{".google.com", ".googleapis.com", ".gvt1.com", ".gstatic.com"}

// chromeOwn says whether a URL or host:port is one of Chromium's own
// services.
func chromeOwn(s string) bool {
	host := s
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		host = u.Hostname()
	} else if i := strings.LastIndexByte(s, ':'); i > 0 {
		host = s[:i]
	}
	host = strings.ToLower(host)
	for _, suffix := range chromeOwnHosts {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

// withHeaders is the request's headers with the configured ones set over
// them.
func withHeaders(have network.Headers, add []Header) []*fetch.HeaderEntry {
	var out []*fetch.HeaderEntry
	for k, v := range have {
		if !slicesContainsFold(add, k) {
			out = append(out, &fetch.HeaderEntry{Name: k, Value: fmt.Sprint(v)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for _, h := range add {
		out = append(out, &fetch.HeaderEntry{Name: h.Name, Value: h.Value})
	}
	return out
}

func slicesContainsFold(hs []Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}
