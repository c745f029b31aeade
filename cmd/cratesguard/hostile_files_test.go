package main

// Hostile content, round 3: what a checkout or a target directory holds
// besides regular files. A named pipe blocks a read for ever, a device
// never ends, a link leads out of the checkout: none is read, each is
// said, and a signal ends any run within 2 s whatever it is reading.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// mkfifo makes a named pipe, or skips where there are none.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
}

// runBounded runs the built binary and fails the test if it has not ended
// by limit (generous: the point is that it ends, not how fast).
func runBounded(t *testing.T, limit time.Duration, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v: still running after %v (a read that never ends)", args, limit)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

func TestHostileCheckoutFiles(t *testing.T) {
	tok := tokentest.New(2323).API()
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "dist"), 0o755)
	os.WriteFile(filepath.Join(repo, "dist", "app.js"), []byte("const t = '"+tok+"';\n"), 0o644)
	// .gitignore: a link to an endless device; the ignore file: a named
	// pipe; a source file: a link out of the checkout.
	os.Symlink("/dev/urandom", filepath.Join(repo, ".gitignore"))
	mkfifo(t, filepath.Join(repo, ".cratesguard-ignore"))
	mkfifo(t, filepath.Join(repo, "dist", "pipe.js"))
	os.Symlink("/dev/zero", filepath.Join(repo, "dist", "zero.js"))
	stdout, stderr, code := runBounded(t, 60*time.Second, nil, "scan", "--repo", repo, filepath.Join(repo, "dist"))
	if code != 2 || !strings.Contains(stdout+stderr, "named pipe (FIFO), not a regular file") {
		t.Errorf("exit %d, want 2: the ignore file, a named pipe, is refused by name:\n%s%s", code, stdout, stderr)
	}
	os.Remove(filepath.Join(repo, ".cratesguard-ignore"))
	stdout, stderr, code = runBounded(t, 60*time.Second, nil, "scan", "--repo", repo, filepath.Join(repo, "dist"))
	if code != 1 {
		t.Errorf("exit %d, want 1 (the token)\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"pipe.js: a named pipe (FIFO), not a regular file: not read", "zero.js: symbolic link, not followed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the report does not say %q:\n%s", want, stdout)
		}
	}
	// A named pipe named as the target.
	stdout, stderr, code = runBounded(t, 60*time.Second, nil, "scan", filepath.Join(repo, "dist", "pipe.js"))
	if code != 3 || !strings.Contains(stdout, "a named pipe (FIFO), not a regular file or directory: not read") {
		t.Errorf("exit %d, want 3 and the reason:\n%s%s", code, stdout, stderr)
	}

	// The Action, whose repo is the workspace: a Cargo.toml that is a
	// named pipe, on a release (crates: auto reads it).
	r := newRunner(t, "release", releasePayload)
	os.Symlink("/dev/urandom", filepath.Join(r.workspace, ".gitignore"))
	mkfifo(t, filepath.Join(r.workspace, "Cargo.toml"))
	os.MkdirAll(filepath.Join(r.workspace, "dist"), 0o755)
	os.WriteFile(filepath.Join(r.workspace, "dist", "app.js"), []byte("const t = '"+tok+"';\n"), 0o644)
	done := make(chan stepResult, 1)
	go func() { done <- r.input("paths", "dist").run() }()
	select {
	case res := <-done:
		if res.code != 1 {
			t.Errorf("action: exit %d, want 1\n%s", res.code, res.stdout)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("the Action did not end: it read a named pipe or an endless device")
	}
}

// TestSignalEndsAnyRead: a run stuck in a read that does not heed the
// cancel (a --targets-file named pipe nobody writes to) ends within 2 s
// of SIGTERM, with 143.
func TestSignalEndsAnyRead(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "targets")
	mkfifo(t, fifo)
	cmd := exec.Command(binary(t), "scan", "--targets-file", fifo)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until one of its threads is blocked opening the pipe (Linux's
	// wait_for_partner), or a moment where there is no /proc.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		chans, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "task", "*", "wchan"))
		if len(chans) == 0 {
			time.Sleep(500 * time.Millisecond)
			break
		}
		blocked := false
		for _, c := range chans {
			b, _ := os.ReadFile(c)
			blocked = blocked || strings.Contains(string(b), "partner") || strings.Contains(string(b), "fifo")
		}
		if blocked {
			break
		}
	}
	begun := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 30 s after SIGTERM")
	}
	took := time.Since(begun)
	t.Logf("ended %v after SIGTERM", took.Round(time.Millisecond))
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Errorf("exit %d, want 143\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted, and the report was not written within") {
		t.Errorf("it does not say why it ended without a report:\n%s", stderr.String())
	}
}
