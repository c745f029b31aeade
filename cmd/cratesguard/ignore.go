package main

import (
	"io"
	"strings"
	"time"

	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/triage"
)

type ignoreFlags struct {
	*command
	reason, expires, file string
}

func newIgnoreFlags() *ignoreFlags {
	c := newCommand("ignore add", "cratesguard ignore add SHA256 --reason TEXT [--expires YYYY-MM-DD] [--file PATH]",
		"record a handled token in the ignore file",
		`SHA256 is the token's SHA-256 as cratesguard shows it: the 16 digits of the
findings table do (any prefix of 12 digits or more), or all 64 from JSON and
SARIF. Ignored tokens are left out of the results and counted with their reason.`, "Flags")
	f := &ignoreFlags{command: c}
	c.fs.StringVar(&f.reason, "reason", "", "why this token may be ignored (required): revoked on…, a test fixture…")
	c.describe("Flags", "reason", "TEXT")
	c.fs.StringVar(&f.expires, "expires", "", "stop ignoring it after this day")
	c.describe("Flags", "expires", "YYYY-MM-DD")
	c.fs.StringVar(&f.file, "file", triage.DefaultFile, "the ignore file")
	c.describe("Flags", "file", "PATH")
	return f
}

// cmdIgnore handles `cratesguard ignore add`.
func cmdIgnore(args []string, stdout, stderr io.Writer) int {
	f := newIgnoreFlags()
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help") {
		f.printHelp(stdout)
		return findings.ExitClean
	}
	if len(args) == 0 || args[0] != "add" {
		safe.Fprintf(stderr, "cratesguard: ignore takes one subcommand, add (cratesguard help ignore add)\n")
		return findings.ExitUsage
	}
	pos, err := f.parse(args[1:])
	switch {
	case err == errHelp:
		f.printHelp(stdout)
		return findings.ExitClean
	case err != nil:
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return findings.ExitUsage
	case len(pos) != 1:
		safe.Fprintf(stderr, "cratesguard: ignore add takes exactly one SHA-256 (cratesguard prints it beside each finding)\n")
		return findings.ExitUsage
	}
	e := triage.Entry{SHA256: strings.ToLower(pos[0]), Reason: f.reason}
	if f.expires != "" {
		d, err := time.Parse("2006-01-02", f.expires)
		if err != nil {
			safe.Fprintf(stderr, "cratesguard: --expires: %q is not YYYY-MM-DD\n", f.expires)
			return findings.ExitUsage
		}
		e.Expires = d
		if today := time.Now().Truncate(24 * time.Hour); d.Before(today) {
			safe.Fprintf(stderr, "cratesguard: warning: --expires %s is already past: the entry will not hide the token\n", f.expires)
		}
	}
	if err := triage.Append(f.file, e); err != nil {
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return findings.ExitUsage
	}
	safe.Fprintf(stdout, "%s: added %s\n", f.file, triage.Format(e))
	return findings.ExitClean
}
