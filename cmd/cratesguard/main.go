// Command cratesguard finds leaked crates.io tokens in deployed sites and
// build outputs and reports them as SARIF. This file holds flag parsing and
// wiring only; the work happens in internal/.
package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cratesguard/cratesguard/internal/action"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/scan"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/triage"
	"github.com/cratesguard/cratesguard/internal/verify"
	"github.com/cratesguard/cratesguard/internal/version"

	// CA roots compiled in, used when the system has none (the action's
	// image is empty: no /etc/ssl).
	_ "golang.org/x/crypto/x509roots/fallback"
)

const usage = `cratesguard finds leaked crates.io API tokens in what your deployments serve.

Usage:
  cratesguard scan [flags] TARGET...   scan URLs (http, https) and local files or directories
  cratesguard demo                     scan a built-in demo site on loopback, offline
  cratesguard action                   run as a GitHub Action step (inputs from INPUT_* variables)
  cratesguard ignore add SHA256 --reason TEXT [--expires YYYY-MM-DD] [--file PATH]
                                       record a handled token in the ignore file
  cratesguard --version

Run 'cratesguard scan --help' for the flags. Exit codes: 0 clean, 1 findings at or
above --fail-on, 2 usage or configuration error, 3 some target could not be scanned.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// For the benchmarks in bench/: a CPU profile of the whole run.
	if p := os.Getenv("CRATESGUARD_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return findings.ExitUsage
	}
	switch args[0] {
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, "cratesguard", version.Version)
		if len(args) > 1 && args[1] == "--roots" {
			// Troubleshooting TLS in containers: how many CA roots verify certificates.
			pool, err := x509.SystemCertPool()
			if err != nil {
				fmt.Fprintln(stdout, "CA roots: none:", err)
				return 1
			}
			fmt.Fprintln(stdout, "CA roots:", len(pool.Subjects())) //nolint:staticcheck // a count is all we want
		}
		return findings.ExitClean
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return findings.ExitClean
	case "scan":
		return cmdScan(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr)
	case "ignore":
		return cmdIgnore(args[1:], stdout, stderr)
	case "action":
		if len(args) > 1 {
			fmt.Fprintln(stderr, "cratesguard: action takes its settings from INPUT_* variables, not arguments")
			return findings.ExitUsage
		}
		return action.Run(ctx, action.Env{Getenv: os.Getenv, Stdout: stdout})
	}
	fmt.Fprintf(stderr, "cratesguard: unknown command %q\n\n%s", args[0], usage)
	return findings.ExitUsage
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// output says where results go besides the exit code.
type output struct {
	sarif    string
	format   string
	category string
}

// scanFlags binds the scan flags to a raw configuration.
type scanFlags struct {
	fs                                            *flag.FlagSet
	targetsFile, maxBytes, failOn, sarif, format  string
	category                                      string
	concurrency, depth, maxURLs, perHost, retries int
	rate                                          float64
	timeout                                       time.Duration
	headers, include, exclude, allowHosts         listFlag
	showVersion, probe, scanBinary, verify        bool
	cratesAPI, repo, ignoreFile, shard            string
}

func newScanFlags(stderr io.Writer) *scanFlags {
	f := &scanFlags{fs: flag.NewFlagSet("scan", flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(stderr)
	fs.StringVar(&f.targetsFile, "targets-file", "", "read more targets from `FILE`, one per line (# comments)")
	fs.StringVar(&f.sarif, "sarif", "", "write a SARIF report to `FILE` (for GitHub code scanning)")
	fs.StringVar(&f.format, "format", "text", "stdout format: text or json")
	fs.StringVar(&f.failOn, "fail-on", "any", "exit 1 on findings: any, verified (live tokens only; needs --verify), or never")
	fs.IntVar(&f.concurrency, "concurrency", config.DefaultConcurrency, "targets fetched at once")
	fs.DurationVar(&f.timeout, "timeout", config.DefaultTimeout, "per-request timeout, headers and body")
	fs.StringVar(&f.maxBytes, "max-bytes", "64MiB", "scan at most this much of each decoded body (e.g. 64MiB, 2GiB)")
	fs.Var(&f.headers, "header", "request header 'Name: value' (repeatable; values never printed)")
	fs.Var(&f.include, "include", "doublestar glob of paths to scan (repeatable)")
	fs.Var(&f.exclude, "exclude", "doublestar glob of paths to leave out (repeatable)")
	fs.StringVar(&f.shard, "shard", "", "scan only shard `K/N` of the targets (deterministic; category defaults to cratesguard/shard-K-of-N)")
	fs.StringVar(&f.category, "category", "", "SARIF category (automationDetails.id), to tell several uploads apart")
	fs.IntVar(&f.depth, "depth", config.DefaultDepth, "link hops to follow from each URL; assets a page loads cost none (0 = only the targets)")
	fs.IntVar(&f.maxURLs, "max-urls", config.DefaultMaxURLs, "fetch at most this many URLs in all")
	fs.Var(&f.allowHosts, "allow-host", "also crawl this host, and follow redirects to it (repeatable)")
	fs.BoolVar(&f.probe, "probe", false, "also fetch well-known files of each start origin (/.env, /.cargo/credentials.toml, /robots.txt…)")
	fs.IntVar(&f.perHost, "per-host", config.DefaultPerHost, "concurrent requests per host")
	fs.Float64Var(&f.rate, "rate", 0, "requests per second per host (0 = no limit)")
	fs.IntVar(&f.retries, "retries", config.DefaultRetries, "retries on connection errors, timeouts, 429 and 5xx")
	fs.BoolVar(&f.scanBinary, "scan-binary", false, "scan images, fonts and wasm instead of skipping them")
	fs.BoolVar(&f.verify, "verify", false, "ask crates.io, read-only, whether each token is live (GET /api/v1/me, 1 request/s)")
	fs.StringVar(&f.cratesAPI, "crates-api", verify.DefaultAPI, "crates.io API base `URL` for --verify (https only)")
	fs.StringVar(&f.repo, "repo", "", "repository checkout `DIR`: alerts point at the file and line there that leaked the token")
	fs.StringVar(&f.ignoreFile, "ignore-file", "", "ignore file of handled tokens by SHA-256 (default: .cratesguard-ignore in --repo or here)")
	fs.BoolVar(&f.showVersion, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: cratesguard scan [flags] TARGET...\n\nTARGET is an http(s) URL, a file or a directory.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return f
}

// parse reads flags wherever they stand among the targets.
func (f *scanFlags) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		args = f.fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// config turns the raw flags into a validated configuration.
func (f *scanFlags) config(positional []string) (config.Config, output, error) {
	out := output{sarif: f.sarif, format: f.format, category: f.category}
	cfg := config.Defaults()
	cfg.Concurrency, cfg.Timeout, cfg.Depth, cfg.MaxURLs = f.concurrency, f.timeout, f.depth, f.maxURLs
	cfg.Include, cfg.Exclude, cfg.Category, cfg.AllowHosts = f.include, f.exclude, f.category, f.allowHosts
	cfg.Probe, cfg.PerHost, cfg.Rate, cfg.Retries, cfg.ScanBinary = f.probe, f.perHost, f.rate, f.retries, f.scanBinary
	cfg.Verify, cfg.CratesAPI, cfg.Repo = f.verify, f.cratesAPI, f.repo
	cfg.IgnoreFile, cfg.IgnoreRequired = f.ignoreFile, f.ignoreFile != ""
	if cfg.IgnoreFile == "" {
		cfg.IgnoreFile = filepath.Join(cmp.Or(f.repo, "."), triage.DefaultFile)
	}
	var err error
	if cfg.MaxBytes, err = config.ParseSize("max-bytes", f.maxBytes); err != nil {
		return cfg, out, err
	}
	if cfg.FailOn, err = config.ParseFailOn("fail-on", f.failOn); err != nil {
		return cfg, out, err
	}
	if f.format != "text" && f.format != "json" {
		return cfg, out, config.Errorf("format", f.format, "is not a format (text, json)")
	}
	for _, h := range f.headers {
		hd, err := config.ParseHeader("header", h)
		if err != nil {
			return cfg, out, err
		}
		cfg.Headers = append(cfg.Headers, hd)
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
	return cfg, out, cfg.Validate()
}

// configError phrases a configuration error in terms of flags.
func configError(stderr io.Writer, err error) int {
	var ce *config.Error
	if errors.As(err, &ce) && ce.Field != "targets" {
		fmt.Fprintf(stderr, "cratesguard: --%s\n", ce.Error())
	} else if errors.As(err, &ce) {
		fmt.Fprintf(stderr, "cratesguard: %s\n", ce.Msg)
	} else {
		fmt.Fprintf(stderr, "cratesguard: %v\n", err)
	}
	return findings.ExitUsage
}

func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newScanFlags(stderr)
	positional, err := f.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return findings.ExitClean
	}
	if err != nil {
		return findings.ExitUsage // the flag package has said what is wrong
	}
	if f.showVersion {
		fmt.Fprintln(stdout, "cratesguard", version.Version)
		return findings.ExitClean
	}
	cfg, out, err := f.config(positional)
	if err != nil {
		return configError(stderr, err)
	}
	return execute(ctx, cfg, out, stdout, stderr)
}

// execute runs a validated scan and reports it.
func execute(ctx context.Context, cfg config.Config, out output, stdout, stderr io.Writer) int {
	opts := scan.Options{}
	if isTerminal(stderr) {
		opts.Progress = func(done, total int) {
			fmt.Fprintf(stderr, "\rscanned %d/%d", done, total)
			if done == total {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}
	}
	rep := scan.Run(ctx, cfg, opts)
	code := rep.ExitCode(cfg.FailOn)
	if out.sarif != "" {
		log, err := report.SARIF(rep, report.SARIFOptions{Category: out.category, Root: cfg.Root})
		if err == nil {
			err = report.WriteSARIF(out.sarif, log)
		}
		if err != nil {
			fmt.Fprintf(stderr, "cratesguard: %v\n", err)
			return findings.ExitUsage
		}
	}
	var err error
	if out.format == "json" {
		err = report.JSON(stdout, rep, cfg.FailOn)
	} else {
		err = report.Text(stdout, rep, cfg.FailOn)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cratesguard: writing results: %v\n", err)
	}
	return code
}

// cmdIgnore handles `cratesguard ignore add`.
func cmdIgnore(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "Usage: cratesguard ignore add SHA256 --reason TEXT [--expires YYYY-MM-DD] [--file PATH]")
		return findings.ExitUsage
	}
	fs := flag.NewFlagSet("ignore add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reason := fs.String("reason", "", "why this token may be ignored (required)")
	expires := fs.String("expires", "", "stop ignoring it after this day (YYYY-MM-DD)")
	file := fs.String("file", triage.DefaultFile, "the ignore file")
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return findings.ExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "cratesguard: ignore add takes exactly one SHA-256 (cratesguard prints it beside each finding)")
		return findings.ExitUsage
	}
	e := triage.Entry{SHA256: strings.ToLower(pos[0]), Reason: *reason}
	if *expires != "" {
		d, err := time.Parse("2006-01-02", *expires)
		if err != nil {
			fmt.Fprintf(stderr, "cratesguard: --expires: %q is not YYYY-MM-DD\n", *expires)
			return findings.ExitUsage
		}
		e.Expires = d
	}
	if err := triage.Append(*file, e); err != nil {
		fmt.Fprintf(stderr, "cratesguard: %v\n", err)
		return findings.ExitUsage
	}
	fmt.Fprintf(stdout, "%s: added %s\n", *file, triage.Format(e))
	return findings.ExitClean
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
