package main

import "syscall"

// umask sets the process umask and returns the old one: the admin socket is created
// without a moment in which others could connect.
func umask(mask int) int { return syscall.Umask(mask) }
