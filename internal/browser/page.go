package browser

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
)

// Bounds on what one page may make us hold; each is reported when hit.
// (Variables for the tests.)
var (
	maxBlocked      = 200
	maxResponses    = 5000    // response records per page
	maxSockets      = 50      // WebSockets per page
	maxSocketBytes  = 4 << 20 // text kept per WebSocket
	maxQueued       = 100000  // events waiting to be handled
	maxStorageBytes = 16 << 20
	maxChildren     = 20 // workers, frames and windows watched per page
)

const (
	quietAfterLoad = 500 * time.Millisecond
	silenceIsIdle  = 2 * time.Second // no event at all: long polls do not keep a page open
	// disposeTimeout bounds the disposal of a page's browser context,
	// which runs after the page, beside the next ones.
	disposeTimeout = 5 * time.Second
)

// harvestShare is the part of a page's time kept for reading what it
// left: a fifth, at least a second (or half of a shorter time), at most
// ten seconds.
func harvestShare(d time.Duration) time.Duration {
	return min(max(d/5, min(time.Second, d/2)), 10*time.Second)
}

// pageRun is the state of one page's load.
type pageRun struct {
	b      *Browser
	from   *url.URL
	bc     cdp.BrowserContextID
	ctx    context.Context // the page's: until its deadline, or its end
	cancel context.CancelFunc
	urgent *queue[event] // paused requests and dialogs, for answerAll
	events *queue[event] // the rest, for watch
	// ready is closed once the page's own target is watched, or could not
	// be (pageErr).
	ready   chan struct{}
	pageErr error
	wg      sync.WaitGroup // answerAll and prepare

	mu           sync.Mutex
	ended        bool
	seen         map[target.ID]bool
	page         *tgt
	children     int
	targets      []target.SessionID
	notes        []string // warnings of other goroutines than watch's
	blocked      []Blocked
	blockedCount int
	ours         map[key]bool // requests answered by us (a navigation's 204)

	// watch's and harvest's own
	warnings  []string
	responses int
	sockets   []*socket
	socketOf  map[key]*socket
	tooLarge  map[string]int
	overflow  bool // more responses at once than watch follows
}

// event is a protocol event with the target it came from.
type event struct {
	t  *tgt
	ev any
}

// key names a request across the page's targets.
type key struct {
	src int
	id  network.RequestID
}

type socket struct {
	url       string
	text      strings.Builder
	truncated bool
}

func (p *pageRun) note(w string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes = append(p.notes, w)
}

// Load opens page in a new tab, in a browser context of its own, lets it
// run until its network settles, and calls each, on the calling goroutine,
// for every response it and its workers caused (and the script of each
// worker it started), then for its WebSockets, cookies, storage and
// rendered DOM. All of it happens within PageTimeout, a fifth of which
// (harvestShare) is kept for the reading; a page that does not end on its
// own in that time is cut short (Result.CutShort). An error means the
// browser could not load the page at all, or ctx ended.
func (b *Browser) Load(ctx context.Context, pageURL string, each func(Record)) (res Result, err error) {
	from, err := url.Parse(pageURL)
	if err != nil {
		return res, err
	}
	timeout := b.opts.PageTimeout
	deadline := time.Now().Add(timeout)
	pctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	p := &pageRun{b: b, from: from, ctx: pctx, cancel: cancel, ready: make(chan struct{}),
		urgent: newQueue[event](maxQueued), events: newQueue[event](maxQueued),
		seen: map[target.ID]bool{}, ours: map[key]bool{}, socketOf: map[key]*socket{}, tooLarge: map[string]int{}}
	defer func() {
		if err == nil { // what the page was refused and what was said, however far it got
			p.report(&res)
		}
	}()
	// failed is the outcome of a step that did not happen: the page's time
	// ran out (cut short), ctx ended, or the browser refused.
	failed := func(what string, err error) (Result, error) {
		switch {
		case ctx.Err() != nil:
			return res, ctx.Err()
		case pctx.Err() != nil:
			res.CutShort = fmt.Sprintf("%s before --browser-timeout %s ran out: nothing of it was scanned in the browser", what, timeout)
			return res, nil
		}
		return res, fmt.Errorf("%s: %w", what, err)
	}

	// A browser context of its own: the page's cookies, storage, shared
	// and service workers are its alone, and go with it.
	bc, err := call(pctx, b.root, target.CreateBrowserContext, target.CreateBrowserContextParams{ProxyServer: "http://" + b.fence.addr(), ProxyBypassList: "<-loopback>"})
	if err != nil {
		return failed("the browser opened no browser context for it", err)
	}
	p.bc = bc.BrowserContextID
	b.mu.Lock()
	b.pages[p.bc] = p
	b.mu.Unlock()
	defer p.end()
	if _, err := call(pctx, b.root, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny, BrowserContextID: p.bc}); err != nil {
		return failed("the browser did not deny downloads", err)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.answerAll(pctx)
	}()
	if _, err := call(pctx, b.root, target.CreateTarget, target.CreateTargetParams{URL: "about:blank", BrowserContextID: p.bc}); err != nil {
		return failed("the browser opened no tab for it", err)
	}
	select {
	case <-p.ready:
	case <-pctx.Done():
		return failed("the browser did not get its tab ready", pctx.Err())
	}
	if p.pageErr != nil {
		return failed("the browser could not watch its tab", p.pageErr)
	}

	wctx, wcancel := context.WithDeadline(pctx, deadline.Add(-harvestShare(timeout)))
	defer wcancel()
	nav, err := call(wctx, p.page.s, page.Navigate, page.NavigateParams{URL: pageURL})
	switch {
	case err != nil && wctx.Err() != nil && ctx.Err() == nil:
		res.CutShort = fmt.Sprintf("the browser did not get the page before --browser-timeout %s ran out: nothing of it was scanned in the browser", timeout)
		return res, nil
	case err != nil:
		return failed("the browser could not load it", err)
	case nav.ErrorText != "":
		return failed("the browser could not load it", errors.New(nav.ErrorText))
	default:
		if why := p.watch(wctx, each); why != "" {
			res.CutShort = why + fmt.Sprintf(" when --browser-timeout %s ran out", timeout)
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	final, missed := p.harvest(pctx, each)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.URL = final
	if res.URL == "" {
		res.URL = pageURL
	}
	if missed != "" {
		if res.CutShort != "" {
			res.CutShort += "; "
		}
		res.CutShort += missed
	}
	return res, nil
}

// report puts the page's refused requests and warnings into res.
func (p *pageRun) report(res *Result) {
	p.mu.Lock()
	res.Blocked, res.BlockedCount = p.blocked, p.blockedCount
	res.Warnings = append(p.warnings, p.notes...)
	p.mu.Unlock()
	if n := p.urgent.lost() + p.events.lost(); n > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the page raised more than %d browser events: %d were not looked at", maxQueued, n))
	}
	if w := p.tooLargeWarning(); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
}

// end ends the page: its goroutines, the routing of its targets' events,
// and its browser context, disposed of (with every target in it) beside
// the next pages.
func (p *pageRun) end() {
	p.mu.Lock()
	p.ended = true
	sessions := p.targets
	p.mu.Unlock()
	p.cancel()
	for _, s := range sessions {
		p.b.proc.conn.route(s, nil)
	}
	p.wg.Wait()
	b := p.b
	b.disposing.Add(1)
	go func() {
		defer b.disposing.Done()
		ctx, cancel := context.WithTimeout(context.Background(), disposeTimeout)
		defer cancel()
		_, _ = call(ctx, b.root, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: p.bc})
		b.mu.Lock()
		delete(b.pages, p.bc)
		b.mu.Unlock()
	}()
}

// watch handles the page's events until its network settles: its load
// event fired, and then nothing was in flight for quietAfterLoad; or its
// load event fired or its document arrived, and then nothing at all
// happened for silenceIsIdle (long polls do not keep a page open). It
// says why the page did not settle before ctx ended ("" when it did).
func (p *pageRun) watch(ctx context.Context, each func(Record)) string {
	responses := map[key]*network.EventResponseReceived{}
	// In flight by the request's id alone: a worker's script is asked for
	// in the session of the target that starts it, and arrives in its own.
	inflight := map[network.RequestID]bool{}
	loaded, arrived := false, false
	last := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			switch {
			case !arrived && !loaded:
				return "its document had not finished loading"
			case len(inflight) > 0:
				return fmt.Sprintf("its network had not settled (%d request%s in flight)", len(inflight), plural(len(inflight)))
			}
			return "it was still busy"
		case <-p.events.ready:
		case <-tick.C:
		}
		for _, e := range p.events.take() {
			last = time.Now()
			k := key{src: e.t.src}
			switch ev := e.ev.(type) {
			case *network.EventRequestWillBeSent:
				if len(inflight) < maxResponses {
					inflight[ev.RequestID] = true
				}
			case *network.EventResponseReceived:
				k.id = ev.RequestID
				p.mu.Lock()
				ours := p.ours[k]
				p.mu.Unlock()
				switch {
				case ours:
				case len(responses) < maxResponses:
					responses[k] = ev
				case len(responses) == maxResponses && !p.overflow:
					p.overflow = true
					p.warnings = append(p.warnings, fmt.Sprintf("the page had more than %d responses coming at once: the rest were not scanned", maxResponses))
				}
			case *network.EventLoadingFinished:
				k.id = ev.RequestID
				delete(inflight, ev.RequestID)
				if r := responses[k]; r != nil {
					delete(responses, k)
					arrived = arrived || e.t.src == 0 && r.Type == network.ResourceTypeDocument
					p.response(ctx, e.t, r, each)
				}
			case *network.EventLoadingFailed:
				k.id = ev.RequestID
				delete(inflight, ev.RequestID)
				if r := responses[k]; r != nil { // the body broke off
					delete(responses, k)
					p.emit(each, p.record(r, nil, "the browser's load of it failed: "+ev.ErrorText))
				}
			case *network.EventWebSocketCreated:
				p.socketCreated(key{e.t.src, ev.RequestID}, ev.URL)
			case *network.EventWebSocketFrameReceived:
				p.frame(key{e.t.src, ev.RequestID}, ev.Response)
			case *network.EventWebSocketFrameSent:
				p.frame(key{e.t.src, ev.RequestID}, ev.Response)
			case *page.EventLoadEventFired:
				loaded = loaded || e.t.src == 0
			case *workerScript:
				// The browser fetches a shared or service worker's script
				// where no session of ours sees it: the crawl fetches it.
				p.emit(each, Record{Kind: Response, URL: ev.url, Type: ev.kind,
					Missing: fmt.Sprintf("the script of a %s the page started, which the browser does not hand over", ev.kind)})
			case *tooLarge:
				p.tooLarge[ev.Method]++
			}
		}
		quiet := time.Since(last)
		if loaded && len(inflight) == 0 && quiet >= quietAfterLoad || (loaded || arrived) && quiet >= silenceIsIdle {
			return ""
		}
	}
}

func (p *pageRun) socketCreated(k key, u string) {
	switch {
	case len(p.sockets) < maxSockets:
		s := &socket{url: u}
		p.sockets = append(p.sockets, s)
		p.socketOf[k] = s
	case len(p.sockets) == maxSockets:
		p.sockets = append(p.sockets, nil) // counted once
		p.warnings = append(p.warnings, fmt.Sprintf("the page opened more than %d WebSockets: the frames of the rest were not scanned", maxSockets))
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

// response hands over one finished response with its body, read in the
// session of the target that received it.
func (p *pageRun) response(ctx context.Context, t *tgt, r *network.EventResponseReceived, each func(Record)) {
	switch r.Type {
	case network.ResourceTypeImage, network.ResourceTypeMedia, network.ResourceTypeFont:
		rec := p.record(r, nil, "")
		rec.Skip = fmt.Sprintf("binary content (%s)", r.Type)
		p.emit(each, rec)
		return
	}
	got, err := call(ctx, t.s, network.GetResponseBody, network.GetResponseBodyParams{RequestID: r.RequestID})
	missing := ""
	switch {
	case err == nil:
	case ctx.Err() != nil:
		missing = "the page's time ran out before its body was read"
	default:
		missing = "the browser kept no body for it (larger than --max-bytes, or evicted)"
	}
	p.emit(each, p.record(r, got.Body, missing))
}

// tooLargeWarning says which browser messages were too large to read.
func (p *pageRun) tooLargeWarning() string {
	if len(p.tooLarge) == 0 {
		return ""
	}
	var parts []string
	n := 0
	for m, c := range p.tooLarge {
		n += c
		if m == "" {
			m = "unknown"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", m, c))
	}
	sort.Strings(parts)
	return fmt.Sprintf("the browser reported %d event%s of the page larger than cratesguard reads (%d MiB): not scanned (%s)",
		n, plural(n), p.b.proc.conn.max>>20, strings.Join(parts, ", "))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
