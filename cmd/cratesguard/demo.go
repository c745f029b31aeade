package main

import (
	"context"
	"io"
	"os"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/demo"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/scan"
)

// demoSARIF is where the demo writes its report.
const demoSARIF = "cratesguard-demo.sarif"

func demoCommand() *command {
	c := newCommand("demo", "cratesguard demo", "scan a built-in demo site on loopback, offline",
		`Serves a page and a JavaScript bundle with a planted fake token (generated at
run time), a placeholder in the docs and a token-shaped decoy inside an inlined
font, scans them, prints the findings and writes cratesguard-demo.sarif.`, "Flags")
	return c
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := demoCommand()
	pos, err := c.parse(args)
	switch {
	case err == errHelp:
		c.printHelp(stdout)
		return findings.ExitClean
	case err != nil:
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return findings.ExitUsage
	case len(pos) > 0:
		safe.Fprintf(stderr, "cratesguard: demo takes no arguments (got %q)\n", pos[0])
		return findings.ExitUsage
	}
	site, err := demo.Start()
	if err != nil {
		safe.Fprintf(stderr, "cratesguard: demo: %s\n", err)
		return 1
	}
	defer site.Close()
	safe.Fprintf(stdout, "Demo site on %s: a page, a JavaScript bundle with a planted fake token,\n"+
		"a placeholder in the docs and a token-shaped decoy inside an inlined font.\n\n", site.URL)
	raws := site.Pages()
	cfg := config.Defaults()
	if cfg.Targets, err = config.ParseTargets("targets", raws); err != nil {
		return configError(stderr, err)
	}
	cfg.Root, _ = os.Getwd()
	rep := scan.Run(ctx, cfg, scan.Options{})
	if err := report.Text(stdout, rep, cfg.FailOn, ""); err != nil {
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
	}
	_, err = report.WriteSARIF(demoSARIF, rep, report.SARIFOptions{Category: "cratesguard-demo", Root: cfg.Root})
	if err != nil {
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return 1
	}
	safe.Fprintf(stdout, "\nSARIF written to %s. In CI, a real scan exits 1 here and the upload\n"+
		"turns each finding into a code-scanning alert.\n", demoSARIF)

	// The demo succeeds when it found exactly what was planted.
	planted, placeholder, wrong := false, false, 0
	for _, f := range rep.Findings {
		switch f.Token.Reveal() {
		case site.Planted:
			planted = true
		case site.Placeholder:
			placeholder = f.Placeholder
		default:
			wrong++
		}
	}
	if !planted || !placeholder || wrong > 0 || !rep.Complete() {
		safe.Fprintf(stderr, "cratesguard: demo did not find what was planted (token %v, placeholder %v, unexpected %d, all scanned %v)\n",
			planted, placeholder, wrong, rep.Complete())
		return 1
	}
	return findings.ExitClean
}
