package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/safe"
)

// placesShown bounds the other places listed per token in the text output.
const placesShown = 5

// Text writes the findings table, where else each token was seen, and the
// targets that failed or warned. Local paths are shown relative to root
// when under it. Every piece of outside text goes through safe.Fprintf.
func Text(w io.Writer, r *findings.Report, policy findings.FailOn, root string) error {
	s := Summarize(r, policy)
	buf := bufio.NewWriterSize(w, 64<<10) // many lines a write: w may be a guarded terminal
	bw := &errWriter{w: buf}
	safe.Fprintf(bw, "%s\n", safe.Trusted(Headline(s)))
	for _, n := range r.Info {
		safe.Fprintf(bw, "%s\n", n)
	}
	if len(r.Findings) > 0 {
		bw.WriteString("\n")
		verified := slices.ContainsFunc(r.Findings, func(f *findings.Finding) bool { return f.Validity != "" })
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		head := "LEVEL\tRULE\tTOKEN\tSHA-256\tENCODING\tWHERE"
		if verified {
			head = "LEVEL\tVALIDITY\tRULE\tTOKEN\tSHA-256\tENCODING\tWHERE"
		}
		fmt.Fprintln(tw, head)
		for _, f := range r.Findings {
			more := ""
			if n := f.Occurrences - 1; n > 0 {
				more = fmt.Sprintf(" (+%d more)", n)
			}
			validity := ""
			if verified {
				validity = cmp.Or(f.Validity, "-") + revokedNote(f) + "\t"
			}
			ru := RuleOf(f)
			safe.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%s%s\n", safe.Trusted(f.Level()), safe.Trusted(validity), safe.Trusted(ru.ID),
				f.Token, safe.Trusted(f.SHA256[:16]), safe.Trusted(encodingName(f.Locations[0].Encoding)), Short(f.Locations[0], root), safe.Trusted(more))
		}
		tw.Flush()
		if s.Tokens > 0 {
			safe.Fprintf(bw, "\n%s\n", safe.Trusted(RevokeAdvice(s)))
		}
		otherPlaces(bw, r, root)
	}
	problems(bw, r, s, root)
	if bw.err != nil {
		return bw.err
	}
	return buf.Flush()
}

// Headline is the first line of every report: what was found, in what.
func Headline(s Summary) string {
	targets := fmt.Sprintf("%d scanned target%s", s.Scanned, Plural(s.Scanned))
	var extra []string
	if s.Skipped > 0 {
		extra = append(extra, fmt.Sprintf("%d skipped", s.Skipped))
	}
	if s.Failed > 0 {
		extra = append(extra, fmt.Sprintf("%d failed", s.Failed))
	}
	if len(extra) > 0 {
		targets += " (" + strings.Join(extra, ", ") + ")"
	}
	ph := ""
	if s.Placeholders > 0 {
		ph = fmt.Sprintf(" and %d placeholder%s", s.Placeholders, Plural(s.Placeholders))
	}
	unread := ""
	if s.NotOpened > 0 {
		// What was not opened is said in the same breath: no "no tokens"
		// about bytes that were not read.
		unread = fmt.Sprintf(", but %d archives or members were not opened (their bytes were not read; listed below)", s.NotOpened)
		if s.NotOpened == 1 {
			unread = ", but 1 archive or member was not opened (its bytes were not read; listed below)"
		}
	}
	if s.Tokens == 0 {
		if ph != "" {
			return fmt.Sprintf("No crates.io tokens found (only %d placeholder%s) in %s%s.", s.Placeholders, Plural(s.Placeholders), targets, unread)
		}
		return fmt.Sprintf("No crates.io tokens found in %s%s.", targets, unread)
	}
	revoked := ""
	if s.Revoked > 0 {
		revoked = fmt.Sprintf(", %d revoked", s.Revoked)
	}
	return fmt.Sprintf("%d crates.io token%s found (%d failing%s)%s in %s%s.", s.Tokens, Plural(s.Tokens), s.Failing, revoked, ph, targets, unread)
}

// otherPlaces lists where else each token was seen.
func otherPlaces(w io.Writer, r *findings.Report, root string) {
	header := false
	for _, f := range r.Findings {
		if len(f.Locations) < 2 {
			continue
		}
		if !header {
			safe.Fprintf(w, "\nOther places:\n")
			header = true
		}
		for i, l := range f.Locations[1:] {
			if i == placesShown {
				break
			}
			safe.Fprintf(w, "  %s  %s\n", f.Token, Short(l, root))
		}
		if n := f.Occurrences - 1 - min(len(f.Locations)-1, placesShown); n > 0 {
			safe.Fprintf(w, "  %s  …and %d more (--format json and the SARIF report list up to %d places a token)\n", f.Token, n, len(f.Locations))
		}
	}
}

// problems lists targets that failed or were cut short, skipped start
// targets, scan-wide warnings, ignored tokens and a count of what the crawl
// found but did not fetch.
func problems(w io.Writer, r *findings.Report, s Summary, root string) {
	var lines []string
	skipped := map[string]int{}
	for _, t := range r.Targets {
		switch {
		case t.State == findings.Failed:
			what := "failed  "
			if t.Discovered {
				what = "failed* "
			}
			lines = append(lines, safe.Sprintf("  %s %s: %s", safe.Trusted(what), display(t.Target, t.IsURL, root), t.Reason))
		case t.State == findings.Skipped && t.Discovered:
			skipped[skipReason(t.Reason)]++
		case t.State == findings.Skipped:
			lines = append(lines, safe.Sprintf("  skipped  %s: %s", display(t.Target, t.IsURL, root), t.Reason))
		}
		for _, u := range t.Unopened {
			lines = append(lines, safe.Sprintf("  not opened  %s (%s): %s", display(u.Part, t.IsURL, root), u.Format, u.Reason))
		}
		if n := t.UnopenedCount - len(t.Unopened); n > 0 {
			lines = append(lines, safe.Sprintf("  not opened  %s: %d more parts (--format json lists the first %d)", display(t.Target, t.IsURL, root), n, findings.MaxUnopened))
		}
		for _, warn := range t.Warnings {
			lines = append(lines, safe.Sprintf("  warning  %s: %s", display(t.Target, t.IsURL, root), warn))
		}
	}
	if len(lines) > 0 {
		safe.Fprintf(w, "\nTargets not fully scanned:\n%s\n", safe.Trusted(strings.Join(lines, "\n")))
		if s.Failed > len(r.FailedTargets()) {
			safe.Fprintf(w, "  (* found while crawling: reported, but does not fail the scan)\n")
		}
	}
	// About the run as a whole (a cap, an expired ignore entry): no target's.
	if len(r.Warnings) > 0 {
		var ws []string
		for _, warn := range r.Warnings {
			ws = append(ws, safe.Sprintf("  warning  %s", warn))
		}
		safe.Fprintf(w, "\nWarnings:\n%s\n", safe.Trusted(strings.Join(ws, "\n")))
	}
	if len(r.Ignored) > 0 {
		safe.Fprintf(w, "\nIgnored (per the ignore file): %d token%s\n", len(r.Ignored), Plural(len(r.Ignored)))
		for _, ig := range r.Ignored {
			safe.Fprintf(w, "  %s  %s  %s: %s\n", ig.Token, safe.Trusted(ig.SHA256[:16]), ig.FileLine, ig.Reason)
		}
	}
	if len(skipped) > 0 {
		reasons := make([]string, 0, len(skipped))
		n := 0
		for k, c := range skipped {
			reasons = append(reasons, safe.Sprintf("%d %s", c, k))
			n += c
		}
		slices.Sort(reasons)
		safe.Fprintf(w, "\nDiscovered but not fetched: %d URL%s (%s); --format json lists them.\n", n, Plural(n), safe.Trusted(strings.Join(reasons, "; ")))
	}
}

// skipReason groups skip reasons: "host x.com is not…" counts with other hosts.
func skipReason(r string) string {
	switch {
	case strings.HasPrefix(r, "host ") || strings.HasPrefix(r, "origin "):
		return "on other origins"
	case strings.HasPrefix(r, "HTTP 404") || strings.HasPrefix(r, "HTTP 410"):
		return "not present (guessed paths)"
	case strings.HasPrefix(r, "binary content"):
		return "binary"
	}
	return r
}

// Short is a place as file:line:column (the column in characters as
// editors count them; the file relative to root when under it), or the URL
// with the part.
func Short(l findings.Location, root string) string {
	target := display(l.Target, l.IsURL, root)
	switch {
	case l.Part == findings.PartHeaders:
		return target + " (headers" + inBrowser(l) + ")"
	case l.InRepo && l.Column == 0:
		return fmt.Sprintf("%s:%d", target, l.Line)
	}
	s := fmt.Sprintf("%s:%d:%d", target, l.Line, cmp.Or(l.Column16, l.Column))
	switch {
	case l.Part != "":
		s += " (" + l.Part + ")"
	case l.Browser:
		s += " (loaded in the browser)"
	}
	return s
}

// display is a target as the text output shows it: a URL as it is, a path
// relative to root when under it.
func display(target string, isURL bool, root string) string {
	if isURL || root == "" || !filepath.IsAbs(target) {
		return target
	}
	if rel, err := filepath.Rel(root, target); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return target
}

// encodingName is the short name of an encoding for the table.
func encodingName(enc string) string {
	switch enc {
	case "":
		return "-"
	case detect.EncEscapes:
		return "string escape"
	case detect.EncCSS:
		return "CSS escape"
	case detect.EncPercent:
		return "percent"
	case detect.EncPercent2:
		return "percent, twice"
	case detect.EncHTML:
		return "HTML reference"
	case detect.EncHex:
		return "hex"
	case detect.EncConcat:
		return "concatenation"
	case detect.EncBase64Gzip:
		return "gzip in base64"
	}
	return enc
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) WriteString(s string) { e.Write([]byte(s)) }

// revokedNote says what --revoke did to a token, after its validity.
func revokedNote(f *findings.Finding) string {
	switch {
	case f.Revocation != "":
		return ", " + f.Revocation
	case f.RevocationDetail != "":
		return ", not revoked"
	}
	return ""
}
