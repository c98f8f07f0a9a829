package motoserver

import (
	"os/exec"
	"syscall"
)

// configure makes the server die with the process that started it, even
// when that process is killed and cannot stop it.
func configure(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

func stop(cmd *exec.Cmd) error {
	return cmd.Process.Signal(syscall.SIGTERM)
}
