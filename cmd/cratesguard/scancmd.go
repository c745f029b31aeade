package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/npm"
	"github.com/cratesguard/cratesguard/internal/pypi"
	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/scan"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/triage"
	"github.com/cratesguard/cratesguard/internal/verify"
	"github.com/cratesguard/cratesguard/internal/version"
	"github.com/mattn/go-isatty"
)

// output says where results go besides the exit code.
type output struct {
	sarif    string
	format   string
	category string
}

// scanFlags binds the scan flags to a raw configuration.
type scanFlags struct {
	*command
	targetsFile, maxBytes, failOn, sarif, format string
	category, timeout, rate                      string
	browserPath, browserTimeout, crateWait       string
	browser                                      bool
	concurrency, depth, maxURLs, retries         int
	perHost, verifyMax                           int
	headers, include, exclude, allowHosts        listFlag
	showVersion, probe, scanBinary, verify       bool
	revoke                                       bool
	cratesAPI, repo, ignoreFile, shard           string
	npmRegistry, pypiURL                         string
	platforms                                    listFlag
}

const scanAbout = `TARGET is an http(s) URL, a file or a directory (walked recursively; .git is
skipped, symbolic links are not followed), crate:NAME[@VERSION], a crate's
.crate on crates.io (--crates-api; no version: its default one), or what a
release pushes elsewhere: oci:REF, an image (oci:ghcr.io/org/app:1.2.3,
oci:ghcr.io/org/app@sha256:…; every platform, config and layer),
npm:NAME[@VERSION] (--npm-registry; no version: its latest) and
pypi:NAME[==VERSION] (--pypi-url; every wheel and sdist of the release).
Archives and compressed streams (.crate, .tar.gz, .tar.xz, .tar.zst, .zip,
.deb, .rpm…, told by their bytes) are scanned member by member.

--sarif FILE writes atomically (a temporary file renamed over FILE); through a
symbolic link, to the file it leads to; to a named pipe or a device
(/dev/stdout) directly. --sarif - writes the SARIF to stdout, and the text
report to stderr.

Exit codes: 0 clean, 1 a token at or above --fail-on, 2 usage or configuration
error (nothing was scanned) or, with no failing token, a SARIF report that
could not be written, 3 some target could not be scanned or some archive or
member was not opened, 130/143 interrupted (SIGINT/SIGTERM): the report covers
what was scanned before.`

func newScanFlags() *scanFlags {
	c := newCommand("scan", "cratesguard scan [flags] TARGET...", "scan URLs (http, https) and local files or directories", scanAbout,
		"Targets", "Output", "Crawling", "Requests", "Verification and triage", "Other")
	f := &scanFlags{command: c}
	fs := c.fs
	fs.StringVar(&f.targetsFile, "targets-file", "", "read more targets from FILE, one per line (# comments)")
	c.describe("Targets", "targets-file", "FILE")
	fs.Var(&f.include, "include", "doublestar glob of paths to scan, in directories and URL paths (repeatable)")
	c.describe("Targets", "include", "GLOB")
	fs.Var(&f.exclude, "exclude", "doublestar glob of paths to leave out (repeatable; wins over --include)")
	c.describe("Targets", "exclude", "GLOB")
	fs.StringVar(&f.crateWait, "crate-wait", "0s", "how long a crate:, oci:, npm: or pypi: target waits for its registry to serve a version just published")
	c.describe("Targets", "crate-wait", "DURATION")
	fs.StringVar(&f.npmRegistry, "npm-registry", npm.DefaultRegistry, "the npm registry npm: targets are read from (HTTPS; plain HTTP only to loopback)")
	c.describe("Targets", "npm-registry", "URL")
	fs.StringVar(&f.pypiURL, "pypi-url", pypi.DefaultIndex, "the PyPI index pypi: targets are read from, through its JSON API (HTTPS; plain HTTP only to loopback)")
	c.describe("Targets", "pypi-url", "URL")
	fs.Var(&f.platforms, "platform", "scan only this platform of a multi-platform image: OS/ARCH[/VARIANT] (repeatable; default: every platform)")
	c.describe("Targets", "platform", "OS/ARCH")
	fs.StringVar(&f.shard, "shard", "", "scan only shard K of N of the targets (deterministic; category cratesguard/shard-K-of-N)")
	c.describe("Targets", "shard", "K/N")

	fs.StringVar(&f.sarif, "sarif", "", "write a SARIF 2.1.0 report for GitHub code scanning to FILE (- for stdout)")
	c.describe("Output", "sarif", "FILE")
	fs.StringVar(&f.format, "format", "text", "what goes to stdout: text or json (tokens redacted)")
	c.describe("Output", "format", "FORMAT")
	fs.StringVar(&f.failOn, "fail-on", "any", "exit 1 on: any token, verified (live tokens only; needs --verify), or never")
	c.describe("Output", "fail-on", "POLICY")
	fs.StringVar(&f.category, "category", "", "SARIF automationDetails.id, to tell several uploads for one commit apart")
	c.describe("Output", "category", "ID")

	fs.IntVar(&f.depth, "depth", config.DefaultDepth, "link hops to follow from each URL; assets a page loads cost none (0: the targets and what they load)")
	c.describe("Crawling", "depth", "N")
	fs.IntVar(&f.maxURLs, "max-urls", config.DefaultMaxURLs, "fetch at most N URLs in all")
	c.describe("Crawling", "max-urls", "N")
	fs.Var(&f.allowHosts, "allow-host", "also crawl this origin: HOST on ports 80/443, or HOST:PORT (repeatable)")
	c.describe("Crawling", "allow-host", "HOST[:PORT]")
	fs.BoolVar(&f.probe, "probe", false, "also fetch well-known files of each start origin (/.env, /.cargo/credentials.toml, /robots.txt…)")
	c.describe("Crawling", "probe", "")
	fs.BoolVar(&f.scanBinary, "scan-binary", false, "scan images, fonts, audio and video instead of skipping them (wasm is always scanned)")
	c.describe("Crawling", "scan-binary", "")
	fs.BoolVar(&f.browser, "browser", false, "also load each HTML page in headless Chromium and scan what it loads at run time, its cookies, storage and rendered DOM")
	c.describe("Crawling", "browser", "")
	fs.StringVar(&f.browserPath, "browser-path", "", "the Chromium or Chrome to run (implies --browser)")
	c.describe("Crawling", "browser-path", "FILE", "chromium, chromium-browser, google-chrome… on PATH")
	fs.StringVar(&f.browserTimeout, "browser-timeout", config.DefaultBrowserTimeout.String(), "time for one page in the browser: loading, settling, reading what it left")
	c.describe("Crawling", "browser-timeout", "DURATION")

	fs.Var(&f.headers, "header", "request header 'Name: value' for the start origins (repeatable; values are never printed)")
	c.describe("Requests", "header", "'NAME: VALUE'")
	fs.IntVar(&f.concurrency, "concurrency", config.DefaultConcurrency, "requests in flight at once")
	c.describe("Requests", "concurrency", "N")
	fs.IntVar(&f.perHost, "per-host", 0, "requests in flight to one host, to be polite to a small server")
	c.describe("Requests", "per-host", "N", "--concurrency, "+strconv.Itoa(config.DefaultConcurrency))
	fs.StringVar(&f.rate, "rate", "0", "requests per second to one host, from 0.01 (0: no limit; waiting counts toward --timeout)")
	c.describe("Requests", "rate", "R", "0")
	fs.IntVar(&f.retries, "retries", config.DefaultRetries, "retries on connection errors, timeouts, 429 and 5xx")
	c.describe("Requests", "retries", "N")
	fs.StringVar(&f.timeout, "timeout", config.DefaultTimeout.String(), "per request, covering headers and the whole body (30s, 2m)")
	c.describe("Requests", "timeout", "DURATION")
	fs.StringVar(&f.maxBytes, "max-bytes", "64MiB", "scan at most this much decoded body per URL (512KiB, 2GiB, 10MB)")
	c.describe("Requests", "max-bytes", "SIZE")

	fs.BoolVar(&f.verify, "verify", false, "ask crates.io, read-only, whether each token is live (GET /api/v1/me, 1 request/s)")
	c.describe("Verification and triage", "verify", "")
	fs.BoolVar(&f.revoke, "revoke", false, "have crates.io revoke each live token found, with the token itself (implies --verify; never a placeholder or an ignored token)")
	c.describe("Verification and triage", "revoke", "")
	fs.IntVar(&f.verifyMax, "verify-max", config.DefaultVerifyMax, "verify at most N tokens a run; the rest are unknown")
	c.describe("Verification and triage", "verify-max", "N")
	fs.StringVar(&f.cratesAPI, "crates-api", verify.DefaultAPI, "the crates.io API --verify asks (HTTPS; plain HTTP only to loopback)")
	c.describe("Verification and triage", "crates-api", "URL")
	fs.StringVar(&f.repo, "repo", "", "a checkout of the repository: alerts point at the file and line there that leaked the token")
	c.describe("Verification and triage", "repo", "DIR")
	fs.StringVar(&f.ignoreFile, "ignore-file", "", "tokens the team has handled, by SHA-256")
	c.describe("Verification and triage", "ignore-file", "FILE", ".cratesguard-ignore in --repo, or here")

	fs.BoolVar(&f.showVersion, "version", false, "print the version and exit")
	c.describe("Other", "version", "")
	return f
}

// config turns the raw flags into a validated configuration.
func (f *scanFlags) config(positional []string) (config.Config, output, error) {
	out := output{sarif: f.sarif, format: f.format, category: f.category}
	cfg := config.Defaults()
	cfg.Concurrency, cfg.Depth, cfg.MaxURLs = f.concurrency, f.depth, f.maxURLs
	cfg.Include, cfg.Exclude, cfg.Category, cfg.AllowHosts = f.include, f.exclude, f.category, f.allowHosts
	cfg.Probe, cfg.Retries, cfg.ScanBinary = f.probe, f.retries, f.scanBinary
	cfg.Verify, cfg.CratesAPI, cfg.Repo, cfg.VerifyMax = f.verify || f.revoke, f.cratesAPI, f.repo, f.verifyMax
	cfg.Revoke = f.revoke
	cfg.NPMRegistry, cfg.PyPIURL, cfg.Platforms = f.npmRegistry, f.pypiURL, f.platforms
	// Concurrency means what it says: one host gets all of it unless
	// --per-host says otherwise.
	cfg.PerHost = cmp.Or(f.perHost, f.concurrency)
	if set(f.fs, "per-host") && f.perHost < 1 {
		return cfg, out, config.Errorf("per-host", strconv.Itoa(f.perHost), "must be 1 or more")
	}
	cfg.IgnoreFile, cfg.IgnoreRequired = f.ignoreFile, f.ignoreFile != ""
	if cfg.IgnoreFile == "" {
		cfg.IgnoreFile = filepath.Join(cmp.Or(f.repo, "."), triage.DefaultFile)
	}
	var err error
	// Headers first: their values become secrets before any message.
	for i, h := range f.headers {
		hd, err := config.ParseHeader("header", i+1, h)
		if err != nil {
			return cfg, out, err
		}
		cfg.Headers = append(cfg.Headers, hd)
	}
	if cfg.Timeout, err = config.ParseDuration("timeout", f.timeout); err != nil {
		return cfg, out, err
	}
	if cfg.BrowserTimeout, err = config.ParseDuration("browser-timeout", f.browserTimeout); err != nil {
		return cfg, out, err
	}
	if f.crateWait != "0s" && f.crateWait != "0" {
		if cfg.CrateWait, err = config.ParseDuration("crate-wait", f.crateWait); err != nil {
			return cfg, out, err
		}
	}
	if f.browser || f.browserPath != "" {
		field := "browser"
		if f.browserPath != "" {
			field = "browser-path"
		}
		if cfg.Browser, err = browser.Find(f.browserPath); err != nil {
			return cfg, out, &config.Error{Field: field, Msg: err.Error()}
		}
	}
	if cfg.Rate, err = strconv.ParseFloat(f.rate, 64); err != nil {
		return cfg, out, config.Errorf("rate", f.rate, "is not a number of requests per second")
	}
	if cfg.MaxBytes, err = config.ParseSize("max-bytes", f.maxBytes); err != nil {
		return cfg, out, err
	}
	if cfg.FailOn, err = config.ParseFailOn("fail-on", f.failOn); err != nil {
		return cfg, out, err
	}
	if f.format != "text" && f.format != "json" {
		return cfg, out, config.Errorf("format", f.format, "is not a format (text, json)")
	}
	raws := positional
	if f.targetsFile != "" {
		more, err := target.ReadFile(f.targetsFile)
		if err != nil {
			return cfg, out, &config.Error{Field: "targets-file", Msg: err.Error()}
		}
		raws = append(raws, more...)
	}
	if cfg.Targets, err = config.ParseTargets("targets", raws); err != nil {
		return cfg, out, err
	}
	if len(cfg.Targets) == 0 {
		return cfg, out, &config.Error{Field: "targets", Msg: "nothing to scan: name a URL or a path, or a --targets-file"}
	}
	k, n, err := config.ParseShard("shard", f.shard)
	if err != nil {
		return cfg, out, err
	}
	if err := cfg.ApplyShard("shard", k, n); err != nil {
		return cfg, out, err
	}
	out.category = cfg.Category
	if cfg.Root, err = os.Getwd(); err != nil {
		return cfg, out, err
	}
	if cfg.Repo != "" {
		// Alerts point into the repository: SARIF paths are relative to it.
		if cfg.Root, err = filepath.Abs(cfg.Repo); err != nil {
			return cfg, out, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, out, err
	}
	switch {
	case out.sarif == "-" && out.format == "json":
		return cfg, out, &config.Error{Field: "sarif", Msg: "- (stdout) and --format json both write to stdout: name a file for one of them"}
	case out.sarif == "-":
	case out.sarif != "":
		if err := checkOutput(out.sarif); err != nil {
			return cfg, out, &config.Error{Field: "sarif", Msg: err.Error()}
		}
	}
	return cfg, out, nil
}

// set reports whether a flag was given.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// checkOutput makes sure a report can be written to path before anything
// is fetched: its directory (a link's target's) exists (none is created)
// and takes files, and path is not a directory. A device or a pipe is
// taken as it is.
func checkOutput(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory: name a file", path)
	case err == nil && !fi.Mode().IsRegular():
		return nil // a device or a pipe (/dev/stdout): written to as it is
	}
	dir := filepath.Dir(path)
	if real, err := filepath.EvalSymlinks(path); err == nil {
		dir = filepath.Dir(real) // a link is written through: where it leads
	}
	if di, err := os.Stat(dir); err != nil || !di.IsDir() {
		return fmt.Errorf("%s: the directory %s does not exist (it is not created for you)", path, dir)
	}
	probe, err := os.CreateTemp(dir, ".cratesguard-check-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s: %v", path, dir, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newScanFlags()
	positional, err := f.parse(args)
	switch {
	case errors.Is(err, errHelp):
		f.printHelp(stdout)
		return findings.ExitClean
	case err != nil:
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return findings.ExitUsage
	}
	if f.showVersion {
		safe.Fprintf(stdout, "cratesguard %s\n", version.Get())
		return findings.ExitClean
	}
	cfg, out, err := f.config(positional)
	if err != nil {
		return configError(stderr, err)
	}
	return execute(ctx, cfg, out, stdout, stderr)
}

// configError phrases a configuration error in terms of flags.
func configError(stderr io.Writer, err error) int {
	var ce *config.Error
	switch {
	case errors.As(err, &ce) && ce.Field == "targets":
		safe.Fprintf(stderr, "cratesguard: %s\n", ce.Msg)
	case errors.As(err, &ce):
		safe.Fprintf(stderr, "cratesguard: --%s\n", ce)
	default:
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
	}
	return findings.ExitUsage
}

// progressEvery is how often a run whose stderr is no terminal (CI) says
// how far it got; a run shorter than that says nothing.
var progressEvery = 10 * time.Second

// execute runs a validated scan and reports it.
func execute(ctx context.Context, cfg config.Config, out output, stdout, stderr io.Writer) int {
	opts := scan.Options{}
	stop := progress(&opts, stderr)
	if needsTLS(cfg) {
		fallbackRoots()
	}
	rep := scan.Run(ctx, cfg, opts)
	stop()
	code := rep.ExitCode(cfg.FailOn)
	if ctx.Err() != nil {
		sig := interruption()
		rep.Interrupted = sig.name
		code = sig.code
	}
	var writeErr error
	var cut report.SARIFCut
	human := stdout
	sarifOpts := report.SARIFOptions{Category: out.category, Root: cfg.Root}
	switch out.sarif {
	case "":
	case "-":
		human = stderr // stdout is the SARIF's
		cut, writeErr = report.EncodeSARIFTo(stdout, rep, sarifOpts)
	default:
		cut, writeErr = report.WriteSARIF(out.sarif, rep, sarifOpts)
	}
	var err error
	if out.format == "json" {
		err = report.JSON(human, rep, cfg.FailOn)
	} else {
		err = report.Text(human, rep, cfg.FailOn, "")
	}
	if err != nil {
		safe.Fprintf(stderr, "cratesguard: writing results: %s\n", err)
	}
	if rep.Interrupted != "" {
		safe.Fprintf(stderr, "cratesguard: interrupted (%s) after %d of %d URLs and files: the report covers those\n",
			safe.Trusted(rep.Interrupted), rep.Done(), rep.Done()+rep.Pending)
	}
	switch {
	case writeErr != nil:
		safe.Fprintf(stderr, "cratesguard: the SARIF report was not written: %s\n", writeErr)
		if rep.Interrupted == "" && code != findings.ExitFindings {
			code = findings.ExitUsage // never hiding a failing token's 1
		}
	case out.sarif == "-":
	case out.sarif != "":
		safe.Fprintf(stderr, "cratesguard: SARIF report written to %s\n", out.sarif)
		if cut.Cut() {
			safe.Fprintf(stderr, "cratesguard: %s\n", safe.Trusted(cut.Describe()))
		}
	}
	return code
}

// progress sets up progress reports on stderr: a line that rewrites itself
// on a terminal; elsewhere (CI logs, pipes) one line every progressEvery,
// none for a shorter run. The returned function stops it.
func progress(opts *scan.Options, stderr io.Writer) func() {
	var mu sync.Mutex
	var last scan.Progress
	tty := isTerminal(stderr)
	opts.Progress = func(p scan.Progress) {
		mu.Lock()
		defer mu.Unlock()
		last = p
		if tty {
			safe.Fprintf(stderr, "\rscanned %d/%d", p.Done, p.Total)
		}
	}
	if tty {
		return func() { safe.Fprintf(stderr, "\r\033[K") }
	}
	begun := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				mu.Lock()
				p := last
				mu.Unlock()
				safe.Fprintf(stderr, "scanned %s of %s URLs and files, %d token%s, %s\n", thousands(p.Done), thousands(p.Total),
					p.Tokens, report.Plural(p.Tokens), time.Since(begun).Round(time.Second))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// thousands writes n with commas: 3,400.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func isTerminal(w io.Writer) bool {
	if o, ok := w.(*safe.Out); ok {
		w = o.Underlying()
	}
	f, ok := w.(*os.File)
	// A terminal, not any character device: /dev/null is one too, and a
	// run with 2>/dev/null would write a progress line per target there.
	return ok && isatty.IsTerminal(f.Fd())
}
