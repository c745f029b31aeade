// Package triage reads the ignore file in which a team records tokens it
// has handled, and leaves those tokens out of the results. Entries name a
// token by its SHA-256, which is safe to commit.
//
// The format, one entry per line (# starts a comment):
//
//	<sha256> [expires=YYYY-MM-DD] <reason>
//
// The SHA-256 may be shortened to a prefix of 12 hex digits or more (the
// text output shows 16); it ignores every token whose SHA-256 starts with it.
//
// GitHub code scanning ignores SARIF suppressions (alerts stay open), so
// ignored findings are filtered out and counted in the run's notifications.
package triage

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/cratesguard/cratesguard/internal/files"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/textfile"
)

// DefaultFile is the ignore file's name at the root of the repository.
const DefaultFile = ".cratesguard-ignore"

// Entry is one ignored token.
type Entry struct {
	SHA256  string
	Expires time.Time // zero: never
	Reason  string
	Line    int
}

// MinPrefix is the shortest SHA-256 prefix an entry may give: 48 bits, so
// that two tokens of one project sharing it is out of the question.
const MinPrefix = 12

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

// ParseError names the file and line of a malformed entry.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Parse reads entries; a malformed line is an error naming it (never
// repeating it: a pasted token must not be printed back).
func Parse(r io.Reader, name string) ([]Entry, error) {
	var out []Entry
	err := textfile.Lines(r, name, func(n int, line string) error {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			return nil
		}
		e, err := parseLine(line)
		if err != nil {
			return &ParseError{name, n, err.Error()}
		}
		e.Line = n
		out = append(out, e)
		return nil
	})
	return out, err
}

func parseLine(line string) (Entry, error) {
	if safe.HasToken(line) {
		return Entry{}, errors.New("this line holds a token, not its SHA-256: never commit a token; revoke it, then use `cratesguard ignore add <sha256>`")
	}
	fields := strings.Fields(line)
	var e Entry
	e.SHA256 = strings.ToLower(fields[0])
	if !sha256Hex.MatchString(e.SHA256) {
		return e, fmt.Errorf("the line does not start with a SHA-256 (%d to 64 hex digits)", MinPrefix)
	}
	rest := fields[1:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "expires=") {
		d, err := time.Parse("2006-01-02", strings.TrimPrefix(rest[0], "expires="))
		if err != nil {
			return e, errors.New("its expires= is not a date YYYY-MM-DD")
		}
		e.Expires = d
		rest = rest[1:]
	}
	e.Reason = strings.Join(rest, " ")
	if e.Reason == "" {
		return e, errors.New("an entry needs a reason after the SHA-256 (and optional expires=YYYY-MM-DD)")
	}
	return e, nil
}

// maxIgnoreFile bounds an ignore file read.
const maxIgnoreFile = 4 << 20

// Load reads an ignore file: a regular file of at most 4 MiB, inside
// within when within is set (a link in the checkout that leads out of it
// is not followed). A missing file is no error unless required (the user
// named it).
func Load(path string, required bool, within string) ([]Entry, error) {
	b, err := files.ReadRegular(path, within, maxIgnoreFile)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(bytes.NewReader(b), path)
}

// Format renders an entry as a line of the file.
func Format(e Entry) string {
	s := e.SHA256
	if !e.Expires.IsZero() {
		s += " expires=" + e.Expires.Format("2006-01-02")
	}
	return s + " " + strings.Join(strings.Fields(e.Reason), " ")
}

// Append adds an entry to the file, creating it with a header if needed.
func Append(path string, e Entry) error {
	if safe.HasToken(e.SHA256) || strings.HasPrefix(strings.ToLower(e.SHA256), "cio") {
		return errors.New("give the token's SHA-256, not the token itself (cratesguard prints it beside every finding)")
	}
	if !sha256Hex.MatchString(e.SHA256) {
		return fmt.Errorf("%q is not a SHA-256 or a prefix of one (%d to 64 hex digits, as the findings table shows)", e.SHA256, MinPrefix)
	}
	if strings.TrimSpace(e.Reason) == "" {
		return errors.New("--reason is required: say why this token may be ignored (revoked on…, test fixture…)")
	}
	existing, err := Load(path, false, "")
	if err != nil {
		return err
	}
	for _, x := range existing {
		if strings.HasPrefix(x.SHA256, e.SHA256) || strings.HasPrefix(e.SHA256, x.SHA256) {
			return fmt.Errorf("%s already ignores that token (line %d)", path, x.Line)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
		fmt.Fprintln(f, "# cratesguard ignore file: tokens handled by the team, by SHA-256 (safe to commit).")
		fmt.Fprintln(f, "# <sha256> [expires=YYYY-MM-DD] <reason>")
	}
	_, err = fmt.Fprintln(f, Format(e))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Active splits entries into those in force at now and those expired.
func Active(entries []Entry, now time.Time) (active, expired []Entry) {
	for _, e := range entries {
		if !e.Expires.IsZero() && !now.Before(e.Expires.AddDate(0, 0, 1)) {
			expired = append(expired, e)
			continue
		}
		active = append(active, e)
	}
	return active, expired
}

// Match returns the entry among active that ignores the token with this
// SHA-256 (an entry's SHA-256 may be a prefix), if any.
func Match(active []Entry, sha string) (Entry, bool) {
	for _, e := range active {
		if strings.HasPrefix(sha, e.SHA256) {
			return e, true
		}
	}
	return Entry{}, false
}
