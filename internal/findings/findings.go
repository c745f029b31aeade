// Package findings holds what a scan produced: the leaked tokens with every
// place they were seen, and the fate of every target. It is the hand-over
// point between the scanning stages and the reporters.
package findings

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/detect"
)

// Secret is a full token. It prints, formats and marshals redacted; only
// Reveal gives the plaintext, for masking and verification.
type Secret string

// Reveal returns the plaintext token. Never print it.
func (s Secret) Reveal() string { return string(s) }

// String returns the redacted form, so %v and %s cannot leak the token.
func (s Secret) String() string { return Redact(string(s)) }

// GoString keeps %#v redacted as well.
func (s Secret) GoString() string { return Redact(string(s)) }

// MarshalText keeps JSON and other encoders redacted.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redact(string(s))), nil }

// SHA256 is the lowercase hex SHA-256 of the token, as crates.io stores it.
func (s Secret) SHA256() string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Redact shows a token's prefix and the first four characters of its
// random part, never more: cioAbCd… or cio_tp_AbCd….
func Redact(tok string) string {
	prefix := "cio"
	if strings.HasPrefix(tok, "cio_tp_") {
		prefix = "cio_tp_"
	}
	if len(tok) < len(prefix)+8 {
		return prefix + "…"
	}
	return tok[:len(prefix)+4] + "…"
}

// Location is one place a token was seen.
type Location struct {
	// Target is the full URL (after redirects) or the file path scanned.
	Target string `json:"target"`
	// IsURL tells a URL from a local path.
	IsURL bool `json:"isUrl"`
	// Part says where inside the target: "" for the body or file content,
	// "response headers" for HTTP headers.
	Part string `json:"part,omitempty"`
	// Encoding is what the token was hidden under ("base64"…), if anything.
	Encoding string `json:"encoding,omitempty"`
	// Source and SourceLine name the original file and line a source map
	// gives for this place, when it has one.
	Source     string `json:"source,omitempty"`
	SourceLine int    `json:"sourceLine,omitempty"`
	// InRepo marks a place in the repository checkout that holds the token.
	InRepo bool  `json:"inRepo,omitempty"`
	Line   int   `json:"line"`
	Column int   `json:"column"`
	Offset int64 `json:"offset"`
	Length int   `json:"length"`
	// Order is the index of the start target this location descends from:
	// locations sort by it first, so the "first place found" is deterministic.
	Order int `json:"-"`
}

// PartHeaders names the response-header part of a URL target.
const PartHeaders = "response headers"

// RulePlaceholder is the rule of obvious fillers in the place of a token
// (the matcher's Placeholder): reported as notes, never failing a build.
const RulePlaceholder = "crates-io-token-placeholder"

// Finding is one distinct token under one rule.
type Finding struct {
	Rule        string `json:"rule"`
	Token       Secret `json:"token"` // marshals redacted
	SHA256      string `json:"sha256"`
	Placeholder bool   `json:"placeholder"`
	// Validity is crates.io's verdict when --verify asked (active,
	// inactive, unknown, unverifiable); empty when not checked.
	Validity       string     `json:"validity,omitempty"`
	ValidityDetail string     `json:"validityDetail,omitempty"`
	Locations      []Location `json:"locations"` // the first is the primary one
}

// Level is the SARIF level of a finding: error unless it is a placeholder,
// or verification says it is dead (note) or cannot be checked (warning).
func (f *Finding) Level() string {
	switch {
	case f.Placeholder || f.Validity == "inactive":
		return "note"
	case f.Validity == "unverifiable":
		return "warning"
	}
	return "error"
}

// Ignored is a finding the ignore file hides, with the entry's reason.
type Ignored struct {
	Rule     string `json:"rule"`
	Token    Secret `json:"token"`
	SHA256   string `json:"sha256"`
	Reason   string `json:"reason"`
	Expires  string `json:"expires,omitempty"`
	FileLine string `json:"entry"` // file:line of the entry
}

// State is how a target ended.
type State string

// The three ways a target ends.
const (
	Scanned State = "scanned"
	Skipped State = "skipped"
	Failed  State = "failed"
)

// Target is the outcome of one target: a start target or something found
// from one (a file in a directory).
type Target struct {
	Target string `json:"target"`
	IsURL  bool   `json:"isUrl"`
	Start  bool   `json:"start"` // given by the user
	// Discovered marks URLs found by crawling or probing: their failures are
	// reported but do not make the scan incomplete (exit code 3).
	Discovered bool          `json:"discovered,omitempty"`
	Via        string        `json:"via,omitempty"` // how a discovered URL was found
	Depth      int           `json:"depth,omitempty"`
	Content    string        `json:"content,omitempty"`   // what the response held: HTML, JavaScript…
	SourceMap  string        `json:"sourceMap,omitempty"` // the source map a script names
	Attempts   int           `json:"attempts,omitempty"`
	State      State         `json:"state"`
	Reason     string        `json:"reason,omitempty"`   // why failed or skipped
	Warnings   []string      `json:"warnings,omitempty"` // e.g. truncated at --max-bytes
	Status     int           `json:"status,omitempty"`   // HTTP status
	Bytes      int64         `json:"bytes"`
	Files      int           `json:"files,omitempty"` // files scanned under a directory
	Duration   time.Duration `json:"-"`
	Order      int           `json:"-"`
}

// Report is everything a scan produced.
type Report struct {
	Findings []*Finding
	Targets  []Target
	// Warnings are about the scan as a whole (a crawl cut short by --max-urls).
	Warnings []string
	// Ignored are findings the ignore file hides.
	Ignored  []Ignored
	Started  time.Time
	Finished time.Time
}

// Collector gathers matches and target outcomes from concurrent workers.
type Collector struct {
	mu       sync.Mutex
	byKey    map[string]*Finding
	targets  []Target
	warnings []string
	started  time.Time
}

// NewCollector returns an empty collector.
func NewCollector() *Collector {
	return &Collector{byKey: map[string]*Finding{}, started: time.Now()}
}

// Add records a match seen at loc.
func (c *Collector) Add(m detect.Match, loc Location) {
	loc.Line, loc.Column, loc.Offset, loc.Length, loc.Encoding = m.Line, m.Column, m.Offset, len(m.Token), m.Encoding
	key := m.Rule + "\x00" + m.Token
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.byKey[key]
	if !ok {
		tok := Secret(m.Token)
		rule := m.Rule
		if m.Placeholder {
			rule = RulePlaceholder
		}
		f = &Finding{Rule: rule, Token: tok, SHA256: tok.SHA256(), Placeholder: m.Placeholder}
		c.byKey[key] = f
	}
	f.Locations = append(f.Locations, loc)
}

// AddTarget records how a target ended.
func (c *Collector) AddTarget(t Target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.targets = append(c.targets, t)
}

// Warn records a warning about the whole scan.
func (c *Collector) Warn(w string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, w)
}

// Report sorts everything into a deterministic order and returns it.
func (c *Collector) Report() *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Report{Started: c.started, Finished: time.Now(), Warnings: slices.Clone(c.warnings)}
	for _, f := range c.byKey {
		slices.SortFunc(f.Locations, compareLocations)
		f.Locations = slices.CompactFunc(f.Locations, func(a, b Location) bool { return compareLocations(a, b) == 0 })
		r.Findings = append(r.Findings, f)
	}
	// Real tokens before placeholders, then in the order they were found.
	slices.SortFunc(r.Findings, func(a, b *Finding) int {
		return cmp.Or(boolCmp(a.Placeholder, b.Placeholder), compareLocations(a.Locations[0], b.Locations[0]),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.SHA256, b.SHA256))
	})
	r.Targets = slices.Clone(c.targets)
	slices.SortStableFunc(r.Targets, func(a, b Target) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), -boolCmp(a.Start, b.Start), cmp.Compare(a.Target, b.Target))
	})
	return r
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func compareLocations(a, b Location) int {
	return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Target, b.Target),
		-boolCmp(a.Part == PartHeaders, b.Part == PartHeaders), // response headers first
		cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Part, b.Part), cmp.Compare(a.Encoding, b.Encoding))
}

// FailOn is the exit policy.
type FailOn string

// Exit policies.
const (
	FailOnAny      FailOn = "any"
	FailOnVerified FailOn = "verified" // only tokens crates.io says are live
	FailOnNever    FailOn = "never"
)

// Exit codes.
const (
	ExitClean    = 0
	ExitFindings = 1
	ExitUsage    = 2
	ExitFailures = 3
)

// Failing returns the findings at or above the policy: placeholders never fail.
func (r *Report) Failing(policy FailOn) []*Finding {
	if policy == FailOnNever {
		return nil
	}
	var out []*Finding
	for _, f := range r.Findings {
		if !f.Placeholder && (policy != FailOnVerified || f.Validity == "active") {
			out = append(out, f)
		}
	}
	return out
}

// FailedTargets returns the targets the user named (URLs, paths and the
// files under them) that could not be scanned; discovered URLs that failed
// are listed in Targets but do not count here.
func (r *Report) FailedTargets() []Target {
	var out []Target
	for _, t := range r.Targets {
		if t.State == Failed && !t.Discovered {
			out = append(out, t)
		}
	}
	return out
}

// Complete reports whether every named target was scanned or skipped.
func (r *Report) Complete() bool { return len(r.FailedTargets()) == 0 }

// ExitCode applies the exit-code rules: 1 for failing findings, else 3 when
// a target could not be scanned, else 0.
func (r *Report) ExitCode(policy FailOn) int {
	switch {
	case len(r.Failing(policy)) > 0:
		return ExitFindings
	case !r.Complete():
		return ExitFailures
	}
	return ExitClean
}
