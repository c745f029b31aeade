package browser

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/browsertest"
)

// TestCloseLeavesNothing: after Close, no process uses the browser's
// profile and the profile is gone; Chromium ran in a process group of its
// own.
func TestCloseLeavesNothing(t *testing.T) {
	path := browsertest.Need(t, Find)
	t.Setenv("TMPDIR", t.TempDir())
	srv := hostileServer(t)
	b, err := Start(context.Background(), Options{Path: path, PageTimeout: 3 * time.Second, Allow: sameOrigin(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	dir := b.proc.dir
	pid := b.proc.cmd.Process.Pid
	if pgid, err := syscallGetpgid(pid); err != nil || pgid != pid {
		t.Errorf("Chromium (pid %d) runs in process group %d, not its own (%v)", pid, pgid, err)
	}
	if _, err := b.Load(context.Background(), srv.URL+"/poll", func(Record) {}); err != nil {
		t.Fatal(err)
	}
	if len(usingDir(dir)) < 2 {
		t.Fatalf("Chromium's processes are not found by their profile: %v", usingDir(dir))
	}
	b.Close()
	if left := usingDir(dir); len(left) > 0 {
		t.Errorf("processes outlived Close: %v", left)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the profile is left: %v", err)
	}
}

// TestKillAllLeavesNothing: KillAll, for a program about to exit at once
// (a second interrupt), kills a browser mid-page and removes its profile.
func TestKillAllLeavesNothing(t *testing.T) {
	path := browsertest.Need(t, Find)
	t.Setenv("TMPDIR", t.TempDir())
	srv := hostileServer(t)
	b, err := Start(context.Background(), Options{Path: path, PageTimeout: time.Minute, Allow: sameOrigin(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dir := b.proc.dir
	running := make(chan struct{})
	done := make(chan error, 1)
	var once sync.Once
	go func() {
		_, err := b.Load(context.Background(), srv.URL+"/poll", func(Record) { once.Do(func() { close(running) }) })
		done <- err
	}()
	<-running
	KillAll()
	if left := usingDir(dir); len(left) > 0 {
		t.Errorf("processes outlived KillAll: %v", left)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the profile is left: %v", err)
	}
	select {
	case <-done: // the load ends, with whatever error
	case <-time.After(2 * time.Minute):
		t.Fatal("the load had not ended 2 minutes after its browser was killed")
	}
}

// TestSweepRemovesOnlyDeadRunsProfiles: a profile whose run is gone is
// removed; one of a live run, or without an owner and recent, stays.
func TestSweepRemovesOnlyDeadRunsProfiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	mk := func(name, owner string) string {
		d := filepath.Join(tmp, profilePrefix+name)
		os.MkdirAll(filepath.Join(d, "profile"), 0o700)
		if owner != "" {
			os.WriteFile(filepath.Join(d, ownerFile), []byte(owner), 0o600)
		}
		return d
	}
	gone := mk("dead", strconv.Itoa(dead.Process.Pid))
	live := mk("live", strconv.Itoa(os.Getpid()))
	fresh := mk("fresh", "")
	other := filepath.Join(tmp, "not-ours")
	os.MkdirAll(other, 0o700)
	sweep()
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("the profile of a dead run is left: %v", err)
	}
	for _, d := range []string{live, fresh, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(d), err)
		}
	}
}

func syscallGetpgid(pid int) (int, error) { return syscall.Getpgid(pid) }

// TestStartFailsCleanly: a --browser-path that is no browser fails Start
// at once, saying what it printed, and leaves no profile.
func TestStartFailsCleanly(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fake := filepath.Join(t.TempDir(), "not-chromium")
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'this is not a browser' >&2\nexit 3\n"), 0o755)
	_, err := Start(context.Background(), Options{Path: fake, Allow: func(u, from *url.URL) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "did not start") || !strings.Contains(err.Error(), "this is not a browser") {
		t.Errorf("Start: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, profilePrefix+"*")); len(left) > 0 {
		t.Errorf("a profile is left: %v", left)
	}
}
