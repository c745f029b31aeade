package browser

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// sysProcAttr puts Chromium in a process group of its own, and has the
// kernel kill it when cratesguard dies, however it dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// usingDir lists the processes that name a path in dir on their command
// line: every process of a Chromium carries its --user-data-dir (its crash
// handler, a path beside it), and dir is this run's alone.
func usingDir(dir string) []int {
	want := []byte(dir + "/")
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killUsing kills the processes that use dir's profile until none is
// found twice in a row, for up to limit (one can fork as another dies).
func killUsing(dir string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for quiet := 0; quiet < 2 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		pids := usingDir(dir)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if len(pids) == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

func inUse(dir string) bool { return len(usingDir(dir)) > 0 }

// running says whether pid is a live process (a zombie is not).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}
