package browser

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
)

// What a page leaves behind is read through the DevTools protocol in an
// isolated world of each frame (the page's scripts can neither see nor
// change what runs there), in slices: each part is bounded by --max-bytes
// while it is read, never read whole and cut afterwards.

// sliceUnits is how much of a string one read takes, in UTF-16 units
// (at most 192 KiB of UTF-8, more once escaped in JSON).
const sliceUnits = 1 << 16

// Expressions that yield what a frame holds; %d is the most UTF-16 units
// the storage text is built to in the page.
const (
	domExpr     = `document.documentElement ? document.documentElement.outerHTML : ""`
	storageExpr = `(() => { let s = ""; try { const st = %s; for (let i = 0; i < st.length && s.length <= %d; i++) { const k = st.key(i); s += k + "=" + st.getItem(k) + "\n"; } } catch (e) {} return s; })()`
)

// harvest reads what the page left behind: the text of its WebSockets,
// its cookies, the storage of each of its frames' origins and its rendered
// DOM. It returns where the page ended, and, when ctx ran out before
// everything was read, what was not.
func (p *pageRun) harvest(ctx context.Context, each func(Record)) (final, missed string) {
	for _, s := range p.sockets {
		if s == nil {
			continue
		}
		if s.truncated {
			p.warnings = append(p.warnings, fmt.Sprintf("a WebSocket sent more than %d bytes of text: only the first were scanned", maxSocketBytes))
		}
		if s.text.Len() > 0 {
			each(Record{Kind: WebSocket, URL: s.url, Body: []byte(s.text.String()), Truncated: s.truncated})
		}
	}
	var unread []string
	failed := func(what string, err error) {
		if ctx.Err() != nil {
			unread = append(unread, what)
		} else {
			p.warnings = append(p.warnings, fmt.Sprintf("the browser could not read %s: %v", what, err))
		}
	}
	defer func() {
		if len(unread) > 0 {
			missed = "its " + strings.Join(unread, ", ") + " could not be read before --browser-timeout ran out (a script kept the page busy?)"
		}
	}()
	tree, err := call(ctx, p.page.s, page.GetFrameTree, cdp.Empty{})
	if err != nil || tree.FrameTree == nil || tree.FrameTree.Frame == nil {
		failed("cookies, storage and DOM", err)
		return "", ""
	}
	final = tree.FrameTree.Frame.URL
	limit := int(p.b.opts.MaxBytes)
	fs := frames(tree.FrameTree)
	var urls []string
	for _, f := range fs {
		urls = append(urls, f.URL)
	}
	if c, err := call(ctx, p.page.s, network.GetCookies, network.GetCookiesParams{URLs: urls}); err != nil {
		failed("cookies", err)
	} else if len(c.Cookies) > 0 {
		var b strings.Builder
		cut := false
		for _, ck := range c.Cookies {
			if b.Len()+len(ck.Name)+len(ck.Value)+2 > limit {
				cut = true
				break
			}
			fmt.Fprintf(&b, "%s=%s\n", ck.Name, ck.Value)
		}
		if cut {
			p.warnings = append(p.warnings, fmt.Sprintf("the page's cookies are larger than --max-bytes: only the first %d bytes were scanned", b.Len()))
		}
		each(Record{Kind: Cookies, URL: final, Body: []byte(b.String()), Truncated: cut})
	}
	storageLimit := min(limit, maxStorageBytes)
	for i, f := range fs {
		if !strings.HasPrefix(f.SecurityOrigin, "http://") && !strings.HasPrefix(f.SecurityOrigin, "https://") {
			continue
		}
		world, err := call(ctx, p.page.s, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: f.ID, WorldName: "cratesguard"})
		if err != nil {
			failed("storage of "+f.SecurityOrigin, err)
			continue
		}
		for _, st := range []struct {
			kind Kind
			name string
		}{{LocalStorage, "localStorage"}, {SessionStorage, "sessionStorage"}} {
			body, cut, err := readString(ctx, p.page.s, world.ExecutionContextID, fmt.Sprintf(storageExpr, st.name, storageLimit), storageLimit)
			if err != nil {
				failed(st.name, err)
				continue
			}
			if cut {
				p.warnings = append(p.warnings, fmt.Sprintf("the page's %s holds more than %d bytes: only part of it was scanned", st.name, storageLimit))
			}
			if len(body) > 0 {
				each(Record{Kind: st.kind, URL: f.URL, Body: body, Truncated: cut})
			}
		}
		if i > 0 {
			continue
		}
		body, cut, err := readString(ctx, p.page.s, world.ExecutionContextID, domExpr, limit)
		if err != nil {
			failed("rendered DOM", err)
			continue
		}
		if cut {
			p.warnings = append(p.warnings, fmt.Sprintf("the rendered DOM is larger than --max-bytes: only the first %d bytes were scanned", len(body)))
		}
		each(Record{Kind: DOM, URL: final, Body: body, Truncated: cut})
	}
	return final, ""
}

// readString reads the string expr yields in the execution context world,
// in slices, up to limit bytes of UTF-8; cut says there was more. The
// string is kept in the world between slices, and dropped after.
func readString(ctx context.Context, s session, world runtime.ExecutionContextID, expr string, limit int) (body []byte, cut bool, err error) {
	eval := func(expr string, v any) error {
		r, err := call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ContextID: world, ReturnByValue: &yes, Silent: &yes})
		switch {
		case err != nil:
			return err
		case r.ExceptionDetails != nil:
			return fmt.Errorf("%s", r.ExceptionDetails.Text)
		case r.Result == nil || len(r.Result.Value) == 0:
			return fmt.Errorf("no value")
		}
		return jsonv2.Unmarshal(r.Result.Value, v, jsonOpts)
	}
	var n int
	if err := eval(`(() => { const s = String(`+expr+`); globalThis.__cratesguard = s; return s.length; })()`, &n); err != nil {
		return nil, false, err
	}
	defer eval(`delete globalThis.__cratesguard, 0`, new(int))
	i := 0
	for i < n && len(body) <= limit {
		// A slice never ends between the two halves of a surrogate pair.
		var part struct {
			S string `json:"s"`
			E int    `json:"e"`
		}
		if err := eval(fmt.Sprintf(`(() => { const s = globalThis.__cratesguard; let e = Math.min(%d, s.length);
if (e < s.length && e > %d && s.charCodeAt(e - 1) >= 0xD800 && s.charCodeAt(e - 1) < 0xDC00) e--;
return {s: s.substring(%d, e), e: e}; })()`, i+sliceUnits, i+1, i), &part); err != nil {
			return body, true, err
		}
		if part.E <= i {
			break
		}
		body = append(body, part.S...)
		i = part.E
	}
	if len(body) > limit {
		body, cut = body[:limit], true
	}
	return body, cut || i < n, nil
}

// frames lists the frames of a tree, each origin once, the main frame
// first.
func frames(t *page.FrameTree) []*cdp.Frame {
	var out []*cdp.Frame
	seen := map[string]bool{}
	var walk func(*page.FrameTree)
	walk = func(t *page.FrameTree) {
		if t == nil || t.Frame == nil {
			return
		}
		if !seen[t.Frame.SecurityOrigin] || len(out) == 0 {
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
