#!/usr/bin/env bats
# rbox system check: one PASS/FAIL/WARN line per item, probed for real; exit 1 when something
# rbox needs is missing. (sandbox_v2.bats runs it on a pure cgroup v2 host.)

load helpers

@test "system check: this host has what rbox needs; every item probed, nothing left behind" {
	run rbox system check
	assert_success
	local item
	for item in kernel rbox-runtime rbox-monitor "namespace mount" "namespace pid" \
		"namespace ipc" "namespace uts" "namespace network" "namespace cgroup" cgroups \
		"cgroup memory" "cgroup pids" seccomp pidfd overlayfs "user namespaces"; do
		assert_line --regexp "^(PASS|WARN)  $item "
	done
	refute_line --regexp '^FAIL'
	assert_line --regexp '^PASS  cgroups +hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified$'
	assert_line --regexp '^PASS  seccomp +filter mode; actions: errno '
	assert_line --regexp "^PASS  overlayfs +mounted an overlay with its upper dir in $RBOX_ROOT\$"
	assert_line --regexp '^rbox can run containers on this host'
	# the overlay probe's directory and mount are gone
	run ls -A "$RBOX_ROOT"
	refute_output --partial .check-
	run grep -F "$RBOX_ROOT" /proc/self/mountinfo
	assert_failure
}

@test "system check: a missing rbox-runtime is a FAIL line and exit 1" {
	RBOX_RUNTIME=/no/such/rbox-runtime run -1 rbox system check
	assert_line "FAIL  rbox-runtime           /no/such/rbox-runtime does not run (set RBOX_RUNTIME, or install it next to rbox)"
	assert_line "1 required item is missing: rbox cannot run containers on this host"
	RBOX_RUNTIME=/no/such/rbox-runtime RBOX_MONITOR=/no/such/rbox-monitor run -1 rbox system check
	assert_line --regexp '^FAIL  rbox-monitor +/no/such/rbox-monitor: No such file or directory'
	assert_line "2 required items are missing: rbox cannot run containers on this host"
}

@test "system: help, and unknown commands or arguments are one line, exit 125" {
	run rbox system check --help
	assert_success
	assert_output --partial "Usage: rbox system check"
	run rbox system --help
	assert_output --partial "check   report what this host supports"
	run -125 rbox system frob
	assert_output "rbox system: unknown command \"frob\" (see 'rbox system --help')"
	run -125 rbox system check extra
	assert_output "rbox system check: unexpected argument \"extra\" (see 'rbox system check --help')"
	run -125 rbox system
	assert_output --partial "Usage: rbox system COMMAND"
}
