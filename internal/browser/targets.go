package browser

import (
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
)

// A page's targets: the page (src 0), then, in the order they attach, its
// frames in other processes, its dedicated workers and the workers they
// start (attached under the target that started them), the shared and
// service workers of its browser context (attached in the browser's
// session), and the windows it opens. Each is held at its start until it
// is watched: its new targets attached in turn (held too), its requests
// paused (answer.go), its network reported; then it runs.

// tgt is one target of a page.
type tgt struct {
	s    session
	src  int    // 0, the page; then 1, 2… in the order they attached
	kind string // Chromium's type: page, iframe, worker, shared_worker, service_worker…
	url  string
}

// childFilter is what a target's auto-attach attaches to: what
// targetFilter does, but shared and service workers, which belong to the
// browser context and are attached once, in the browser's session.
var childFilter = target.Filter{{Type: "service_worker", Exclude: true}, {Type: "shared_worker", Exclude: true},
	{Type: "browser", Exclude: true}, {Type: "tab", Exclude: true}, {Type: "browser_ui", Exclude: true}, {}}

// workerScript is the event of a worker's start, for watch: the browser
// fetches the script of a shared or service worker in no session we see,
// so the crawl is told to.
type workerScript struct{ kind, url string }

// adopt takes a target attached in the page's browser context: its events
// are the page's from now on, and it runs once watched. Past maxChildren
// targets, the rest are held at their start, never run. It runs on the
// goroutine that reads the browser's messages, before the target's first
// event is read.
func (p *pageRun) adopt(ev *target.EventAttachedToTarget) {
	info := ev.TargetInfo
	if info == nil {
		return
	}
	p.mu.Lock()
	if p.ended || p.seen[info.TargetID] {
		// A page that ended has its context disposed of, and this with
		// it; a target seen before (attached twice) is watched already.
		p.mu.Unlock()
		return
	}
	t := &tgt{s: session{p.b.proc.conn, ev.SessionID}, kind: info.Type, url: info.URL}
	if info.Type == "page" && p.page == nil {
		p.page = t
	} else {
		p.children++
		t.src = p.children
		if t.src > maxChildren {
			// Held, and not remembered: held, it starts nothing more.
			if t.src == maxChildren+1 {
				p.notes = append(p.notes, fmt.Sprintf("the page started more than %d workers, frames and windows: the rest were held at their start, never run", maxChildren))
			}
			p.mu.Unlock()
			return
		}
	}
	p.seen[info.TargetID] = true
	p.targets = append(p.targets, ev.SessionID)
	p.mu.Unlock()
	p.b.proc.conn.route(ev.SessionID, p.listener(t))
	switch info.Type {
	case DedicatedWorker, SharedWorker, ServiceWorker:
		p.events.put(event{t, &workerScript{info.Type, info.URL}})
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.prepare(t, ev.WaitingForDebugger)
	}()
}

// listener returns the func that takes the events of target t: what the
// page waits on to answer at once, the rest for watch.
func (p *pageRun) listener(t *tgt) func(any) {
	return func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused, *page.EventJavascriptDialogOpening:
			p.urgent.put(event{t, ev})
		case *target.EventAttachedToTarget:
			p.adopt(ev)
		case *target.EventDetachedFromTarget:
			p.b.proc.conn.route(ev.SessionID, nil)
		case *network.EventRequestWillBeSent, *network.EventResponseReceived, *network.EventLoadingFinished,
			*network.EventLoadingFailed, *network.EventWebSocketCreated, *network.EventWebSocketFrameReceived,
			*network.EventWebSocketFrameSent, *page.EventLoadEventFired, *tooLarge:
			p.events.put(event{t, ev})
		}
	}
}

// prepare watches target t, then lets it run if it was held: its own new
// targets attached and held in turn, its requests paused, its network
// reported. A target whose requests cannot be paused is held for good.
// (Dedicated workers have no Fetch domain: their requests pause in the
// session of the page that started them.)
func (p *pageRun) prepare(t *tgt, held bool) {
	ctx := p.ctx
	fail := func(what string, err error) {
		if ctx.Err() != nil {
			return
		}
		if t.src == 0 {
			p.pageErr = fmt.Errorf("the browser refused %s: %w", what, err)
			close(p.ready)
			return
		}
		p.note(fmt.Sprintf("a %s the page started was held at its start, never run: the browser refused %s: %v", t.kind, what, err))
	}
	if _, err := call(ctx, t.s, target.SetAutoAttach, target.SetAutoAttachParams{AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: &yes, Filter: childFilter}); err != nil {
		fail("to attach to the targets it starts", err)
		return
	}
	if _, err := call(ctx, t.s, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil &&
		!(t.kind == DedicatedWorker && strings.Contains(err.Error(), "wasn't found")) {
		fail("to hold its requests", err)
		return
	}
	if t.kind == "page" || t.kind == "iframe" {
		if _, err := call(ctx, t.s, page.Enable, page.EnableParams{}); err != nil {
			fail("to report its page events", err)
			return
		}
	}
	// A worker held at its start enables its network only once it runs:
	// the two are sent in order, and waited for together.
	total := min(4*p.b.opts.MaxBytes, 1<<30)
	netDone := send(ctx, t.s, network.Enable, network.EnableParams{MaxTotalBufferSize: &total, MaxResourceBufferSize: &p.b.opts.MaxBytes})
	var errRun error
	if held {
		errRun = send(ctx, t.s, runtime.RunIfWaitingForDebugger, cdp.Empty{})(ctx)
	}
	errNet := netDone(ctx)
	switch {
	case errRun != nil:
		fail("to let it run", errRun)
	case errNet != nil && t.src == 0:
		fail("to report its network", errNet)
	case errNet != nil:
		p.note(fmt.Sprintf("a %s the page started ran unwatched (its requests were held and checked, its responses not scanned): %v", t.kind, errNet))
	case t.src == 0:
		close(p.ready)
	}
}
