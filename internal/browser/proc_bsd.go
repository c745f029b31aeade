//go:build unix && !linux

package browser

import (
	"syscall"
	"time"
)

// sysProcAttr puts Chromium in a process group of its own. (Only Linux can
// have the kernel kill it with cratesguard.)
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killUsing and inUse need /proc: here the process group is all there is.
func killUsing(string, time.Duration) {}

func inUse(string) bool { return false }

func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
