#!/usr/bin/env bats
# process.capabilities: the five sets as /proc/self/status shows them, what they allow, and the
# config errors (unknown names, effective outside permitted).

load ../helpers

# caps_of SET: the hex mask of one Cap* line of the container's /proc/self/status output
caps_of() {
	echo "$output" | awk -v k="Cap$1:" '$1 == k { print $2 }'
}

@test "caps: the default set (docker's 14) is exactly what the process holds" {
	set_args grep ^Cap /proc/self/status
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW
	# SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
	assert_equal "$(caps_of Bnd)" 00000000a80425fb
	assert_equal "$(caps_of Eff)" 00000000a80425fb
	assert_equal "$(caps_of Prm)" 00000000a80425fb
	assert_equal "$(caps_of Inh)" 0000000000000000
	assert_equal "$(caps_of Amb)" 0000000000000000
}

@test "caps: all five sets for a non-root user (what survives execve is the ambient set)" {
	update_config '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		effective: ["CAP_KILL"],
		inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_NET_BIND_SERVICE"]}'
	set_args sh -c 'id -u; grep ^Cap /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 1000
	assert_equal "$(caps_of Bnd)" 0000000000002421 # CHOWN KILL NET_BIND_SERVICE NET_RAW
	assert_equal "$(caps_of Inh)" 0000000000000420 # KILL NET_BIND_SERVICE
	assert_equal "$(caps_of Amb)" 0000000000000400 # NET_BIND_SERVICE
	assert_equal "$(caps_of Prm)" 0000000000000400
	assert_equal "$(caps_of Eff)" 0000000000000400
}

@test "caps: root with noNewPrivileges keeps permitted ∩ (bounding ∪ inheritable)" {
	update_config '.process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	set_args grep ^Cap /proc/self/status
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(caps_of Bnd)" 0000000000002421
	assert_equal "$(caps_of Prm)" 0000000000000420
	assert_equal "$(caps_of Eff)" 0000000000000420
	assert_equal "$(caps_of Inh)" 0000000000000000
	assert_equal "$(caps_of Amb)" 0000000000000000
}

@test "caps: the bounding set is dropped before exec: it caps what even root regains at execve" {
	update_config '.process.noNewPrivileges = false | .process.capabilities = {
		bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], effective: ["CAP_KILL"]}'
	# root exec gets bounding ∪ inheritable: only KILL, whatever it held before
	set_args sh -c 'grep -E "^Cap(Bnd|Prm|Eff)" /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "$(printf 'CapPrm:\t0000000000000020\nCapEff:\t0000000000000020\nCapBnd:\t0000000000000020')"
}

@test "caps: without CAP_NET_RAW no raw socket; with it, one" {
	# traceroute needs a raw socket (ping could fall back to an ICMP datagram socket)
	set_args traceroute -n -m1 -q1 -w1 127.0.0.1
	update_config '.process.capabilities |= map_values(map(select(. != "CAP_NET_RAW")))'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial "traceroute: socket: Operation not permitted"
	update_config '.process.capabilities |= map_values(. + ["CAP_NET_RAW"])'
	run runtime run -b "$BUNDLE" "$CTR_ID-raw"
	assert_success
	assert_output --partial " 1  127.0.0.1 "
}

@test "caps: without CAP_SYS_ADMIN no mount; with it, one" {
	set_args sh -c 'mount -t tmpfs scratch /tmp && grep -c "^scratch /tmp tmpfs" /proc/self/mounts'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "mount: permission denied (are you root?)"
	update_config '.process.capabilities |= map_values(. + ["CAP_SYS_ADMIN"])'
	run runtime run -b "$BUNDLE" "$CTR_ID-admin"
	assert_success
	assert_output 1
}

@test "caps: an unknown capability name is refused by create, naming it; nothing is left" {
	config_is_invalid
	update_config '.process.capabilities.permitted += ["CAP_FLY"]'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output 'rbox-runtime: config.json: process.capabilities.permitted[14]: unknown capability "CAP_FLY"'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
	# lower case is not a capability name either (runc accepts both silently)
	update_config '.process.capabilities.permitted[14] = "cap_kill"'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output 'rbox-runtime: config.json: process.capabilities.permitted[14]: unknown capability "cap_kill"'
}

@test "caps: an effective capability outside the permitted set is an error naming it" {
	config_is_invalid
	update_config '.process.capabilities.effective += ["CAP_SYS_ADMIN"]'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output 'rbox-runtime: config.json: process.capabilities.effective: CAP_SYS_ADMIN is not in the permitted set'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "caps: ambient capabilities outside permitted and inheritable are skipped, as runc" {
	# the shape `runc spec` and buildah write: ambient set, no inheritable set at all
	update_config '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {
		bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
		effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
		inheritable: ["CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]}'
	set_args grep ^Cap /proc/self/status
	run runtime --debug --log "$BATS_TEST_TMPDIR/log" run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(caps_of Amb)" 0000000000000400 # only NET_BIND_SERVICE is inheritable too
	assert_equal "$(caps_of Eff)" 0000000000000400
	run grep -c 'ambient capability CAP_\(KILL\|AUDIT_WRITE\) skipped' "$BATS_TEST_TMPDIR/log"
	assert_output 2
}

@test "caps: an empty capabilities object leaves the process with none" {
	update_config '.process.capabilities = {}'
	set_args grep ^Cap /proc/self/status
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	for s in Bnd Eff Prm Inh Amb; do
		assert_equal "$(caps_of $s)" 0000000000000000
	done
}

@test "caps: a capability the runtime itself lacks is named (this host's root has no CAP_SYS_RESOURCE)" {
	local bnd
	bnd=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
	(((bnd >> 24) & 1)) && skip "this host grants CAP_SYS_RESOURCE"
	update_config '.process.capabilities |= map_values(. + ["CAP_SYS_RESOURCE"])'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: setting capabilities: CAP_SYS_RESOURCE is not available to the runtime (not in its own permitted set): Operation not permitted"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}
