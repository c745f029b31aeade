// Package detect finds crates.io tokens in a stream of bytes.
//
// It knows the two token shapes crates.io issues and nothing about where the
// bytes come from: callers hand it an io.Reader and receive Matches.
//
// A token is always a maximal run of "word" bytes ([A-Za-z0-9_]): the token
// rules demand a non-word byte (or the start or end of input) on both sides,
// and every byte of a token is a word byte. The matcher therefore looks only
// for word runs of exactly 35 bytes (cio + 32 alphanumerics) or 39 bytes
// (cio_tp_ + 31 alphanumerics + checksum). Where the CPU has AVX2, an
// assembly search for "cio" (rare in real code) finds the only places a
// token can start. Elsewhere, a branch-free SWAR test of 8-byte blocks skips
// text whose word runs are too short, and a Boyer-Moore-style step inspects
// the byte where a 35-byte run would end: a non-word byte there rules out
// every start before it. Both lead to the same exact check.
package detect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"sort"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// Rule identifiers. They are stable: SARIF rule ids and fingerprints derive from them.
const (
	RuleAPIToken          = "crates-io-api-token"
	RuleTrustedPublishing = "crates-io-trusted-publishing-token"
)

const (
	apiPrefix = "cio"
	tpPrefix  = "cio_tp_"
	apiLen    = len(apiPrefix) + 32 // 35
	tpLen     = len(tpPrefix) + 32  // 39
	// decoyContext is how many base64 characters must sit on each side of a
	// candidate for it to count as part of a base64 blob rather than a token.
	decoyContext = 16
	// ChecksumAlphabet indexes the trusted-publishing checksum character.
	ChecksumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// Match is one token found in the input.
type Match struct {
	Rule string
	// Token is the full token. Callers must never print it: redact it first.
	Token string
	// Offset is the 0-based byte offset of the token's first byte.
	Offset int64
	// Line and Column are 1-based; Column counts bytes from the line start,
	// Column16 UTF-16 code units (as SARIF and GitHub count columns).
	Line, Column, Column16 int
	// Length is how many input bytes the token takes: its own length, or
	// that of its encoded form.
	Length int
	// Placeholder marks an obviously non-random filler (cio + one repeated
	// character, an alphabet run, a word like "example").
	Placeholder bool
	// Encoding names the encoding the token was found under ("" for plain
	// text); Offset, Line and Column then point at the encoded text.
	Encoding string
}

var (
	isWord   [256]bool
	isAlnum  [256]bool
	isBase64 [256]bool // standard and URL-safe alphabets together, with padding
	isUpper  [256]bool
	isLower  [256]bool
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		up := b >= 'A' && b <= 'Z'
		lo := b >= 'a' && b <= 'z'
		dig := b >= '0' && b <= '9'
		isUpper[c], isLower[c] = up, lo
		isAlnum[c] = up || lo || dig
		isWord[c] = isAlnum[c] || b == '_'
		isBase64[c] = isAlnum[c] || b == '+' || b == '/' || b == '=' || b == '-'
	}
}

// bufSize is the read size: small enough that the buffer stays in the L1/L2
// cache (32 KiB measured fastest). Memory per Scanner is bufSize plus a small carry.
const bufSize = 32 << 10

// carryMax bounds what is kept from one read to the next: a candidate run
// with its context on both sides.
const carryMax = tpLen + 2*decoyContext + 2

// Scanner finds tokens in readers. Its zero value is ready to use; it reuses
// its buffer across calls and is not safe for concurrent use.
type Scanner struct {
	buf []byte
	ip  InPlace // the last in-place scan's, reused by the next
}

// Find returns the matches in b.
func Find(b []byte) []Match {
	var out []Match
	s := state{}
	s.scan(b, true, func(m Match) { out = append(out, m) })
	return out
}

// Scan reads r to its end and calls fn for each match, in input order.
// Memory use does not depend on the size of the input or the length of its lines.
func (sc *Scanner) Scan(r io.Reader, fn func(Match)) error {
	if sc.buf == nil {
		sc.buf = make([]byte, bufSize+carryMax)
	}
	buf := sc.buf
	st := state{line: 1}
	keep := 0 // bytes carried over at the start of buf
	for {
		n, err := io.ReadFull(r, buf[keep:])
		eof := err != nil // EOF, or a failed read: what arrived is scanned either way
		data := buf[:keep+n]
		start := st.scan(data, eof, fn)
		if eof {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
		// Keep the undecided tail, with some context before it.
		from := start - decoyContext
		if from < 0 {
			from = 0
		}
		st.advance(data, from)
		keep = copy(buf, data[from:])
		st.base += int64(from)
		st.counted -= from
		st.resume = start - from
	}
}

// state carries line counting and run skipping across reads.
type state struct {
	base     int64 // absolute offset of data[0]
	line     int   // 1-based line at data[counted]
	lineBase int64 // absolute offset of the first byte of the current line
	counted  int   // data[:counted] has been counted for newlines
	adj      int   // bytes minus UTF-16 code units from lineBase to data[counted]
	resume   int   // where scanning resumes in the next data (after a carry)
	inRun    bool  // the previous data ended inside a word run too long to be a token
	// cands, when set, lists where the decoder's patterns (among them
	// "cio") start in data, in order, as far as data goes: the search
	// for "cio" is then a look-up (see InPlace).
	cands []int32
}

// skipListed is skip with the "cio"s looked up in s.cands.
func (s *state) skipListed(data []byte, p int) int {
	c := s.cands
	i := sort.Search(len(c), func(i int) bool { return int(c[i]) >= p })
	for ; i < len(c); i++ {
		k := int(c[i])
		if k+3 > len(data) {
			break
		}
		if data[k] == 'c' && data[k+1] == 'i' && data[k+2] == 'o' && (k == 0 || !isWord[data[k-1]]) {
			return k
		}
	}
	return runStart(data, p, len(data))
}

// advance counts newlines up to data[to].
func (s *state) advance(data []byte, to int) {
	if to <= s.counted {
		return
	}
	n, lineStart, adj := lines(data[s.counted:to], s.base+int64(s.counted))
	if n > 0 {
		s.line, s.lineBase, s.adj = s.line+n, lineStart, 0
	}
	s.adj += adj
	s.counted = to
}

// lines counts the newlines of seg, which starts at offset at: how many,
// where the line after the last starts, and how many more bytes than
// UTF-16 units follow that start (all of seg's, with no newline).
func lines(seg []byte, at int64) (n int, lineStart int64, adj int) {
	n, last, ascii := simd.Lines(seg)
	if n > 0 {
		lineStart, seg, ascii = at+int64(last+1), seg[last+1:], ascii-last-1
	}
	if ascii <= 0 { // ASCII after the line start: as many UTF-16 units as bytes
		return n, lineStart, 0
	}
	return n, lineStart, UTF16Adjust(seg)
}

// UTF16Adjust returns how many more bytes than UTF-16 code units the UTF-8
// text b takes: each continuation byte is one more, each four-byte sequence
// (two UTF-16 units) one fewer. ASCII text, the common case, costs one test
// per 32 bytes.
func UTF16Adjust(b []byte) int {
	n := 0
	for {
		i := simd.IndexHigh(b)
		if i < 0 {
			return n
		}
		// Count this stretch of text beyond ASCII in words, until the
		// next 32 bytes of pure ASCII.
		b = b[i:]
		j := 0
		for ; j+32 <= len(b); j += 32 {
			w0, w1 := binary.LittleEndian.Uint64(b[j:]), binary.LittleEndian.Uint64(b[j+8:])
			w2, w3 := binary.LittleEndian.Uint64(b[j+16:]), binary.LittleEndian.Uint64(b[j+24:])
			if (w0|w1|w2|w3)&msb == 0 {
				break
			}
			n += adjustWord(w0) + adjustWord(w1) + adjustWord(w2) + adjustWord(w3)
		}
		if j+32 > len(b) {
			for ; j < len(b); j++ {
				switch c := b[j]; {
				case c&0xc0 == 0x80:
					n++
				case c&0xf8 == 0xf0:
					n--
				}
			}
		}
		b = b[j:]
	}
}

// adjustWord is UTF16Adjust for the eight bytes of x.
func adjustWord(x uint64) int {
	if x&msb == 0 {
		return 0
	}
	cont := x & msb &^ (x << 1)                                   // 10xxxxxx
	lead4 := x & (x << 1) & (x << 2) & (x << 3) &^ (x << 4) & msb // 11110xxx
	return bits.OnesCount64(cont) - bits.OnesCount64(lead4)
}

// scan looks for tokens in data, starting at s.resume. It returns the
// position of the first byte it could not decide on, which the caller carries
// into the next read; with eof it decides everything.
func (s *state) scan(data []byte, eof bool, fn func(Match)) int {
	if s.line == 0 {
		s.line = 1
	}
	n := len(data)
	p := s.resume
	s.resume = 0
	if s.inRun {
		for p < n && isWord[data[p]] {
			p++
		}
		if p == n && !eof {
			return n
		}
		s.inRun = false
		p++ // data[p] is not a word byte
	}
	// Invariant: p == 0 at the start of input, or data[p-1] is not a word byte.
	for {
		if s.cands != nil {
			p = s.skipListed(data, p)
		} else {
			p = skip(data, p)
		}
		q := p + apiLen - 1
		if q >= n {
			if eof {
				return n
			}
			return p
		}
		if !isWord[data[q]] {
			p = q + 1
			continue
		}
		k := q - 1
		for k >= p && isWord[data[k]] {
			k--
		}
		if k >= p {
			p = k + 1
			continue
		}
		// data[p..q] are all word bytes and data[p-1] is not: a run starts at p.
		e := q + 1
		for e < n && e-p <= tpLen && isWord[data[e]] {
			e++
		}
		if e-p > tpLen {
			for e < n && isWord[data[e]] {
				e++
			}
			if e == n {
				if !eof {
					s.inRun = true
				}
				return n
			}
			p = e + 1
			continue
		}
		if !eof && (e == n || e+decoyContext >= n) {
			return p // the run or its right context is incomplete
		}
		if m, ok := candidate(data, p, e); ok {
			s.advance(data, p)
			m.Offset = s.base + int64(p)
			m.Line = s.line
			m.Column = int(m.Offset-s.lineBase) + 1
			m.Column16 = m.Column - s.adj
			m.Length = len(m.Token)
			fn(m)
		}
		p = e + 1
	}
}

// candidate checks the word run data[p:e] (35 to 39 bytes, bounded by
// non-word bytes) against the token rules.
func candidate(data []byte, p, e int) (Match, bool) {
	run := data[p:e]
	var m Match
	switch len(run) {
	case apiLen:
		if !bytes.HasPrefix(run, []byte(apiPrefix)) || !allAlnum(run[len(apiPrefix):]) {
			return m, false
		}
		m.Rule = RuleAPIToken
		m.Placeholder = IsPlaceholder(run[len(apiPrefix):])
	case tpLen:
		if !bytes.HasPrefix(run, []byte(tpPrefix)) || !ValidTrustedPublishing(run) {
			return m, false
		}
		m.Rule = RuleTrustedPublishing
		m.Placeholder = IsPlaceholder(run[len(tpPrefix):])
	default:
		return m, false
	}
	if inBase64Blob(data, p, e) {
		return m, false
	}
	m.Token = string(run)
	return m, true
}

func allAlnum(b []byte) bool {
	for _, c := range b {
		if !isAlnum[c] {
			return false
		}
	}
	return true
}

// ValidTrustedPublishing reports whether tok is cio_tp_ + 31 alphanumerics +
// the right checksum character.
func ValidTrustedPublishing(tok []byte) bool {
	if len(tok) != tpLen || !bytes.HasPrefix(tok, []byte(tpPrefix)) {
		return false
	}
	body := tok[len(tpPrefix):]
	if !allAlnum(body) {
		return false
	}
	return body[31] == TrustedPublishingChecksum(body[:31])
}

// TrustedPublishingChecksum returns the checksum character for the 31 raw
// characters of a trusted-publishing token.
func TrustedPublishingChecksum(raw []byte) byte {
	var x byte
	for _, c := range raw {
		x ^= c
	}
	return ChecksumAlphabet[int(x)%len(ChecksumAlphabet)]
}

// inBase64Blob reports whether the candidate data[p:e] sits inside a base64
// run: at least decoyContext base64 characters on each side, each side mixing
// upper and lower case as encoded binary does (a URL path does not).
func inBase64Blob(data []byte, p, e int) bool {
	return p >= decoyContext && e+decoyContext <= len(data) &&
		base64ish(data[p-decoyContext:p]) && base64ish(data[e:e+decoyContext])
}

func base64ish(b []byte) bool {
	up, lo := false, false
	for _, c := range b {
		if !isBase64[c] {
			return false
		}
		up = up || isUpper[c]
		lo = lo || isLower[c]
	}
	return up && lo
}

// placeholderWords are fillers people put where a token goes.
// Each has seven or more letters, so a random body contains one with a
// probability below 1e-9.
var placeholderWords = []string{"xxxxxxx", "example", "placeholder", "redacted", "changeme", "yourtoken", "dummytoken", "faketoken", "testtoken", "secrettoken"}

// IsPlaceholder reports whether the 32 characters after a token's prefix are
// an obvious filler rather than random: few distinct characters (cio + one
// repeated character), a long alphabet or digit sequence, or a filler word.
// A random body of 32 alphanumerics has about 25 distinct characters and
// contains none of these by chance in any realistic number of tokens.
func IsPlaceholder(body []byte) bool {
	var seen [256]bool
	distinct := 0
	for _, c := range body {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	if distinct <= 10 {
		return true
	}
	run := 1
	for i := 1; i < len(body); i++ {
		if d := int(body[i]) - int(body[i-1]); d == 1 || d == -1 {
			run++
			if run >= 8 {
				return true
			}
		} else {
			run = 1
		}
	}
	lower := bytes.ToLower(body)
	for _, w := range placeholderWords {
		if bytes.Contains(lower, []byte(w)) {
			return true
		}
	}
	return false
}

// nearCio is how many bytes skip looks at one by one before a vector search.
const nearCio = 32

// SWAR constants: one bit per byte.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// wordMask sets the high bit of each byte of x that is [A-Za-z0-9_], eight
// bytes at once and without branches. Every addition stays inside its byte:
// operands are at most 0x7F plus a constant below 0x81.
func wordMask(x uint64) uint64 {
	x7 := x &^ msb
	l := x7 | 0x20*lsb // folds A-Z onto a-z
	letters := (l + (0x80-'a')*lsb) &^ (l + (0x7f-'z')*lsb)
	digits := (x7 + (0x80-'0')*lsb) &^ (x7 + (0x7f-'9')*lsb)
	under := (x7 + (0x80-'_')*lsb) &^ (x7 + (0x7f-'_')*lsb)
	return (letters | digits | under) & msb &^ x
}

// skip returns the first position at or after p where a token could start.
// It reads 8-byte blocks tiling data from p: a run of 35 or more word bytes
// always covers three whole consecutive blocks, so as long as no three
// consecutive blocks are all word bytes, no token starts in between. It
// stops at such a triple, or near the end of data, at the start of the word
// run in progress, keeping the invariant that data[p-1] is not a word byte.
func skip(data []byte, p int) int {
	// Every token starts with "cio" at a word boundary, and in real
	// JavaScript "cio" is rare (a handful in 30 MB): with AVX2, finding it
	// is the whole search.
	if simd.AVX2 {
		return skipAVX2(data, p)
	}
	// h holds one bit per block, the newest lowest: the last two blocks of
	// the previous group and the four of this one.
	i, h := p, uint64(0)
	for i+32 <= len(data) {
		b := data[i : i+32]
		h = (h<<4 | allWord(b[0:])<<3 | allWord(b[8:])<<2 | allWord(b[16:])<<1 | allWord(b[24:])) & 0x3f
		// Bit k of t: blocks k, k+1 and k+2 (the two before it) are all word bytes.
		if t := h & (h >> 1) & (h >> 2) & 0xf; t != 0 {
			third := i + 8*(3-(bits.Len64(t)-1)) // the earliest triple's last block
			return runStart(data, p, third-16)
		}
		i += 32
	}
	return runStart(data, p, i)
}

// skipAVX2 is skip where the vector search for "cio" is available. After
// each "cio" that is no token's start (inside a word) the next bytes are
// looked at one by one before another vector search is set up: in input
// made of "cio"s that set-up would be most of the cost.
func skipAVX2(data []byte, p int) int {
	for i := p; i < len(data); {
		for end := min(i+nearCio, len(data)-2); i < end; i++ {
			if data[i] == 'c' && data[i+1] == 'i' && data[i+2] == 'o' && (i == 0 || !isWord[data[i-1]]) {
				return i
			}
		}
		j := simd.Cio(data[i:])
		if j < 0 {
			break
		}
		if i += j; i == 0 || !isWord[data[i-1]] {
			return i
		}
		i++
	}
	// None: hand the scalar loop the run in progress at the end, which may
	// be a token's start cut off by the read.
	return runStart(data, p, len(data))
}

// allWord is 1 if the 8 bytes at b are all word bytes, else 0, without branches.
func allWord(b []byte) uint64 {
	m := wordMask(binary.LittleEndian.Uint64(b)) ^ msb // zero iff all word bytes
	return ((m | -m) >> 63) ^ 1
}

// runStart moves x back to the start of the word run that byte x-1 ends,
// but not before p.
func runStart(data []byte, p, x int) int {
	for x > p && isWord[data[x-1]] {
		x--
	}
	return x
}
