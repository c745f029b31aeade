// Package tokentest builds token-shaped strings at run time for tests and the
// demo, so that the repository itself never contains one (GitHub's secret
// scanning would flag it, and crates.io would revoke nothing real).
package tokentest

import (
	"math/rand/v2"
	"strings"

	"github.com/cratesguard/cratesguard/internal/detect"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Prefix is the API token prefix, kept apart from any body in source text.
const Prefix = "c" + "io"

// TPPrefix is the trusted-publishing token prefix.
const TPPrefix = Prefix + "_tp_"

// Source makes random tokens from a seed, so a test's tokens are the same on every run.
type Source struct{ r *rand.Rand }

// New returns a Source seeded with seed.
func New(seed uint64) *Source { return &Source{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// Alnum returns n random alphanumerics.
func (s *Source) Alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[s.r.IntN(len(alnum))]
	}
	return string(b)
}

// API returns a random API token (cio + 32 alphanumerics) that is not a placeholder.
func (s *Source) API() string {
	for {
		body := s.Alnum(32)
		if !detect.IsPlaceholder([]byte(body)) {
			return Prefix + body
		}
	}
}

// TP returns a random trusted-publishing token with a valid checksum.
func (s *Source) TP() string {
	for {
		raw := s.Alnum(31)
		body := raw + string(detect.TrustedPublishingChecksum([]byte(raw)))
		if !detect.IsPlaceholder([]byte(body)) {
			return TPPrefix + body
		}
	}
}

// TPBadChecksum returns a trusted-publishing token whose checksum is wrong.
func (s *Source) TPBadChecksum() string {
	tok := s.TP()
	last := tok[len(tok)-1]
	i := strings.IndexByte(alnum, last)
	return tok[:len(tok)-1] + string(alnum[(i+1)%len(alnum)])
}

// Placeholder returns cio followed by one repeated character.
func Placeholder(c byte) string { return Prefix + strings.Repeat(string(c), 32) }
