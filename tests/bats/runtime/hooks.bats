#!/usr/bin/env bats
# OCI hooks: when they run, in which namespaces, with what (state on stdin, args, env), and what
# their failure does.

load ../helpers

# Every hook is /bin/sh -c SCRIPT with $0 = the hook's kind; SCRIPT records its stdin, env, argv
# and namespaces under $LOG (a host directory, bind-mounted at /hooklog in the container).
HOOK_SCRIPT='cat > "$LOG/$0.stdin"; env > "$LOG/$0.env"; echo "$0 $*" > "$LOG/$0.argv"; for n in mnt pid net uts ipc user cgroup; do readlink /proc/self/ns/$n; done > "$LOG/$0.ns"; echo "$0" >> "$LOG/order"'

setup() {
	setup_bundle
	LOGDIR="$BATS_TEST_TMPDIR/hooklog"
	mkdir -p "$LOGDIR"
	update_config '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]' --arg d "$LOGDIR"
}

# hook KIND [LOGPATH]: a recording hook (LOGPATH as seen where it runs)
hook() {
	local kind=$1 log=${2:-$LOGDIR}
	update_config ".hooks.$kind += [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \$s, \"$kind\", \"arg1\", \"arg 2\"], \"env\": [\"LOG=$log\", \"HOOKVAR=$kind-env\"]}]" --arg s "$HOOK_SCRIPT"
}

all_hooks() {
	hook prestart
	hook createRuntime
	hook createContainer
	hook startContainer /hooklog
	hook poststart
	hook poststop
}

# failing_hook KIND [extra JSON fields]: a hook that says why on stderr and exits 3
failing_hook() {
	update_config ".hooks.$1 = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo $1 says no >&2; exit 3\"] ${2:-}}]"
}

@test "hooks: all six run in order with the state on stdin, their args and env" {
	all_hooks
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(cat "$LOGDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer "
	runtime start "$CTR_ID"
	assert_equal "$(cat "$LOGDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer poststart "
	runtime delete --force "$CTR_ID"
	assert_equal "$(cat "$LOGDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer poststart poststop "
	local kind want
	for kind in prestart:creating createRuntime:creating createContainer:creating \
		startContainer:created poststart:running poststop:stopped; do
		want=${kind#*:}
		kind=${kind%%:*}
		run jq -r '[.ociVersion, .id, .status, .bundle] | join(" ")' "$LOGDIR/$kind.stdin"
		assert_output "1.2.0 $CTR_ID $want $BUNDLE"
		assert_equal "$(cat "$LOGDIR/$kind.argv")" "$kind arg1 arg 2"
		run cat "$LOGDIR/$kind.env"
		assert_line "HOOKVAR=$kind-env"
		refute_line --regexp '^BATS_'
	done
	# the pid in the state is the init's host pid until it is stopped
	[ "$(jq .pid "$LOGDIR/createRuntime.stdin")" -gt 1 ]
	assert_equal "$(jq .pid "$LOGDIR/poststop.stdin")" 0
}

@test "hooks: runtime hooks run in the host's namespaces, container hooks in the container's" {
	all_hooks
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local init n host ctr
	init=$(container_pid "$CTR_ID")
	runtime start "$CTR_ID"
	for n in mnt pid net uts ipc cgroup; do
		host=$(readlink /proc/self/ns/$n)
		ctr=$(readlink /proc/"$init"/ns/$n)
		[ "$host" != "$ctr" ]
		for kind in prestart createRuntime poststart; do
			run grep -Fx "$host" "$LOGDIR/$kind.ns"
			assert_success
		done
		for kind in createContainer startContainer; do
			run grep -Fx "$ctr" "$LOGDIR/$kind.ns"
			assert_success
		done
	done
	runtime delete --force "$CTR_ID"
	run grep -Fx "$(readlink /proc/self/ns/mnt)" "$LOGDIR/poststop.ns"
	assert_success
}

@test "hooks: a startContainer path resolves inside the container, a createContainer path on the host" {
	private_rootfs
	printf '#!/bin/sh\necho in-container > /hooklog/start-ran\n' >"$BUNDLE/rootfs/start-hook"
	chmod +x "$BUNDLE/rootfs/start-hook"
	printf '#!/bin/sh\necho on-host > %s/create-ran\n' "$LOGDIR" >"$BATS_TEST_TMPDIR/create-hook"
	chmod +x "$BATS_TEST_TMPDIR/create-hook"
	update_config '.hooks.startContainer = [{"path": "/start-hook"}] | .hooks.createContainer = [{"path": $c}]' --arg c "$BATS_TEST_TMPDIR/create-hook"
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(cat "$LOGDIR/start-ran")" in-container
	assert_equal "$(cat "$LOGDIR/create-ran")" on-host
}

@test "hooks: createContainer hooks run with the container's rootfs as their cwd" {
	update_config '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "readlink /proc/self/cwd > $LOG/cwd", "createContainer"], "env": [$e]}]' --arg e "LOG=$LOGDIR"
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(cat "$LOGDIR/cwd")" "$(realpath "$BUSYBOX_ROOTFS")"
}

@test "hooks: startContainer hooks run under the seccomp filter, without fds leaked by the caller" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["swapon"], "action": "SCMP_ACT_ERRNO"}]}'
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "grep ^Seccomp: /proc/self/status > /hooklog/seccomp; if [ -e /proc/self/fd/7 ]; then echo leaked; else echo clean; fi > /hooklog/fds"]}]'
	# the caller of create leaks fd 7 into the init
	runtime create -b "$BUNDLE" "$CTR_ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- 7>"$BATS_TEST_TMPDIR/leak"
	runtime start "$CTR_ID"
	run cat "$LOGDIR/seccomp"
	assert_output --regexp '^Seccomp:[[:space:]]+2$'
	assert_equal "$(cat "$LOGDIR/fds")" clean
}

@test "hooks: run runs them all, poststop after the process exited" {
	all_hooks
	set_args sh -c 'echo main > /hooklog/main-ran'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(cat "$LOGDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer poststart poststop "
	assert_file_exists "$LOGDIR/main-ran"
}

@test "hooks: a failing prestart, createRuntime or createContainer hook fails create and leaves nothing" {
	local kind
	for kind in prestart createRuntime createContainer; do
		update_config 'del(.hooks)'
		failing_hook "$kind"
		run runtime create -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_output "rbox-runtime: $kind hook #0 (/bin/sh): exited with status 3: $kind says no"
		assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
		assert_dir_not_exists "$(cgroup_dir_of memory "$CTR_ID")"
	done
}

@test "hooks: a failing startContainer hook fails start; the container is stopped, delete cleans up" {
	failing_hook startContainer
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	run runtime start "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: startContainer hook #0 (/bin/sh): exited with status 3: startContainer says no"
	wait_for 50 0.1 sh -c "! kill -0 $pid 2>/dev/null"
	assert_equal "$(container_status "$CTR_ID")" stopped
	run runtime delete "$CTR_ID"
	assert_success
	# and run gives the same error and removes everything itself
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial "startContainer says no"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "hooks: a failing poststart hook fails start; the container is stopped and removed, poststop runs" {
	# runtime-spec 1.3: generate an error, stop the container, continue with its destruction
	failing_hook poststart
	update_config '.hooks.poststart += [{"path": "/bin/sh", "args": ["sh", "-c", "touch $0/second-poststart", $d]}]' --arg d "$LOGDIR"
	hook poststop
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	run runtime start "$CTR_ID"
	assert_failure
	assert_output --partial "poststart hook #0 (/bin/sh): exited with status 3: poststart says no"
	# the remaining poststart hooks do not run; the poststop ones do
	assert_file_not_exists "$LOGDIR/second-poststart"
	assert_file_exists "$LOGDIR/poststop.stdin"
	wait_for 50 0.1 sh -c "! kill -0 $pid 2>/dev/null"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "hooks: run with a failing poststart hook fails and leaves nothing" {
	failing_hook poststart
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial "poststart says no"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "hooks: a failing poststop hook only warns, and the next poststop hooks still run" {
	update_config '.hooks.poststop = [{"path": "/bin/false"}, {"path": "/bin/sh", "args": ["sh", "-c", "exit 4"]}]'
	hook poststop
	run_bg create -b "$BUNDLE" "$CTR_ID"
	runtime start "$CTR_ID"
	run runtime delete --force "$CTR_ID"
	assert_success
	assert_line --index 0 "rbox-runtime: warning: poststop hook #0 (/bin/false): exited with status 1"
	assert_line --index 1 "rbox-runtime: warning: poststop hook #1 (/bin/sh): exited with status 4"
	assert_equal "$(cat "$LOGDIR/order")" poststop
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "hooks: the timeout kills a slow hook and everything it started" {
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "sleep 31.25; true"], "timeout": 1}]'
	local t0=$SECONDS
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: createRuntime hook #0 (/bin/sh): killed after the 1s timeout"
	[ $((SECONDS - t0)) -lt 6 ]
	run pgrep -f "sleep 31.25"
	assert_failure
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "hooks: a hook that does not read stdin or leaves a child holding stderr does not hang" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", $s]}]' \
		--arg s "sleep 30.5 >&2 & echo \$! > $LOGDIR/child; exit 0"
	set_args true
	local t0=$SECONDS
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	[ $((SECONDS - t0)) -lt 10 ]
	kill "$(cat "$LOGDIR/child")"
}

@test "hooks: a hook that cannot be executed fails create with the reason" {
	update_config '.hooks.createRuntime = [{"path": "/nonexistent/hook"}]'
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: createRuntime hook #0 (/nonexistent/hook): exited with status 127: exec /nonexistent/hook: No such file or directory"
}
