// Package scan runs the pipeline: targets go through fetching (or reading
// from disk), crawling discovers more, and every body streams through the
// matcher and the decoder. Matches and each target's fate go to a
// findings.Collector; the stages that work on the findings afterwards
// (ignore file, verification, relocation) are in after.go.
package scan

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/files"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/oci"
	"github.com/cratesguard/cratesguard/internal/policy"
	"github.com/cratesguard/cratesguard/internal/registry"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/version"
)

// Progress is how far a scan got.
type Progress struct {
	Done, Total int // URLs and files ended, and known so far
	Tokens      int // distinct tokens found so far
}

// Options are what the front ends may add beyond the configuration.
type Options struct {
	// Progress, if set, is called once the start targets are queued, then
	// after each target or discovered URL ends.
	Progress func(Progress)
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Backoff overrides the first retry delay (tests).
	Backoff time.Duration
	// Limits override the collector's limits (tests).
	Limits *findings.Limits
}

type job struct {
	order int // index of the start target this job descends from
	url   string
	depth int
	start bool
	link  *crawl.Link // for discovered URLs: how they were found
	from  string      // the URL they were found on
	file  files.Entry
	// wants are places of a bundle to look up in this source map's
	// mappings, so that alerts can point at the original source.
	wants  []crawl.Pos
	bundle string // the bundle they are places of
	// target is a crate or download start target (see downloads.go).
	target *target.Target
}

// Run scans every target of cfg and returns the report. It never fails as a
// whole: each target ends scanned, skipped or failed in the report.
func Run(ctx context.Context, cfg config.Config, opts Options) *findings.Report {
	e := newEngine(cfg, opts)
	defer e.fetcher.Close()
	if cfg.Browser != "" && hasURL(cfg) {
		e.startBrowser(ctx)
	}
	e.seed()
	if opts.Progress != nil { // the start targets are known before any ends
		e.mu.Lock()
		p := Progress{Total: e.pending}
		e.mu.Unlock()
		opts.Progress(p)
	}
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx)
		}()
	}
	wg.Wait()
	e.closeBrowser()
	for order, d := range e.dirs {
		if n := e.binaries[order]; n > 0 {
			d.Warnings = append(d.Warnings, fmt.Sprintf("%d binary file%s (images, fonts, audio, video) not scanned; --scan-binary scans them", n, plural(n)))
		}
		if d.State == findings.Scanned && d.Bytes == 0 && ctx.Err() == nil {
			d.State, d.Reason = findings.Failed, fmt.Sprintf("its %d file%s hold no bytes: nothing was scanned", d.Files, plural(d.Files))
		}
		e.coll.AddTarget(*d)
	}
	if e.frontier.LimitHit() {
		e.coll.Warn(fmt.Sprintf("the crawl reached --max-urls %d: URLs beyond it were not fetched (they are listed as skipped)", cfg.MaxURLs))
	}
	if n := e.frontier.Dropped(); n > 0 {
		e.coll.Warn(fmt.Sprintf("the crawl decided on as many URLs as it keeps track of: %d further links were not considered", n))
	}
	rep := e.coll.Report()
	rep.Info = append(rep.Info, cfg.Info...)
	if ctx.Err() != nil {
		rep.Interrupted, rep.Pending = "interrupted", e.unrun
	}
	e.applyMapped(rep)
	e.after(ctx, rep)
	return rep
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
	unrun   int                      // jobs dropped when the scan was interrupted
	dirs    map[int]*findings.Target // directory start targets, by order
	// binaries counts a directory's binary files passed over, by order.
	binaries map[int]int
	// mapped holds what the crawled source maps say about places in their
	// bundles, by bundle URL; fetchedMaps the maps fetched.
	mapped      map[string][]crawl.Mapped
	mapOf       map[string]string // bundle URL -> its map's URL
	fetchedMaps map[string]bool
	fallbacks   fallbacks
	browser     *browsing        // --browser, when it started
	reg         *registry.Client // crates.io, for crate targets
	oci         *oci.Client      // for image targets
	// readBufs holds the buffers small files are read whole into (see
	// scanFile): two a core, whatever --concurrency says.
	readBufs chan []byte
	// budget is the memory archives' decoders may hold (tests set their own).
	budget *archive.Budget
	// policy is what every request of the run is held to.
	policy *policy.Policy
}

func newEngine(cfg config.Config, opts Options) *engine {
	var starts []*url.URL
	for _, t := range cfg.Targets {
		if t.IsSite() {
			starts = append(starts, t.URL)
		}
	}
	limits := findings.DefaultLimits
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	pol := requestPolicy(cfg)
	e := &engine{
		policy: pol,
		cfg:    cfg, opts: opts,
		coll: findings.NewCollectorWith(limits),
		frontier: crawl.NewFrontier(crawl.Options{
			Depth: cfg.Depth, MaxURLs: max(cfg.MaxURLs, len(starts)), AllowHosts: cfg.AllowHosts,
			Include: cfg.Include, Exclude: cfg.Exclude, Policy: pol,
		}, starts),
		hosts:       newHostLimiter(cfg.PerHost, cfg.Rate),
		dirs:        map[int]*findings.Target{},
		binaries:    map[int]int{},
		mapped:      map[string][]crawl.Mapped{},
		mapOf:       map[string]string{},
		fetchedMaps: map[string]bool{},
	}
	e.cond = sync.NewCond(&e.mu)
	e.readBufs = make(chan []byte, 2*runtime.GOMAXPROCS(0))
	for range cap(e.readBufs) {
		e.readBufs <- nil // allocated when first used
	}
	hdrs := make([]fetch.Header, len(cfg.Headers))
	for i, h := range cfg.Headers {
		hdrs[i] = fetch.Header(h)
	}
	e.fetcher = fetch.New(fetch.Options{
		Timeout: cfg.Timeout, MaxBytes: cfg.MaxBytes, Headers: hdrs, UserAgent: version.UserAgent(),
		MaxConns: cfg.PerHost, Retries: cfg.Retries, Backoff: opts.Backoff, Transport: opts.Transport,
		Follow:     func(from, to *url.URL) string { return e.frontier.InScope(to, from) },
		HeadersFor: e.frontier.HeadersFor, Dial: pol.Dial(cfg.Timeout),
	})
	return e
}

// seed queues the start targets: URLs (and their probes), and the files of
// path targets.
func (e *engine) seed() {
	filter := files.Filter{Include: e.cfg.Include, Exclude: e.cfg.Exclude}
	probed := map[string]bool{}
	for i, t := range e.cfg.Targets {
		if t.Crate != "" || t.Download || t.IsPackage() {
			e.push(job{order: i, target: &t, start: true})
			continue
		}
		if t.IsURL() {
			e.push(job{order: i, url: t.URL.String(), start: true})
			origin := t.URL.Scheme + "://" + t.URL.Host
			if e.cfg.Probe && !probed[origin] {
				probed[origin] = true
				e.discover(job{order: i}, crawl.ProbeLinks(t.URL), nil)
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
		var jobs []job
		for _, en := range entries {
			if en.Skip != "" {
				st := findings.Skipped
				if en.Failed {
					st = findings.Failed
				}
				e.coll.AddTarget(findings.Target{Target: en.Path, State: st, Reason: en.Skip, Order: i})
				continue
			}
			jobs = append(jobs, job{order: i, file: en})
		}
		files := len(jobs)
		e.push(jobs...) // at once: one wake-up for all, not one a file
		if files == 0 && start.State == findings.Scanned {
			// An empty build output is no clean one.
			start.State, start.Reason = findings.Failed, "no files to scan in it"
			if len(e.cfg.Include) > 0 || len(e.cfg.Exclude) > 0 {
				var globs []string
				for _, g := range e.cfg.Include {
					globs = append(globs, "--include "+g)
				}
				for _, g := range e.cfg.Exclude {
					globs = append(globs, "--exclude "+g)
				}
				start.Reason = "no files matched " + strings.Join(globs, " ")
			}
		}
		start.Duration = time.Since(begun)
		e.dirs[i] = start
	}
}

func (e *engine) push(js ...job) {
	if len(js) == 0 {
		return
	}
	e.mu.Lock()
	e.queue = append(e.queue, js...)
	e.pending += len(js)
	e.mu.Unlock()
	if len(js) == 1 {
		e.cond.Signal()
	} else {
		e.cond.Broadcast()
	}
}

// worker holds what one worker reuses from body to body.
type worker struct {
	ctx context.Context
	sc  detect.Scanner
	dec detect.Decoder
	// notes are what the decoder said about limits it hit in a file
	// scanned in place (see scanBlocks), for the file's target.
	notes []string
}

// work runs jobs until none is queued or running.
func (e *engine) work(ctx context.Context) {
	sc := worker{ctx: ctx}
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
		if ctx.Err() != nil { // interrupted: what is queued is left, counted
			e.pending--
			e.unrun++
			if e.pending == 0 {
				e.cond.Broadcast()
			}
			e.mu.Unlock()
			continue
		}
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
			e.opts.Progress(Progress{Done: done, Total: total, Tokens: e.coll.Tokens()})
		}
		e.mu.Unlock()
	}
}

func (e *engine) run(ctx context.Context, sc *worker, j job) {
	switch {
	case j.target != nil && j.target.Crate != "":
		e.fetchCrate(ctx, sc, j)
		return
	case j.target != nil && j.target.Registry == target.NPM:
		e.fetchNPM(ctx, sc, j)
		return
	case j.target != nil && j.target.Registry == target.PyPI:
		e.fetchPyPI(ctx, sc, j)
		return
	case j.target != nil && j.target.Registry == target.OCI:
		e.fetchImage(ctx, sc, j)
		return
	case j.target != nil:
		e.fetchDownload(ctx, sc, j)
		return
	}
	if j.url == "" {
		e.readFile(sc, j)
		return
	}
	t, res := e.fetchURL(ctx, sc, j)
	if res != nil && e.browser != nil && t.Content == crawl.HTML.String() && t.Status >= 200 && t.Status <= 299 {
		e.browse(ctx, sc, j, &t, res.final)
	}
	e.coll.AddTarget(t)
	if res == nil {
		return
	}
	from, err := url.Parse(res.final)
	if err != nil {
		return
	}
	var wants []crawl.Pos
	if e.cfg.Repo != "" { // relocation will want to know where these came from
		wants = res.places
	}
	e.discover(job{order: j.order, url: res.final, depth: j.depth, wants: wants}, res.links, from)
}

// discover puts links found at job j (on the page from; nil for probes)
// through the frontier: new URLs are queued, refused ones are reported as
// skipped. A source map link carries the places of the bundle's findings.
func (e *engine) discover(j job, links []crawl.Link, from *url.URL) {
	for _, l := range links {
		dec := e.frontier.Admit(l, from, j.depth)
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
		nj := job{order: j.order, url: dec.URL, depth: dec.Depth, link: &l, from: j.url}
		if l.Via == "sourceMappingURL" && len(j.wants) > 0 {
			nj.wants, nj.bundle = j.wants, j.url
		}
		e.push(nj)
	}
}

// linksAt says where a body's links are wanted: url, where it was served
// (nil: no links are wanted), and runtime, the base the page that named it
// declared for its runtime's bundle names (crawl.Link.Base).
type linksAt struct{ url, runtime *url.URL }

// body is what scanning one response (or file) produced besides matches,
// which go to the collector as they are found.
type body struct {
	final    string // the URL that served it, after redirects
	links    []crawl.Link
	warnings []string
	found    int         // matches
	places   []crawl.Pos // where in the body plain matches were, for its source map
	mapped   []crawl.Mapped
	// unopened holds the parts of it recognised but not read; whole says
	// the body itself is one (nothing of it was read).
	unopened findings.Target
	whole    bool
}

// unread gives a target the parts of its body not opened, and the
// not-opened state when nothing of it was.
func (b *body) unread(t *findings.Target) {
	if b == nil {
		return
	}
	t.MergeUnopened(&b.unopened)
	if b.whole {
		t.State, t.Reason = findings.NotOpened, b.unopened.Unopened[0].Format+": "+b.unopened.Unopened[0].Reason
	}
}

// maxPlaces bounds the places of one body sent to its source map.
const maxPlaces = 1000

// scanBody scans r: an archive or compressed stream (by its magic bytes)
// member by member, see scanArchive; a program or script as one stream and
// then the zip appended to it, if any, see scanCarrier; anything else as
// one stream, see scanStream. An error is r's own: the archive's are in
// the body's unopened parts.
func (e *engine) scanBody(w *worker, r io.Reader, kind crawl.Content, lk linksAt, loc findings.Location, wants []crawl.Pos) (*body, error) {
	src := &sourceReader{r: r}
	br, ak := sniff(src)
	if ak == archive.None {
		if head, _ := br.Peek(4); carries(head) {
			return e.scanCarrier(w, br, r, kind, lk, loc, wants, nil, 0)
		}
		return e.scanStream(w, br, kind, lk, loc, wants)
	}
	return e.scanArchiveBody(w, br, src, ak, loc, "")
}

// sourceReader keeps the error of the reader under a decoder: a body that
// could not be read, not an archive that could not be decoded.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func (s *sourceReader) randomAccess() (io.ReaderAt, int64, bool) {
	if ra, ok := s.r.(randomAccess); ok {
		return ra.randomAccess()
	}
	return nil, 0, false
}

// scanStream streams r through the matcher, the decoder and, when links are
// wanted, the extractor for its kind of content. Matches go straight to the
// collector at loc; in a source map, each names the original source whose
// sourcesContent holds it, and the map's mappings are searched for wants.
func (e *engine) scanStream(w *worker, r io.Reader, kind crawl.Content, lk linksAt, loc findings.Location, wants []crawl.Pos) (*body, error) {
	b := &body{}
	var smi *crawl.SourceMapIndex
	add := func(m detect.Match) {
		b.found++
		l := loc
		if smi != nil {
			if src, line, ok := smi.Source(m.Offset); ok {
				l.Part, l.Source, l.SourceLine = "sourcesContent of "+src, src, line
			}
		}
		if m.Encoding == "" && len(b.places) < maxPlaces {
			b.places = append(b.places, crawl.Pos{Line: m.Line, Column: m.Column16})
		}
		e.coll.Add(m, l)
	}
	dec := &w.dec
	dec.Reset(add)
	writers := []io.Writer{dec}
	var ext crawl.Extractor
	if lk.url != nil {
		if ext = crawl.NewExtractor(kind, lk.url, lk.runtime); ext != nil {
			writers = append(writers, ext)
		}
	}
	if kind == crawl.SourceMap {
		smi = crawl.NewSourceMapIndex()
		smi.Want(wants)
		writers = append(writers, smi)
	}
	var tee io.Writer = dec
	if len(writers) > 1 {
		tee = io.MultiWriter(writers...)
	}
	err := w.sc.Scan(io.TeeReader(r, tee), add)
	dec.Close()
	b.warnings = append(b.warnings, dec.Notes()...)
	if ext != nil {
		var warns []string
		b.links, warns = ext.Close()
		b.warnings = append(b.warnings, warns...)
	}
	if smi != nil {
		b.warnings = append(b.warnings, smi.Warnings()...)
		b.mapped = smi.Resolve()
	}
	return b, err
}

func hasURL(cfg config.Config) bool {
	for _, t := range cfg.Targets {
		if t.IsSite() {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
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
