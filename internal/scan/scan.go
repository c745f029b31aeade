// Package scan runs the pipeline: targets go through fetching (or reading
// from disk), crawling discovers more, and every body streams through the
// matcher and the decoder. Matches and each target's fate go to a
// findings.Collector.
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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/files"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/locate"
	"github.com/cratesguard/cratesguard/internal/triage"
	"github.com/cratesguard/cratesguard/internal/verify"
	"github.com/cratesguard/cratesguard/internal/version"
)

// Options are what the front ends may add beyond the configuration.
type Options struct {
	// Progress, if set, is called after each target or discovered URL ends.
	Progress func(done, total int)
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Backoff overrides the first retry delay (tests).
	Backoff time.Duration
}

type job struct {
	order int // index of the start target this job descends from
	url   string
	depth int
	start bool
	link  *crawl.Link // for discovered URLs: how they were found
	from  string      // the URL they were found on
	file  files.Entry
}

// Run scans every target of cfg and returns the report. It never fails as a
// whole: each target ends scanned, skipped or failed in the report.
func Run(ctx context.Context, cfg config.Config, opts Options) *findings.Report {
	e := newEngine(cfg, opts)
	defer e.fetcher.Close()
	e.seed()
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx)
		}()
	}
	wg.Wait()
	for _, d := range e.dirs {
		e.coll.AddTarget(*d)
	}
	if e.frontier.LimitHit() {
		e.coll.Warn(fmt.Sprintf("the crawl reached --max-urls %d: URLs beyond it were not fetched (they are listed as skipped)", cfg.MaxURLs))
	}
	rep := e.coll.Report()
	e.after(ctx, rep)
	return rep
}

// after runs the stages that work on findings: the ignore file first (an
// ignored token is never sent anywhere), then verification, then pointing
// alerts at the repository.
func (e *engine) after(ctx context.Context, rep *findings.Report) {
	cfg := e.cfg
	if len(cfg.Ignore) > 0 {
		active, expired := triage.Active(cfg.Ignore, time.Now())
		for _, x := range expired {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s:%d: the ignore entry for %s… expired on %s: the token is reported again",
				cfg.IgnoreFile, x.Line, x.SHA256[:16], x.Expires.Format("2006-01-02")))
		}
		kept := rep.Findings[:0]
		for _, f := range rep.Findings {
			x, ok := active[f.SHA256]
			if !ok {
				kept = append(kept, f)
				continue
			}
			ig := findings.Ignored{Rule: f.Rule, Token: f.Token, SHA256: f.SHA256, Reason: x.Reason,
				FileLine: fmt.Sprintf("%s:%d", cfg.IgnoreFile, x.Line)}
			if !x.Expires.IsZero() {
				ig.Expires = x.Expires.Format("2006-01-02")
			}
			rep.Ignored = append(rep.Ignored, ig)
		}
		rep.Findings = kept
	}
	if cfg.Verify {
		v := &verify.Verifier{API: cfg.CratesAPI, UserAgent: version.UserAgent()}
		for _, f := range rep.Findings {
			var r verify.Result
			switch {
			case f.Placeholder:
				continue // a filler, not a credential: nothing to ask
			case f.Rule == detect.RuleTrustedPublishing:
				r = verify.Result{Validity: verify.Unverifiable, Detail: "trusted-publishing tokens have no read-only check; they expire 30 minutes after issue"}
			default:
				r = v.Check(ctx, f.Token.Reveal())
			}
			f.Validity, f.ValidityDetail = string(r.Validity), r.Detail
		}
	}
	if cfg.Repo != "" {
		locate.Relocate(ctx, rep, locate.Options{Repo: cfg.Repo, FetchMap: e.fetchAll})
	}
}

// fetchAll returns a whole body (up to --max-bytes), for source maps.
func (e *engine) fetchAll(ctx context.Context, u string) ([]byte, error) {
	var out []byte
	err := e.fetcher.Get(ctx, u, func(r *fetch.Response) error {
		if r.Status != http.StatusOK {
			return fmt.Errorf("HTTP %d", r.Status)
		}
		var err error
		out, err = io.ReadAll(r.Body)
		return err
	})
	return out, err
}

type engine struct {
	cfg      config.Config
	opts     Options
	coll     *findings.Collector
	fetcher  *fetch.Fetcher
	frontier *crawl.Frontier
	hosts    *hostLimiter

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []job
	pending int // jobs queued or running
	done    int
	dirs    map[int]*findings.Target // directory start targets, by order
}

func newEngine(cfg config.Config, opts Options) *engine {
	var starts []*url.URL
	for _, t := range cfg.Targets {
		if t.IsURL() {
			starts = append(starts, t.URL)
		}
	}
	e := &engine{
		cfg: cfg, opts: opts,
		coll: findings.NewCollector(),
		frontier: crawl.NewFrontier(crawl.Options{
			Depth: cfg.Depth, MaxURLs: max(cfg.MaxURLs, len(starts)), AllowHosts: cfg.AllowHosts,
			Include: cfg.Include, Exclude: cfg.Exclude,
		}, starts),
		hosts: newHostLimiter(cfg.PerHost, cfg.Rate),
		dirs:  map[int]*findings.Target{},
	}
	e.cond = sync.NewCond(&e.mu)
	hdrs := make([]fetch.Header, len(cfg.Headers))
	for i, h := range cfg.Headers {
		hdrs[i] = fetch.Header(h)
	}
	e.fetcher = fetch.New(fetch.Options{
		Timeout: cfg.Timeout, MaxBytes: cfg.MaxBytes, Headers: hdrs, UserAgent: version.UserAgent(),
		MaxConns: cfg.PerHost, Retries: cfg.Retries, Backoff: opts.Backoff, Transport: opts.Transport,
		AllowRedirect: e.frontier.HostAllowed,
	})
	return e
}

// seed queues the start targets: URLs (and their probes), and the files of
// path targets.
func (e *engine) seed() {
	filter := files.Filter{Include: e.cfg.Include, Exclude: e.cfg.Exclude}
	probed := map[string]bool{}
	for i, t := range e.cfg.Targets {
		if t.IsURL() {
			e.push(job{order: i, url: t.URL.String(), start: true})
			origin := t.URL.Scheme + "://" + t.URL.Host
			if e.cfg.Probe && !probed[origin] {
				probed[origin] = true
				e.discover(job{order: i, url: t.URL.String()}, crawl.ProbeLinks(t.URL))
			}
			continue
		}
		start := &findings.Target{Target: t.Path, Start: true, State: findings.Scanned, Order: i}
		begun := time.Now()
		var entries []files.Entry
		err := files.Walk(t.Path, filter, func(en files.Entry) { entries = append(entries, en) })
		switch {
		case err != nil:
			start.State, start.Reason = findings.Failed, err.Error()
		case len(entries) == 1 && entries[0].Path == t.Path:
			e.push(job{order: i, file: entries[0], start: true}) // a file is its own start target
			continue
		}
		for _, en := range entries {
			if en.Skip != "" {
				st := findings.Skipped
				if en.Failed {
					st = findings.Failed
				}
				e.coll.AddTarget(findings.Target{Target: en.Path, State: st, Reason: en.Skip, Order: i})
				continue
			}
			e.push(job{order: i, file: en})
		}
		start.Duration = time.Since(begun)
		e.dirs[i] = start
	}
}

func (e *engine) push(j job) {
	e.mu.Lock()
	e.queue = append(e.queue, j)
	e.pending++
	e.mu.Unlock()
	e.cond.Signal()
}

// worker holds what one worker reuses from body to body.
type worker struct {
	sc  detect.Scanner
	dec detect.Decoder
}

// work runs jobs until none is queued or running.
func (e *engine) work(ctx context.Context) {
	var sc worker
	for {
		e.mu.Lock()
		for len(e.queue) == 0 && e.pending > 0 {
			e.cond.Wait()
		}
		if len(e.queue) == 0 {
			e.mu.Unlock()
			e.cond.Broadcast()
			return
		}
		j := e.queue[0]
		e.queue = e.queue[1:]
		e.mu.Unlock()

		e.run(ctx, &sc, j)

		e.mu.Lock()
		e.pending--
		e.done++
		done, total := e.done, e.done+e.pending
		if e.pending == 0 {
			e.cond.Broadcast()
		}
		if e.opts.Progress != nil {
			e.opts.Progress(done, total)
		}
		e.mu.Unlock()
	}
}

func (e *engine) run(ctx context.Context, sc *worker, j job) {
	if j.url == "" {
		e.readFile(sc, j)
		return
	}
	t, links := e.fetchURL(ctx, sc, j)
	e.coll.AddTarget(t)
	e.discover(j, links)
}

// discover puts links found at job j through the frontier: new URLs are
// queued, refused ones are reported as skipped.
func (e *engine) discover(j job, links []crawl.Link) {
	for _, l := range links {
		dec := e.frontier.Admit(l, j.depth)
		if dec.Dup {
			continue
		}
		via := l.Via
		if j.url != "" && !l.Probe {
			via += " on " + j.url
		}
		if dec.Skip != "" {
			e.coll.AddTarget(findings.Target{Target: dec.URL, IsURL: true, Discovered: true, Via: via,
				Depth: dec.Depth, State: findings.Skipped, Reason: dec.Skip, Order: j.order})
			continue
		}
		l := l
		e.push(job{order: j.order, url: dec.URL, depth: dec.Depth, link: &l, from: j.url})
	}
}

// body is what one attempt at a URL (or one file) produced.
type body struct {
	matches []found
	links   []crawl.Link
}

type found struct {
	m   detect.Match
	loc findings.Location
}

// scanBody streams r through the matcher, the decoder and, when links are
// wanted, the extractor for its kind of content.
func (e *engine) scanBody(w *worker, r io.Reader, kind crawl.Content, base *url.URL, loc findings.Location, wantLinks bool) (*body, error) {
	b := &body{}
	add := func(m detect.Match) { b.matches = append(b.matches, found{m, loc}) }
	dec := &w.dec
	dec.Reset(add)
	writers := []io.Writer{dec}
	var ext crawl.Extractor
	if wantLinks && base != nil {
		if ext = crawl.NewExtractor(kind, base); ext != nil {
			writers = append(writers, ext)
		}
	}
	var smi *crawl.SourceMapIndex
	if kind == crawl.SourceMap {
		smi = crawl.NewSourceMapIndex()
		writers = append(writers, smi)
	}
	var tee io.Writer = dec
	if len(writers) > 1 {
		tee = io.MultiWriter(writers...)
	}
	err := w.sc.Scan(io.TeeReader(r, tee), add)
	dec.Close()
	if ext != nil {
		b.links = ext.Close()
	}
	if smi != nil {
		for i := range b.matches {
			if src, line, ok := smi.Source(b.matches[i].m.Offset); ok {
				l := &b.matches[i].loc
				l.Part, l.Source, l.SourceLine = "sourcesContent of "+src, src, line
			}
		}
	}
	return b, err
}

func (e *engine) commit(b *body) {
	if b == nil {
		return
	}
	for _, f := range b.matches {
		e.coll.Add(f.m, f.loc)
	}
}

func (e *engine) readFile(sc *worker, j job) {
	begun := time.Now()
	t := findings.Target{Target: j.file.Path, Order: j.order, Start: j.start}
	kind := crawl.Classify(&url.URL{Path: filepath.ToSlash(j.file.Path)}, "")
	t.Content = kind.String()
	f, err := os.Open(j.file.Path)
	if err != nil {
		t.State, t.Reason = findings.Failed, err.Error()
	} else {
		cr := &countingReader{r: f}
		b, err := e.scanBody(sc, cr, kind, nil, findings.Location{Target: j.file.Path, Order: j.order}, false)
		f.Close()
		e.commit(b)
		t.Bytes, t.Duration = cr.n, time.Since(begun)
		if err != nil {
			t.State, t.Reason = findings.Failed, fmt.Sprintf("read failed after %d bytes: %v", cr.n, err)
		} else {
			t.State = findings.Scanned
		}
	}
	d, inDir := e.dirs[j.order]
	if !inDir {
		e.coll.AddTarget(t)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.State == findings.Scanned {
		d.Files++
		d.Bytes += t.Bytes
		return
	}
	e.coll.AddTarget(t) // files of a directory are listed only when they fail
}

func (e *engine) fetchURL(ctx context.Context, sc *worker, j job) (findings.Target, []crawl.Link) {
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
	if err := e.hosts.acquire(ctx, u.Host); err != nil {
		t.State, t.Reason = findings.Failed, err.Error()
		return t, nil
	}
	defer e.hosts.release(u.Host)

	var b *body
	var skip string
	err := e.fetcher.Get(ctx, j.url, func(r *fetch.Response) error {
		b, skip = &body{}, "" // each attempt starts afresh
		t.Status, t.Attempts = r.Status, r.Attempt
		final, _ := url.Parse(r.URL)
		loc := findings.Location{Target: r.URL, IsURL: true, Order: j.order}
		hloc := loc
		hloc.Part = findings.PartHeaders
		for _, m := range detect.Find(headerText(r.Header)) {
			b.matches = append(b.matches, found{m, hloc})
		}
		ctype := r.Header.Get("Content-Type")
		kind := crawl.Classify(final, ctype)
		t.Content = kind.String()
		if guess && (r.Status == http.StatusNotFound || r.Status == http.StatusGone) {
			skip = fmt.Sprintf("HTTP %d: not present", r.Status)
			return nil
		}
		if kind == crawl.Binary && !e.cfg.ScanBinary {
			mt, _, _ := mime.ParseMediaType(ctype)
			skip = fmt.Sprintf("binary content (%s); --scan-binary scans it", cmp.Or(mt, "by extension"))
			return nil
		}
		ok := r.Status >= 200 && r.Status <= 299
		// Error pages are scanned too (a debug 500 page is a classic leak), but not crawled.
		got, err := e.scanBody(sc, r.Body, kind, final, loc, ok && e.cfg.Depth > 0)
		got.matches = append(b.matches, got.matches...)
		b = got
		t.Bytes = r.Body.Bytes()
		if err != nil {
			return fmt.Errorf("body read failed after %d bytes: %w", t.Bytes, err)
		}
		t.Warnings = nil
		if r.Body.Truncated() {
			t.Warnings = append(t.Warnings, fmt.Sprintf("body larger than --max-bytes: only the first %d bytes were scanned", t.Bytes))
		}
		if r.Redirected {
			t.Warnings = append(t.Warnings, "redirected to "+r.URL)
		}
		return nil
	})
	t.Duration = time.Since(begun)
	e.commit(b) // even a failed attempt's partial body may hold a token
	var re *fetch.RedirectError
	switch {
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
	}
	if t.State != findings.Scanned || b == nil {
		return t, nil
	}
	for _, l := range b.links {
		if l.Via == "sourceMappingURL" {
			t.SourceMap = l.URL.String()
		}
	}
	return t, b.links
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

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
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

func (h *hostLimiter) acquire(ctx context.Context, host string) error {
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
		return ctx.Err()
	}
	if h.gap == 0 {
		return nil
	}
	h.mu.Lock()
	now := time.Now()
	at := h.next[host]
	if at.Before(now) {
		at = now
	}
	h.next[host] = at.Add(h.gap)
	h.mu.Unlock()
	select {
	case <-time.After(time.Until(at)):
		return nil
	case <-ctx.Done():
		<-sem
		return ctx.Err()
	}
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	sem := h.sems[strings.ToLower(host)]
	h.mu.Unlock()
	<-sem
}
