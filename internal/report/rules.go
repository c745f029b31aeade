package report

import (
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// Rules lists the rules in SARIF order; see the table in README.md.

// Rule is what the reports say about one rule.
type Rule struct {
	ID, Name, Short, Full string
	Title                 string // for messages: "crates.io API token"
	// Severity is SARIF's security-severity, 0.1 to 10.0, as a string;
	// empty for a rule that is no security alert.
	Severity     string
	Precision    string
	Level        string // default level
	HelpMarkdown string
}

// RuleInactive is the rule of tokens crates.io says are dead (revoked,
// expired or never issued): still a leak that shows the build lets secrets
// through, but no longer a live credential, so a medium security alert,
// not a critical one. security-severity is per rule in code scanning, so a
// different verdict needs a different rule.
const RuleInactive = "crates-io-token-inactive"

// RuleOf is the rule a finding is reported under: placeholders and tokens
// crates.io rejects have their own, with their own severity.
func RuleOf(f *findings.Finding) Rule {
	id := f.Rule
	switch {
	case f.Placeholder:
		id = findings.RulePlaceholder
	case f.Validity == "inactive":
		id = RuleInactive
	}
	ru, _ := RuleByID(id)
	return ru
}

// HelpURI is where each rule's help points.
const HelpURI = "https://github.com/cratesguard/cratesguard#what-to-do-when-a-token-leaks"

const revokeHelp = `
## What to do

1. **Revoke the token now**: sign in to crates.io, open *Account Settings → API Tokens*
   (https://crates.io/settings/tokens) and revoke it. A token that leaked once is burned, even
   if the deployment is fixed: caches, mirrors and archives keep old assets.
2. **Check what it did**: the crates owned by the account list every version published; look for
   versions you did not release and yank them (` + "`cargo yank --version X name`" + `).
3. **Create a new token** with the narrowest scope (one crate, publish-update only) and an expiry.
4. **Keep it out of the build**: pass it only to the ` + "`cargo publish`" + ` step as the
   ` + "`CARGO_REGISTRY_TOKEN`" + ` secret; never to the web build, never through a bundler's
   ` + "`define`/`env`" + ` mechanism (` + "`VITE_*`, `NEXT_PUBLIC_*`, `REACT_APP_*`" + ` variables are inlined into
   public JavaScript), never in a committed ` + "`.env`" + ` or ` + "`.cargo/credentials.toml`" + `. Better still, publish
   with crates.io *trusted publishing*, which needs no long-lived token at all.

cratesguard shows only a redacted token and its SHA-256 (the form crates.io stores): compare it
with ` + "`printf %s \"$TOKEN\" | sha256sum`" + `.
`

var Rules = []Rule{
	{
		ID:        detect.RuleAPIToken,
		Name:      "CratesIoApiToken",
		Title:     "crates.io API token",
		Short:     "crates.io API token exposed in deployed content",
		Full:      "A crates.io API token (cio followed by 32 characters) is served publicly by a deployed site or present in a build output. Whoever holds it can publish new versions of, and yank, the crates its owner may publish: a supply-chain attack waiting to happen.",
		Severity:  "9.8",
		Precision: "very-high",
		Level:     "error",
		HelpMarkdown: "# crates.io API token exposed\n\nA crates.io API token was found in content a deployment serves " +
			"(a JavaScript bundle, source map, JSON config, HTML page or response header) or in a build output. " +
			"Anyone who downloads that content can publish and yank crates as the token's owner.\n" + revokeHelp,
	},
	{
		ID:        detect.RuleTrustedPublishing,
		Name:      "CratesIoTrustedPublishingToken",
		Title:     "crates.io trusted-publishing token",
		Short:     "crates.io trusted-publishing token exposed in deployed content",
		Full:      "A crates.io trusted-publishing token (cio_tp_ followed by 32 characters with a valid checksum) is served publicly or present in a build output. It can publish the crates of its trusted-publishing configuration until it expires, 30 minutes after it was issued, and it shows that the publishing job's secrets reach the deployed build.",
		Severity:  "7.5",
		Precision: "very-high",
		Level:     "error",
		HelpMarkdown: "# crates.io trusted-publishing token exposed\n\nA short-lived crates.io trusted-publishing token was found in deployed " +
			"content. It expires 30 minutes after issue, so it may already be dead, but its presence means the publishing " +
			"job's credentials flow into what gets deployed: the next one leaks the same way.\n" + revokeHelp,
	},
	{
		ID:        RuleInactive,
		Name:      "CratesIoTokenInactive",
		Title:     "crates.io token (inactive)",
		Short:     "crates.io token exposed, which crates.io reports inactive",
		Full:      "A crates.io API token is served publicly or present in a build output, and crates.io, asked read-only, rejects it: revoked, expired or never issued. It can no longer publish, but the build that shipped it lets secrets into public content.",
		Severity:  "4.0",
		Precision: "very-high",
		Level:     "note",
		HelpMarkdown: "# crates.io token exposed (inactive)\n\ncrates.io rejects this token, so it cannot publish any more. " +
			"The build still shipped a credential into public content: find out how it got there before the next one does. " +
			"If the token was revoked only recently, check the owner's crates for versions published while it was live.\n" + revokeHelp,
	},
	{
		ID:        findings.RulePlaceholder,
		Name:      "CratesIoTokenPlaceholder",
		Title:     "placeholder crates.io token",
		Short:     "Placeholder in the shape of a crates.io token",
		Full:      "A string shaped like a crates.io token but obviously not random (one repeated character, an alphabet run, a word such as 'example'). It is no credential, but it marks a place where a build substitutes a token: make sure the real one never lands there.",
		Severity:  "", // no security alert: a note
		Precision: "medium",
		Level:     "note",
		HelpMarkdown: "# Placeholder crates.io token\n\nThis looks like documentation or a template value rather than a live token. " +
			"It never fails a build. Check that the build step that fills this place cannot insert a real token into " +
			"public content.\n",
	},
}

// RuleByID returns the rule with that id.
func RuleByID(id string) (Rule, int) {
	for i, r := range Rules {
		if r.ID == id {
			return r, i
		}
	}
	return Rule{ID: id, Title: id}, -1
}
