// Package config is the one configuration that both `cratesguard scan` and
// the GitHub Action fill in: parsing helpers and validation whose errors name
// the setting at fault, so each front end can phrase it as a flag or an input.
package config

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cratesguard/cratesguard/internal/findings"
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
	ScanBinary  bool // scan images, fonts, wasm… instead of skipping them
	// Verify asks crates.io (CratesAPI) whether each token is live.
	Verify    bool
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

// ParseHeader reads "Name: value". The error never repeats the value.
func ParseHeader(field, s string) (Header, error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Header{}, Errorf(field, "", "%q is not in the form 'Name: value'", firstChars(s, ":"))
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return Header{}, Errorf(field, "", "header name %q is not a valid HTTP header name", name)
		}
	}
	value = strings.TrimSpace(value)
	if strings.ContainsAny(value, "\r\n") {
		return Header{}, Errorf(field, "", "header %s: value contains a line break", name)
	}
	return Header{Name: http.CanonicalHeaderKey(name), Value: value}, nil
}

// firstChars shows what comes before sep (a header's name), never a value.
func firstChars(s, sep string) string {
	if i := strings.Index(s, sep); i >= 0 {
		return s[:i] + sep + " …"
	}
	if len(s) > 12 {
		return s[:4] + "…"
	}
	return s
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
		FailOn: findings.FailOnAny, CratesAPI: verify.DefaultAPI,
	}
}

// Validate checks the numeric settings and that there is something to scan.
func (c *Config) Validate() error {
	if len(c.Targets) == 0 {
		return &Error{Field: "targets", Msg: "nothing to scan: name at least one URL or path"}
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		return Errorf("concurrency", strconv.Itoa(c.Concurrency), "must be between 1 and 1024")
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
	if c.Rate < 0 {
		return Errorf("rate", strconv.FormatFloat(c.Rate, 'g', -1, 64), "must be 0 (no limit) or more")
	}
	if c.Retries < 0 || c.Retries > 10 {
		return Errorf("retries", strconv.Itoa(c.Retries), "must be between 0 and 10")
	}
	for _, h := range c.AllowHosts {
		if h == "" || strings.ContainsAny(h, "/:@ *") {
			return Errorf("allow-host", h, "is not a host name (give example.com, without scheme, port or path)")
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
	if c.Verify {
		if err := verifyCheckAPI(c.CratesAPI); err != nil {
			return Errorf("crates-api", "", "%v", err)
		}
	}
	if c.Repo != "" {
		if fi, err := os.Stat(c.Repo); err != nil || !fi.IsDir() {
			return Errorf("repo", c.Repo, "is not a directory")
		}
	}
	if c.IgnoreFile != "" {
		entries, err := triage.Load(c.IgnoreFile, c.IgnoreRequired)
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
	c.Targets = Shard(c.Targets, k, n)
	if len(c.Targets) == 0 {
		return Errorf(field, fmt.Sprintf("%d/%d", k, n), "holds no target: there are fewer targets than shards")
	}
	if c.Category == "" {
		c.Category = fmt.Sprintf("cratesguard/shard-%d-of-%d", k, n)
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
