package browser

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func killGroup(p *os.Process) { p.Kill() }

func killUsing(string, time.Duration) {}

func inUse(string) bool { return false }

// running cannot be told here without more machinery: no profile is swept.
func running(int) bool { return true }

func ownedByUs(os.FileInfo) bool { return false }

// givePipes hands Chromium the handles of its pipe ends, which it takes
// from --remote-debugging-io-pipes (Windows has no fd 3 and 4); ours are
// made non-inheritable, so that no other child gets them.
func givePipes(cmd *exec.Cmd, cmdR, repW *os.File, ours []*os.File) error {
	for _, f := range ours {
		if err := syscall.SetHandleInformation(syscall.Handle(f.Fd()), syscall.HANDLE_FLAG_INHERIT, 0); err != nil {
			return fmt.Errorf("making a pipe end private: %w", err)
		}
	}
	hr, hw := syscall.Handle(cmdR.Fd()), syscall.Handle(repW.Fd())
	cmd.SysProcAttr.AdditionalInheritedHandles = append(cmd.SysProcAttr.AdditionalInheritedHandles, hr, hw)
	cmd.Args = slices.Insert(cmd.Args, 1, "--remote-debugging-io-pipes="+strconv.FormatUint(uint64(hr), 10)+","+strconv.FormatUint(uint64(hw), 10))
	return nil
}
