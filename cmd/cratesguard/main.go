// Command cratesguard finds leaked crates.io tokens in deployed sites and
// build outputs and reports them as SARIF. This package holds flag parsing
// and wiring only; the work happens in internal/.
package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cratesguard/cratesguard/internal/action"
	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/scan"
	"github.com/cratesguard/cratesguard/internal/version"
)

const topUsage = `cratesguard finds leaked crates.io API tokens in what your deployments serve.

Usage:
  cratesguard COMMAND [flags] [arguments]

Commands:
  scan        scan URLs (http, https) and local files or directories
  demo        scan a built-in demo site on loopback, offline
  action      run as a GitHub Action step (settings from INPUT_* variables)
  ignore add  record a handled token in the ignore file
  version     print the version (--roots: how many CA roots TLS trusts)
  help        help for a command: cratesguard help scan

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration
error (or a SARIF report not written, when no token fails the run), 3 some
target could not be scanned or something in one not opened, 130/143
interrupted.
`

// signalled is the first signal that interrupted the run.
var signalled struct {
	sync.Mutex
	sig os.Signal
}

// interrupt is the signal that stopped a run, and the exit code that says
// so: 128 + the signal's number, as shells report it.
type interrupt struct {
	name string
	code int
}

// interruption returns the signal that interrupted the run.
func interruption() interrupt {
	signalled.Lock()
	defer signalled.Unlock()
	if signalled.sig == syscall.SIGTERM {
		return interrupt{"SIGTERM", 143}
	}
	return interrupt{"SIGINT", 130}
}

// reportGrace is how long a run interrupted by a signal has to write the
// report of what it scanned before it exits without one: a run ends within
// 2 s of SIGINT or SIGTERM, whatever it is doing.
const reportGrace = 1800 * time.Millisecond

// memoryLimit is the heap's soft limit: under the 128 MiB a run may
// peak at, with room for what is not heap.
const memoryLimit = 96 << 20

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		first := <-sigs
		signalled.Lock()
		signalled.sig = first
		signalled.Unlock()
		cancel() // stop fetching; the report of what was scanned follows
		code := func(s os.Signal) int {
			if s == syscall.SIGTERM {
				return 143
			}
			return 130
		}
		select {
		case second := <-sigs:
			browser.KillAll()     // os.Exit runs no deferred call: Chromium goes first
			os.Exit(code(second)) // a second signal: at once
		case <-time.After(reportGrace):
			// Whatever a run was reading, it ends: a report not written
			// by now (a read that does not heed the cancel) is given up.
			fmt.Fprintf(os.Stderr, "cratesguard: interrupted, and the report was not written within %v: exiting without it\n", reportGrace)
			browser.KillAll()
			os.Exit(code(first))
		}
	}()
	// The memory cratesguard holds is bounded whatever it reads (archive
	// windows by a budget, bodies, links, findings by caps), but Go's
	// collector lets a heap grow to twice what is live before it runs: a
	// 64 MiB xz dictionary let go while the next is made is 128 MiB. A
	// soft limit makes it collect first. GOMEMLIMIT, if set, rules.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	// For the benchmarks in bench/: a CPU profile of the whole run.
	if p := os.Getenv("CRATESGUARD_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	writePeakRSS()
	os.Exit(code)
}

// run runs one command. Everything it prints goes through safe.Out:
// redacted, and no line a scanned site wrote can pass for a workflow
// command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out, errOut := safe.NewOut(stdout), safe.NewOut(stderr)
	defer out.Flush()
	defer errOut.Flush()
	if len(args) == 0 {
		safe.Fprintf(errOut, "%s", safe.Trusted(topUsage))
		return findings.ExitUsage
	}
	switch args[0] {
	case "--version", "-version", "version":
		return cmdVersion(args[1:], out, errOut)
	case "-h", "--help", "-help":
		safe.Fprintf(out, "%s", safe.Trusted(topUsage))
		return findings.ExitClean
	case "help":
		return cmdHelp(args[1:], out, errOut)
	case "scan":
		return cmdScan(ctx, args[1:], out, errOut)
	case "demo":
		return cmdDemo(ctx, args[1:], out, errOut)
	case "ignore":
		return cmdIgnore(args[1:], out, errOut)
	case "action":
		return cmdAction(ctx, args[1:], out, errOut)
	}
	safe.Fprintf(errOut, "cratesguard: unknown command %q\n\n%s", args[0], safe.Trusted(topUsage))
	return findings.ExitUsage
}

// commands builds each command's flags, for help.
func commands() map[string]*command {
	return map[string]*command{
		"scan":       newScanFlags().command,
		"demo":       demoCommand(),
		"action":     actionCommand(),
		"ignore":     newIgnoreFlags().command,
		"ignore add": newIgnoreFlags().command,
		"version":    versionCommand(),
	}
}

func cmdHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		safe.Fprintf(stdout, "%s", safe.Trusted(topUsage))
		return findings.ExitClean
	}
	name := args[0]
	if len(args) > 1 && name == "ignore" {
		name += " " + args[1]
	}
	c, ok := commands()[name]
	if !ok {
		safe.Fprintf(stderr, "cratesguard: no help for %q: the commands are scan, demo, action, ignore add, version\n", name)
		return findings.ExitUsage
	}
	c.printHelp(stdout)
	return findings.ExitClean
}

func versionCommand() *command {
	c := newCommand("version", "cratesguard version [--roots]", "print the version", "", "Flags")
	c.fs.Bool("roots", false, "also say how many CA roots verify TLS certificates (troubleshooting containers)")
	c.describe("Flags", "roots", "")
	return c
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	c := versionCommand()
	if _, err := c.parse(args); err != nil {
		if err == errHelp {
			c.printHelp(stdout)
			return findings.ExitClean
		}
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return findings.ExitUsage
	}
	safe.Fprintf(stdout, "cratesguard %s\n", version.Get())
	if set(c.fs, "roots") {
		fallbackRoots()
		pool, err := x509.SystemCertPool()
		if err != nil {
			safe.Fprintf(stdout, "CA roots: none: %s\n", err)
			return 1
		}
		//lint:ignore SA1019 a count is all this wants, and on Linux (the Action's image) Subjects lists every root
		safe.Fprintf(stdout, "CA roots: %d\n", len(pool.Subjects()))
	}
	return findings.ExitClean
}

func actionCommand() *command {
	c := newCommand("action", "cratesguard action", "run as a GitHub Action step",
		`Reads the step's settings from the INPUT_* variables the runner sets (see
action.yml and README.md), scans, writes the SARIF report into the workspace,
and reports through the runner: outputs, job summary, annotations.`, "Flags")
	return c
}

func cmdAction(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := actionCommand()
	pos, err := c.parse(args)
	switch {
	case err == errHelp:
		c.printHelp(stdout)
		return findings.ExitClean
	case err != nil:
		safe.Fprintf(stderr, "cratesguard: %s\n", err)
		return findings.ExitUsage
	case len(pos) > 0:
		safe.Fprintf(stderr, "cratesguard: action takes its settings from INPUT_* variables, not arguments\n")
		return findings.ExitUsage
	}
	opts := scan.Options{}
	stop := progress(&opts, stderr) // a long crawl says how far it got in the log
	fallbackRoots()                 // the action scans deployments: HTTPS
	code := action.Run(ctx, action.Env{Getenv: os.Getenv, Stdout: stdout, Scan: opts,
		Interruption: func() (string, int) { i := interruption(); return i.name, i.code }})
	stop()
	if ctx.Err() != nil {
		code = interruption().code
	}
	return code
}

// writePeakRSS writes the process's peak resident set (VmHWM, in kB) to
// the file CRATESGUARD_PEAK_RSS names: tests and bench/ measure memory with
// it, since a child started by Go reports its parent's size in rusage.
func writePeakRSS() {
	p := os.Getenv("CRATESGUARD_PEAK_RSS")
	if p == "" {
		return
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			os.WriteFile(p, []byte(strings.TrimSpace(v)), 0o644)
		}
	}
}
