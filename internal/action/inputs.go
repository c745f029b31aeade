package action

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/files"
	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/triage"
)

// inputs reads the action's inputs and remembers which were read, so a
// test can hold the code to action.yml.
type inputs struct {
	get  func(string) string
	read map[string]bool
}

func (in *inputs) str(name string) string {
	in.read[name] = true
	return strings.TrimSpace(in.get(name))
}

// list splits on newlines, and on commas too when commas is set (globs
// keep their commas: {a,b}).
func (in *inputs) list(name string, commas bool) []string {
	var out []string
	for _, line := range strings.Split(in.str(name), "\n") {
		parts := []string{line}
		if commas {
			parts = strings.Split(line, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (in *inputs) integer(name string, def int) (int, error) {
	s := in.str(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, config.Errorf(name, s, "is not a whole number")
	}
	return n, nil
}

func (in *inputs) boolean(name string) (bool, error) {
	switch s := strings.ToLower(in.str(name)); s {
	case "", "false", "no", "0":
		return false, nil
	case "true", "yes", "1":
		return true, nil
	default:
		return false, config.Errorf(name, s, "is not true or false")
	}
}

// settings is everything the inputs say besides the scan configuration.
type settings struct {
	sarifPath string // where the SARIF is written
	sarifRel  string // the same, relative to the workspace: the sarif-file output
	shardK    int
	shardN    int
}

// workspace confines the inputs that name files to GITHUB_WORKSPACE: after
// symlinks are followed, sarif-file, urls-file, ignore-file, paths and
// repo must stay inside it, so that a workflow input (or a file a pull
// request adds) cannot make the step read or write elsewhere.
type workspace struct {
	dir  string // absolute
	real string // with symlinks resolved
}

func newWorkspace(dir string) (workspace, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return workspace{}, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return workspace{}, fmt.Errorf("the workspace %s cannot be read: %v", abs, err)
	}
	return workspace{dir: abs, real: real}, nil
}

// resolve turns an input's path (relative to base, itself in the
// workspace) into an absolute path, and checks that it stays inside the
// workspace once symlinks are followed. A path that does not exist yet (an
// output file) is checked through its nearest existing parent.
func (w workspace) resolve(field, value, base string) (string, error) {
	if strings.ContainsAny(value, "\x00\r\n") {
		return "", config.Errorf(field, value, "is not a path (it holds a line break or NUL)")
	}
	p := value
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	p = filepath.Clean(p)
	real, err := realPath(p)
	if err != nil {
		return "", config.Errorf(field, value, "cannot be read: %v", err)
	}
	if !within(w.real, real) {
		return "", config.Errorf(field, value, "resolves outside the workspace (%s): inputs may only name files in it", w.dir)
	}
	return p, nil
}

// rel is p relative to the workspace, as the workflow's later steps (on
// the host, whatever the container calls the workspace) resolve it.
func (w workspace) rel(p string) string {
	if r, err := filepath.Rel(w.dir, p); err == nil && within(w.dir, p) {
		return filepath.ToSlash(r)
	}
	return p
}

// realPath resolves symlinks in p, or in its nearest existing parent
// joined with the rest.
func realPath(p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if err == nil {
		return real, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p, nil
	}
	rp, err := realPath(parent)
	if err != nil {
		return "", err
	}
	return filepath.Join(rp, filepath.Base(p)), nil
}

func within(dir, p string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// readConfig fills the scan configuration from the inputs, the same
// configuration `cratesguard scan` fills from its flags.
func readConfig(in *inputs, ws workspace, event func(token string) (fromEvent, error)) (config.Config, settings, error) {
	cfg := config.Defaults()
	cfg.Root = ws.dir
	var st settings
	var err error
	if cfg.Depth, err = in.integer("depth", config.DefaultDepth); err != nil {
		return cfg, st, err
	}
	if cfg.Concurrency, err = in.integer("concurrency", config.DefaultConcurrency); err != nil {
		return cfg, st, err
	}
	if cfg.MaxURLs, err = in.integer("max-urls", config.DefaultMaxURLs); err != nil {
		return cfg, st, err
	}
	if s := in.str("timeout"); s != "" {
		if cfg.Timeout, err = config.ParseDuration("timeout", s); err != nil {
			return cfg, st, err
		}
	}
	if s := in.str("max-bytes"); s != "" {
		if cfg.MaxBytes, err = config.ParseSize("max-bytes", s); err != nil {
			return cfg, st, err
		}
	}
	if s := in.str("fail-on"); s != "" {
		if cfg.FailOn, err = config.ParseFailOn("fail-on", s); err != nil {
			return cfg, st, err
		}
	}
	if cfg.Probe, err = in.boolean("probe"); err != nil {
		return cfg, st, err
	}
	if cfg.ScanBinary, err = in.boolean("scan-binary"); err != nil {
		return cfg, st, err
	}
	if cfg.Retries, err = in.integer("retries", config.DefaultRetries); err != nil {
		return cfg, st, err
	}
	if cfg.PerHost, err = in.integer("per-host", cfg.Concurrency); err != nil {
		return cfg, st, err
	}
	if s := in.str("rate"); s != "" {
		if cfg.Rate, err = strconv.ParseFloat(s, 64); err != nil {
			return cfg, st, config.Errorf("rate", s, "is not a number of requests per second")
		}
	}
	if s := in.str("browser-timeout"); s != "" {
		if cfg.BrowserTimeout, err = config.ParseDuration("browser-timeout", s); err != nil {
			return cfg, st, err
		}
	}
	useBrowser, err := in.boolean("browser")
	if err != nil {
		return cfg, st, err
	}
	if path := in.str("browser-path"); useBrowser || path != "" {
		field := "browser"
		if path != "" {
			field = "browser-path"
		}
		if cfg.Browser, err = browser.Find(path); err != nil {
			return cfg, st, &config.Error{Field: field, Msg: err.Error()}
		}
	}
	if cfg.Verify, err = in.boolean("verify"); err != nil {
		return cfg, st, err
	}
	if cfg.Revoke, err = in.boolean("revoke"); err != nil {
		return cfg, st, err
	}
	cfg.Verify = cfg.Verify || cfg.Revoke
	if cfg.VerifyMax, err = in.integer("verify-max", config.DefaultVerifyMax); err != nil {
		return cfg, st, err
	}
	if s := in.str("crates-api"); s != "" {
		cfg.CratesAPI = s
	}
	cfg.Repo = ws.dir // the checkout: alerts point at the code that leaked
	if r := in.str("repo"); r != "" {
		if cfg.Repo, err = ws.resolve("repo", r, ws.dir); err != nil {
			return cfg, st, err
		}
	}
	cfg.IgnoreFile = in.str("ignore-file")
	cfg.IgnoreRequired = cfg.IgnoreFile != "" && cfg.IgnoreFile != triage.DefaultFile
	if cfg.IgnoreFile == "" {
		cfg.IgnoreFile = triage.DefaultFile
	}
	if cfg.IgnoreFile, err = ws.resolve("ignore-file", cfg.IgnoreFile, cfg.Repo); err != nil {
		return cfg, st, err
	}
	cfg.Include, cfg.Exclude = in.list("include", false), in.list("exclude", false)
	cfg.AllowHosts = in.list("allow-hosts", true)
	cfg.Category = in.str("category")
	for i, h := range in.list("headers", false) {
		hd, err := config.ParseHeader("headers", i+1, h)
		if err != nil {
			return cfg, st, err
		}
		cfg.Headers = append(cfg.Headers, hd)
	}
	if st.sarifPath, err = ws.resolve("sarif-file", cmp.Or(in.str("sarif-file"), "cratesguard.sarif"), ws.dir); err != nil {
		return cfg, st, err
	}
	st.sarifRel = ws.rel(st.sarifPath)
	shardSpec := in.str("shard")
	if st.shardK, st.shardN, err = config.ParseShard("shard", shardSpec); err != nil {
		return cfg, st, err
	}

	raws := in.list("urls", true)
	if f := in.str("urls-file"); f != "" {
		p, err := ws.resolve("urls-file", f, ws.dir)
		if err != nil {
			return cfg, st, err
		}
		// The checkout's file: a regular one, not a named pipe or a device.
		b, err := files.ReadRegular(p, ws.dir, target.MaxListFile)
		var more []string
		if err == nil {
			more, err = target.ReadList(bytes.NewReader(b), f)
		}
		if err != nil {
			return cfg, st, &config.Error{Field: "urls-file", Msg: err.Error()}
		}
		raws = append(raws, more...)
	}
	paths, err := expandPaths(ws, in.list("paths", false))
	if err != nil {
		return cfg, st, err
	}
	token := in.str("token")
	if token != "" {
		safe.AddSecret(token)
	}
	var ev fromEvent
	cratesListed := !slices.Contains([]string{"", "auto", "none"}, strings.TrimSpace(in.str("crates")))
	pkgs, err := packageTargets(in)
	if err != nil {
		return cfg, st, err
	}
	cfg.NPMRegistry = cmp.Or(in.str("npm-registry"), cfg.NPMRegistry)
	cfg.PyPIURL = cmp.Or(in.str("pypi-url"), cfg.PyPIURL)
	cfg.Platforms = in.list("platform", true)
	cfg.GHCRToken = token // sent to ghcr.io only
	if len(raws) == 0 && len(paths) == 0 && len(pkgs) == 0 {
		var ce *config.Error
		ev, err = event(token)
		switch {
		case err != nil && errors.As(err, &ce):
			return cfg, st, err
		case err != nil && !cratesListed:
			return cfg, st, &config.Error{Field: "urls", Msg: err.Error()}
		case err != nil:
			ev = fromEvent{} // the crates listed are the targets
		}
		if ev.URL != "" {
			raws = []string{ev.URL}
		}
	}
	if cfg.Targets, err = config.ParseTargets("urls", raws); err != nil {
		return cfg, st, err
	}
	cfg.Targets = append(cfg.Targets, pkgs...)
	if len(ev.Packages) > 0 {
		cfg.Targets = append(cfg.Targets, ev.Packages...)
		cfg.Info = append(cfg.Info, fmt.Sprintf("registry_package: %s was published: it is what this run scans", ev.Package))
	}
	// A release with nothing named: what it publishes, its assets and
	// (crates: auto) the crates of the workspace's Cargo.toml.
	releaseMode := ev.Release != "" || len(ev.Assets) > 0
	crates, crateNames, err := crateTargets(in, ws, cfg.Repo, releaseMode)
	if err != nil {
		return cfg, st, err
	}
	if releaseMode {
		cfg.Targets = append(cfg.Targets, ev.Assets...)
		if len(ev.Assets) == 0 && len(crates) == 0 {
			return cfg, st, &config.Error{Field: "urls", Msg: fmt.Sprintf("nothing to scan: no urls, urls-file or paths given, release %s has no assets, and the workspace has no Cargo.toml publishing a crate (crates: auto)", ev.Release)}
		}
		var names []string
		for _, a := range ev.Assets {
			names = append(names, strings.TrimPrefix(a.Name, "release asset "))
		}
		note := fmt.Sprintf("release %s: %d asset%s", ev.Release, len(ev.Assets), report.Plural(len(ev.Assets)))
		if len(names) > 0 {
			note += " (" + strings.Join(names, ", ") + ")"
		}
		if len(crateNames) > 0 {
			note += " and the crates the workspace publishes (" + strings.Join(crateNames, ", ") + ")"
		}
		cfg.Info = append(cfg.Info, note+": what it publishes is what this run scans")
	}
	cfg.Targets = append(cfg.Targets, crates...)
	if s := in.str("crate-wait"); s != "" {
		if cfg.CrateWait, err = config.ParseDuration("crate-wait", s); err != nil {
			return cfg, st, err
		}
	}
	pts, err := config.ParseTargets("paths", paths)
	if err != nil {
		return cfg, st, err
	}
	cfg.Targets = append(cfg.Targets, pts...)
	if err := cfg.ApplyShard("shard", st.shardK, st.shardN); err != nil {
		return cfg, st, err
	}
	return cfg, st, cfg.Validate()
}

// expandPaths turns doublestar globs relative to the workspace into files.
// A glob that matches nothing is an error: the build output is missing.
// Every match must be inside the workspace once symlinks are followed.
func expandPaths(ws workspace, globs []string) ([]string, error) {
	var out []string
	for _, g := range globs {
		if !strings.ContainsAny(g, "*?[{") {
			// A plain path: a file, or a directory to walk.
			p, err := ws.resolve("paths", g, ws.dir)
			if err != nil {
				return nil, err
			}
			if _, err := os.Stat(p); err != nil {
				return nil, config.Errorf("paths", g, "does not exist in the workspace")
			}
			out = append(out, p)
			continue
		}
		if !doublestar.ValidatePattern(g) {
			return nil, config.Errorf("paths", g, "is not a valid glob pattern")
		}
		base, pattern := doublestar.SplitPattern(filepath.ToSlash(g))
		root, err := ws.resolve("paths", base, ws.dir)
		if err != nil {
			return nil, err
		}
		matches, err := doublestar.Glob(os.DirFS(root), pattern, doublestar.WithFailOnIOErrors(), doublestar.WithFilesOnly())
		if err != nil {
			return nil, config.Errorf("paths", g, "cannot be read: %v", err)
		}
		if len(matches) == 0 {
			return nil, config.Errorf("paths", g, "matches no file in the workspace")
		}
		for _, m := range matches {
			p := filepath.Join(root, filepath.FromSlash(m))
			if _, err := ws.resolve("paths", p, ws.dir); err != nil {
				return nil, config.Errorf("paths", g, "matches %s, a symbolic link out of the workspace", ws.rel(p))
			}
			out = append(out, p)
		}
	}
	return out, nil
}
