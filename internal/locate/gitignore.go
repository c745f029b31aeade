package locate

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cratesguard/cratesguard/internal/files"
)

// ignoreRule is one .gitignore pattern, anchored at the directory of the
// file that holds it.
type ignoreRule struct {
	base    string // slash path of the .gitignore's directory, "" at the root
	pattern string
	negate  bool
	dirOnly bool
}

// maxGitignore bounds a .gitignore read.
const maxGitignore = 1 << 20

// gitignore holds the rules seen so far on the walk, outermost first.
type gitignore struct{ rules []ignoreRule }

// load reads dir/.gitignore (dir relative to the repository, slash form).
func (g *gitignore) load(repo, dir string) {
	// A hostile checkout's .gitignore may be a link to /dev/urandom, a
	// named pipe, or out of the checkout: only a regular file in it, and
	// only its first maxGitignore bytes, are read.
	b, err := files.ReadRegular(filepath.Join(repo, filepath.FromSlash(dir), ".gitignore"), repo, maxGitignore)
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{base: dir}
		if strings.HasPrefix(line, "!") {
			r.negate, line = true, line[1:]
		}
		line = strings.TrimPrefix(line, `\`)
		if strings.HasSuffix(line, "/") {
			r.dirOnly, line = true, strings.TrimSuffix(line, "/")
		}
		if strings.Contains(line, "/") {
			line = strings.TrimPrefix(line, "/") // anchored to base
		} else {
			line = "**/" + line // a bare name matches at any depth
		}
		r.pattern = line
		g.rules = append(g.rules, r)
	}
}

// ignored reports whether rel (slash path from the repository root) is
// ignored; the last matching rule wins, as in git.
func (g *gitignore) ignored(rel string, isDir bool) bool {
	out := false
	for _, r := range g.rules {
		if r.dirOnly && !isDir {
			continue
		}
		p := rel
		if r.base != "" {
			if !strings.HasPrefix(rel, r.base+"/") {
				continue
			}
			p = strings.TrimPrefix(rel, r.base+"/")
		}
		if ok, _ := doublestar.Match(r.pattern, p); ok {
			out = !r.negate
		}
	}
	return out
}
