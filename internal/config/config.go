// Package config is the one configuration that both `cratesguard scan` and
// the GitHub Action fill in: parsing helpers and validation whose errors name
// the setting at fault, so each front end can phrase it as a flag or an input.
package config

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/npm"
	"github.com/cratesguard/cratesguard/internal/pypi"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/triage"
	"github.com/cratesguard/cratesguard/internal/verify"
)

var verifyCheckAPI = verify.CheckAPI

// Defaults.
const (
	DefaultConcurrency = 16
	DefaultTimeout     = 30 * time.Second
	DefaultMaxBytes    = 64 << 20
	DefaultDepth       = 2
	DefaultMaxURLs     = 5000
	DefaultPerHost     = 8
	DefaultRetries     = 2
	DefaultVerifyMax   = 100
	// DefaultBrowserTimeout bounds one page in the browser (--browser).
	DefaultBrowserTimeout = 30 * time.Second
	// MinRate is the slowest --rate: one request per 100 s.
	MinRate = 0.01
)

// Header is one custom request header. Its value is never printed.
type Header struct{ Name, Value string }

// Config is a complete, validated scan configuration.
type Config struct {
	Targets     []target.Target
	Concurrency int
	Timeout     time.Duration
	MaxBytes    int64
	Headers     []Header
	Include     []string
	Exclude     []string
	Depth       int
	MaxURLs     int      // bound on URLs fetched, start URLs included
	AllowHosts  []string // hosts a crawl may visit besides the start URLs'
	Probe       bool     // ask each start origin for well-known files
	PerHost     int      // concurrent requests per host
	Rate        float64  // requests per second per host; 0 = no limit
	Retries     int
	ScanBinary  bool // scan images, fonts, audio, video… instead of skipping them
	// Browser is the Chromium each HTML page is also loaded in ("" for
	// none); BrowserTimeout bounds one page there.
	Browser        string
	BrowserTimeout time.Duration
	// Verify asks crates.io (CratesAPI) whether each token is live;
	// Revoke (which implies Verify) then has crates.io revoke each live one.
	Verify    bool
	Revoke    bool
	CratesAPI string
	// Repo is a checkout in which leaked tokens are looked for, so alerts
	// point at the code that leaked them.
	Repo string
	// IgnoreFile lists handled tokens; IgnoreRequired when the user named
	// it (a missing default file is fine). Validate loads it into Ignore.
	IgnoreFile     string
	IgnoreRequired bool
	Ignore         []triage.Entry
	FailOn         findings.FailOn
	Category       string
	// VerifyMax bounds how many tokens --verify asks crates.io about.
	VerifyMax int
	// CrateWait is how long a crate target waits for crates.io to serve a
	// version it does not know yet (just published); 0: not at all.
	CrateWait time.Duration
	// NPMRegistry and PyPIURL are where npm: and pypi: targets are looked
	// up; Platforms narrow an image index to these os/arch[/variant]
	// (none: every platform it names).
	NPMRegistry string
	PyPIURL     string
	Platforms   []string
	// GHCRToken is sent to ghcr.io only (and to its token realm there), as
	// basic auth exchanged for a pull token: the job's token in the Action.
	GHCRToken string
	// Info are notes for the report (an empty shard).
	Info []string
	// Root is the directory local file locations are made relative to in
	// SARIF (the working directory, or GITHUB_WORKSPACE in the Action).
	Root string
}

// Error is a bad setting. Field is the setting's name without dashes
// ("max-bytes"): the CLI shows it as --max-bytes, the Action as an input.
type Error struct {
	Field string
	Value string
	Msg   string
}

func (e *Error) Error() string {
	if e.Value == "" {
		return e.Field + ": " + e.Msg
	}
	return fmt.Sprintf("%s: %q %s", e.Field, e.Value, e.Msg)
}

// Errorf builds an Error.
func Errorf(field, value, format string, args ...any) *Error {
	return &Error{Field: field, Value: value, Msg: fmt.Sprintf(format, args...)}
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// ParseSize reads a byte count: 1048576, 64MiB, 2GiB, 500KB, 10M.
func ParseSize(field, s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(strings.ToLower(t), strings.ToLower(u.suffix)) && len(t) > len(u.suffix) {
			// Case matters only between KiB and KB style suffixes, which differ in letters anyway.
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, Errorf(field, s, "is not a positive size (examples: 1048576, 64MiB, 2GiB, 500KB)")
	}
	if n > (1<<62)/mult {
		return 0, Errorf(field, s, "is too large")
	}
	return n * mult, nil
}

// ParseHeader reads the n-th (from 1) "Name: value" header setting. The
// value is registered as a secret (safe.AddSecret) before anything else,
// so no output shows it, and errors never repeat any of s but a valid name.
func ParseHeader(field string, n int, s string) (Header, error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	if ok {
		safe.AddSecret(value)
	} else {
		safe.AddSecret(s) // all of it may be the secret
	}
	if !ok || name == "" {
		return Header{}, Errorf(field, "", "header %d is not in the form 'Name: value'", n)
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return Header{}, Errorf(field, "", "header %d: its name is not a valid HTTP header name", n)
		}
	}
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return Header{}, Errorf(field, "", "header %d (%s): its value holds a control character or line break", n, name)
		}
	}
	return Header{Name: http.CanonicalHeaderKey(name), Value: value}, nil
}

// ParseDuration reads a duration with its unit (30s, 2m, 1m30s). A bare
// number is an error that says which unit to add.
func ParseDuration(field, s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	d, err := time.ParseDuration(t)
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(t, 64); nerr == nil {
		return 0, Errorf(field, s, "has no unit: durations need one, as in %ss", t)
	}
	return 0, Errorf(field, s, "is not a duration (examples: 30s, 2m, 1m30s)")
}

// ParseFailOn reads the exit policy.
func ParseFailOn(field, s string) (findings.FailOn, error) {
	switch p := findings.FailOn(strings.ToLower(strings.TrimSpace(s))); p {
	case findings.FailOnAny, findings.FailOnVerified, findings.FailOnNever:
		return p, nil
	}
	return "", Errorf(field, s, "is not a fail-on policy (any, verified, never)")
}

// ValidateGlobs checks doublestar patterns, naming the bad one.
func ValidateGlobs(field string, patterns []string) error {
	for _, p := range patterns {
		if !doublestar.ValidatePattern(p) {
			return Errorf(field, p, "is not a valid glob pattern")
		}
	}
	return nil
}

// ParseTargets validates target strings, naming the bad one.
func ParseTargets(field string, raws []string) ([]target.Target, error) {
	var out []target.Target
	for _, r := range raws {
		t, err := target.Parse(r)
		if err != nil {
			return nil, &Error{Field: field, Msg: err.Error()}
		}
		out = append(out, t)
	}
	return out, nil
}

// Defaults returns a configuration with every default filled in.
func Defaults() Config {
	return Config{
		Concurrency: DefaultConcurrency, Timeout: DefaultTimeout, MaxBytes: DefaultMaxBytes,
		Depth: DefaultDepth, MaxURLs: DefaultMaxURLs, PerHost: DefaultPerHost, Retries: DefaultRetries,
		FailOn: findings.FailOnAny, CratesAPI: verify.DefaultAPI, VerifyMax: DefaultVerifyMax,
		BrowserTimeout: DefaultBrowserTimeout, NPMRegistry: npm.DefaultRegistry, PyPIURL: pypi.DefaultIndex,
	}
}

// Validate checks the numeric settings and that there is something to scan.
func (c *Config) Validate() error {
	if len(c.Targets) == 0 && len(c.Info) == 0 {
		return &Error{Field: "targets", Msg: "nothing to scan: name at least one URL or path"}
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		return Errorf("concurrency", strconv.Itoa(c.Concurrency), "must be between 1 and 1024")
	}
	if c.Browser != "" && c.BrowserTimeout <= 0 {
		return Errorf("browser-timeout", c.BrowserTimeout.String(), "must be positive")
	}
	if c.Timeout <= 0 {
		return Errorf("timeout", c.Timeout.String(), "must be positive")
	}
	if c.MaxBytes <= 0 {
		return Errorf("max-bytes", strconv.FormatInt(c.MaxBytes, 10), "must be positive")
	}
	if c.Depth < 0 {
		return Errorf("depth", strconv.Itoa(c.Depth), "must be 0 or more")
	}
	if c.MaxURLs < 1 {
		return Errorf("max-urls", strconv.Itoa(c.MaxURLs), "must be 1 or more")
	}
	if c.PerHost < 1 {
		return Errorf("per-host", strconv.Itoa(c.PerHost), "must be 1 or more")
	}
	if c.Rate != 0 && !(c.Rate >= MinRate && c.Rate <= 1e6) { // NaN fails both
		return Errorf("rate", strconv.FormatFloat(c.Rate, 'g', -1, 64), "must be 0 (no limit) or a number of requests per second from %g to 1e6", MinRate)
	}
	if c.VerifyMax < 0 {
		return Errorf("verify-max", strconv.Itoa(c.VerifyMax), "must be 0 or more")
	}
	if c.Retries < 0 || c.Retries > 10 {
		return Errorf("retries", strconv.Itoa(c.Retries), "must be between 0 and 10")
	}
	for _, h := range c.AllowHosts {
		if err := checkAllowHost(h); err != nil {
			return Errorf("allow-host", h, "%v", err)
		}
	}
	if err := ValidateGlobs("include", c.Include); err != nil {
		return err
	}
	if err := ValidateGlobs("exclude", c.Exclude); err != nil {
		return err
	}
	if c.FailOn == findings.FailOnVerified && !c.Verify {
		return Errorf("fail-on", "verified", "needs verification turned on (--verify, or the verify input)")
	}
	crates := false
	for _, t := range c.Targets {
		crates = crates || t.Crate != ""
	}
	if c.CrateWait < 0 {
		return Errorf("crate-wait", c.CrateWait.String(), "must be 0 or more")
	}
	if c.Verify || crates {
		if err := verifyCheckAPI(c.CratesAPI); err != nil {
			return Errorf("crates-api", "", "%v", err)
		}
	}
	if err := c.validateRegistries(); err != nil {
		return err
	}
	if c.Repo != "" {
		if fi, err := os.Stat(c.Repo); err != nil || !fi.IsDir() {
			return Errorf("repo", c.Repo, "is not a directory")
		}
	}
	if c.IgnoreFile != "" {
		within := "" // a file the user named is read where it leads
		if !c.IgnoreRequired {
			within = c.Repo // the checkout's own: read only inside it
		}
		entries, err := triage.Load(c.IgnoreFile, c.IgnoreRequired, within)
		if err != nil {
			return &Error{Field: "ignore-file", Msg: err.Error()}
		}
		c.Ignore = entries
	}
	if strings.ContainsAny(c.Category, " \t\r\n") {
		return Errorf("category", c.Category, "must not contain white space")
	}
	return nil
}

// checkAllowHost accepts "host" and "host:port" (also "[::1]:8443").
func checkAllowHost(h string) error {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = strings.Trim(h, "[]"), ""
	}
	if host == "" || strings.ContainsAny(host, "/@ *?#") || !strings.Contains(h, "[") && strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return fmt.Errorf("is not a host or host:port (give example.com or example.com:8443, without scheme or path)")
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("has no valid port (1 to 65535)")
		}
	}
	return nil
}

// ParseShard reads "K/N" (empty: no sharding, 0 0).
func ParseShard(field, s string) (k, n int, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(strings.TrimSpace(ks))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, Errorf(field, s, "is not K/N with 1 <= K <= N (for example 2/4)")
	}
	return k, n, nil
}

// ApplyShard keeps the targets of shard k of n and, when no category is
// set, names the SARIF category after the shard. The same target always
// lands in the same shard, whatever else is listed.
func (c *Config) ApplyShard(field string, k, n int) error {
	if n == 0 {
		return nil
	}
	all := len(c.Targets)
	c.Targets = Shard(c.Targets, k, n)
	if c.Category == "" {
		c.Category = fmt.Sprintf("cratesguard/shard-%d-of-%d", k, n)
	}
	if len(c.Targets) == 0 {
		// Sharding is by hash: a shard can be empty whatever the number of
		// targets. Its report is still written, empty, so that its
		// category's alerts from earlier runs are closed, not kept open.
		c.Info = append(c.Info, fmt.Sprintf("shard %d/%d holds none of the %d targets (shards are by hash): nothing to scan, and an empty report for category %s",
			k, n, all, c.Category))
	}
	return nil
}

// Shard keeps the targets whose FNV-1a hash falls in shard k of n.
func Shard(ts []target.Target, k, n int) []target.Target {
	var out []target.Target
	for _, t := range ts {
		h := fnv.New32a()
		h.Write([]byte(t.String()))
		if int(h.Sum32()%uint32(n)) == k-1 {
			out = append(out, t)
		}
	}
	return out
}
