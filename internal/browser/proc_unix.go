//go:build unix

package browser

import (
	"os"
	"os/exec"
	"syscall"
)

func killGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGKILL) }

func ownedByUs(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

func givePipes(cmd *exec.Cmd, cmdR, repW *os.File, _ []*os.File) error {
	cmd.ExtraFiles = []*os.File{cmdR, repW} // Chromium reads fd 3, writes fd 4
	return nil
}
