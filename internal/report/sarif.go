// Package report turns a findings.Report into SARIF for GitHub code
// scanning, a readable text table, or JSON. No full token ever reaches its
// output: findings carry tokens as findings.Secret, which prints redacted.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
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
			WithMessage(sarif.NewTextMessage(Message(f, ru))).
			WithPartialFingerPrints(map[string]any{"primaryLocationLineHash": Fingerprint(f)}).
			WithLocations([]*sarif.Location{location(primary, opts.Root)})
		res.PropertyBag = sarif.PropertyBag{Properties: sarif.Properties{
			"tokenSha256":   f.SHA256,
			"redactedToken": f.Token.String(),
			"placeholder":   f.Placeholder,
			"occurrences":   len(f.Locations),
			"where":         primary.Target,
		}}
		for i, loc := range f.Locations[1:] {
			if i == maxRelated {
				break
			}
			l := location(loc, opts.Root).WithId(i + 1)
			l.WithMessage(sarif.NewTextMessage("Also found at " + where(loc)))
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

// Message is a result's text: what, redacted, where, what to do.
func Message(f *findings.Finding, ru Rule) string {
	var b strings.Builder
	if f.Placeholder {
		fmt.Fprintf(&b, "Placeholder in the shape of a crates.io token, %s (SHA-256 %s), at %s.", f.Token, f.SHA256[:16], where(f.Locations[0]))
	} else {
		fmt.Fprintf(&b, "Leaked %s %s (SHA-256 %s) at %s.", ru.Title, f.Token, f.SHA256[:16], where(f.Locations[0]))
	}
	if n := len(f.Locations) - 1; n > 0 {
		fmt.Fprintf(&b, " Also found in %d other place%s.", n, plural(n))
	}
	if !f.Placeholder {
		b.WriteString(" Revoke it at https://crates.io/settings/tokens and keep it out of the build.")
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// where says in words where a location is: the full URL or path, the part
// and the line and column.
func where(l findings.Location) string {
	if l.Part == findings.PartHeaders {
		return l.Target + " (response headers)"
	}
	s := fmt.Sprintf("%s line %d, column %d", l.Target, l.Line, l.Column)
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
	if l.Part != findings.PartHeaders {
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

// WriteSARIFTo writes the log to w.
func WriteSARIFTo(w io.Writer, log *sarif.Report) error { return log.PrettyWrite(w) }
