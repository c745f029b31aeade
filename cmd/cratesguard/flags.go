package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// flagHelp is how a flag is shown in --help: its group, the name of its
// argument, and its default when the flag package's is not what to say.
type flagHelp struct {
	name, group, arg, def string
}

// command is one subcommand: its flags, grouped for help, and how it is
// used.
type command struct {
	name    string // "scan", "ignore add"
	usage   string // the line after "Usage:"
	summary string // what it does, for the top-level help
	about   string // paragraphs after the usage
	fs      *flag.FlagSet
	help    []flagHelp
	groups  []string
}

func newCommand(name, usage, summary, about string, groups ...string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and help are ours to print
	fs.Usage = func() {}
	return &command{name: name, usage: usage, summary: summary, about: about, fs: fs, groups: groups}
}

// describe records how a flag defined on c.fs is shown.
func (c *command) describe(group, name, arg string, def ...string) {
	h := flagHelp{name: name, group: group, arg: arg}
	if len(def) > 0 {
		h.def = def[0]
	}
	c.help = append(c.help, h)
}

// printHelp writes the command's help: usage, what it does, then its flags
// by group, as --flag ARG with their defaults.
func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n", c.usage)
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.about, "\n"))
	}
	for _, g := range c.groups {
		first := true
		for _, h := range c.help {
			if h.group != g {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n%s:\n", g)
				first = false
			}
			f := c.fs.Lookup(h.name)
			left := "--" + h.name
			if h.arg != "" {
				left += " " + h.arg
			}
			def := h.def
			if def == "" && f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && h.arg != "" {
				def = f.DefValue
			}
			usage := f.Usage
			if def != "" && def != "-" {
				usage += " (default " + def + ")"
			}
			if len(left) <= 22 {
				fmt.Fprintf(w, "  %-22s  %s\n", left, usage)
			} else {
				fmt.Fprintf(w, "  %s\n  %-22s  %s\n", left, "", usage)
			}
		}
	}
	if len(c.help) == 0 {
		fmt.Fprintf(w, "\nFlags:\n")
	}
	fmt.Fprintf(w, "  %-22s  %s\n", "--help", "show this help")
}

// errHelp is returned by parse when --help was asked for.
var errHelp = errors.New("help")

// usageError is a mistake on the command line, phrased for the user.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parse reads flags wherever they stand among the positional arguments.
// Mistakes come back as a usageError that names the flag and, for a
// misspelt one, the nearest real one.
func (c *command) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, c.explain(err)
		}
		args = c.fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// explain turns the flag package's errors into ours.
func (c *command) explain(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		if s := c.suggest(name); s != "" {
			return &usageError{fmt.Sprintf("unknown flag --%s: did you mean --%s?", name, s)}
		}
		return &usageError{fmt.Sprintf("unknown flag --%s (cratesguard help %s lists them)", name, c.name)}
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return &usageError{fmt.Sprintf("--%s needs a value", strings.TrimLeft(name, "-"))}
	}
	// invalid value "x" for flag -n: parse error
	if i := strings.Index(msg, " for flag -"); i > 0 {
		rest := msg[i+len(" for flag -"):]
		name, why, _ := strings.Cut(rest, ": ")
		val := strings.TrimPrefix(msg[:i], "invalid value ")
		if strings.Contains(why, "invalid syntax") || strings.Contains(why, "parse error") {
			why = "is not a number"
		}
		return &usageError{fmt.Sprintf("--%s: %s %s", name, val, why)}
	}
	return &usageError{msg}
}

// suggest returns the defined flag nearest to name, if near enough.
func (c *command) suggest(name string) string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	c.fs.VisitAll(func(f *flag.Flag) {
		cs = append(cs, cand{f.Name, editDistance(name, f.Name)})
	})
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].name < cs[j].name })
	if len(cs) > 0 && cs[0].d <= max(2, len(name)/3) {
		return cs[0].name
	}
	return ""
}

// editDistance is the Damerau-Levenshtein distance (adjacent swaps count
// one: depht is one edit from depth).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }
