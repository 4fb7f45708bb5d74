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
