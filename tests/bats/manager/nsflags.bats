#!/usr/bin/env bats
# --pid, --ipc, --uts, --cgroupns, --userns (container/nsflags.c) and podman's seccomp.json:
# each by what a docker user checks inside the container; bad values are one line, exit 125,
# nothing made.

load helpers

refused() { # TEXT ARGS...
	local text=$1
	shift
	run -125 rbox "$@"
	assert_equal "${#lines[@]}" 1
	assert_output --partial -- "$text"
	assert_equal "$(rbox ps -aq)" ""
	[ -z "$(ls -A "$RBOX_ROOT/containers" 2>/dev/null)" ]
}

@test "run --pid host: the host's processes; the default: the container's own" {
	run rbox run --rm --pid host busybox cat /proc/1/comm
	assert_success
	assert_output "$(cat /proc/1/comm)"
	run rbox run --rm busybox cat /proc/1/comm
	assert_output cat
	rbox create --name ph --pid host busybox true >/dev/null
	assert_equal "$(inspect_field ph .HostConfig.PidMode)" host
}

@test "run --pid/--ipc container:C: C's PID and IPC namespaces (C must run)" {
	rbox run -d --name base busybox sleep 300 >/dev/null
	run rbox run --rm --pid container:base busybox cat /proc/1/cmdline
	assert_success
	assert_output --partial sleep
	assert_equal "$(rbox run --rm --ipc container:base busybox readlink /proc/self/ns/ipc)" \
		"$(rbox exec base readlink /proc/self/ns/ipc)"
	assert_equal "$(rbox run --rm --pid container:base busybox readlink /proc/self/ns/pid)" \
		"$(rbox exec base readlink /proc/self/ns/pid)"
	# its own otherwise
	[ "$(rbox run --rm busybox readlink /proc/self/ns/ipc)" != "$(rbox exec base readlink /proc/self/ns/ipc)" ]
	rbox create --name joiner --pid container:base busybox true >/dev/null
	assert_equal "$(inspect_field joiner .HostConfig.PidMode)" "container:$(ctr_id base)"
	rbox stop -t 0 base >/dev/null
	run -125 rbox start joiner
	assert_output --partial 'it is not running'
	rbox rm joiner base >/dev/null
	refused 'no such container: nosuch' run --ipc container:nosuch busybox true
}

@test "run --uts host: the host's name (and --hostname with it is refused)" {
	assert_equal "$(rbox run --rm --uts host busybox hostname)" "$(hostname)"
	assert_equal "$(rbox run --rm --uts host busybox readlink /proc/self/ns/uts)" "$(readlink /proc/self/ns/uts)"
	refused 'conflicting options: --hostname and --uts host' run --uts host --hostname x busybox true
}

@test "run --cgroupns host|private, --userns host" {
	assert_equal "$(rbox run --rm --cgroupns host busybox readlink /proc/self/ns/cgroup)" \
		"$(readlink /proc/self/ns/cgroup)"
	[ "$(rbox run --rm --cgroupns private busybox readlink /proc/self/ns/cgroup)" != "$(readlink /proc/self/ns/cgroup)" ]
	run rbox run --rm --userns host busybox echo ok
	assert_output ok
}

@test "namespace flags: bad values are refused before anything is created" {
	refused 'invalid value "bogus" for --pid' run --pid bogus busybox true
	refused 'invalid value "container:" for --ipc' run --ipc container: busybox true
	refused 'invalid value "container:x" for --uts' run --uts container:x busybox true
	refused 'invalid value "auto" for --userns' run --userns auto busybox true
	# keep-id is rootless rbox's (rootless.bats)
	refused '--userns keep-id: only rootless rbox' run --userns keep-id busybox true
	refused 'invalid value "x" for --cgroupns' create --cgroupns x busybox true
}

@test "podman's own seccomp.json (\"args\": null) loads as a --security-opt profile" {
	local f=/usr/share/containers/seccomp.json
	[ -f "$f" ] || skip "no $f (podman's containers-common)"
	run rbox run --rm --security-opt "seccomp=$f" busybox sh -c 'echo ok; grep ^Seccomp: /proc/self/status'
	assert_success
	assert_line --index 0 ok
	assert_line --index 1 --regexp '^Seccomp:[[:space:]]+2$'
}
