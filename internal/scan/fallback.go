package scan

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/fetch"
)

// fallbacks learns, per origin, what the host answers for a path that
// cannot exist: its 404 page, or, on every SPA host, its index.html (200,
// text/html). A guessed URL answered with that document, or a guessed
// script, JSON, map or stylesheet answered with HTML, is not present, and
// must never count as scanned nor be a finding's place. That answer is
// scanned once, as the site's 404 page (findings.PartNotFound).
type fallbacks struct {
	mu sync.Mutex
	by map[string]*fallback
}

type fallback struct {
	once   sync.Once
	status int    // what the host answered the impossible path with: 200, 404, 410; 0 for anything else
	hash   string // of its first fallbackPrefix bytes
	full   bool   // the whole body fit in the prefix
}

// fallbackPrefix is how much of a body is compared with the fallback.
const fallbackPrefix = 64 << 10

// check decides whether a guessed URL's 200 answer is the host's fallback.
// It returns the body to scan (what it read put back in front) and, when
// the answer is no content, why. scan scans the fallback, once an origin.
func (f *fallbacks) check(ctx context.Context, fe *fetch.Fetcher, u *url.URL, ctype string, body io.Reader, scan func(io.Reader)) (io.Reader, string) {
	mt, _, _ := mime.ParseMediaType(ctype)
	switch ext := strings.ToLower(path.Ext(u.Path)); {
	case mt == "text/html" && (ext == ".js" || ext == ".mjs" || ext == ".json" || ext == ".map" || ext == ".css"):
		return body, "the host answers a guessed " + ext + " file with HTML (its fallback page)"
	}
	fb := f.learn(ctx, fe, u, scan)
	if fb.status != http.StatusOK {
		return body, ""
	}
	body, same := fb.same(body)
	if same {
		return body, "the host answers every path with the same page (an SPA fallback)"
	}
	return body, ""
}

// notFound says whether a guessed URL's 404 (or 410) answer is the one
// the host gives a path that cannot exist, already scanned as the site's
// 404 page; if not, it returns the body to scan (what it read put back in
// front).
func (f *fallbacks) notFound(ctx context.Context, fe *fetch.Fetcher, u *url.URL, status int, body io.Reader, scan func(io.Reader)) (io.Reader, bool) {
	fb := f.learn(ctx, fe, u, scan)
	if fb.status != status {
		return body, false
	}
	return fb.same(body)
}

// same compares the start of body with the fallback's.
func (fb *fallback) same(body io.Reader) (io.Reader, bool) {
	head := make([]byte, fallbackPrefix)
	n, err := io.ReadFull(body, head)
	head = head[:n]
	full := err != nil
	sum := sha256.Sum256(head)
	if hex.EncodeToString(sum[:]) == fb.hash && full == fb.full {
		return body, true
	}
	return io.MultiReader(bytes.NewReader(head), body), false
}

// learn asks the origin once for a path that cannot exist, and hands the
// answer to scan.
func (f *fallbacks) learn(ctx context.Context, fe *fetch.Fetcher, u *url.URL, scan func(io.Reader)) *fallback {
	origin := crawl.OriginOf(u).String()
	f.mu.Lock()
	if f.by == nil {
		f.by = map[string]*fallback{}
	}
	fb, ok := f.by[origin]
	if !ok {
		fb = &fallback{}
		f.by[origin] = fb
	}
	f.mu.Unlock()
	fb.once.Do(func() {
		var rnd [12]byte
		rand.Read(rnd[:])
		probe := *u
		probe.Path, probe.RawPath, probe.RawQuery = "/cratesguard-no-such-path-"+hex.EncodeToString(rnd[:]), "", ""
		fe.Get(ctx, probe.String(), 0, func(r *fetch.Response) error {
			switch {
			case r.Redirect != "":
				return nil
			case r.Status != http.StatusOK && r.Status != http.StatusNotFound && r.Status != http.StatusGone:
				fb.status = 0
				return nil
			}
			head := make([]byte, fallbackPrefix)
			n, err := io.ReadFull(r.Body, head)
			sum := sha256.Sum256(head[:n])
			fb.status, fb.hash, fb.full = r.Status, hex.EncodeToString(sum[:]), err != nil
			scan(io.MultiReader(bytes.NewReader(head[:n]), r.Body))
			return nil
		})
	})
	return fb
}
