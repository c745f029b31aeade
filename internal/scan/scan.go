// Package scan runs the pipeline: it sends each target through fetching (or
// reading from disk) and the matcher, and hands every match and every
// target's fate to a findings.Collector.
package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/files"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/version"
)

// Options are what the front ends may add beyond the configuration.
type Options struct {
	// Progress, if set, is called after each target ends.
	Progress func(done, total int)
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

type job struct {
	order int
	url   string
	file  files.Entry
}

// Run scans every target of cfg and returns the report. It never fails as a
// whole: each target ends scanned, skipped or failed in the report.
func Run(ctx context.Context, cfg config.Config, opts Options) *findings.Report {
	hdrs := make([]fetch.Header, len(cfg.Headers))
	for i, h := range cfg.Headers {
		hdrs[i] = fetch.Header(h)
	}
	e := &engine{
		coll: findings.NewCollector(),
		fetcher: fetch.New(fetch.Options{
			Timeout: cfg.Timeout, MaxBytes: cfg.MaxBytes, Headers: hdrs,
			UserAgent: version.UserAgent(), MaxConns: cfg.Concurrency, Transport: opts.Transport,
		}),
		dirs: map[int]*findings.Target{},
	}
	filter := files.Filter{Include: cfg.Include, Exclude: cfg.Exclude}

	var jobs []job
	for i, t := range cfg.Targets {
		if t.IsURL() {
			jobs = append(jobs, job{order: i, url: t.URL.String()})
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
			// A single file is its own start target.
			jobs = append(jobs, job{order: i, file: entries[0]})
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
			jobs = append(jobs, job{order: i, file: en})
		}
		start.Duration = time.Since(begun)
		e.dirs[i] = start
	}

	var (
		wg   sync.WaitGroup
		next = make(chan job)
		done int
		mu   sync.Mutex
	)
	for w := 0; w < min(cfg.Concurrency, max(len(jobs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc detect.Scanner
			for j := range next {
				e.run(ctx, &sc, j)
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(jobs))
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, d := range e.dirs {
		e.coll.AddTarget(*d)
	}
	return e.coll.Report()
}

type engine struct {
	coll    *findings.Collector
	fetcher *fetch.Fetcher
	mu      sync.Mutex
	dirs    map[int]*findings.Target // directory start targets, by order
}

func (e *engine) run(ctx context.Context, sc *detect.Scanner, j job) {
	if j.url != "" {
		e.coll.AddTarget(e.fetchURL(ctx, sc, j))
		return
	}
	t := e.readFile(sc, j)
	d, inDir := e.dirs[j.order]
	if !inDir {
		t.Start = true
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

func (e *engine) readFile(sc *detect.Scanner, j job) findings.Target {
	begun := time.Now()
	t := findings.Target{Target: j.file.Path, Order: j.order}
	f, err := os.Open(j.file.Path)
	if err != nil {
		t.State, t.Reason = findings.Failed, err.Error()
		return t
	}
	defer f.Close()
	cr := &countingReader{r: f}
	loc := findings.Location{Target: j.file.Path, Order: j.order}
	if err := sc.Scan(cr, func(m detect.Match) { e.coll.Add(m, loc) }); err != nil {
		t.State, t.Reason = findings.Failed, fmt.Sprintf("read failed after %d bytes: %v", cr.n, err)
	} else {
		t.State = findings.Scanned
	}
	t.Bytes, t.Duration = cr.n, time.Since(begun)
	return t
}

func (e *engine) fetchURL(ctx context.Context, sc *detect.Scanner, j job) findings.Target {
	begun := time.Now()
	t := findings.Target{Target: j.url, IsURL: true, Start: true, Order: j.order}
	err := e.fetcher.Get(ctx, j.url, func(r *fetch.Response) error {
		t.Status = r.Status
		loc := findings.Location{Target: r.URL, IsURL: true, Order: j.order}
		hloc := loc
		hloc.Part = findings.PartHeaders
		for _, m := range detect.Find(headerText(r.Header)) {
			e.coll.Add(m, hloc)
		}
		// Error pages are scanned too: a debug 500 page is a classic leak.
		err := sc.Scan(r.Body, func(m detect.Match) { e.coll.Add(m, loc) })
		t.Bytes = r.Body.Bytes()
		if err != nil {
			return fmt.Errorf("body read failed after %d bytes: %w", t.Bytes, err)
		}
		if r.Body.Truncated() {
			t.Warnings = append(t.Warnings, fmt.Sprintf("body larger than --max-bytes: only the first %d bytes were scanned", t.Bytes))
		}
		if r.Redirected {
			t.Warnings = append(t.Warnings, "redirected to "+r.URL)
		}
		return nil
	})
	t.Duration = time.Since(begun)
	switch {
	case err != nil:
		t.State, t.Reason = findings.Failed, err.Error()
	case t.Status < 200 || t.Status > 299:
		t.State, t.Reason = findings.Failed, fmt.Sprintf("HTTP %d %s", t.Status, http.StatusText(t.Status))
	default:
		t.State = findings.Scanned
	}
	return t
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
