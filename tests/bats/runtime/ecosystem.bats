#!/usr/bin/env bats
# Inputs other tools hand rbox-runtime every day: the config `runc spec` writes, runtime-spec
# 1.3 configs, podman's and conmon's expectations (sessions, delete --force).

load ../helpers

# A bundle made the way `runc spec` makes it, adapted like setup_bundle does (root.path, a
# cgroupsPath of this test's own, no terminal, a process that says what it holds).
runc_spec_bundle() {
	rm -f "$BUNDLE/config.json"
	(cd "$BUNDLE" && runc spec)
	update_config '.root.path = $root | .linux.cgroupsPath = $cg | .process.terminal = false' \
		--arg root "$BUSYBOX_ROOTFS" --arg cg "$CG_PREFIX/$CTR_ID"
}

# stat_field PID N: field N of /proc/PID/stat (counting from 1, after the "(comm)" field)
stat_field() {
	sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f$(($2 - 2))
}

@test "ecosystem: the config runc spec writes runs (ambient caps without inheritable)" {
	requires cmd:runc
	runc_spec_bundle
	run jq -e '.process.capabilities | has("inheritable") | not' "$BUNDLE/config.json"
	assert_success
	set_args sh -c 'hostname; grep ^CapAmb /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 runc
	# none of runc's ambient list is inheritable: none is raised, and nothing fails
	assert_line --index 1 --regexp '^CapAmb:[[:space:]]+0000000000000000$'
}

@test "ecosystem: the container's init has its own session and process group (no terminal)" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	# fields 5 and 6: pgrp and session; the init leads both, and neither is ours
	assert_equal "$(stat_field "$pid" 5)" "$pid"
	assert_equal "$(stat_field "$pid" 6)" "$pid"
	[ "$(stat_field "$pid" 6)" != "$(stat_field $$ 6)" ]
	[ "$(stat_field "$pid" 5)" != "$(stat_field $$ 5)" ]
	runtime start "$CTR_ID"
	assert_equal "$(stat_field "$pid" 6)" "$pid"
	runtime delete --force "$CTR_ID"
}

@test "ecosystem: ociVersion 1.3.0 and any later 1.x run; 2.x is refused with one line" {
	update_config '.ociVersion = "1.3.0"'
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	update_config '.ociVersion = "1.9.12"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	config_is_invalid
	update_config '.ociVersion = "2.0.0"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output 'rbox-runtime: config.json: ociVersion: unsupported version "2.0.0" (rbox-runtime supports 1.x: 1.0.0 to 1.3.0 and later 1.x.y)'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "ecosystem: features reports runtime-spec 1.3 (memoryPolicy, netDevices, intelRdt)" {
	run runtime features
	assert_success
	jq -e '.ociVersionMax == "1.3.0"' <<<"$output"
	jq -e '.linux.memoryPolicy.modes | index("MPOL_BIND") and index("MPOL_WEIGHTED_INTERLEAVE")' <<<"$output"
	jq -e '.linux.memoryPolicy.flags == ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]' <<<"$output"
	jq -e '.linux.netDevices.enabled == true' <<<"$output"
	jq -e '.linux.intelRdt.enabled == false and .linux.intelRdt.schemata == false' <<<"$output"
}

@test "ecosystem: linux.memoryPolicy is the process's NUMA policy" {
	[ -e /sys/devices/system/node/node0 ] || skip "no NUMA node 0 in sysfs"
	update_config '.ociVersion = "1.3.0" | .linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
	set_args sh -c 'head -1 /proc/self/numa_maps'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output --regexp '^[0-9a-f]+ bind:0 '
	update_config '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output --regexp '^[0-9a-f]+ interleave=static:0 '
	# a node the host lacks: the kernel's refusal, named
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "1023"}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial 'linux.memoryPolicy: set_mempolicy MPOL_BIND on nodes 1023: Invalid argument'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "ecosystem: bad linux.memoryPolicy values are refused with their path" {
	config_is_invalid
	set_args true
	local edit want
	while IFS='|' read -r edit want; do
		update_config ".linux.memoryPolicy = $edit"
		run runtime run -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_output "rbox-runtime: config.json: linux.memoryPolicy$want"
	done <<-'EOF2'
		{"mode": "MPOL_FOO"}|.mode: unknown memory policy mode "MPOL_FOO"
		{"nodes": "0"}|.mode: missing
		{"mode": "MPOL_BIND"}|.nodes: missing (MPOL_BIND needs nodes)
		{"mode": "MPOL_LOCAL", "nodes": "0"}|.nodes: must be empty for MPOL_LOCAL
		{"mode": "MPOL_BIND", "nodes": "0-"}|.nodes: invalid cpu list "0-"
		{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}|.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other
		{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_X"]}|.flags[0]: unknown memory policy flag "MPOL_F_X"
	EOF2
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "ecosystem: linux.intelRdt is refused with one clear line where the host has no resctrl" {
	[ ! -d /sys/fs/resctrl/info ] || skip "this host has resctrl"
	config_is_invalid
	set_args true
	update_config '.ociVersion = "1.3.0" | .linux.intelRdt = {"schemata": ["L3:0=ff"], "enableMonitoring": true}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial 'linux.intelRdt: '
	assert_equal "$(echo "$output" | wc -l)" 1
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "ecosystem: linux.netDevices moves an interface into the container, renamed and up" {
	requires cmd:ip cmd:nsenter
	# the interface lives in a network namespace this test creates, never the host's; the
	# runtime runs in it (nsenter joins only the network namespace: cgroupfs stays mounted)
	NETNS="rbox-test-$$-$RANDOM"
	ip netns add "$NETNS"
	ip -n "$NETNS" link add rboxveth0 type veth peer name rboxveth1
	update_config '.ociVersion = "1.3.0" | .linux.netDevices = {"rboxveth0": {"name": "eth7"}}'
	set_args sh -c 'cat /sys/class/net/eth7/flags; ls /sys/class/net | tr "\n" " "'
	run nsenter --net="/run/netns/$NETNS" "$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$((${lines[0]} & 1))" 1 # IFF_UP
	assert_line --index 1 "eth7 lo "
	# a veth pair goes away with the container's network namespace
	run ip -n "$NETNS" link show rboxveth1
	assert_failure
	# a device that does not exist: one line naming it, nothing left behind
	update_config '.linux.netDevices = {"rboxnosuch0": {}}'
	run nsenter --net="/run/netns/$NETNS" "$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial 'linux.netDevices: "rboxnosuch0": no such interface on the host'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "ecosystem: linux.netDevices needs a network namespace; bad names are refused" {
	config_is_invalid
	set_args true
	update_config '.linux.netDevices = {"eth0": {}} | .linux.namespaces |= map(select(.type != "network"))'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output 'rbox-runtime: config.json: linux.netDevices: requires a network namespace (add {"type":"network"} to linux.namespaces)'
	update_config '.linux.namespaces += [{"type": "network"}] | .linux.netDevices = {"eth0": {"name": "a/b"}}'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: config.json: linux.netDevices.eth0.name: invalid interface name \"a/b\" (1 to 15 characters, no '/', ':' or space)"
}

teardown() {
	if [ -n "${NETNS:-}" ]; then
		ip netns delete "$NETNS" 2>/dev/null || true
	fi
	teardown_containers
}
