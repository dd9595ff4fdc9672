//go:build !linux

package main

import "syscall"

// childAttr puts the Temporal dev server in its own process group, so
// Ctrl-C reaches it only through stopChild. Only Linux can tie its life to
// this process's: elsewhere a SIGKILLed `outdial dev` leaves it running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
