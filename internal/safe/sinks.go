package safe

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Trusted is text cratesguard itself wrote, already right for the sink it
// is printed to. Wrapping outside text in it is the one way to print that
// text unescaped: grep for safe.Trusted to review every such place.
type Trusted string

// MaxField bounds one outside string as printed (bytes before escaping):
// a megabyte URL must not become a megabyte log line.
const MaxField = 2048

// Terminal makes outside text safe for a terminal and for the Actions log:
// registered secrets and tokens are redacted, control characters (C0, DEL)
// and invalid UTF-8 are shown escaped (\x1b), as is every character that
// prints nothing or can pass for another (\u{200b}): C1 controls, line and
// paragraph separators, format characters (zero-width, BOM, bidirectional
// controls, tags), private-use and unassigned code points, spaces other
// than the ASCII space. Text that would begin a line with "::" (a workflow
// command) has that colon escaped. The result holds no line break, so it
// cannot start a line of its own.
func Terminal(s string) string {
	s = Redact(s) // before escaping: an escaped secret would not match any more
	if len(s) > MaxField {
		cut := MaxField
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + fmt.Sprintf("…(%d more bytes)", len(s)-cut)
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u{%x}`, r)
		default:
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	out := Redact(b.String()) // escapes can join what was apart: \x0c + io… reads as cio…
	if t := strings.TrimLeft(out, " "); strings.HasPrefix(t, "::") {
		k := len(out) - len(t)
		out = out[:k] + `\x3a` + out[k+1:]
	}
	return out
}

// SARIFText makes outside text safe for a SARIF message: Terminal's rules,
// and [ ] escaped so that it cannot form an embedded link.
func SARIFText(s string) string {
	return strings.NewReplacer(`[`, `\[`, `]`, `\]`).Replace(Terminal(s))
}

// SARIFf formats a SARIF message: every string, []byte, error and
// fmt.Stringer argument goes through SARIFText unless it is Trusted.
func SARIFf(format string, args ...any) string {
	for i, a := range args {
		args[i] = arg(a, SARIFText)
	}
	return Redact(fmt.Sprintf(format, args...))
}

// arg sanitizes one printf argument for the terminal.
func arg(a any, esc func(string) string) any {
	switch v := a.(type) {
	case Trusted:
		return Redact(string(v))
	case string:
		return esc(v)
	case []byte:
		return esc(string(v))
	case error:
		return esc(v.Error())
	case fmt.Stringer:
		return esc(v.String())
	}
	return a
}

// Sprintf formats like fmt.Sprintf; every string, []byte, error and
// fmt.Stringer argument goes through Terminal unless it is Trusted.
func Sprintf(format string, args ...any) string {
	for i, a := range args {
		args[i] = arg(a, Terminal)
	}
	return Redact(fmt.Sprintf(format, args...))
}

// Fprintf is Sprintf written to w.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	return io.WriteString(w, Sprintf(format, args...))
}

// Errorf is Sprintf as an error, for errors that carry outside text to a
// printer that prints it as Trusted.
func Errorf(format string, args ...any) error { return errors.New(Sprintf(format, args...)) }

// Command renders a workflow command line (::name k=v,…::message) with
// GitHub's escaping. The message is formatted as by Sprintf (outside text
// Terminal-sanitized), property values (name, value pairs, written in that
// order) are Terminal-sanitized, then % \r \n (and in properties : ,) are
// percent-encoded, so nothing can end the line or start another command.
func Command(name string, props []string, format string, args ...any) string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(name)
	for i := 0; i+1 < len(props); i += 2 {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(props[i])
		b.WriteByte('=')
		b.WriteString(escapeProperty(Terminal(props[i+1])))
	}
	b.WriteString("::")
	b.WriteString(escapeData(Sprintf(format, args...)))
	return Redact(b.String()) // percent-encoding can spell a prefix: ",io…" becomes "%2Cio…"
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// Cell makes outside text safe inside a GitHub-flavoured markdown table
// cell, or anywhere in a line of markdown: Terminal's rules, then a code
// span fenced with more backticks than the text holds, with | escaped as
// the table syntax wants. Inside a code span nothing is structure: no
// link, image, autolink, emphasis, HTML or heading.
func Cell(s string) string {
	s = Terminal(s)
	if s == "" {
		return ""
	}
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' && s[len(s)-1] == ' ' {
		pad = " "
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	return fence + pad + s + pad + fence
}

// Markdownf formats a line of markdown: every string, []byte, error and
// fmt.Stringer argument becomes a Cell unless it is Trusted (markdown
// cratesguard wrote).
func Markdownf(format string, args ...any) string {
	for i, a := range args {
		args[i] = arg(a, Cell)
	}
	return Redact(fmt.Sprintf(format, args...))
}
