package locate

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGitignore(t *testing.T) {
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "web"), 0o755)
	os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("# build\n/dist/\n*.log\nnode_modules\n!keep.log\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "web", ".gitignore"), []byte("out/\ngenerated/*.js\n"), 0o644)
	var g gitignore
	g.load(repo, "")
	g.load(repo, "web")
	cases := []struct {
		path    string
		dir     bool
		ignored bool
	}{
		{"dist", true, true}, {"src/dist", true, false}, {"dist", false, false},
		{"a/b/debug.log", false, true}, {"keep.log", false, false},
		{"node_modules", true, true}, {"web/node_modules", true, true},
		{"web/out", true, true}, {"out", true, false},
		{"web/generated/x.js", false, true}, {"web/generated/x.ts", false, false},
		{"src/config.ts", false, false},
	}
	for _, c := range cases {
		if got := g.ignored(c.path, c.dir); got != c.ignored {
			t.Errorf("ignored(%s, dir=%v) = %v, want %v", c.path, c.dir, got, c.ignored)
		}
	}
}

func TestInRepo(t *testing.T) {
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "packages", "web", "src"), 0o755)
	os.WriteFile(filepath.Join(repo, "packages", "web", "src", "config.ts"), nil, 0o644)
	for _, src := range []string{"webpack://acme/./packages/web/src/config.ts", "../../packages/web/src/config.ts",
		"/home/runner/work/acme/acme/packages/web/src/config.ts", "webpack:///packages/web/src/config.ts?abc"} {
		if p, ok := inRepo(repo, src); !ok || p != filepath.Join(repo, "packages", "web", "src", "config.ts") {
			t.Errorf("inRepo(%q) = %q %v", src, p, ok)
		}
	}
	if _, ok := inRepo(repo, "webpack://acme/src/missing.ts"); ok {
		t.Error("a missing source was found")
	}
}
