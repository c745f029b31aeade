// Package findings holds what a scan produced: the leaked tokens with every
// place they were seen, and the fate of every target. It is the hand-over
// point between the scanning stages and the reporters.
package findings

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
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
	// gives for this place, when it has one: from the map's sourcesContent
	// when the place is in the map itself, else from the mappings of
	// SourceMap, the map of the bundle the place is in.
	Source     string `json:"source,omitempty"`
	SourceLine int    `json:"sourceLine,omitempty"`
	SourceMap  string `json:"sourceMap,omitempty"`
	// InRepo marks a place in the repository checkout that holds the token.
	InRepo bool `json:"inRepo,omitempty"`
	Line   int  `json:"line"`
	// Column counts bytes from the line start, Column16 UTF-16 code units
	// (what SARIF and GitHub count), both from 1.
	Column   int   `json:"column"`
	Column16 int   `json:"column16"`
	Offset   int64 `json:"offset"`
	// Length is how many bytes of the input the token (or its encoded
	// form) takes.
	Length int `json:"length"`
	// Browser marks a place found in what a page loaded in the browser
	// (--browser): a response it caused, or a part it left behind.
	Browser bool `json:"browser,omitempty"`
	// Order is the index of the start target this location descends from.
	Order int `json:"-"`
}

// Parts of a URL target besides its body.
const (
	PartHeaders = "response headers"
	// What a page left behind in the browser, read after it settled; the
	// target is the page (the WebSocket's URL for its frames).
	PartDOM            = "rendered DOM, in the browser"
	PartCookies        = "cookies, in the browser"
	PartLocalStorage   = "localStorage, in the browser"
	PartSessionStorage = "sessionStorage, in the browser"
	PartWebSocket      = "WebSocket text frames, in the browser"
	PartObject         = "a data: or blob: URL the page loaded, in the browser"
	PartRequests       = "a URL the page asked for, in the browser"
	// PartNotFound is the site's 404 page: what a host answers a missing
	// path with (a guessed URL's answer); the target is the start URL.
	PartNotFound = "the site's 404 page"
	// PartMember is what an archive keeps about a member besides its
	// content: its name, a link's target, PAX records, a zip comment.
	PartMember = "the member's name and metadata"
)

// partSuffixes end the stand-in path of a part that is not the body: its
// line numbers are not lines of the body.
var partSuffixes = map[string]string{
	PartHeaders: ".headers", PartDOM: ".dom", PartCookies: ".cookies", PartLocalStorage: ".localStorage",
	PartSessionStorage: ".sessionStorage", PartWebSocket: ".websocket", PartObject: ".object",
	PartRequests: ".requests", PartNotFound: ".404", PartMember: ".meta",
}

// PartSuffix is what the stand-in path of a URL gets for part ("" for the
// body and for parts inside it, like a source map's sourcesContent).
func PartSuffix(part string) string { return partSuffixes[part] }

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
	Validity       string `json:"validity,omitempty"`
	ValidityDetail string `json:"validityDetail,omitempty"`
	// Revocation is what --revoke came to (revoked, live-scoped,
	// already-inactive, failed); empty when it was not tried.
	Revocation       string `json:"revocation,omitempty"`
	RevocationDetail string `json:"revocationDetail,omitempty"`
	// Locations are the places kept (at most Limits.Locations, fewer past Limits.Places; the first
	// in PlaceOrder), the first the primary one; Occurrences counts every
	// place the token was seen.
	Locations   []Location `json:"locations"`
	Occurrences int        `json:"occurrences"`
	// While collecting: the kept places' keys (parallel to Locations), the
	// set of them (past keptSet), and the index of the last in PlaceOrder.
	keys  []placeKey
	kept  map[placeKey]bool
	worst int
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
	Discovered bool     `json:"discovered,omitempty"`
	Via        string   `json:"via,omitempty"` // how a discovered URL was found
	Depth      int      `json:"depth,omitempty"`
	Content    string   `json:"content,omitempty"`   // what the response held: HTML, JavaScript…
	SourceMap  string   `json:"sourceMap,omitempty"` // the source map a script names
	Attempts   int      `json:"attempts,omitempty"`
	State      State    `json:"state"`
	Reason     string   `json:"reason,omitempty"`   // why failed or skipped
	Warnings   []string `json:"warnings,omitempty"` // e.g. truncated at --max-bytes
	// Unopened lists parts recognised but not read (see Unopened);
	// UnopenedCount counts them all, listed or not.
	Unopened      []Unopened    `json:"notOpened,omitempty"`
	UnopenedCount int           `json:"notOpenedCount,omitempty"`
	Status        int           `json:"status,omitempty"` // HTTP status
	Bytes         int64         `json:"bytes"`
	Files         int           `json:"files,omitempty"` // files scanned under a directory
	Duration      time.Duration `json:"-"`
	Order         int           `json:"-"`
	// Counted marks a file listed for its warnings though its directory
	// already counts it.
	Counted bool `json:"-"`
}

// Report is everything a scan produced.
type Report struct {
	Findings []*Finding
	Targets  []Target
	// Warnings are about the scan as a whole (a crawl cut short by --max-urls).
	Warnings []string
	// Info are neutral notes about the scan as a whole (an empty shard).
	Info []string
	// Interrupted names the signal that stopped the scan early, if one
	// did; Pending counts the URLs and files it left unscanned.
	Interrupted string
	Pending     int
	// Ignored are findings the ignore file hides.
	Ignored []Ignored
	// Counts has every target's state, including targets beyond
	// Limits.Targets that are counted but not listed.
	Counts map[State]int
	// NotOpened counts the parts of targets recognised but not read
	// (whole targets in the NotOpened state among them), listed or not.
	NotOpened int
	Started   time.Time
	Finished  time.Time
}

// Limits bound what a scan keeps, whatever its input: GitHub takes 25,000
// results per run and 1,000 locations per result, and a hostile site must
// not be able to grow memory without end. What goes past a limit is counted
// and reported.
type Limits struct {
	Findings  int // distinct tokens
	Locations int // places kept per token
	// Places bounds the places kept across all tokens: with more than
	// Places/Locations tokens, each keeps Places/tokens (at least one).
	Places  int
	Targets int // targets listed one by one (all are counted)
}

// DefaultLimits are the limits of a scan: with 50,000 places kept across
// tokens, a body of 5,000 tokens at 60 places each peaks at 75 MiB (25,000
// tokens of 100 places each would be a GiB).
var DefaultLimits = Limits{Findings: 25000, Locations: 100, Places: 50000, Targets: 50000}

// Collector gathers matches and target outcomes from concurrent workers.
type Collector struct {
	mu       sync.Mutex
	lim      Limits
	byKey    map[string]*Finding
	targets  []Target
	counts   map[State]int
	warnings []string
	started  time.Time
	// overflow counts matches of tokens past Limits.Findings.
	overflow int
	tokens   int // distinct real tokens
	unopened int // parts not opened, all targets
	// perToken is how many places each token keeps now: Limits.Locations
	// until the tokens are too many for Limits.Places, then fewer.
	perToken int
	// The stable path of the place last added, for the next (a token
	// repeated in one file is a place per occurrence, all in one target).
	lastPlace stableOf
	// cased maps the key a token shares with its case copies (folded) to
	// the token's own key, for tokens with both cases (copies.go).
	cased map[string]string
}

type stableOf struct {
	target        string
	isURL, inRepo bool
	stable        string
}

// NewCollector returns an empty collector with the default limits.
func NewCollector() *Collector { return NewCollectorWith(DefaultLimits) }

// NewCollectorWith returns an empty collector with the given limits.
func NewCollectorWith(l Limits) *Collector {
	return &Collector{lim: l, byKey: map[string]*Finding{}, counts: map[State]int{}, started: time.Now(), perToken: l.Locations}
}

// Add records a match seen at loc. Of a token's places, the first
// Limits.Locations in PlaceOrder (fewer past Limits.Places) are kept
// whatever order they arrive in, so the report does not depend on which
// worker finished first.
func (c *Collector) Add(m detect.Match, loc Location) {
	loc.Line, loc.Column, loc.Column16, loc.Offset, loc.Encoding = m.Line, m.Column, m.Column16, m.Offset, m.Encoding
	loc.Length = cmp.Or(m.Length, len(m.Token))
	key := m.Rule + "\x00" + m.Token
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.byKey[key]
	if !ok {
		f = c.copyOf(m.Rule, m.Token, &loc)
	}
	if f == nil {
		if len(c.byKey) >= c.lim.Findings {
			c.overflow++
			return
		}
		tok := Secret(m.Token)
		rule := m.Rule
		if m.Placeholder {
			rule = RulePlaceholder
		}
		f = &Finding{Rule: rule, Token: tok, SHA256: tok.SHA256(), Placeholder: m.Placeholder}
		c.byKey[key] = f
		if !m.Placeholder {
			c.tokens++
		}
		c.absorbCopies(f, m.Rule, key)
		if c.lim.Places > 0 {
			if k := max(1, min(c.lim.Locations, c.lim.Places/len(c.byKey))); k < c.perToken {
				// Every token keeps its first k places: the same as if k
				// had been the limit all along (a place among a token's
				// first k is among its first in any subset it is in).
				c.perToken = k
				for _, g := range c.byKey {
					g.trim(k)
				}
			}
		}
	}
	if lp := c.lastPlace; lp.target != loc.Target || lp.isURL != loc.IsURL || lp.inRepo != loc.InRepo {
		c.lastPlace = stableOf{loc.Target, loc.IsURL, loc.InRepo, StablePath(loc)}
	}
	f.addPlace(loc, keyOf(loc, c.lastPlace.stable), c.perToken)
}

// trim keeps the first n of the places kept.
func (f *Finding) trim(n int) {
	if len(f.Locations) <= n {
		return
	}
	f.sortPlaces()
	f.Locations, f.keys = slices.Clone(f.Locations[:n]), slices.Clone(f.keys[:n])
	f.worst, f.kept = n-1, nil
	f.index()
}

// sortPlaces puts the token's places, and their keys, in PlaceOrder.
func (f *Finding) sortPlaces() {
	if len(f.keys) != len(f.Locations) { // places changed after collecting
		f.keys = make([]placeKey, len(f.Locations))
		for i, l := range f.Locations {
			f.keys[i] = keyOf(l, StablePath(l))
		}
	}
	idx := make([]int, len(f.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int { return f.keys[i].order(f.keys[j]) })
	locs, keys := make([]Location, len(idx)), make([]placeKey, len(idx))
	for i, j := range idx {
		locs[i], keys[i] = f.Locations[j], f.keys[j]
	}
	f.Locations, f.keys = locs, keys
}

// keptSet is how many places a token keeps before it indexes them: a
// map of a few is a kilobyte, 25,000 of them a tenth of a 128 MiB budget.
const keptSet = 16

// index makes the set of kept keys, once there are more than keptSet.
func (f *Finding) index() {
	if f.kept != nil || len(f.keys) <= keptSet {
		return
	}
	f.kept = make(map[placeKey]bool, len(f.keys))
	for _, k := range f.keys {
		f.kept[k] = true
	}
}

// has reports whether k is a kept place.
func (f *Finding) has(k placeKey) bool {
	if f.kept != nil {
		return f.kept[k]
	}
	return slices.Contains(f.keys, k)
}

// addPlace keeps loc (whose key is k) if it is among the first n places
// in PlaceOrder. A place seen twice (a retried body) counts once. It
// costs a lookup and a comparison with the last kept place: a token
// repeated a million times in one file is a million calls.
func (f *Finding) addPlace(loc Location, k placeKey, n int) {
	if f.has(k) {
		return
	}
	f.Occurrences++
	switch {
	case len(f.Locations) < n:
		f.Locations, f.keys = append(f.Locations, loc), append(f.keys, k)
		if f.kept != nil {
			f.kept[k] = true
		}
		f.index()
		if len(f.keys) == 1 || k.order(f.keys[f.worst]) > 0 {
			f.worst = len(f.keys) - 1
		}
	case n > 0 && k.order(f.keys[f.worst]) < 0:
		if f.kept != nil {
			delete(f.kept, f.keys[f.worst])
			f.kept[k] = true
		}
		f.Locations[f.worst], f.keys[f.worst] = loc, k
		for i := range f.keys {
			if f.keys[i].order(f.keys[f.worst]) > 0 {
				f.worst = i
			}
		}
	}
}

// AddTarget records how a target ended.
// A directory counts as the files it scanned.
func (c *Collector) AddTarget(t Target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unopened += t.UnopenedCount
	switch {
	case t.Counted:
	case t.State == Scanned && t.Files > 0:
		c.counts[Scanned] += t.Files
	default:
		c.counts[t.State]++
	}
	if len(c.targets) < c.lim.Targets {
		c.targets = append(c.targets, t)
	}
}

// Tokens counts the distinct real tokens found so far (for progress).
func (c *Collector) Tokens() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokens
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
	r := &Report{Started: c.started, Finished: time.Now(), Warnings: slices.Clone(c.warnings), Counts: maps.Clone(c.counts), NotOpened: c.unopened}
	primary := make(map[*Finding]placeKey, len(c.byKey))
	for _, f := range c.byKey {
		f.dropNotFound()
		f.sortPlaces()
		if len(f.keys) > 0 {
			primary[f] = f.keys[0]
		}
		f.keys, f.kept = nil, nil // done collecting: places may change now (locate)
		r.Findings = append(r.Findings, f)
	}
	sortFindings(r.Findings, primary)
	if c.perToken < c.lim.Locations {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d distinct tokens: each keeps its first %d places in the reports (%d places are kept across all tokens); occurrences count every place",
			len(c.byKey), c.perToken, c.lim.Places))
	}
	if c.overflow > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("more than %d distinct tokens: %d further matches were not recorded (GitHub takes %d results per run)",
			c.lim.Findings, c.overflow, c.lim.Findings))
	}
	if n := len(c.targets); n >= c.lim.Targets {
		total := 0
		for _, k := range c.counts {
			total += k
		}
		if total > n {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%d targets ended; the first %d are listed one by one, all are counted", total, n))
		}
	}
	r.Targets = slices.Clone(c.targets)
	slices.SortStableFunc(r.Targets, func(a, b Target) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), -boolCmp(a.Start, b.Start), cmp.Compare(a.Target, b.Target))
	})
	return r
}

// sortFindings puts real tokens before placeholders, then orders them by
// their primary places' keys.
func sortFindings(fs []*Finding, keys map[*Finding]placeKey) {
	slices.SortFunc(fs, func(a, b *Finding) int {
		return cmp.Or(boolCmp(a.Placeholder, b.Placeholder), keys[a].order(keys[b]),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.SHA256, b.SHA256))
	})
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

// PlaceOrder orders the places of a token, the primary one first. It
// depends only on what each place is, never on when it was found, so the
// same leak gets the same primary place on every run: a place in the
// repository, then a local file, then a response body, then response
// headers; then by the place's stand-in path with content hashes taken out
// (assets/index-[hash].js), so the next release's renamed bundle still
// comes first; then line, column and the rest.
func PlaceOrder(a, b Location) int {
	return keyOf(a, StablePath(a)).order(keyOf(b, StablePath(b)))
}

// placeKey is what PlaceOrder compares of a place, its stable path made
// once: sorting and keeping places compare keys, not paths made anew.
type placeKey struct {
	rank                   int
	stable                 string
	line, column           int
	part, encoding, target string
	offset                 int64
}

func keyOf(l Location, stable string) placeKey {
	return placeKey{placeRank(l), stable, l.Line, l.Column, l.Part, l.Encoding, l.Target, l.Offset}
}

func (a placeKey) order(b placeKey) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.stable, b.stable),
		cmp.Compare(a.line, b.line), cmp.Compare(a.column, b.column),
		cmp.Compare(a.part, b.part), cmp.Compare(a.encoding, b.encoding),
		cmp.Compare(a.target, b.target), cmp.Compare(a.offset, b.offset))
}

func placeRank(l Location) int {
	switch {
	case l.InRepo:
		return 0
	case !l.IsURL:
		return 1
	case l.Part == PartHeaders:
		return 3
	case PartSuffix(l.Part) != "":
		return 4 // what a page left in the browser: a body place is steadier
	}
	return 2
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

// Done counts the targets, URLs and files that ended (scanned, skipped or
// failed).
func (r *Report) Done() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

// Complete reports whether every named target was scanned or skipped, and
// every archive and stream in them opened.
func (r *Report) Complete() bool { return len(r.FailedTargets()) == 0 && r.NotOpened == 0 }

// ExitCode applies the exit-code rules: 1 for failing findings, else 3 when
// a target could not be scanned or something in one was not opened, else 0.
func (r *Report) ExitCode(policy FailOn) int {
	switch {
	case len(r.Failing(policy)) > 0:
		return ExitFindings
	case !r.Complete():
		return ExitFailures
	}
	return ExitClean
}
