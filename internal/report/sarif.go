// Package report turns a findings.Report into SARIF for GitHub code
// scanning (sarif.go), a readable text table (text.go), JSON (json.go) and
// the markdown job summary (markdown.go). No full token ever reaches its
// output: findings carry tokens as findings.Secret, which prints redacted,
// and every piece of outside text goes through the sink's sanitizer in
// internal/safe.
package report

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/version"
)

// SARIFOptions shape the SARIF run.
type SARIFOptions struct {
	// Category distinguishes uploads of several scans of one commit
	// (automationDetails.id).
	Category string
	// Root is the directory that local file URIs are made relative to.
	Root string
}

// Limits of what one run says, within GitHub's: 1,000 locations per
// result (100 shown), and a readable number of notifications.
const (
	maxRelated      = 100
	maxSkippedNotes = 1000
	// maxTargetNoteBytes bounds the text of the notifications about
	// targets: 5,000 failed URLs of 2 KB each would be over GitHub's size
	// by themselves, and the results would have to make room.
	maxTargetNoteBytes = 1 << 20
)

// SARIF builds the SARIF log of a report, results and all. Writing a
// report uses WriteSARIF, which streams the results instead.
func SARIF(r *findings.Report, opts SARIFOptions) (*sarif.Report, error) {
	cut, err := planSARIF(r, opts)
	if err != nil {
		return nil, err
	}
	log, run, err := skeleton(r, opts, cut)
	if err != nil {
		return nil, err
	}
	for i, f := range r.Findings[:cut.Results] {
		res, err := result(f, opts, i < cut.Related)
		if err != nil {
			return nil, err
		}
		run.AddResult(res)
	}
	return log, nil
}

// GitHub rejects a SARIF file whose gzip'd size is over 10 MB, and every
// alert in it with it. planSARIF sizes the results, compressed, before any
// is written: past relatedBudget compressed bytes, results carry no related
// locations; past resultsBudget, the rest are left out. Both are said in the
// file and to the caller. (Variables for tests.)
var (
	relatedBudget int64 = 6 << 20
	resultsBudget int64 = 8 << 20
)

// SARIFCut is what a SARIF file holds of a report's findings.
type SARIFCut struct {
	Total   int // findings
	Results int // the first Results are written
	Related int // the first Related of them with their related locations
}

// Cut says whether anything was left out.
func (c SARIFCut) Cut() bool { return c.Results < c.Total || c.Related < c.Results }

// Describe says what was left out, for a log or a terminal.
func (c SARIFCut) Describe() string {
	var parts []string
	if c.Results < c.Total {
		parts = append(parts, fmt.Sprintf("%d of its %d results were left out", c.Total-c.Results, c.Total))
	}
	if c.Related < c.Results {
		parts = append(parts, fmt.Sprintf("results %d to %d list only their primary place", c.Related+1, c.Results))
	}
	return "the SARIF report " + strings.Join(parts, " and ") +
		" to stay under GitHub's 10 MB (gzip'd), over which the upload is rejected whole; --format json lists everything"
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func planSARIF(r *findings.Report, opts SARIFOptions) (SARIFCut, error) {
	cut := SARIFCut{Total: len(r.Findings), Results: len(r.Findings), Related: len(r.Findings)}
	var n countWriter
	// The fastest compression: it compresses less than upload-sarif's, so
	// the size it counts is an upper bound.
	zw, _ := gzip.NewWriterLevel(&n, gzip.BestSpeed)
	fr, err := newFrame(r, opts, SARIFCut{}) // the file bar the note of the cut
	if err != nil {
		return cut, err
	}
	zw.Write(fr.doc)
	for i, f := range r.Findings {
		related := i < cut.Related
		item, err := fr.result(f, opts, related)
		if err != nil {
			return cut, err
		}
		zw.Write(item)
		zw.Flush() // counted now, not when the compressor's window fills
		switch {
		case n.n > resultsBudget:
			cut.Results, cut.Related = i, min(cut.Related, i)
			return cut, nil
		case related && n.n > relatedBudget:
			cut.Related = i
		}
	}
	return cut, nil
}

// skeleton builds the SARIF log without its results: tool, rules,
// invocation, category.
func skeleton(r *findings.Report, opts SARIFOptions, cut SARIFCut) (*sarif.Report, *sarif.Run, error) {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return nil, nil, err
	}
	driver := sarif.NewVersionedDriver("cratesguard", version.Get()).
		WithInformationURI("https://github.com/cratesguard/cratesguard")
	run := sarif.NewRun(sarif.Tool{Driver: driver})
	// Columns count UTF-16 code units, as GitHub does by default; saying
	// so makes it certain.
	run.WithColumnKind("utf16CodeUnits")
	// Rules come first: a result's ruleIndex points into this list.
	for _, ru := range Rules {
		props := sarif.Properties{"precision": ru.Precision, "tags": []string{"secrets", "external/cwe/cwe-798", "supply-chain"}}
		if ru.Severity != "" {
			props["security-severity"] = ru.Severity
			props["tags"] = []string{"security", "secrets", "external/cwe/cwe-798", "supply-chain"}
		}
		run.AddRule(ru.ID).
			WithName(ru.Name).
			WithShortDescription(sarif.NewMultiformatMessageString(ru.Short)).
			WithFullDescription(sarif.NewMultiformatMessageString(ru.Full)).
			WithHelp(sarif.NewMultiformatMessageString(stripMarkdown(ru.HelpMarkdown)).WithMarkdown(ru.HelpMarkdown)).
			WithHelpURI(HelpURI).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(ru.Level)).
			WithProperties(props)
	}
	run.AddInvocations(invocation(r, cut))
	if opts.Category != "" {
		id := opts.Category
		if !strings.HasSuffix(id, "/") {
			// GitHub takes the part before the last slash as the category.
			id += "/"
		}
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID(id))
	}
	log.AddRun(run)
	return log, run, nil
}

// result is one finding's SARIF result.
func result(f *findings.Finding, opts SARIFOptions, related bool) (*sarif.Result, error) {
	ru := RuleOf(f)
	_, idx := RuleByID(ru.ID)
	if idx < 0 {
		return nil, fmt.Errorf("finding under unknown rule %q", f.Rule)
	}
	primary := f.Locations[0]
	res := sarif.NewRuleResult(ru.ID).
		WithRuleIndex(idx).
		WithLevel(f.Level()).
		WithMessage(sarif.NewTextMessage(Message(f, ru, opts.Root))).
		WithPartialFingerPrints(map[string]any{"primaryLocationLineHash": Fingerprint(f)}).
		WithLocations([]*sarif.Location{location(primary, opts.Root)})
	props := sarif.Properties{
		"tokenSha256":   f.SHA256,
		"redactedToken": f.Token.String(),
		"placeholder":   f.Placeholder,
		"occurrences":   f.Occurrences,
		"where":         safe.Terminal(primary.Target),
		"detectedRule":  f.Rule,
	}
	if f.RevocationDetail != "" {
		props["revocation"] = cmp.Or(f.Revocation, "not-tried")
		props["revocationDetail"] = safe.Terminal(f.RevocationDetail)
	}
	if f.Validity != "" {
		props["validity"] = f.Validity
		props["validityDetail"] = safe.Terminal(f.ValidityDetail)
	}
	res.PropertyBag = sarif.PropertyBag{Properties: props}
	for i, loc := range f.Locations[1:] {
		if i == maxRelated || !related {
			break
		}
		l := location(loc, opts.Root).WithId(i + 1)
		l.WithMessage(sarif.NewTextMessage(safe.SARIFf("Also found at %s", Where(loc, opts.Root))))
		res.AddRelatedLocation(l)
	}
	return res, nil
}

// invocation says how the run went: success, when, and every target that
// failed or was skipped (skipped discovered URLs up to maxSkippedNotes),
// warnings, notes and ignored tokens as notifications.
func invocation(r *findings.Report, cut SARIFCut) *sarif.Invocation {
	inv := sarif.NewInvocation().
		WithExecutionSuccess(r.Complete() && r.Interrupted == "").
		WithStartTimeUTC(r.Started).
		WithEndTimeUTC(r.Finished)
	note := func(level, text string, props sarif.Properties) {
		n := sarif.NewNotification().WithLevel(level).WithTextMessage(text)
		if props != nil {
			n.PropertyBag = sarif.PropertyBag{Properties: props}
		}
		inv.AddTToolExecutionNotification(n)
	}
	if r.Interrupted != "" {
		note("error", safe.SARIFf("interrupted (%s) after %d of %d URLs and files: the report covers those", safe.Trusted(r.Interrupted), r.Done(), r.Done()+r.Pending), nil)
	}
	if r.NotOpened > 0 {
		note("error", fmt.Sprintf("%d archives, streams or members were recognised but not opened: their bytes were not read, and no result can say they are clean (each is listed in a notification)", r.NotOpened), nil)
	}
	if cut.Cut() {
		level := "warning"
		if cut.Results < cut.Total {
			level = "error"
		}
		note(level, cut.Describe(), nil)
	}
	skippedNotes, noteBytes, leftOut := 0, 0, 0
	for _, t := range r.Targets {
		if t.State == findings.Skipped && t.Discovered {
			if skippedNotes++; skippedNotes > maxSkippedNotes {
				continue
			}
		}
		for _, n := range notifications(t) {
			target := safe.Terminal(t.Target)
			if noteBytes += len(n.text) + len(target); noteBytes > maxTargetNoteBytes {
				leftOut++
				continue
			}
			note(n.level, n.text, sarif.Properties{"target": target, "state": string(t.State)})
		}
	}
	if skippedNotes > maxSkippedNotes {
		note("note", fmt.Sprintf("%d more discovered URLs were skipped (not listed here; --format json lists them)", skippedNotes-maxSkippedNotes), nil)
	}
	if leftOut > 0 {
		note("warning", fmt.Sprintf("%d more notifications about targets were left out: their text passed %d MiB, and GitHub rejects a file over 10 MB (gzip'd) whole (--format json lists every target)",
			leftOut, maxTargetNoteBytes>>20), nil)
	}
	for _, w := range r.Warnings {
		note("warning", safe.SARIFf("%s", w), nil)
	}
	for _, i := range r.Info {
		note("note", safe.SARIFf("%s", i), nil)
	}
	// Code scanning ignores SARIF suppressions, so ignored tokens are left
	// out of the results and said here instead.
	for _, ig := range r.Ignored {
		until := ""
		if ig.Expires != "" {
			until = " until " + ig.Expires
		}
		note("note", safe.SARIFf("Ignored %s (SHA-256 %s) per %s%s: %s", ig.Token, safe.Trusted(ig.SHA256[:min(16, len(ig.SHA256))]), ig.FileLine, safe.Trusted(until), ig.Reason),
			sarif.Properties{"tokenSha256": ig.SHA256, "ignored": true})
	}
	return inv
}

type notification struct{ level, text string }

func notifications(t findings.Target) []notification {
	kind := "path"
	if t.IsURL {
		kind = "URL"
	}
	var out []notification
	switch t.State {
	case findings.Failed:
		level, found := "error", ""
		if t.Discovered {
			level, found = "warning", safe.SARIFf(" (found via %s)", t.Via)
		}
		out = append(out, notification{level, safe.SARIFf("Could not scan %s %s%s: %s", safe.Trusted(kind), t.Target, safe.Trusted(found), t.Reason)})
	case findings.Skipped:
		found := ""
		if t.Via != "" {
			found = safe.SARIFf(" (found via %s)", t.Via)
		}
		out = append(out, notification{"note", safe.SARIFf("Skipped %s %s%s: %s", safe.Trusted(kind), t.Target, safe.Trusted(found), t.Reason)})
	}
	for _, w := range t.Warnings {
		out = append(out, notification{"warning", safe.SARIFf("%s %s: %s", safe.Trusted(kind), t.Target, w)})
	}
	for _, u := range t.Unopened {
		out = append(out, notification{"error", safe.SARIFf("Not opened (not scanned): %s (%s): %s", u.Part, u.Format, u.Reason)})
	}
	if n := t.UnopenedCount - len(t.Unopened); n > 0 {
		out = append(out, notification{"error", safe.SARIFf("Not opened (not scanned): %d more parts of %s %s", n, safe.Trusted(kind), t.Target)})
	}
	return out
}

// Message is a result's text: what, redacted, where, how live, what to do.
// Local paths are shown relative to root when under it.
func Message(f *findings.Finding, ru Rule, root string) string {
	return message(f, ru, root, safe.SARIFf)
}

// TerminalMessage is Message for a terminal or an annotation.
func TerminalMessage(f *findings.Finding, ru Rule, root string) string {
	return message(f, ru, root, safe.Sprintf)
}

func message(f *findings.Finding, ru Rule, root string, sprintf func(string, ...any) string) string {
	var b strings.Builder
	primary := f.Locations[0]
	if f.Placeholder {
		b.WriteString(sprintf("Placeholder in the shape of a crates.io token, %s (SHA-256 %s), at %s.", f.Token, safe.Trusted(f.SHA256[:16]), Where(primary, root)))
	} else {
		b.WriteString(sprintf("Leaked %s %s (SHA-256 %s) at %s.", safe.Trusted(ru.Title), f.Token, safe.Trusted(f.SHA256[:16]), Where(primary, root)))
	}
	if primary.InRepo {
		for _, l := range f.Locations[1:] {
			if l.IsURL {
				b.WriteString(sprintf(" Deployed at %s.", Where(l, root)))
				break
			}
		}
	}
	if n := f.Occurrences - 1; n > 0 {
		fmt.Fprintf(&b, " Found in %d other place%s.", n, Plural(n))
	}
	switch f.Validity {
	case "active":
		b.WriteString(" crates.io says this token is LIVE (checked read-only).")
	case "inactive":
		b.WriteString(" crates.io rejects this token (revoked, expired or never issued): still a leak, but not an emergency.")
	case "unknown":
		b.WriteString(sprintf(" Its validity could not be checked (%s): treat it as live.", f.ValidityDetail))
	case "unverifiable":
		b.WriteString(" Trusted-publishing tokens cannot be checked read-only; they expire 30 minutes after issue.")
	}
	switch f.Revocation {
	case "revoked":
		b.WriteString(" cratesguard had crates.io revoke it (--revoke): keep it out of the build, and give its owner a new one.")
		return b.String()
	case "live-scoped":
		b.WriteString(" It is a scoped token, which cannot revoke itself: its owner must revoke it now.")
	case "already-inactive":
		b.WriteString(" crates.io no longer accepted it when cratesguard tried to revoke it.")
		return b.String()
	case "failed":
		b.WriteString(sprintf(" Revoking it failed (%s).", f.RevocationDetail))
	}
	if !f.Placeholder && f.Validity != "inactive" {
		b.WriteString(" Revoke it at " + RevokeURL + " and keep it out of the build.")
	}
	return b.String()
}

// Where says in words where a location is: the full URL or the path
// (relative to root when under it), the part, line and column, the
// encoding. It is outside text: print it through a sanitizer.
func Where(l findings.Location, root string) string {
	target := l.Target
	if !l.IsURL && root != "" {
		if rel, err := filepath.Rel(root, l.Target); err == nil && !strings.HasPrefix(rel, "..") {
			target = filepath.ToSlash(rel)
		}
	}
	if l.Part == findings.PartHeaders {
		return target + " (response headers" + inBrowser(l) + ")"
	}
	s := fmt.Sprintf("%s line %d, column %d", target, l.Line, cmp.Or(l.Column16, l.Column))
	if l.InRepo {
		s = fmt.Sprintf("%s line %d in the repository", target, l.Line)
	}
	switch {
	case l.Part != "":
		s += " (" + l.Part + ")"
	case l.Browser:
		s += " (loaded in the browser)"
	}
	if l.Encoding != "" {
		s += ", under " + l.Encoding
	}
	return s
}

// inBrowser says ", in the browser" for a place the browser found.
func inBrowser(l findings.Location) string {
	if l.Browser {
		return ", in the browser"
	}
	return ""
}

// Fingerprint is the primaryLocationLineHash: it depends only on the rule
// the finding is reported under and the token, so the same leak keeps its
// alert on every run, wherever it is found.
func Fingerprint(f *findings.Finding) string {
	sum := sha256.Sum256([]byte("cratesguard/v1\x00" + RuleOf(f).ID + "\x00" + f.SHA256))
	return hex.EncodeToString(sum[:8]) + ":1"
}

func location(l findings.Location, root string) *sarif.Location {
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(URI(l, root)))
	// Every location has a region: GitHub shows and fingerprints only
	// those. A header's line is its line in the sorted header block.
	region := sarif.NewRegion().WithStartLine(max(l.Line, 1))
	if col := cmp.Or(l.Column16, l.Column); col > 0 {
		region.WithStartColumn(col).WithEndColumn(col + l.Length)
		if !l.InRepo || l.Source == "" {
			region.WithByteOffset(int(l.Offset)).WithByteLength(l.Length)
		}
	}
	pl.WithRegion(region)
	props := sarif.Properties{}
	if l.IsURL {
		props["url"] = safe.Terminal(l.Target)
	}
	if l.Part != "" {
		props["part"] = safe.Terminal(l.Part)
	}
	if l.Encoding != "" {
		props["encoding"] = l.Encoding
	}
	if l.Browser {
		props["browser"] = true
	}
	loc := sarif.NewLocationWithPhysicalLocation(pl)
	if len(props) > 0 {
		loc.PropertyBag = sarif.PropertyBag{Properties: props}
	}
	return loc
}

// HeadersSuffix ends the stand-in path of a URL's response headers: a
// header's line numbers are not lines of the body.
var HeadersSuffix = findings.PartSuffix(findings.PartHeaders)

// URI is the artifact URI of a location. GitHub rejects a whole upload whose
// URIs have a scheme other than file, so a URL becomes a relative stand-in
// (findings.StandIn) with content hashes taken out (findings.Stable),
// which is also what a local build output's path gets. A file of the
// repository keeps its path relative to root; a file outside root is a
// file:// URI.
//
// The URI is the percent-encoding of that path, whatever it holds: a %2E
// an archive's member name carries (see scan's memberName) is %252E in the
// URI, so no reader that decodes the URI once can find a ".." in it.
func URI(l findings.Location, root string) string {
	if l.IsURL {
		return (&url.URL{Path: findings.StablePath(l) + findings.PartSuffix(l.Part)}).String()
	}
	abs, err := filepath.Abs(l.Target)
	if err != nil {
		abs = l.Target
	}
	if root != "" {
		if r, err := filepath.Abs(root); err == nil {
			if rel, err := filepath.Rel(r, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				rel = filepath.ToSlash(safe.Redact(rel))
				if !l.InRepo {
					rel = findings.Stable(rel)
				}
				return (&url.URL{Path: rel}).String()
			}
		}
	}
	p := filepath.ToSlash(safe.Redact(abs))
	if !l.InRepo && strings.Contains(p, findings.ArchiveSep) {
		p = findings.Stable(p) // a member of an archive: the next release's keeps the alert
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// stripMarkdown makes the plain-text help from the markdown one.
func stripMarkdown(md string) string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "# ")
		if len(lines[i]) < len(l) && strings.HasPrefix(l, "#") {
			lines[i] = strings.ToUpper(lines[i][:1]) + lines[i][1:]
		} else {
			lines[i] = l
		}
	}
	return strings.NewReplacer("**", "", "`", "", "*", "").Replace(strings.Join(lines, "\n"))
}

// EncodeSARIF renders a log as GitHub will read it, every string
// redacted by safe.JSON on the way out.
func EncodeSARIF(log *sarif.Report) ([]byte, error) {
	var b bytes.Buffer
	if err := log.PrettyWrite(&b); err != nil {
		return nil, err
	}
	return safe.JSON(b.Bytes()), nil
}

// EncodeSARIFTo streams the report's SARIF to w, cut to GitHub's size.
func EncodeSARIFTo(w io.Writer, r *findings.Report, opts SARIFOptions) (SARIFCut, error) {
	cut, err := planSARIF(r, opts)
	if err != nil {
		return cut, err
	}
	return cut, encodeSARIF(w, r, opts, cut, false)
}

var errOverBudget = errors.New("the SARIF report is over its size budget")

// encodeSARIF writes the SARIF of the findings cut keeps. With watch, it
// stops with errOverBudget once the compressed size passes relatedBudget.
func encodeSARIF(w io.Writer, r *findings.Report, opts SARIFOptions, cut SARIFCut, watch bool) error {
	var n countWriter
	var zw *gzip.Writer
	if watch {
		zw, _ = gzip.NewWriterLevel(&n, gzip.BestSpeed)
		w = io.MultiWriter(w, zw)
	}
	fr, err := newFrame(r, opts, cut)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(fr.doc[:fr.at])
	bw.WriteString(`"results": [`)
	for i, f := range r.Findings[:cut.Results] {
		item, err := fr.result(f, opts, i < cut.Related)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n" + fr.indent + "  ")
		bw.Write(item)
		if watch && n.n > relatedBudget {
			return errOverBudget
		}
	}
	if cut.Results > 0 {
		bw.WriteString("\n" + fr.indent)
	}
	bw.WriteString("]")
	bw.Write(fr.doc[fr.at+len(fr.hole):])
	if err := bw.Flush(); err != nil || !watch {
		return err
	}
	if zw.Close(); n.n > relatedBudget {
		return errOverBudget
	}
	return nil
}

// frame is the SARIF file around its results: the skeleton, redacted, with
// an empty results slot at doc[at:] (hole) on a line indented by indent.
type frame struct {
	doc          []byte
	at           int
	hole, indent string
}

func newFrame(r *findings.Report, opts SARIFOptions, cut SARIFCut) (frame, error) {
	log, _, err := skeleton(r, opts, cut)
	if err != nil {
		return frame{}, err
	}
	var b bytes.Buffer
	if err := log.PrettyWrite(&b); err != nil {
		return frame{}, err
	}
	fr := frame{doc: safe.JSON(b.Bytes()), hole: `"results": []`}
	if fr.at = bytes.Index(fr.doc, []byte(fr.hole)); fr.at < 0 {
		fr.hole = `"results": null`
		if fr.at = bytes.Index(fr.doc, []byte(fr.hole)); fr.at < 0 {
			return frame{}, fmt.Errorf("SARIF skeleton without a results slot")
		}
	}
	fr.indent = string(fr.doc[bytes.LastIndexByte(fr.doc[:fr.at], '\n')+1 : fr.at])
	return fr, nil
}

// result is a finding's result as the file holds it: indented into the
// run, redacted.
func (fr frame) result(f *findings.Finding, opts SARIFOptions, related bool) ([]byte, error) {
	res, err := result(f, opts, related)
	if err != nil {
		return nil, err
	}
	item, err := json.MarshalIndent(res, fr.indent+"  ", "  ")
	if err != nil {
		return nil, err
	}
	return safe.JSON(item), nil
}
