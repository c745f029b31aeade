package report

import (
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// Rule is what the reports say about one rule.
type Rule struct {
	ID, Name, Short, Full string
	Title                 string // for messages: "crates.io API token"
	Severity              string // SARIF security-severity, 0.1 to 10.0, as a string
	Precision             string
	Level                 string // default level
	HelpMarkdown          string
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

// Rules lists the rules in SARIF order.
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
		ID:        findings.RulePlaceholder,
		Name:      "CratesIoTokenPlaceholder",
		Title:     "placeholder crates.io token",
		Short:     "Placeholder in the shape of a crates.io token",
		Full:      "A string shaped like a crates.io token but obviously not random (one repeated character, an alphabet run, a word such as 'example'). It is no credential, but it marks a place where a build substitutes a token: make sure the real one never lands there.",
		Severity:  "2.0",
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
