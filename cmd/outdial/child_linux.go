package main

import "syscall"

// childAttr puts the Temporal dev server in its own process group, so
// Ctrl-C reaches it only through stopChild, and has Linux stop it when
// this process dies, even by SIGKILL, so it never holds its port against
// the next `make run`.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
