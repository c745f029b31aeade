// Package browser loads pages in headless Chromium, driven over the Chrome
// DevTools Protocol (chromedp), and hands every response the page causes,
// its WebSocket text frames, cookies, DOM storage and rendered DOM to the
// caller as records: another fetcher, whose records go through the same
// detector as the HTTP crawl's bodies.
//
// It obeys the caller's rules, not its own: Allow says which URLs a page
// may request (every request is paused and checked before it leaves), and
// HeadersFor where the configured headers may be sent. Beneath that, the
// browser's only way out is a proxy of this package (the fence) that
// refuses connections to hosts Allow does not admit, so WebSockets,
// workers and anything else the request hook does not see stay in scope
// too. Pages submit nothing: requests other than GET and HEAD are blocked,
// dialogs dismissed, downloads denied.
package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
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
	MaxBytes int64
	// Headers are the configured request headers; they are added only to
	// requests HeadersFor approves.
	Headers    []Header
	HeadersFor func(u *url.URL) bool
	// Allow says why a page may not request u (from, the page), or "" when
	// it may. It is asked before each request leaves, redirects included.
	Allow func(u, from *url.URL) string
	// Stderr, if set, gets the browser's own output (tests).
	Stderr interface{ Write([]byte) (int, error) }
}

// Header is a configured request header.
type Header struct{ Name, Value string }

// Browser is one running Chromium; pages load in their own tabs, in
// parallel.
type Browser struct {
	opts        Options
	fence       *fence
	dir         string
	cancelAlloc context.CancelFunc
	cancel      context.CancelFunc
	ctx         context.Context // the browser's chromedp context
	closeOnce   sync.Once
}

// Start runs the browser. Close stops it.
func Start(ctx context.Context, opts Options) (*Browser, error) {
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = 30 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	fn, err := startFence(opts.Allow)
	if err != nil {
		return nil, fmt.Errorf("starting the browser's proxy: %w", err)
	}
	dir, err := os.MkdirTemp("", "cratesguard-browser-")
	if err != nil {
		fn.close()
		return nil, err
	}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(opts.Path),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Env("HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir),
		// Every connection goes through the fence, loopback included
		// (Chromium bypasses proxies for loopback unless told not to).
		chromedp.ProxyServer("http://"+fn.addr()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.Flag("force-webrtc-ip-handling-policy", true),
		chromedp.Flag("disable-popup-blocking", false), // no window.open
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,MediaRouter,OptimizationHints,AutofillServerCommunication"),
		chromedp.WSURLReadTimeout(30*time.Second),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root, as in a container
		// action; the proxy fence and the request hook still apply.
		flags = append(flags, chromedp.NoSandbox)
	}
	if opts.Stderr != nil {
		flags = append(flags, chromedp.CombinedOutput(opts.Stderr))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), flags...)
	bctx, cancel := chromedp.NewContext(actx)
	b := &Browser{opts: opts, fence: fn, dir: dir, cancelAlloc: cancelAlloc, cancel: cancel, ctx: bctx}
	// The first call runs the browser, for as long as bctx lives; the
	// wait for it to come up is bounded by WSURLReadTimeout.
	if err := chromedp.Do(bctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s did not start: %w", opts.Path, err)
	}
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny}); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: denying downloads: %w", opts.Path, err)
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.closeOnce.Do(func() {
		done := make(chan struct{})
		go func() {
			_ = chromedp.Cancel(b.ctx)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		b.cancel()
		b.cancelAlloc()
		b.fence.close()
		os.RemoveAll(b.dir)
	})
}

// Refused lists the host:ports the fence refused (up to a bound) and how
// many refusals there were in all.
func (b *Browser) Refused() ([]string, int) { return b.fence.refusals() }
