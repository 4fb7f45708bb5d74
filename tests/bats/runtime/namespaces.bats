#!/usr/bin/env bats
# Namespaces: each one new (compare /proc/self/ns/* inside with the host), absent (shared),
# or joined by path; loopback is up in a new network namespace.

load ../helpers

ns_inside() { # NAME -> the container's ns link
	set_args readlink "/proc/self/ns/$1"
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	echo "$output"
}

@test "namespaces: each listed namespace is new" {
	local ns
	for ns in pid net ipc uts mnt cgroup; do
		set_args readlink "/proc/self/ns/$ns"
		run runtime run -b "$BUNDLE" "$CTR_ID-$ns"
		assert_success
		assert_output --regexp "^$ns:\[[0-9]+\]$"
		[ "$output" != "$(readlink /proc/self/ns/$ns)" ] || fail "$ns namespace is the host's"
	done
}

@test "namespaces: an unlisted namespace is shared with the host" {
	local ns
	update_config '.linux.namespaces |= map(select(.type != "network" and .type != "ipc" and .type != "uts" and .type != "cgroup"))'
	update_config 'del(.hostname)'
	for ns in net ipc uts cgroup; do
		set_args readlink "/proc/self/ns/$ns"
		run runtime run -b "$BUNDLE" "$CTR_ID-$ns"
		assert_success
		assert_output "$(readlink /proc/self/ns/$ns)"
	done
}

@test "namespaces: pid namespace: the container sees only its own processes" {
	set_args sh -c 'ls -d /proc/[0-9]* | wc -l'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	# sh and its children: far fewer than the host's processes
	[ "$output" -le 3 ]
}

@test "namespaces: a new network namespace has loopback up and nothing else" {
	set_args sh -c 'ip -o link show | cut -d: -f2 | tr -d " "; ping -c1 -W1 127.0.0.1 >/dev/null && echo ping-ok'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "lo
ping-ok"
}

@test "namespaces: cgroup namespace: the container's cgroup is its root" {
	set_args cat /proc/self/cgroup
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line "0::/"
	assert_line --regexp '^[0-9]+:memory:/$'
}

teardown() {
	if [ -n "${HOLDER:-}" ]; then
		kill "$HOLDER" 2>/dev/null || true
		wait "$HOLDER" 2>/dev/null || true
	fi
	if [ -n "${NETNS:-}" ]; then
		ip netns delete "$NETNS" 2>/dev/null || true
	fi
	teardown_containers
}

@test "namespaces: joining a network namespace by path" {
	requires cmd:ip
	local ns="rbox-test-$$-$RANDOM"
	NETNS=$ns # teardown deletes it if the test stops early
	ip netns add "$ns"
	ip -n "$ns" addr add 10.123.45.67/32 dev lo
	update_config '(.linux.namespaces[] | select(.type == "network")) |= {type: "network", path: $p}' --arg p "/run/netns/$ns"
	set_args sh -c 'readlink /proc/self/ns/net; ip -o addr show lo | grep -o "10.123.45.67"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	local expected
	expected=$(ip netns exec "$ns" readlink /proc/self/ns/net)
	ip netns delete "$ns"
	assert_success
	assert_line --index 0 "$expected"
	assert_line --index 1 10.123.45.67
}

@test "namespaces: joining another container's namespaces (ipc, uts, pid) by path" {
	update_config '.hostname = "first"'
	run_bg run -d -b "$BUNDLE" "$CTR_ID-a"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID-a")
	update_config '.linux.cgroupsPath += "-b"'
	update_config 'del(.hostname) | .linux.namespaces |= map(if .type == "uts" or .type == "ipc" or .type == "pid" then .path = "/proc/\($pid)/ns/\(.type)" else . end)' --arg pid "$pid"
	set_args sh -c 'hostname; readlink /proc/self/ns/ipc; ps -o comm | grep -c sleep'
	run runtime run -b "$BUNDLE" "$CTR_ID-b"
	assert_success
	assert_line --index 0 first
	assert_line --index 1 "$(readlink /proc/$pid/ns/ipc)"
	assert_line --index 2 1
}

@test "namespaces: a path that is not a namespace of that type is refused" {
	config_is_invalid
	update_config '(.linux.namespaces[] | select(.type == "ipc")) |= {type: "ipc", path: "/proc/self/ns/net"}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: linux.namespaces: /proc/self/ns/net is not a ipc namespace"
	update_config '(.linux.namespaces[] | select(.type == "ipc")) |= {type: "ipc", path: "/nonexistent/ns"}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: linux.namespaces: ipc namespace /nonexistent/ns: No such file or directory"
}

@test "namespaces: uts namespace: hostname and domainname" {
	update_config '.hostname = "box1" | .domainname = "example.org"'
	set_args sh -c 'hostname; cat /proc/sys/kernel/domainname'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "box1
example.org"
	[ "$(hostname)" != box1 ]
}

@test "namespaces: a uts namespace joined by path is joined, then named (as runc)" {
	requires cmd:unshare
	# a uts namespace of the test's own, held by a sleep in it
	unshare --uts sleep 1000 3>&- &
	HOLDER=$!
	local uts="/proc/$HOLDER/ns/uts"
	wait_for 50 0.1 sh -c "[ \"\$(readlink $uts)\" != \"\$(readlink /proc/self/ns/uts)\" ]"
	update_config '.hostname = "joined" | .domainname = "example.org" | (.linux.namespaces[] | select(.type == "uts")) |= {type: "uts", path: $p}' --arg p "$uts"
	set_args sh -c 'readlink /proc/self/ns/uts; hostname'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 "$(readlink "$uts")"
	assert_line --index 1 joined
	# the namespace itself was renamed; the host was not
	assert_equal "$(nsenter --uts="$uts" hostname)" joined
	assert_equal "$(nsenter --uts="$uts" cat /proc/sys/kernel/domainname)" example.org
	[ "$(hostname)" != joined ]
}

@test "namespaces: hostname with the runtime's own uts namespace joined by path is refused" {
	update_config '.hostname = "nope" | (.linux.namespaces[] | select(.type == "uts")) |= {type: "uts", path: "/proc/self/ns/uts"}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial "hostname: the uts namespace /proc/self/ns/uts is the runtime's own"
	[ "$(hostname)" != nope ]
}

# The mounts a container without a mount namespace made in ours, under its private rootfs.
rootfs_mounts() {
	grep -cF " $BUNDLE/rootfs" /proc/self/mountinfo || true
}

@test "namespaces: no mount namespace: the runtime's is shared, and delete takes its mounts back" {
	private_rootfs
	update_config '.linux.namespaces |= map(select(.type != "mount"))'
	set_args sh -c 'readlink /proc/self/ns/mnt; ls /proc/self/ns >/dev/null && cat /proc/self/mountinfo | wc -l; sleep 1000'
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	assert_equal "$(readlink /proc/"$pid"/ns/mnt)" "$(readlink /proc/self/ns/mnt)"
	# the container's root is its rootfs, its mounts are visible here while it lives
	assert_file_exists "/proc/$pid/root/bin/busybox"
	[ "$(rootfs_mounts)" -gt 1 ]
	runtime delete --force "$CTR_ID"
	assert_equal "$(rootfs_mounts)" 0
}

@test "namespaces: no mount namespace: run, and a failed create, leave no mount behind" {
	private_rootfs
	update_config '.linux.namespaces |= map(select(.type != "mount"))'
	set_args sh -c 'ls /dev/null /proc/1 >/dev/null && echo ok'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output ok
	assert_equal "$(rootfs_mounts)" 0
	# a mount that fails after the rootfs bind was made
	config_is_invalid
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["size=lots"]}]'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_equal "$(rootfs_mounts)" 0
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}
