package main

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// dockerBuild reads the Dockerfile's go build line: its environment,
// arguments and the Go version of the build image.
func dockerBuild(t *testing.T) (env, args []string, goVersion string) {
	t.Helper()
	return dockerBuildOf(t, filepath.Join("..", "..", "Dockerfile"))
}

// dockerBuildOf is dockerBuild for the Dockerfile at path.
func dockerBuildOf(t *testing.T, path string) (env, args []string, goVersion string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	from := regexp.MustCompile(`^FROM (?:--platform=\S+ )?golang:([0-9.]+)`)
	for sc.Scan() {
		line := sc.Text()
		if m := from.FindStringSubmatch(line); m != nil {
			goVersion = m[1]
		}
		if !strings.HasPrefix(line, "RUN ") || !strings.Contains(line, " go build ") {
			continue
		}
		words := shellWords(strings.TrimPrefix(line, "RUN "))
		for len(words) > 0 && strings.Contains(words[0], "=") {
			env = append(env, words[0])
			words = words[1:]
		}
		args = words
	}
	if len(args) == 0 || goVersion == "" {
		t.Fatal("Dockerfile has no golang build stage with a go build line")
	}
	return env, args, goVersion
}

// shellWords splits a command line with double quotes, enough for one line.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	inQ, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQ, any = !inQ, true
		case r == ' ' && !inQ:
			if any {
				out = append(out, cur.String())
				cur.Reset()
				any = false
			}
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// TestBrowserImageHasTheSameBinary: the browser variant's image builds the
// binary flag for flag as the default image (so TestStaticBinary covers
// it), adds Debian's chromium, and runs the binary.
func TestBrowserImageHasTheSameBinary(t *testing.T) {
	env, args, v := dockerBuild(t)
	benv, bargs, bv := dockerBuildOf(t, filepath.Join("..", "..", "browser", "Dockerfile"))
	if strings.Join(env, " ") != strings.Join(benv, " ") || strings.Join(args, " ") != strings.Join(bargs, " ") || v != bv {
		t.Errorf("browser/Dockerfile builds differently:\n%v %v %s\n%v %v %s", env, args, v, benv, bargs, bv)
	}
	b, _ := os.ReadFile(filepath.Join("..", "..", "browser", "Dockerfile"))
	if !regexp.MustCompile(`apt-get install [^\n]*\bchromium\b`).Match(b) || !strings.Contains(string(b), `ENTRYPOINT ["/usr/local/bin/cratesguard"]`) {
		t.Error("browser/Dockerfile does not install chromium and run cratesguard")
	}
}

func TestDockerfileGoVersionMatchesGoMod(t *testing.T) {
	_, _, v := dockerBuild(t)
	mod, _ := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	m := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindSubmatch(mod)
	if m == nil || string(m[1]) != v {
		t.Fatalf("Dockerfile builds with Go %s, go.mod says %s", v, m[1])
	}
}

// TestStaticBinary builds cratesguard exactly as the Dockerfile does and
// proves the result needs neither libc nor system CA files: no ELF
// interpreter or shared libraries, it runs with an empty environment, and,
// where the test may chroot (root), it runs alone in an empty directory
// and still has CA roots to verify TLS with.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	env, args, _ := dockerBuild(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "cratesguard")
	for i, a := range args {
		a = strings.ReplaceAll(a, "${VERSION}", "v9.9.9-test")
		if i > 0 && args[i-1] == "-o" {
			a = bin
		}
		if a == "./cmd/cratesguard" {
			a = "."
		}
		args[i] = a
	}
	cmd := exec.Command(args[0], args[1:]...)
	for i, e := range env { // the build arguments the image build sets: this machine's platform
		env[i] = strings.NewReplacer("${TARGETOS}", runtime.GOOS, "${TARGETARCH}", runtime.GOARCH).Replace(e)
	}
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has an ELF interpreter: it is dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	f.Close()

	run := exec.Command(bin, "--version")
	run.Env = []string{}
	out, err := run.Output()
	if err != nil || strings.TrimSpace(string(out)) != "cratesguard v9.9.9-test" {
		t.Fatalf("--version with an empty environment: %q %v (the -ldflags version stamp must show)", out, err)
	}

	if os.Geteuid() != 0 {
		t.Skip("not root: cannot chroot to prove no system files are needed")
	}
	chrootBin, err := exec.LookPath("chroot")
	if err != nil {
		t.Skip("no chroot command")
	}
	root := t.TempDir()
	b, _ := os.ReadFile(bin)
	os.WriteFile(filepath.Join(root, "cratesguard"), b, 0o755)
	run = exec.Command(chrootBin, root, "/cratesguard", "version", "--roots")
	run.Env = []string{}
	out, err = run.Output()
	var n int
	if _, serr := fmt.Sscanf(strings.SplitN(string(out), "\n", 2)[1], "CA roots: %d", &n); err != nil || serr != nil || n < 50 {
		t.Fatalf("alone in an empty chroot (no /etc/ssl), the binary sees %d CA roots: %q %v", n, out, err)
	}
	// And it verifies with them: the test server's self-signed certificate is refused as untrusted.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	run = exec.Command(chrootBin, root, "/cratesguard", "scan", "--format", "json", "--retries", "0", "--depth", "0", srv.URL+"/")
	run.Env = []string{}
	out, _ = run.Output()
	var rep struct {
		Targets []struct{ State, Reason string }
	}
	if err := json.Unmarshal(out, &rep); err != nil || len(rep.Targets) != 1 {
		t.Fatalf("scan in an empty chroot: %q %v", out, err)
	}
	if reason := rep.Targets[0].Reason; !strings.Contains(reason, "certificate signed by unknown authority") {
		t.Fatalf("TLS in an empty chroot: %q", reason)
	}
}
