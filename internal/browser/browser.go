// Package browser loads pages in headless Chromium, driven over the Chrome
// DevTools Protocol on its pipe, and hands every response the page and its
// workers cause, its WebSocket text frames, cookies, DOM storage and
// rendered DOM to the caller as records: another fetcher, whose records go
// through the same detector as the HTTP crawl's bodies.
//
// It obeys the caller's rules, not its own: Allow says which URLs a page
// may request, and HeadersFor where the configured headers may be sent.
// Every target (the page, its frames, dedicated, shared and service
// workers, and the workers they start) is held at its start until its
// requests are intercepted, and every request is paused and checked before
// it leaves: only GET and HEAD, only where Allow admits (answer.go).
// Beneath that, the browser's only way out is a proxy of this package (the
// fence) that refuses connections to hosts Allow does not admit.
//
// Every page ends: each protocol call and wait is bounded by the page's
// deadline (--browser-timeout), and the page's browser context, with its
// workers, is disposed of when it ends. Chromium runs in a process group
// of its own and ends with cratesguard (launch.go).
package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/target"
)

// Names are the executables looked for on PATH, in order.
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"}

// InstallHint says how to get a browser.
const InstallHint = "install Chromium (Debian/Ubuntu: apt-get install chromium; Alpine: apk add chromium; macOS: brew install --cask chromium) or name it with --browser-path; in GitHub Actions use the browser variant of the action (cratesguard/cratesguard/browser@v1)"

// Find returns the browser to run: path when given (it must be an
// executable file), else the first of Names on PATH.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%q is not an executable file (%v): name Chromium's executable", path, unwrapExec(err))
		}
		return p, nil
	}
	for _, n := range Names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium or Chrome on PATH (looked for %s); %s", strings.Join(Names, ", "), InstallHint)
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// Options configure the browser.
type Options struct {
	Path string // the executable (see Find)
	// PageTimeout bounds one page: loading it, waiting for its network to
	// settle, and reading what it left behind.
	PageTimeout time.Duration
	// MaxBytes is the largest response body the browser keeps for us; a
	// larger one is reported as Missing, for the caller to fetch itself.
	// It bounds the DOM, each storage and the cookies read from a page too,
	// as they are read.
	MaxBytes int64
	// Headers are the configured request headers; they are added only to
	// requests HeadersFor approves.
	Headers    []Header
	HeadersFor func(u *url.URL) bool
	// Allow says why a page may not request u (from, the page; nil when
	// not known), or "" when it may. It is asked before each request
	// leaves, redirects included.
	Allow func(u, from *url.URL) string
	// Dial, if set, is how the fence connects upstream (the request
	// policy's dialer); nil dials as net.Dialer does.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Stderr, if set, gets the browser's own output (tests).
	Stderr interface{ Write([]byte) (int, error) }
}

// Header is a configured request header.
type Header struct{ Name, Value string }

// Browser is one running Chromium; pages load in their own tabs, each in
// a browser context of its own, in parallel.
type Browser struct {
	opts   Options
	fence  *fence
	proc   *process
	root   session                           // the browser's own session
	paused *queue[*fetch.EventRequestPaused] // requests paused in it
	cancel context.CancelFunc                // ends answerBrowser

	mu           sync.Mutex
	pages        map[cdp.BrowserContextID]*pageRun
	blocked      []Blocked // refused in the browser's own session
	blockedCount int
	disposing    sync.WaitGroup // pages' browser contexts being disposed of

	closeOnce sync.Once
}

// targetFilter is what auto-attach attaches to: everything but the
// browser's own user interface (which Chromium runs, headless or not, in
// every browser context).
var targetFilter = target.Filter{{Type: "browser", Exclude: true}, {Type: "tab", Exclude: true}, {Type: "browser_ui", Exclude: true}, {}}

// Start runs the browser. Close stops it.
func Start(ctx context.Context, opts Options) (*Browser, error) {
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = 30 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	fn, err := startFence(opts.Allow, opts.Dial)
	if err != nil {
		return nil, fmt.Errorf("starting the browser's proxy: %w", err)
	}
	proc, err := launch(ctx, opts, fn.addr())
	if err != nil {
		fn.close()
		return nil, fmt.Errorf("%s did not start: %w", opts.Path, err)
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b := &Browser{opts: opts, fence: fn, proc: proc, root: session{proc.conn, ""}, cancel: cancel,
		paused: newQueue[*fetch.EventRequestPaused](maxQueued), pages: map[cdp.BrowserContextID]*pageRun{}}
	proc.conn.route("", b.rootEvent)
	go b.answerBrowser(bctx)
	sctx, scancel := context.WithTimeout(ctx, startTimeout)
	defer scancel()
	// Every request of the browser pauses in its own session, whoever
	// makes it; every new target (a page, a shared or service worker) is
	// attached to, and held at its start until it is watched.
	if _, err := call(sctx, b.root, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "http://*"}, {URLPattern: "https://*"}}}); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: holding requests: %w", opts.Path, err)
	}
	if _, err := call(sctx, b.root, target.SetAutoAttach, target.SetAutoAttachParams{AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: &yes, Filter: targetFilter}); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: attaching to new targets: %w", opts.Path, err)
	}
	return b, nil
}

var yes = true

// rootEvent handles the events of the browser's own session: a target
// attached in a page's browser context is that page's; any other (the tab
// Chromium opens at start, a straggler of a page that ended) is left as it
// is, held or running, unwatched.
func (b *Browser) rootEvent(ev any) {
	switch ev := ev.(type) {
	case *fetch.EventRequestPaused:
		b.paused.put(ev)
	case *target.EventAttachedToTarget:
		if ev.TargetInfo == nil {
			return
		}
		b.mu.Lock()
		p := b.pages[ev.TargetInfo.BrowserContextID]
		b.mu.Unlock()
		if p != nil {
			p.adopt(ev)
		}
	case *target.EventDetachedFromTarget:
		b.proc.conn.route(ev.SessionID, nil)
	}
}

// Close stops the browser and removes its profile. It waits a moment for
// the pages' browser contexts to be disposed of, then asks Chromium to
// quit, and kills what is left of it.
func (b *Browser) Close() {
	b.closeOnce.Do(func() {
		done := make(chan struct{})
		go func() {
			b.disposing.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(disposeTimeout):
		}
		b.proc.stop()
		b.cancel()
		b.fence.close()
	})
}

// Refused lists the host:ports the fence refused (up to a bound) and how
// many refusals there were in all.
func (b *Browser) Refused() ([]string, int) { return b.fence.refusals() }
