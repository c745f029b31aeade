package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/domstorage"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Kind is what a record holds.
type Kind int

// Kinds of record.
const (
	Response       Kind = iota // a response the page caused: headers and body
	WebSocket                  // the text frames of one WebSocket, sent and received, one per line
	Cookies                    // the page's cookies after load, one "name=value" per line
	LocalStorage               // the page's localStorage after load, one "key=value" per line
	SessionStorage             // the same for sessionStorage
	DOM                        // the rendered document, serialized
)

// Record is one thing the page left for the detector.
type Record struct {
	Kind Kind
	// URL is the response's or WebSocket's URL; the page's for the
	// cookies, storage and DOM.
	URL string
	// Type is the resource type as Chromium names it (Document, Script,
	// Fetch, XHR, Stylesheet, Other…), for responses.
	Type   string
	Status int
	Header http.Header
	MIME   string
	Body   []byte
	// Truncated marks a body cut at MaxBytes.
	Truncated bool
	// Missing says why a response has no body (the browser kept none, or
	// it was larger than MaxBytes): fetch it some other way. Skip says why
	// it was not wanted (binary).
	Missing, Skip string
}

// Blocked is a request the page made and the browser did not send.
type Blocked struct {
	URL, Method, Reason string
}

// Result is what loading a page came to besides its records.
type Result struct {
	// URL is the page's URL once it settled (after redirects and
	// navigation).
	URL string
	// Blocked lists refused requests, up to maxBlocked; BlockedCount
	// counts them all.
	Blocked      []Blocked
	BlockedCount int
	Warnings     []string
}

// Bounds on what one page may make us hold; each is reported when hit.
// (Variables for the tests.)
var (
	maxBlocked      = 200
	maxResponses    = 5000    // response records per page
	maxSockets      = 50      // WebSockets per page
	maxSocketBytes  = 4 << 20 // text kept per WebSocket
	maxQueued       = 100000  // events waiting to be handled
	maxStorageBytes = 16 << 20
	maxChildren     = 20 // workers and frames watched per page
)

const (
	quietAfterLoad = 500 * time.Millisecond
	silenceIsIdle  = 2 * time.Second // no event at all: long polls do not keep a page open
	harvestTimeout = 15 * time.Second
)

// Load opens page in a new tab, lets it run until its network settles (or
// PageTimeout), and calls each, on the calling goroutine, for every
// response it caused and then for its WebSockets, cookies, storage and
// rendered DOM. An error means the page did not load at all.
func (b *Browser) Load(ctx context.Context, pageURL string, each func(Record)) (Result, error) {
	var res Result
	from, err := url.Parse(pageURL)
	if err != nil {
		return res, err
	}
	tctx, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	stop := context.AfterFunc(ctx, closeTab) // an interrupt closes the tab
	defer stop()

	p := &pageRun{b: b, from: from, paused: newQueue[event](maxQueued), events: newQueue[event](maxQueued)}
	pctx, cancel := context.WithTimeout(tctx, b.opts.PageTimeout)
	defer cancel()
	p.deadline, _ = pctx.Deadline()
	if err = chromedp.Listen(tctx, p.listener(pctx, 0)); err != nil {
		return res, fmt.Errorf("the browser opened no tab: %w", err)
	}
	// Workers (and out-of-process frames) are targets of their own: each
	// is held at its start until it is attached and watched like the page.
	if _, err := chromedp.Call(pctx, target.SetAutoAttach, target.SetAutoAttachParams{AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: &yes}); err != nil {
		return res, fmt.Errorf("the browser refused to attach to workers: %w", err)
	}
	defer func() {
		for _, c := range p.children {
			c()
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // requests wait for a verdict: give it at once, apart from the slow work
		defer wg.Done()
		p.decide(pctx)
	}()
	defer wg.Wait()
	defer cancel()

	if err := p.enable(pctx, true); err != nil {
		return res, err
	}
	nav, err := chromedp.Call(pctx, page.Navigate, page.NavigateParams{URL: pageURL})
	switch {
	case err != nil && ctx.Err() != nil:
		return res, ctx.Err()
	case err != nil && pctx.Err() != nil:
		return res, fmt.Errorf("the browser did not get the page within --browser-timeout %s", b.opts.PageTimeout)
	case err != nil:
		return res, fmt.Errorf("the browser could not load it: %w", err)
	case nav.ErrorText != "":
		return res, fmt.Errorf("the browser could not load it: %s", nav.ErrorText)
	}
	p.watch(tctx, pctx, each)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if pctx.Err() != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the page was still busy when --browser-timeout %s ran out: what it had loaded was scanned", b.opts.PageTimeout))
	}
	cancel()
	wg.Wait()

	hctx, hcancel := context.WithTimeout(tctx, harvestTimeout)
	defer hcancel()
	res.URL = p.harvest(hctx, each)
	if res.URL == "" {
		res.URL = pageURL
	}
	p.mu.Lock()
	res.Blocked, res.BlockedCount = p.blocked, p.blockedCount
	p.mu.Unlock()
	res.Warnings = append(res.Warnings, p.warnings...)
	if n := p.paused.lost() + p.events.lost(); n > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the page raised more than %d browser events: %d were not looked at", maxQueued, n))
	}
	return res, nil
}

var yes = true

// event is a protocol event with the target it came from (0, the page;
// then its workers in the order they attached) and the context to answer
// it in.
type event struct {
	ctx context.Context
	src int
	ev  any
}

// key names a request across the page's targets.
type key struct {
	src int
	id  network.RequestID
}

// listener returns the func that queues the events of target src.
func (p *pageRun) listener(ctx context.Context, src int) func(any) {
	return func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
			p.paused.put(event{ctx, src, ev})
		case *network.EventRequestWillBeSent, *network.EventResponseReceived, *network.EventLoadingFinished,
			*network.EventLoadingFailed, *network.EventWebSocketCreated, *network.EventWebSocketFrameReceived,
			*network.EventWebSocketFrameSent, *page.EventLoadEventFired, *page.EventJavascriptDialogOpening,
			*target.EventAttachedToTarget:
			p.events.put(event{ctx, src, ev})
		}
	}
}

// enable makes a target report its network with bodies kept up to
// MaxBytes and, for the page, hold each request for decide. (Workers
// have no Fetch domain: their requests meet only the fence, and carry no
// configured header.)
func (p *pageRun) enable(ctx context.Context, hold bool) error {
	total := min(4*p.b.opts.MaxBytes, 1<<30)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{MaxTotalBufferSize: &total, MaxResourceBufferSize: &p.b.opts.MaxBytes}); err != nil {
		return fmt.Errorf("the browser refused to watch the network: %w", err)
	}
	if !hold {
		return nil
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		return fmt.Errorf("the browser refused to hold requests: %w", err)
	}
	return nil
}

// attach watches a target the page started (a worker), then lets it run.
func (p *pageRun) attach(tab context.Context, ev *target.EventAttachedToTarget) {
	if ev.TargetInfo == nil {
		return
	}
	cctx, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(ev.TargetInfo.TargetID))
	p.children = append(p.children, cancel)
	bounded, stop := context.WithDeadline(cctx, p.deadline)
	p.children = append(p.children, stop)
	src := len(p.children) / 2
	watched := src <= maxChildren
	fn := func(any) {}
	if watched {
		fn = p.listener(bounded, src)
	}
	if err := chromedp.Listen(cctx, fn); err != nil {
		p.warnings = append(p.warnings, fmt.Sprintf("a %s the page started could not be watched: %v", ev.TargetInfo.Type, err))
		return
	}
	if watched {
		if err := p.enable(bounded, false); err != nil {
			p.warnings = append(p.warnings, fmt.Sprintf("a %s the page started: %v", ev.TargetInfo.Type, err))
		}
	} else if src == maxChildren+1 {
		p.warnings = append(p.warnings, fmt.Sprintf("the page started more than %d workers and frames: the rest ran unwatched", maxChildren))
	}
	_, _ = chromedp.Call(bounded, runtime.RunIfWaitingForDebugger, cdp.Empty{})
}

// pageRun is the state of one page's load.
type pageRun struct {
	b        *Browser
	from     *url.URL
	paused   *queue[event]
	events   *queue[event]
	deadline time.Time
	children []context.CancelFunc

	mu           sync.Mutex
	blocked      []Blocked
	blockedCount int

	warnings  []string
	responses int
	sockets   []*socket
	socketOf  map[key]*socket
}

type socket struct {
	url       string
	text      strings.Builder
	truncated bool
}

// decide answers each paused request: blocked when the method is not GET
// or HEAD or Allow refuses the URL, else sent on, with the configured
// headers where HeadersFor approves.
func (p *pageRun) decide(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.paused.ready:
		}
		for _, e := range p.paused.take() {
			ctx, ev := e.ctx, e.ev.(*fetch.EventRequestPaused)
			rq := ev.Request
			if rq == nil {
				continue
			}
			u, err := url.Parse(rq.URL)
			var why string
			switch {
			case err != nil:
				why = "not a URL"
			case rq.Method != http.MethodGet && rq.Method != http.MethodHead:
				why = fmt.Sprintf("a %s request: cratesguard sends nothing but GET and HEAD", rq.Method)
			default:
				why = p.b.opts.Allow(u, p.from)
			}
			switch {
			case why == "":
			case ev.ResourceType == network.ResourceTypeDocument:
				// A navigation away (a login redirect, a hostile page
				// fleeing): answered "204 No Content", which leaves the page
				// where it is, so what it holds can still be read.
				p.block(Blocked{URL: rq.URL, Method: rq.Method, Reason: why})
				_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: http.StatusNoContent})
				continue
			default:
				p.block(Blocked{URL: rq.URL, Method: rq.Method, Reason: why})
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
				continue
			}
			cont := fetch.ContinueRequestParams{RequestID: ev.RequestID}
			if len(p.b.opts.Headers) > 0 && p.b.opts.HeadersFor != nil && p.b.opts.HeadersFor(u) {
				cont.Headers = withHeaders(rq.Headers, p.b.opts.Headers)
			}
			_, _ = chromedp.Call(ctx, fetch.ContinueRequest, cont)
		}
	}
}

func (p *pageRun) block(bl Blocked) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blockedCount++
	if len(p.blocked) < maxBlocked {
		p.blocked = append(p.blocked, bl)
	}
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

// watch handles the page's events until its network settles: the load
// event fired, and nothing happened for quietAfterLoad with no request in
// flight, or for silenceIsIdle at all.
func (p *pageRun) watch(tab, ctx context.Context, each func(Record)) {
	responses := map[key]*network.EventResponseReceived{}
	inflight := map[key]bool{}
	p.socketOf = map[key]*socket{}
	loaded := false
	last := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.events.ready:
		case <-tick.C:
		}
		for _, e := range p.events.take() {
			last = time.Now()
			switch ev := e.ev.(type) {
			case *network.EventRequestWillBeSent:
				inflight[key{e.src, ev.RequestID}] = true
			case *network.EventResponseReceived:
				responses[key{e.src, ev.RequestID}] = ev
			case *network.EventLoadingFinished:
				k := key{e.src, ev.RequestID}
				delete(inflight, k)
				if r := responses[k]; r != nil {
					delete(responses, k)
					p.response(e.ctx, r, each)
				}
			case *network.EventLoadingFailed:
				k := key{e.src, ev.RequestID}
				delete(inflight, k)
				if r := responses[k]; r != nil { // the body broke off
					delete(responses, k)
					p.emit(each, p.record(r, nil, "the browser's load of it failed: "+ev.ErrorText))
				}
			case *network.EventWebSocketCreated:
				if len(p.sockets) < maxSockets {
					s := &socket{url: ev.URL}
					p.sockets = append(p.sockets, s)
					p.socketOf[key{e.src, ev.RequestID}] = s
				} else if len(p.sockets) == maxSockets {
					p.sockets = append(p.sockets, nil) // counted once
					p.warnings = append(p.warnings, fmt.Sprintf("the page opened more than %d WebSockets: the frames of the rest were not scanned", maxSockets))
				}
			case *network.EventWebSocketFrameReceived:
				p.frame(key{e.src, ev.RequestID}, ev.Response)
			case *network.EventWebSocketFrameSent:
				p.frame(key{e.src, ev.RequestID}, ev.Response)
			case *page.EventLoadEventFired:
				loaded = loaded || e.src == 0
			case *page.EventJavascriptDialogOpening:
				_, _ = chromedp.Call(e.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			case *target.EventAttachedToTarget:
				p.attach(tab, ev)
			}
		}
		quiet := time.Since(last)
		if loaded && (len(inflight) == 0 && quiet >= quietAfterLoad || quiet >= silenceIsIdle) {
			return
		}
	}
}

func (p *pageRun) frame(id key, f *network.WebSocketFrame) {
	s := p.socketOf[id]
	if s == nil || f == nil || f.Opcode != 1 { // text frames only
		return
	}
	data := f.PayloadData
	if room := maxSocketBytes - s.text.Len() - 1; len(data) > room {
		s.truncated = true
		data = data[:max(room, 0)]
	}
	if len(data) > 0 {
		s.text.Write(data)
		s.text.WriteByte('\n')
	}
}

func (p *pageRun) record(r *network.EventResponseReceived, body []byte, missing string) Record {
	rec := Record{Kind: Response, Type: string(r.Type), Missing: missing}
	if rs := r.Response; rs != nil {
		rec.URL, rec.Status, rec.MIME = rs.URL, int(rs.Status), rs.MimeType
		rec.Header = http.Header{}
		for k, v := range rs.Headers {
			for _, line := range strings.Split(fmt.Sprint(v), "\n") {
				rec.Header.Add(k, line)
			}
		}
	}
	if int64(len(body)) > p.b.opts.MaxBytes {
		body, rec.Truncated = body[:p.b.opts.MaxBytes], true
	}
	rec.Body = body
	return rec
}

func (p *pageRun) emit(each func(Record), rec Record) {
	if rec.Kind == Response {
		p.responses++
		if p.responses > maxResponses {
			if p.responses == maxResponses+1 {
				p.warnings = append(p.warnings, fmt.Sprintf("the page caused more than %d responses: the rest were not scanned", maxResponses))
			}
			return
		}
	}
	each(rec)
}

// response hands over one finished response with its body.
func (p *pageRun) response(ctx context.Context, r *network.EventResponseReceived, each func(Record)) {
	switch r.Type {
	case network.ResourceTypeImage, network.ResourceTypeMedia, network.ResourceTypeFont:
		rec := p.record(r, nil, "")
		rec.Skip = fmt.Sprintf("binary content (%s)", r.Type)
		p.emit(each, rec)
		return
	}
	got, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: r.RequestID})
	missing := ""
	if err != nil {
		missing = "the browser kept no body for it (larger than --max-bytes, or evicted)"
		if ctx.Err() != nil {
			missing = "the page's time ran out before its body was read"
		}
	}
	p.emit(each, p.record(r, got.Body, missing))
}

// harvest reads what the page left behind and returns where it ended.
func (p *pageRun) harvest(ctx context.Context, each func(Record)) string {
	for _, s := range p.sockets {
		if s == nil {
			continue
		}
		if s.truncated {
			p.warnings = append(p.warnings, fmt.Sprintf("a WebSocket sent more than %d bytes of text: only the first were scanned", maxSocketBytes))
		}
		if s.text.Len() == 0 {
			continue
		}
		each(Record{Kind: WebSocket, URL: s.url, Body: []byte(s.text.String()), Truncated: s.truncated})
	}
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil || tree.FrameTree == nil || tree.FrameTree.Frame == nil {
		p.warnings = append(p.warnings, "the browser did not say where the page ended: its cookies, storage and DOM were not read")
		return ""
	}
	final := tree.FrameTree.Frame.URL
	if c, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{}); err == nil && len(c.Cookies) > 0 {
		var b strings.Builder
		for _, ck := range c.Cookies {
			fmt.Fprintf(&b, "%s=%s\n", ck.Name, ck.Value)
		}
		each(Record{Kind: Cookies, URL: final, Body: []byte(b.String())})
	}
	for _, f := range frames(tree.FrameTree) {
		origin := f.SecurityOrigin
		if !strings.HasPrefix(origin, "http://") && !strings.HasPrefix(origin, "https://") {
			continue
		}
		for _, local := range []bool{true, false} {
			body, cut := storage(ctx, origin, local)
			if cut {
				p.warnings = append(p.warnings, fmt.Sprintf("the page's storage holds more than %d bytes: only part of it was scanned", maxStorageBytes))
			}
			if len(body) > 0 {
				k := SessionStorage
				if local {
					k = LocalStorage
				}
				each(Record{Kind: k, URL: f.URL, Body: body})
			}
		}
	}
	if doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{}); err == nil && doc.Root != nil {
		if html, err := chromedp.Call(ctx, dom.GetOuterHTML, dom.GetOuterHTMLParams{NodeID: doc.Root.NodeID}); err == nil {
			body := []byte(html.OuterHTML)
			trunc := int64(len(body)) > p.b.opts.MaxBytes
			if trunc {
				body = body[:p.b.opts.MaxBytes]
				p.warnings = append(p.warnings, fmt.Sprintf("the rendered DOM is larger than --max-bytes: only the first %d bytes were scanned", len(body)))
			}
			each(Record{Kind: DOM, URL: final, Body: body, Truncated: trunc})
		}
	}
	return final
}

// frames lists the frames of a tree, each origin once.
func frames(t *page.FrameTree) []*cdp.Frame {
	var out []*cdp.Frame
	seen := map[string]bool{}
	var walk func(*page.FrameTree)
	walk = func(t *page.FrameTree) {
		if t == nil || t.Frame == nil {
			return
		}
		if !seen[t.Frame.SecurityOrigin] {
			seen[t.Frame.SecurityOrigin] = true
			out = append(out, t.Frame)
		}
		for _, c := range t.ChildFrames {
			walk(c)
		}
	}
	walk(t)
	return out
}

// storage is an origin's localStorage or sessionStorage as key=value
// lines, read through the DevTools protocol (no script of the page runs).
func storage(ctx context.Context, origin string, local bool) ([]byte, bool) {
	id := &domstorage.StorageID{SecurityOrigin: origin, IsLocalStorage: local}
	got, err := chromedp.Call(ctx, domstorage.GetDOMStorageItems, domstorage.GetDOMStorageItemsParams{StorageID: id})
	if err != nil {
		id = &domstorage.StorageID{StorageKey: domstorage.SerializedStorageKey(origin + "/"), IsLocalStorage: local}
		if got, err = chromedp.Call(ctx, domstorage.GetDOMStorageItems, domstorage.GetDOMStorageItemsParams{StorageID: id}); err != nil {
			return nil, false
		}
	}
	var b strings.Builder
	cut := false
	for _, it := range got.Entries {
		if len(it) != 2 {
			continue
		}
		if b.Len()+len(it[0])+len(it[1])+2 > maxStorageBytes {
			cut = true
			continue
		}
		b.WriteString(it[0] + "=" + it[1] + "\n")
	}
	return []byte(b.String()), cut
}

// queue is an unbounded-looking, bounded queue the event listener can put
// into without blocking.
type queue[T any] struct {
	mu      sync.Mutex
	items   []T
	max     int
	dropped int
	ready   chan struct{}
}

func newQueue[T any](max int) *queue[T] {
	return &queue[T]{max: max, ready: make(chan struct{}, 1)}
}

func (q *queue[T]) put(v T) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		q.dropped++
	} else {
		q.items = append(q.items, v)
	}
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue[T]) lost() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

func (q *queue[T]) take() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}
