//go:build linux

package main

// Chromium ends with cratesguard, however cratesguard ends: a run's end,
// SIGTERM, and SIGKILL (the kernel's Pdeathsig; a panic is the same to
// it), and a later run removes the profile a killed one left.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/browsertest"
)

// procsMentioning lists the processes whose command line holds s.
func procsMentioning(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, e.Name()+" "+string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	return out
}

// until polls cond every 50 ms until it holds or bound passes.
func until(bound time.Duration, cond func() bool) bool {
	for end := time.Now().Add(bound); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// slowSite serves a page that never settles, and says when the browser
// (not the crawl) asked for it.
func slowSite(t *testing.T) (*httptest.Server, chan struct{}) {
	inBrowser := make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/poll" {
			fmt.Fprint(w, "{}")
			return
		}
		if strings.Contains(r.UserAgent(), "Headless") {
			select {
			case inBrowser <- struct{}{}:
			default:
			}
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<script>setInterval(() => fetch("/poll"), 100)</script>`)
	}))
	t.Cleanup(srv.Close)
	return srv, inBrowser
}

// startMidPage starts cratesguard --browser on the slow site with its
// temporary directory in tmp, and returns once the browser loads the page.
func startMidPage(t *testing.T, path, tmp, site string, inBrowser chan struct{}) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), "scan", "--browser-path", path, "--browser-timeout", "2m", site+"/")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inBrowser:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the browser had not asked for the page 2 minutes later")
	}
	return cmd
}

func TestBrowserDiesWithCratesguard(t *testing.T) {
	path := browsertest.Need(t, browser.Find)

	t.Run("SIGKILL", func(t *testing.T) {
		srv, inBrowser := slowSite(t)
		tmp := t.TempDir()
		cmd := startMidPage(t, path, tmp, srv.URL, inBrowser)
		if n := len(procsMentioning(tmp)); n == 0 {
			t.Fatal("no Chromium runs with its profile in the run's temporary directory")
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if !until(5*time.Second, func() bool { return len(procsMentioning(tmp)) == 0 }) {
			t.Fatalf("5 s after cratesguard was killed, Chromium still runs:\n%s", strings.Join(procsMentioning(tmp), "\n"))
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "cratesguard-browser-*"))
		if len(left) != 1 {
			t.Fatalf("the killed run left %d profiles, want its 1", len(left))
		}
		// The next run removes it.
		quick := exec.Command(binary(t), "scan", "--browser-path", path, "--browser-timeout", "5s", srv.URL+"/")
		quick.Env = append(os.Environ(), "TMPDIR="+tmp)
		quick.Run()
		if _, err := os.Stat(left[0]); !os.IsNotExist(err) {
			t.Errorf("the next run left the killed run's profile: %v", err)
		}
		if rest, _ := filepath.Glob(filepath.Join(tmp, "cratesguard-browser-*")); len(rest) > 0 {
			t.Errorf("the next run left its own profile: %v", rest)
		}
	})

	for _, c := range []struct {
		name string
		sigs []os.Signal
		code int
	}{
		{"SIGTERM", []os.Signal{syscall.SIGTERM}, 143},
		{"SIGINT", []os.Signal{syscall.SIGINT}, 130},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, inBrowser := slowSite(t)
			tmp := t.TempDir()
			cmd := startMidPage(t, path, tmp, srv.URL, inBrowser)
			for _, sig := range c.sigs {
				cmd.Process.Signal(sig)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatal("cratesguard had not ended a minute after the signal")
			}
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if left := procsMentioning(tmp); len(left) > 0 {
				t.Errorf("Chromium outlived cratesguard:\n%s", strings.Join(left, "\n"))
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "cratesguard-browser-*")); len(left) > 0 {
				t.Errorf("its profile is left: %v", left)
			}
		})
	}
}
