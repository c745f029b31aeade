// Package report turns a findings.Report into SARIF for GitHub code
// scanning, a readable text table, or JSON. No full token ever reaches its
// output: findings carry tokens as findings.Secret, which prints redacted.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/cratesguard/cratesguard/internal/findings"
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

// maxRelated bounds relatedLocations per result (GitHub takes 1,000 locations).
const maxRelated = 100

// SARIF builds the SARIF log of a report.
func SARIF(r *findings.Report, opts SARIFOptions) (*sarif.Report, error) {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return nil, err
	}
	driver := sarif.NewVersionedDriver("cratesguard", version.Version).
		WithInformationURI("https://github.com/cratesguard/cratesguard")
	run := sarif.NewRun(sarif.Tool{Driver: driver})
	// Rules come first: a result's ruleIndex points into this list.
	for _, ru := range Rules {
		run.AddRule(ru.ID).
			WithName(ru.Name).
			WithShortDescription(sarif.NewMultiformatMessageString(ru.Short)).
			WithFullDescription(sarif.NewMultiformatMessageString(ru.Full)).
			WithHelp(sarif.NewMultiformatMessageString(stripMarkdown(ru.HelpMarkdown)).WithMarkdown(ru.HelpMarkdown)).
			WithHelpURI(HelpURI).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(ru.Level)).
			WithProperties(sarif.Properties{
				"security-severity": ru.Severity,
				"precision":         ru.Precision,
				"tags":              []string{"security", "secrets", "external/cwe/cwe-798", "supply-chain"},
			})
	}
	for _, f := range r.Findings {
		ru, idx := RuleByID(f.Rule)
		if idx < 0 {
			return nil, fmt.Errorf("finding under unknown rule %q", f.Rule)
		}
		primary := f.Locations[0]
		res := run.CreateResultForRule(f.Rule).
			WithRuleIndex(idx).
			WithLevel(f.Level()).
			WithMessage(sarif.NewTextMessage(Message(f, ru, opts.Root))).
			WithPartialFingerPrints(map[string]any{"primaryLocationLineHash": Fingerprint(f)}).
			WithLocations([]*sarif.Location{location(primary, opts.Root)})
		props := sarif.Properties{
			"tokenSha256":   f.SHA256,
			"redactedToken": f.Token.String(),
			"placeholder":   f.Placeholder,
			"occurrences":   len(f.Locations),
			"where":         primary.Target,
		}
		if f.Validity != "" {
			props["validity"] = f.Validity
			props["validityDetail"] = f.ValidityDetail
		}
		res.PropertyBag = sarif.PropertyBag{Properties: props}
		for i, loc := range f.Locations[1:] {
			if i == maxRelated {
				break
			}
			l := location(loc, opts.Root).WithId(i + 1)
			l.WithMessage(sarif.NewTextMessage("Also found at " + Where(loc, opts.Root)))
			res.AddRelatedLocation(l)
		}
	}
	inv := sarif.NewInvocation().
		WithExecutionSuccess(r.Complete()).
		WithStartTimeUTC(r.Started).
		WithEndTimeUTC(r.Finished)
	for _, t := range r.Targets {
		for _, n := range notifications(t) {
			inv.AddTToolExecutionNotification(n)
		}
	}
	for _, w := range r.Warnings {
		inv.AddTToolExecutionNotification(sarif.NewNotification().WithLevel("warning").WithTextMessage(w))
	}
	// Code scanning ignores SARIF suppressions, so ignored tokens are left
	// out of the results and said here instead.
	for _, ig := range r.Ignored {
		until := ""
		if ig.Expires != "" {
			until = " until " + ig.Expires
		}
		n := sarif.NewNotification().WithLevel("note").WithTextMessage(fmt.Sprintf(
			"Ignored %s (SHA-256 %s) per %s%s: %s", ig.Token, ig.SHA256[:16], ig.FileLine, until, ig.Reason))
		n.PropertyBag = sarif.PropertyBag{Properties: sarif.Properties{"tokenSha256": ig.SHA256, "ignored": true}}
		inv.AddTToolExecutionNotification(n)
	}
	run.AddInvocations(inv)
	if opts.Category != "" {
		id := opts.Category
		if !strings.HasSuffix(id, "/") {
			// GitHub takes the part before the last slash as the category.
			id += "/"
		}
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID(id))
	}
	log.AddRun(run)
	return log, nil
}

func notifications(t findings.Target) []*sarif.Notification {
	kind := "path"
	if t.IsURL {
		kind = "URL"
	}
	var out []*sarif.Notification
	add := func(level, text string) {
		n := sarif.NewNotification().WithLevel(level).WithTextMessage(text)
		n.PropertyBag = sarif.PropertyBag{Properties: sarif.Properties{"target": t.Target, "state": string(t.State)}}
		out = append(out, n)
	}
	switch t.State {
	case findings.Failed:
		level, found := "error", ""
		if t.Discovered {
			level, found = "warning", " (found via "+t.Via+")"
		}
		add(level, fmt.Sprintf("Could not scan %s %s%s: %s", kind, t.Target, found, t.Reason))
	case findings.Skipped:
		found := ""
		if t.Via != "" {
			found = " (found via " + t.Via + ")"
		}
		add("note", fmt.Sprintf("Skipped %s %s%s: %s", kind, t.Target, found, t.Reason))
	}
	for _, w := range t.Warnings {
		add("warning", fmt.Sprintf("%s %s: %s", kind, t.Target, w))
	}
	return out
}

// Message is a result's text: what, redacted, where, how live, what to do.
// Local paths are shown relative to root when under it.
func Message(f *findings.Finding, ru Rule, root string) string {
	var b strings.Builder
	primary := f.Locations[0]
	if f.Placeholder {
		fmt.Fprintf(&b, "Placeholder in the shape of a crates.io token, %s (SHA-256 %s), at %s.", f.Token, f.SHA256[:16], Where(primary, root))
	} else {
		fmt.Fprintf(&b, "Leaked %s %s (SHA-256 %s) at %s.", ru.Title, f.Token, f.SHA256[:16], Where(primary, root))
	}
	if primary.InRepo {
		for _, l := range f.Locations[1:] {
			if l.IsURL {
				fmt.Fprintf(&b, " Deployed at %s.", Where(l, root))
				break
			}
		}
	}
	if n := len(f.Locations) - 1; n > 0 {
		fmt.Fprintf(&b, " Found in %d other place%s.", n, Plural(n))
	}
	switch f.Validity {
	case "active":
		b.WriteString(" crates.io says this token is LIVE (checked read-only).")
	case "inactive":
		b.WriteString(" crates.io rejects this token (revoked, expired or never issued): still a leak, but not an emergency.")
	case "unknown":
		fmt.Fprintf(&b, " Its validity could not be checked (%s): treat it as live.", f.ValidityDetail)
	case "unverifiable":
		b.WriteString(" Trusted-publishing tokens cannot be checked read-only; they expire 30 minutes after issue.")
	}
	if !f.Placeholder && f.Validity != "inactive" {
		b.WriteString(" Revoke it at https://crates.io/settings/tokens and keep it out of the build.")
	}
	return b.String()
}

// Plural is "s" unless n is 1.
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Where says in words where a location is: the full URL or the path
// (relative to root when under it), the part, line and column, the encoding.
func Where(l findings.Location, root string) string {
	target := l.Target
	if !l.IsURL && root != "" {
		if rel, err := filepath.Rel(root, l.Target); err == nil && !strings.HasPrefix(rel, "..") {
			target = filepath.ToSlash(rel)
		}
	}
	if l.Part == findings.PartHeaders {
		return target + " (response headers)"
	}
	s := fmt.Sprintf("%s line %d, column %d", target, l.Line, l.Column)
	if l.InRepo {
		s = fmt.Sprintf("%s line %d in the repository", target, l.Line)
	}
	if l.Part != "" {
		s += " (" + l.Part + ")"
	}
	if l.Encoding != "" {
		s += ", under " + l.Encoding
	}
	return s
}

// Fingerprint is the primaryLocationLineHash: it depends only on the rule
// and the token, so the same leak keeps its alert on every run, wherever it
// is found.
func Fingerprint(f *findings.Finding) string {
	sum := sha256.Sum256([]byte("cratesguard/v1\x00" + f.Rule + "\x00" + f.SHA256))
	return hex.EncodeToString(sum[:8]) + ":1"
}

func location(l findings.Location, root string) *sarif.Location {
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(URI(l, root)))
	switch {
	case l.Part == findings.PartHeaders:
		// No region: header lines are not lines of the stand-in file.
	case l.Length == 0:
		// A line a source map points at: the line is all that is known.
		pl.WithRegion(sarif.NewRegion().WithStartLine(l.Line))
	default:
		pl.WithRegion(sarif.NewRegion().
			WithStartLine(l.Line).WithStartColumn(l.Column).WithEndColumn(l.Column + l.Length).
			WithByteOffset(int(l.Offset)).WithByteLength(l.Length))
	}
	props := sarif.Properties{}
	if l.IsURL {
		props["url"] = l.Target
	}
	if l.Part != "" {
		props["part"] = l.Part
	}
	if l.Encoding != "" {
		props["encoding"] = l.Encoding
	}
	loc := sarif.NewLocationWithPhysicalLocation(pl)
	if len(props) > 0 {
		loc.PropertyBag = sarif.PropertyBag{Properties: props}
	}
	return loc
}

// URI is the artifact URI of a location. GitHub rejects a whole upload whose
// URIs have a scheme other than file, so a URL becomes a relative stand-in:
// host (port folded in as host_port), then the path, without query.
// A local file is relative to root when under it, else a file:// URI.
func URI(l findings.Location, root string) string {
	if l.IsURL {
		return StandIn(l.Target)
	}
	abs, err := filepath.Abs(l.Target)
	if err != nil {
		abs = l.Target
	}
	if root != "" {
		if r, err := filepath.Abs(root); err == nil {
			if rel, err := filepath.Rel(r, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return (&url.URL{Path: filepath.ToSlash(rel)}).String()
			}
		}
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// StandIn maps a URL to a relative path that names it: example.com/static/app.js,
// localhost_8080/index for http://localhost:8080/.
func StandIn(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "url/" + url.PathEscape(raw)
	}
	host := strings.ToLower(u.Hostname())
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = strings.ReplaceAll(host, ":", "-") // IPv6
	}
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80") && !(u.Scheme == "https" && p == "443") {
		host += "_" + p
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	p = path.Clean(p)
	if strings.HasSuffix(u.EscapedPath(), "/") || p == "/" {
		p = strings.TrimSuffix(p, "/") + "/index"
	}
	return host + p
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

// WriteSARIF writes the log to path atomically: a temp file renamed into
// place, so a reader never sees half a file and a shorter rewrite leaves no
// stale bytes.
func WriteSARIF(path string, log *sarif.Report) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing SARIF: %v", err)
	}
	tmp, err := os.CreateTemp(dir, ".cratesguard-*.sarif")
	if err != nil {
		return fmt.Errorf("writing SARIF: %v", err)
	}
	defer os.Remove(tmp.Name())
	if err := log.PrettyWrite(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing SARIF to %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing SARIF to %s: %v", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing SARIF to %s: %v", path, err)
	}
	return nil
}
