package scan

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// browsing is the browser of --browser, and what the run says of it at
// the end.
type browsing struct {
	*browser.Browser
	mu       sync.Mutex
	cut      []string // pages cut short, with why, up to maxCutListed
	cutCount int
}

// maxCutListed bounds the pages cut short named in the run's warning
// (each says so in its own warnings too).
const maxCutListed = 10

// startBrowser runs the browser of --browser, under the crawl's rules: the
// same origin scope (the frontier's), the same --header scoping. A browser
// that does not start is a failed target: the pages are still scanned over
// HTTP, and the run says the browser part is missing.
func (e *engine) startBrowser(ctx context.Context) {
	hdrs := make([]browser.Header, len(e.cfg.Headers))
	for i, h := range e.cfg.Headers {
		hdrs[i] = browser.Header(h)
	}
	b, err := browser.Start(ctx, browser.Options{
		Path: e.cfg.Browser, PageTimeout: e.cfg.BrowserTimeout, MaxBytes: e.cfg.MaxBytes,
		Headers: hdrs, HeadersFor: e.frontier.HeadersFor, Allow: e.frontier.InScope, Dial: e.policy.Dial(e.cfg.Timeout),
	})
	if err != nil {
		e.coll.AddTarget(findings.Target{Target: "browser " + e.cfg.Browser, State: findings.Failed,
			Reason: err.Error() + ": pages were scanned over HTTP only"})
		return
	}
	e.browser = &browsing{Browser: b}
}

// closeBrowser stops the browser and reports the connections its fence
// refused (WebSockets and workers' requests to other origins).
func (e *engine) closeBrowser() {
	if e.browser == nil {
		return
	}
	hosts, n := e.browser.Refused()
	blocked, nb := e.browser.Blocked()
	e.browser.Close()
	if n > 0 {
		e.coll.Warn(fmt.Sprintf("in the browser, pages tried %d connection%s to hosts outside the scope; refused: %s",
			n, plural(n), strings.Join(hosts, ", ")))
	}
	if nb > 0 {
		list := make([]string, len(blocked))
		for i, bl := range blocked {
			list[i] = bl.Method + " " + bl.URL + " (" + bl.Reason + ")"
		}
		if more := nb - len(blocked); more > 0 {
			list = append(list, fmt.Sprintf("and %d more", more))
		}
		e.coll.Warn(fmt.Sprintf("in the browser, %d request%s no page's watch caught (a worker's script, say) were blocked: %s",
			nb, plural(nb), strings.Join(list, "; ")))
	}
	b := e.browser
	if b.cutCount > 0 {
		list := b.cut
		if more := b.cutCount - len(list); more > 0 {
			list = append(list, fmt.Sprintf("and %d more", more))
		}
		what := "1 page did not end on its own within --browser-timeout %s and was cut short (what it had loaded was scanned): %s"
		if b.cutCount > 1 {
			what = fmt.Sprintf("%d pages did not end on their own within --browser-timeout %%s and were cut short (what they had loaded was scanned): %%s", b.cutCount)
		}
		e.coll.Warn("in the browser, " + fmt.Sprintf(what, e.cfg.BrowserTimeout, strings.Join(list, "; ")))
	}
}

// cutShort reports a page the browser cut short: in its own warnings, and
// for the run's.
func (e *engine) cutShort(t *findings.Target, page, why string) {
	t.Warnings = append(t.Warnings, "in the browser: cut short: "+why)
	b := e.browser
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cutCount++
	if len(b.cut) < maxCutListed {
		b.cut = append(b.cut, page+" ("+why+")")
	}
}

// browse loads an HTML page the crawl scanned in the browser too, and puts
// what it causes and leaves through the same detector. t is the page's
// target: the browser's troubles become its warnings.
func (e *engine) browse(ctx context.Context, sc *worker, j job, t *findings.Target, page string) {
	pageURL, err := url.Parse(page)
	if err != nil {
		return
	}
	// The links the rendered DOM holds wait until what the page submitted
	// to is refused: a form's action there must not be fetched with GET
	// before the browser has said the page POSTs to it.
	var domLinks []crawl.Link
	defer func() { e.discover(job{order: j.order, url: page, depth: j.depth}, domLinks, pageURL) }()
	res, err := e.browser.Load(ctx, page, func(r browser.Record) { e.browsed(sc, j, pageURL, r, &domLinks) })
	switch {
	case err != nil && ctx.Err() != nil:
		t.Warnings = append(t.Warnings, "interrupted before the browser was done with it")
		return
	case err != nil:
		t.Warnings = append(t.Warnings, "in the browser: "+err.Error())
		return
	}
	if res.CutShort != "" {
		e.cutShort(t, page, res.CutShort)
	}
	for _, w := range res.Warnings {
		t.Warnings = append(t.Warnings, "in the browser: "+w)
	}
	// Requests refused for their origin are reported like the crawl's
	// out-of-scope links; requests that would send something, counted.
	var links []crawl.Link
	sent := map[string]int{}
	rloc := findings.Location{Target: page, IsURL: true, Part: findings.PartRequests, Browser: true, Order: j.order}
	for _, bl := range res.Blocked {
		// A request that would carry a token off is itself a place of it.
		for _, m := range detect.Find([]byte(bl.URL)) {
			e.coll.Add(m, rloc)
		}
		if bl.Method != http.MethodGet && bl.Method != http.MethodHead {
			sent[bl.Method]++
			// What a page submits to is not fetched with GET either: the
			// crawl would do what the browser was kept from.
			if u, err := url.Parse(bl.URL); err == nil {
				why := fmt.Sprintf("the page sends it %s requests in the browser: not fetched (cratesguard sends nothing but GET and HEAD)", bl.Method)
				if dec := e.frontier.Refuse(u, why); !dec.Dup {
					e.coll.AddTarget(findings.Target{Target: dec.URL, IsURL: true, Discovered: true, Via: "submitted to in the browser on " + page,
						Depth: j.depth, State: findings.Skipped, Reason: why, Order: j.order})
				}
			}
			continue
		}
		if u, err := url.Parse(bl.URL); err == nil {
			links = append(links, crawl.Link{URL: u, Kind: crawl.Asset, Via: "requested in the browser"})
		}
	}
	e.discover(job{order: j.order, url: page, depth: j.depth}, links, pageURL)
	for m, n := range sent {
		t.Warnings = append(t.Warnings, fmt.Sprintf("in the browser, the page sent %d %s request%s: blocked (cratesguard sends nothing but GET and HEAD)", n, m, plural(n)))
	}
	if more := res.BlockedCount - len(res.Blocked); more > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("in the browser, %d more blocked requests were not listed", more))
	}
}

// browserParts are the places of what a page leaves behind.
var browserParts = map[browser.Kind]string{
	browser.WebSocket: findings.PartWebSocket, browser.Cookies: findings.PartCookies,
	browser.LocalStorage: findings.PartLocalStorage, browser.SessionStorage: findings.PartSessionStorage,
	browser.DOM: findings.PartDOM,
}

// browsed scans one record of a page loaded in the browser (j, the page's
// job).
func (e *engine) browsed(sc *worker, j job, page *url.URL, r browser.Record, domLinks *[]crawl.Link) {
	if r.Kind != browser.Response {
		loc := findings.Location{Target: r.URL, IsURL: true, Part: browserParts[r.Kind], Browser: true, Order: j.order}
		kind, lk := crawl.Text, linksAt{}
		if r.Kind == browser.DOM {
			// The rendered DOM holds what scripts wrote, and the links they
			// added: those feed the crawl.
			kind, lk = crawl.HTML, linksAt{url: page}
		}
		b, _ := e.scanBody(sc, bytes.NewReader(r.Body), kind, lk, loc, nil)
		if lk.url != nil {
			*domLinks = append(*domLinks, b.links...) // discovered once the page is done
		}
		return
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		// data: and blob: URLs are objects of the page: scanned under it.
		loc := findings.Location{Target: page.String(), IsURL: true, Part: findings.PartObject, Browser: true, Order: j.order}
		e.scanBody(sc, bytes.NewReader(r.Body), crawl.Text, linksAt{}, loc, nil)
		return
	}
	loc := findings.Location{Target: r.URL, IsURL: true, Browser: true, Order: j.order}
	hloc := loc
	hloc.Part = findings.PartHeaders
	for _, m := range detect.Find(headerText(r.Header)) {
		e.coll.Add(m, hloc)
	}
	link := crawl.Link{URL: u, Kind: crawl.Asset, Via: "loaded in the browser"}
	switch r.Type {
	case "Document":
		link.Kind = crawl.Page
	case browser.DedicatedWorker, browser.SharedWorker, browser.ServiceWorker:
		link.Via = "the script of a " + strings.ReplaceAll(r.Type, "_", " ") + " the page started in the browser"
	}
	from := job{order: j.order, url: page.String(), depth: j.depth}
	if r.Missing != "" || (r.Skip != "" && e.cfg.ScanBinary) {
		// No body from the browser: the crawl fetches it, if it has not.
		e.discover(from, []crawl.Link{link}, page)
		return
	}
	kind := crawl.Classify(u, r.MIME)
	dec := e.frontier.Admit(link, page, j.depth)
	if dec.Dup {
		// The crawl has it; the page's copy may differ (it was asked for
		// with the page's cookies), so it is scanned, not listed again.
		if r.Skip == "" {
			e.scanBody(sc, bytes.NewReader(r.Body), kind, linksAt{}, loc, nil)
		}
		return
	}
	t := findings.Target{Target: r.URL, IsURL: true, Discovered: true, Via: link.Via + " on " + page.String(),
		Depth: dec.Depth, Order: j.order, Status: r.Status, Content: kind.String(), Attempts: 1}
	switch {
	case dec.Skip != "":
		t.State, t.Reason = findings.Skipped, dec.Skip
	case r.Skip != "":
		t.State, t.Reason = findings.Skipped, r.Skip+"; --scan-binary scans it"
	default:
		ok := r.Status >= 200 && r.Status <= 299
		lk := linksAt{}
		if ok {
			lk.url = u
		}
		b, err := e.scanBody(sc, bytes.NewReader(r.Body), kind, lk, loc, nil)
		t.Bytes, t.Warnings = int64(len(r.Body)), b.warnings
		if r.Truncated {
			t.Warnings = append(t.Warnings, fmt.Sprintf("body larger than --max-bytes: only the first %d bytes were scanned", t.Bytes))
		}
		switch {
		case err != nil:
			t.State, t.Reason = findings.Failed, err.Error()
		case ok || b.found > 0:
			t.State = findings.Scanned
			b.unread(&t)
		default:
			// The page asked for something that is not there (a favicon,
			// an optional config): its body was scanned, but it is no
			// content of the site.
			t.State, t.Reason = findings.Skipped, fmt.Sprintf("HTTP %d when the page asked for it in the browser: not present", r.Status)
		}
		e.discover(job{order: j.order, url: r.URL, depth: dec.Depth}, b.links, u)
	}
	e.coll.AddTarget(t)
}
