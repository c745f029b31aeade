package report

import (
	"fmt"
	"strings"

	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/safe"
)

// SummaryMax is GitHub's limit on a step's job summary.
const SummaryMax = 1 << 20

// MarkdownOptions add what the job summary says besides the report.
type MarkdownOptions struct {
	Root      string
	SARIFPath string // as the workflow sees it
	// EventLabel and EventValue say what triggered the scan: "after
	// release" and the tag. The value is outside text, rendered safe here.
	EventLabel safe.Trusted
	EventValue string
	// Unannotated counts findings GitHub will not show as annotations.
	Unannotated int
	// Extra are lines cratesguard wrote, added as they are (markdown).
	Extra []safe.Trusted
}

// Markdown renders the job summary. Outside text is only ever a code span
// (safe.Cell), so a page, a file name or a release tag cannot add a
// heading, a link, an image, HTML or a table row. It stays under GitHub's
// 1 MiB, with "…and N more" lines where it is cut.
func Markdown(rep *findings.Report, policy findings.FailOn, o MarkdownOptions) string {
	var b strings.Builder
	s := Summarize(rep, policy)
	b.WriteString("## cratesguard\n\n")
	if o.EventValue != "" {
		b.WriteString(safe.Markdownf("Scanned %s %s.\n\n", o.EventLabel, o.EventValue))
	}
	b.WriteString(safe.Markdownf("%s\n\n", safe.Trusted(mdBold(Headline(s), s.Tokens > 0))))
	if rep.Interrupted != "" {
		b.WriteString(safe.Markdownf("**Interrupted** (%s): this covers what was scanned before.\n\n", safe.Trusted(rep.Interrupted)))
	}
	for _, n := range rep.Info {
		b.WriteString(safe.Markdownf("- %s\n", n))
	}
	if len(rep.Info) > 0 {
		b.WriteString("\n")
	}
	if s.Tokens > 0 {
		b.WriteString(RevokeAdvice(s) + "\n\n")
	}
	budget := SummaryMax - 64<<10 // room for the tail
	if len(rep.Findings) > 0 {
		b.WriteString("| Token | SHA-256 | Rule | Where found | Encoding | Severity | Validity |\n| --- | --- | --- | --- | --- | --- | --- |\n")
		for i, f := range rep.Findings {
			validity := f.Validity
			if validity == "" {
				validity = "not checked"
			}
			validity += revokedNote(f)
			where := Where(f.Locations[0], o.Root)
			more := ""
			if n := f.Occurrences - 1; n > 0 {
				more = fmt.Sprintf(" (+%d more)", n)
			}
			row := safe.Markdownf("| %s | %s | %s | %s%s | %s | %s | %s |\n", f.Token, f.SHA256[:16], safe.Trusted(RuleOf(f).Title),
				where, safe.Trusted(more), safe.Trusted(encodingName(f.Locations[0].Encoding)), safe.Trusted(f.Level()), safe.Trusted(validity))
			if b.Len()+len(row) > budget {
				b.WriteString(safe.Markdownf("\n…and %d more findings (all are in the SARIF report).\n", len(rep.Findings)-i))
				break
			}
			b.WriteString(row)
		}
	}
	if o.Unannotated > 0 {
		b.WriteString(fmt.Sprintf("\n%d finding%s not annotated: GitHub shows 10 annotations per level per step. All are listed above and in the SARIF report.\n",
			o.Unannotated, Plural(o.Unannotated)))
	}
	if len(rep.Ignored) > 0 {
		b.WriteString(fmt.Sprintf("\n%d token%s ignored per the ignore file:\n\n| Token | SHA-256 | Entry | Reason |\n| --- | --- | --- | --- |\n",
			len(rep.Ignored), Plural(len(rep.Ignored))))
		for _, ig := range rep.Ignored {
			b.WriteString(safe.Markdownf("| %s | %s | %s | %s |\n", ig.Token, ig.SHA256[:16], ig.FileLine, ig.Reason))
		}
	}
	var failed []findings.Target
	for _, t := range rep.Targets {
		if t.State == findings.Failed {
			failed = append(failed, t)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n### Targets that could not be scanned\n\n| Target | Reason |\n| --- | --- |\n")
		for i, t := range failed {
			row := safe.Markdownf("| %s | %s |\n", t.Target, t.Reason)
			if b.Len()+len(row) > SummaryMax-4096 {
				b.WriteString(fmt.Sprintf("\n…and %d more targets.\n", len(failed)-i))
				break
			}
			b.WriteString(row)
		}
	}
	if rep.NotOpened > 0 {
		b.WriteString(fmt.Sprintf("\n### Not opened: %d\n\nRecognised as archives or compressed streams, but not read: nothing in them was scanned.\n\n| Part | Format | Why |\n| --- | --- | --- |\n", rep.NotOpened))
		listed := 0
	rows:
		for _, t := range rep.Targets {
			for _, u := range t.Unopened {
				row := safe.Markdownf("| %s | %s | %s |\n", u.Part, u.Format, u.Reason)
				if b.Len()+len(row) > SummaryMax-8192 {
					break rows
				}
				b.WriteString(row)
				listed++
			}
		}
		if listed < rep.NotOpened {
			b.WriteString(fmt.Sprintf("\n…and %d more (--format json lists up to %d a target).\n", rep.NotOpened-listed, findings.MaxUnopened))
		}
	}
	if len(rep.Warnings) > 0 {
		b.WriteString("\n### Warnings\n\n")
		for _, w := range rep.Warnings {
			b.WriteString(safe.Markdownf("- %s\n", w))
		}
	}
	for _, e := range o.Extra {
		b.WriteString("\n" + string(e) + "\n")
	}
	if o.SARIFPath != "" {
		b.WriteString(safe.Markdownf("\nSARIF report: %s\n", o.SARIFPath))
	}
	return b.String()
}

func mdBold(s string, bold bool) string {
	if bold {
		return "**" + s + "**"
	}
	return s
}
