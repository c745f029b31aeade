package action

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cratesguard/cratesguard/internal/config"
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
	sarifPath string
	shardK    int
	shardN    int
}

// readConfig fills the scan configuration from the inputs, the same
// configuration `cratesguard scan` fills from its flags.
func readConfig(in *inputs, workspace string, eventURL func() (string, error)) (config.Config, settings, error) {
	cfg := config.Defaults()
	cfg.Root = workspace
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
		if cfg.Timeout, err = time.ParseDuration(s); err != nil {
			return cfg, st, config.Errorf("timeout", s, "is not a duration (30s, 2m)")
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
	if cfg.Verify, err = in.boolean("verify"); err != nil {
		return cfg, st, err
	}
	if s := in.str("crates-api"); s != "" {
		cfg.CratesAPI = s
	}
	cfg.Repo = in.str("repo")
	if cfg.Repo == "" {
		cfg.Repo = workspace // the checkout: alerts point at the code that leaked
	} else if !filepath.IsAbs(cfg.Repo) {
		cfg.Repo = filepath.Join(workspace, cfg.Repo)
	}
	cfg.IgnoreFile = in.str("ignore-file")
	cfg.IgnoreRequired = cfg.IgnoreFile != "" && cfg.IgnoreFile != triage.DefaultFile
	if cfg.IgnoreFile == "" {
		cfg.IgnoreFile = triage.DefaultFile
	}
	if !filepath.IsAbs(cfg.IgnoreFile) {
		cfg.IgnoreFile = filepath.Join(cfg.Repo, cfg.IgnoreFile)
	}
	cfg.Include, cfg.Exclude = in.list("include", false), in.list("exclude", false)
	cfg.AllowHosts = in.list("allow-hosts", true)
	cfg.Category = in.str("category")
	for _, h := range in.list("headers", false) {
		hd, err := config.ParseHeader("headers", h)
		if err != nil {
			return cfg, st, err
		}
		cfg.Headers = append(cfg.Headers, hd)
	}
	st.sarifPath = in.str("sarif-file")
	if st.sarifPath == "" {
		st.sarifPath = "cratesguard.sarif"
	}
	if !filepath.IsAbs(st.sarifPath) {
		st.sarifPath = filepath.Join(workspace, st.sarifPath)
	}
	shardSpec := in.str("shard")
	if st.shardK, st.shardN, err = config.ParseShard("shard", shardSpec); err != nil {
		return cfg, st, err
	}

	raws := in.list("urls", true)
	if f := in.str("urls-file"); f != "" {
		if !filepath.IsAbs(f) {
			f = filepath.Join(workspace, f)
		}
		more, err := target.ReadFile(f)
		if err != nil {
			return cfg, st, &config.Error{Field: "urls-file", Msg: err.Error()}
		}
		raws = append(raws, more...)
	}
	paths, err := expandPaths(workspace, in.list("paths", false))
	if err != nil {
		return cfg, st, err
	}
	if len(raws) == 0 && len(paths) == 0 {
		u, err := eventURL()
		if err != nil {
			return cfg, st, &config.Error{Field: "urls", Msg: err.Error()}
		}
		raws = []string{u}
	}
	if cfg.Targets, err = config.ParseTargets("urls", raws); err != nil {
		return cfg, st, err
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
func expandPaths(workspace string, globs []string) ([]string, error) {
	var out []string
	for _, g := range globs {
		if !strings.ContainsAny(g, "*?[{") {
			// A plain path: a file, or a directory to walk.
			p := g
			if !filepath.IsAbs(p) {
				p = filepath.Join(workspace, p)
			}
			if _, err := os.Stat(p); err != nil {
				return nil, config.Errorf("paths", g, "does not exist under %s", workspace)
			}
			out = append(out, p)
			continue
		}
		if !doublestar.ValidatePattern(g) {
			return nil, config.Errorf("paths", g, "is not a valid glob pattern")
		}
		base, pattern := doublestar.SplitPattern(filepath.ToSlash(g))
		root := base
		if !filepath.IsAbs(root) {
			root = filepath.Join(workspace, root)
		}
		matches, err := doublestar.Glob(os.DirFS(root), pattern, doublestar.WithFailOnIOErrors(), doublestar.WithFilesOnly())
		if err != nil {
			return nil, config.Errorf("paths", g, "cannot be read: %v", err)
		}
		if len(matches) == 0 {
			return nil, config.Errorf("paths", g, "matches no file under %s", workspace)
		}
		for _, m := range matches {
			out = append(out, filepath.Join(root, filepath.FromSlash(m)))
		}
	}
	return out, nil
}
