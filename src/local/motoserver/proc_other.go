//go:build !linux

package motoserver

import (
	"os"
	"os/exec"
)

func configure(*exec.Cmd) {}

func stop(cmd *exec.Cmd) error {
	return cmd.Process.Signal(os.Interrupt)
}
