#!/usr/bin/env bats
# rbox's default seccomp profile answers ENOSYS for syscalls newer than it (the runtime's ENOSYS
# stub, docs/security.md), so programs probing for a new syscall fall back; a syscall it knows
# and does not allow keeps its EPERM. tests/helpers/sysno calls raw numbers (x86_64's below).

load helpers

setup_file() {
	mkdir -p "$BATS_FILE_TMPDIR/sysno"
	cp "$RBOX_BUILD/test/sysno" "$BATS_FILE_TMPDIR/sysno/sysno" || {
		echo "missing $RBOX_BUILD/test/sysno: run 'make'" >&2
		return 1
	}
}

@test "seccomp: under the default profile syscall(1000) is ENOSYS, a denied known syscall EPERM" {
	[ "$(uname -m)" = x86_64 ] || skip "the syscall numbers below are x86_64's"
	# 1000: no such syscall; 246: kexec_load (known, not allowed); 39: getpid
	run rbox run --rm -v "$BATS_FILE_TMPDIR/sysno:/sysno:ro" busybox /sysno/sysno 1000 246 39
	assert_success
	assert_line --index 0 "1000 -1 38"
	assert_line --index 1 "246 -1 1"
	assert_line --index 2 --regexp '^39 [0-9]+ 0$'
}
