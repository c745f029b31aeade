// Package safe owns the rules by which text that did not come from
// cratesguard's own code reaches an output. Every sink has one sanitizer
// here: the terminal and the Actions log (Terminal, Fprintf, Out), workflow
// commands (Command), the markdown job summary (Markdownf, Cell), SARIF
// message text (SARIFText) and JSON documents (JSON). Redaction is inside
// each of them: a token-shaped substring is shown as cioAbCd…, and every
// registered secret (a --header value) as ***.
//
// Like html/template, the printers escape by construction: every string,
// error or Stringer argument of Fprintf and Markdownf is outside text unless
// it is wrapped in Trusted, which is the one greppable way to pass text
// through unescaped (it is still redacted). The one unredacted write there
// is, Out.Mask, exists because the runner needs the plaintext to mask it.
package safe

import (
	"net/url"
	"slices"
	"strings"
	"sync"
)

// MinSecretLen is the shortest header value treated as a secret: shorter
// values ("1", "on") would blank out unrelated text everywhere.
const MinSecretLen = 4

// Hidden is what a registered secret is shown as.
const Hidden = "***"

var secrets struct {
	sync.RWMutex
	list []string // longest first
}

// AddSecret registers a secret (a configured header value): from now on
// every sanitizer shows it, and its URL-encoded forms, as ***. So does the
// credential part of "Scheme credential" values (Bearer, Basic, token).
func AddSecret(v string) {
	v = strings.TrimSpace(v)
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if _, cred, ok := strings.Cut(v, " "); ok {
		cred = strings.TrimSpace(cred)
		forms = append(forms, cred, url.QueryEscape(cred), url.PathEscape(cred))
	}
	secrets.Lock()
	defer secrets.Unlock()
	for _, f := range forms {
		if len(f) >= MinSecretLen && !slices.Contains(secrets.list, f) {
			secrets.list = append(secrets.list, f)
		}
	}
	slices.SortFunc(secrets.list, func(a, b string) int { return len(b) - len(a) })
}

// Redact hides registered secrets and token-shaped substrings in s. A
// token is recognised in any context (inside a longer word, any letter
// case of its prefix) and through percent-encoding (%63io…), so a URL
// cannot carry one past it.
func Redact(s string) string {
	secrets.RLock()
	for _, v := range secrets.list {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Hidden)
		}
	}
	secrets.RUnlock()
	return redactTokens(s)
}

const (
	apiBody = 32 // alphanumerics after "cio"
)

// unit reads one character at s[i], percent-decoding %XX.
func unit(s string, i int) (byte, int) {
	if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
		return unhex(s[i+1])<<4 | unhex(s[i+2]), 3
	}
	return s[i], 1
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c | 0x20
	}
	return c
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// matchToken reports whether a token shape starts at s[i]; it returns
// where it ends and the redacted form.
func matchToken(s string, i int) (int, string, bool) {
	var dec [48]byte
	n, j := 0, i
	next := func() (byte, bool) {
		if j >= len(s) {
			return 0, false
		}
		c, w := unit(s, j)
		j += w
		dec[n] = c
		n++
		return c, true
	}
	for _, want := range []byte("cio") {
		c, ok := next()
		if !ok || lower(c) != want {
			return 0, "", false
		}
	}
	afterPrefix, nAfter := j, n
	// cio_tp_ + 32 alphanumerics
	tp := true
	for _, want := range []byte("_tp_") {
		c, ok := next()
		if !ok || lower(c) != want {
			tp = false
			break
		}
	}
	if tp {
		body := n
		for k := 0; k < apiBody; k++ {
			if c, ok := next(); !ok || !isAlnum(c) {
				tp = false
				break
			}
		}
		if tp {
			return j, string(dec[:body+4]) + "…", true
		}
	}
	j, n = afterPrefix, nAfter
	for k := 0; k < apiBody; k++ {
		if c, ok := next(); !ok || !isAlnum(c) {
			return 0, "", false
		}
	}
	return j, string(dec[:nAfter+4]) + "…", true
}

func redactTokens(s string) string {
	if !strings.ContainsAny(s, "cC%") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		// Every byte is a possible start, even inside a %XX (whose hex
		// digit C would read as the start of "Cio…" to a person): a c, a C,
		// or a % (matchToken decodes it).
		if c := s[i]; c == 'c' || c == 'C' || c == '%' {
			if end, red, ok := matchToken(s, i); ok {
				b.WriteString(s[last:i])
				b.WriteString(red)
				i, last = end, end
				continue
			}
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// HasToken reports whether s holds a token-shaped substring (as Redact
// sees them).
func HasToken(s string) bool { return redactTokens(s) != s }
