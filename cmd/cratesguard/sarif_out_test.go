package main

// --sarif writes where it is told without replacing what is there: a file
// atomically, through a symbolic link to the file it leads to, to a pipe
// or a device directly; - is stdout. A SARIF that cannot be written never
// hides a failing token's exit 1.

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestSARIFOutputs(t *testing.T) {
	tok := tokentest.New(2424).API()
	dir := t.TempDir()
	leak := filepath.Join(dir, "app.js")
	os.WriteFile(leak, []byte("const t = '"+tok+"';\n"), 0o644)
	valid := func(name string, b []byte) {
		t.Helper()
		if !strings.Contains(string(b), `"ruleId": "crates-io-api-token"`) || strings.Contains(string(b), tok) {
			t.Errorf("%s: not the SARIF of the leak (%d bytes)", name, len(b))
		}
	}

	// A symbolic link: written through, the link kept.
	real := filepath.Join(dir, "reports", "real.sarif")
	os.MkdirAll(filepath.Dir(real), 0o755)
	link := filepath.Join(dir, "link.sarif")
	os.Symlink(real, link)
	if r := cli(t, "scan", "--sarif", link, leak); r.code != 1 {
		t.Fatalf("through a link: exit %d\n%s", r.code, r.stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(real)
	valid("through a link", b)

	// A named pipe: written to, not replaced by a file.
	fifo := filepath.Join(dir, "pipe.sarif")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	if r := cli(t, "scan", "--sarif", fifo, leak); r.code != 1 {
		t.Fatalf("to a pipe: exit %d\n%s", r.code, r.stderr)
	}
	valid("to a pipe", <-got)
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	}

	// /dev/stdout of a real process whose stdout is a pipe, and "-".
	for _, arg := range []string{"/dev/stdout", "-"} {
		cmd := exec.Command(binary(t), "scan", "--sarif", arg, leak)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, _ := cmd.Output()
		if cmd.ProcessState.ExitCode() != 1 {
			t.Errorf("--sarif %s: exit %d\n%s", arg, cmd.ProcessState.ExitCode(), stderr.String())
		}
		valid("--sarif "+arg, out)
		if arg == "-" && (strings.Contains(string(out), "crates.io token found") || !strings.Contains(stderr.String(), "crates.io token found")) {
			t.Errorf("--sarif -: the text report is not on stderr alone")
		}
	}
	if r := cli(t, "scan", "--sarif", "-", "--format", "json", leak); r.code != 2 {
		t.Errorf("--sarif - with --format json: exit %d, want 2", r.code)
	}

	// A write that fails after the scan: a failing token keeps its 1.
	if _, err := os.Stat("/dev/full"); err == nil {
		r := cli(t, "scan", "--sarif", "/dev/full", leak)
		if r.code != 1 || !strings.Contains(r.stderr, "the SARIF report was not written") {
			t.Errorf("--sarif /dev/full: exit %d, want 1 and the write error\n%s", r.code, r.stderr)
		}
		clean := filepath.Join(dir, "clean.js")
		os.WriteFile(clean, []byte("nothing\n"), 0o644)
		if r := cli(t, "scan", "--sarif", "/dev/full", clean); r.code != 2 {
			t.Errorf("--sarif /dev/full, nothing found: exit %d, want 2", r.code)
		}
		if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeDevice == 0 {
			t.Fatalf("/dev/full is no longer a device: %v %v", fi.Mode(), err)
		}
	}
}

// TestActionCancelledSaysSo: a step cancelled with SIGTERM (as GitHub
// cancels a job) exits 143, and its exit-code output and SARIF say so.
func TestActionCancelledSaysSo(t *testing.T) {
	srv, served := hangingSite(t, 20)
	r := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/")
	r.during = func(p *os.Process) {
		for deadline := time.Now().Add(20 * time.Second); served.Load() < 2 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		p.Signal(syscall.SIGTERM)
	}
	res := r.run()
	if res.code != 143 || res.outputs["exit-code"] != "143" {
		t.Errorf("exit %d, exit-code output %q; want 143 for both", res.code, res.outputs["exit-code"])
	}
	said := false
	for _, run := range parseSARIF(t, res.sarif).Runs {
		for _, inv := range run.Invocations {
			for _, n := range inv.ToolExecutionNotifications {
				said = said || strings.Contains(n.Message.Text, "interrupted (SIGTERM)")
			}
		}
	}
	if !said {
		t.Error("the SARIF does not say the run was interrupted by SIGTERM")
	}
}
