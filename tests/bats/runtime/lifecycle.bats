#!/usr/bin/env bats
# create / start / state / kill / delete / run / list: the OCI lifecycle and its errors.

load ../helpers

@test "run: prints the container's output and exits 0" {
	set_args sh -c 'echo hello from $(hostname)'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "hello from busybox"
}

@test "run: propagates the exit code" {
	set_args sh -c 'exit 42'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_equal "$status" 42
}

@test "run: a process killed by a signal exits 128+N" {
	# pid 1 of a pid namespace cannot be killed from inside it: share the host's pid namespace
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c 'kill -9 $$'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_equal "$status" 137
}

@test "run: the container's process is pid 1" {
	set_args sh -c 'echo $$'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "1"
}

@test "run: uses the current directory as the bundle by default" {
	set_args echo cwd-bundle
	cd "$BUNDLE"
	run runtime run "$CTR_ID"
	assert_success
	assert_output "cwd-bundle"
}

@test "run: forwards signals to the container" {
	set_args sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	"$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local rpid=$!
	wait_for 50 0.1 grep -q ready "$BATS_TEST_TMPDIR/out"
	kill -TERM "$rpid"
	local rc=0
	wait "$rpid" || rc=$?
	assert_equal "$rc" 7
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial got-term
}

@test "run --detach: returns at once; the container keeps running" {
	run_bg run -d -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID"
	assert_success
	assert_equal "$(container_status "$CTR_ID")" running
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$(container_pid "$CTR_ID")"
	run runtime delete "$CTR_ID"
	assert_failure
	assert_output --partial "is running"
	run runtime delete --force "$CTR_ID"
	assert_success
}

@test "create: the container waits in 'created' until start" {
	set_args sh -c 'echo started > /tmp/marker; sleep 1000'
	run_bg create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID"
	assert_success
	assert_equal "$(container_status "$CTR_ID")" created
	local pid
	pid=$(container_pid "$CTR_ID")
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
	# the user's process has not run yet: the init is still the runtime image
	run cat /proc/"$pid"/root/tmp/marker
	assert_failure
	run runtime start "$CTR_ID"
	assert_success
	assert_equal "$(container_status "$CTR_ID")" running
	wait_for 50 0.1 test -f /proc/"$pid"/root/tmp/marker
	run runtime kill "$CTR_ID" KILL
	assert_success
	wait_for 50 0.1 sh -c "[ \"\$($RUNTIME_BIN --root $STATE_ROOT state $CTR_ID | jq -r .status)\" = stopped ]"
	run runtime state "$CTR_ID"
	assert_success
	assert_equal "$(echo "$output" | jq .pid)" 0
	run runtime delete "$CTR_ID"
	assert_success
	run runtime state "$CTR_ID"
	assert_failure
	assert_output --partial "does not exist"
}

@test "state: reports the OCI fields" {
	update_config '.annotations = {"org.example.key": "value"}'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	run runtime state "$CTR_ID"
	assert_success
	assert_equal "$(echo "$output" | jq -r .id)" "$CTR_ID"
	assert_equal "$(echo "$output" | jq -r .bundle)" "$BUNDLE"
	assert_equal "$(echo "$output" | jq -r .ociVersion)" 1.2.0
	assert_equal "$(echo "$output" | jq -r '.annotations["org.example.key"]')" value
	[ "$(echo "$output" | jq .pid)" -gt 1 ]
}

@test "create: a duplicate ID is refused and the first container is untouched" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: container \"$CTR_ID\" already exists"
	assert_equal "$(container_status "$CTR_ID")" created
}

@test "create: invalid IDs are refused" {
	local id
	for id in "a/b" ".." "." "with space" "$(printf 'x%.0s' {1..1100})"; do
		run runtime create -b "$BUNDLE" "$id"
		assert_failure
		assert_output --regexp "invalid container id|longer than 1024"
	done
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "create: --preserve-fds passes extra fds, and nothing else leaks" {
	set_args sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "; cat <&3'
	echo "through-fd-3" >"$BATS_TEST_TMPDIR/extra"
	run runtime run -b "$BUNDLE" --preserve-fds 1 "$CTR_ID" 3<"$BATS_TEST_TMPDIR/extra"
	assert_success
	# 0-2, the preserved fd 3, and the fd ls itself opens for the directory
	assert_output --partial "0 1 2 3 4 through-fd-3"
}

@test "start: errors for a running, stopped or unknown container" {
	set_args sh -c 'exit 0'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	runtime start "$CTR_ID"
	wait_for 50 0.1 sh -c "[ \"\$($RUNTIME_BIN --root $STATE_ROOT state $CTR_ID | jq -r .status)\" = stopped ]"
	run runtime start "$CTR_ID"
	assert_failure
	assert_output --partial "it is stopped"
	run runtime start nosuch
	assert_failure
	assert_output 'rbox-runtime: container "nosuch" does not exist'
}

@test "kill: signal names and numbers; unknown signals are refused" {
	set_args sh -c 'trap "echo usr1 >> /tmp/log" USR1; trap "exit 3" TERM; while :; do sleep 0.1; done'
	update_config '.mounts |= map(select(.destination != "/tmp"))'
	private_rootfs
	run_bg create -b "$BUNDLE" "$CTR_ID"
	runtime start "$CTR_ID"
	sleep 0.3
	# standard signals do not queue: wait for each one to be handled before the next
	local n=1 sig
	for sig in USR1 SIGUSR1 10; do
		run runtime kill "$CTR_ID" "$sig"
		assert_success
		wait_for 50 0.1 sh -c "[ \"\$(cat $BUNDLE/rootfs/tmp/log 2>/dev/null | wc -l)\" -ge $n ]"
		n=$((n + 1))
	done
	run runtime kill "$CTR_ID" NOPE
	assert_failure
	assert_output 'rbox-runtime: kill: unknown signal "NOPE"'
	run runtime kill "$CTR_ID"
	assert_success
	wait_for 50 0.1 sh -c "[ \"\$($RUNTIME_BIN --root $STATE_ROOT state $CTR_ID | jq -r .status)\" = stopped ]"
	run runtime kill "$CTR_ID" KILL
	assert_failure
	assert_output --partial "is not running"
}

@test "kill: a created container dies on TERM" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	run runtime kill "$CTR_ID" TERM
	assert_success
	wait_for 50 0.1 sh -c "[ \"\$($RUNTIME_BIN --root $STATE_ROOT state $CTR_ID | jq -r .status)\" = stopped ]"
}

@test "kill ID 0: only checks that the container is alive (kill(2)'s signal 0, as runc)" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	run runtime kill "$CTR_ID" 0
	assert_success
	assert_output ""
	assert_equal "$(container_status "$CTR_ID")" created
	runtime start "$CTR_ID"
	run runtime kill "$CTR_ID" 0
	assert_success
	assert_equal "$(container_status "$CTR_ID")" running
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 sh -c "[ \"\$($RUNTIME_BIN --root $STATE_ROOT state $CTR_ID | jq -r .status)\" = stopped ]"
	run runtime kill "$CTR_ID" 0
	assert_failure
	assert_output "rbox-runtime: container \"$CTR_ID\" is not running"
}

@test "kill --all: signals every process in the container" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	wait_for 50 0.1 sh -c "[ \$(cat $(cgroup_dir_of pids "$CTR_ID")/cgroup.procs | wc -l) -eq 3 ]"
	run runtime kill --all "$CTR_ID" KILL
	assert_success
	wait_for 50 0.1 sh -c "[ -z \"\$(cat $(cgroup_dir_of pids "$CTR_ID")/cgroup.procs)\" ]"
}

@test "delete: a created container is deleted without --force" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	local pid
	pid=$(container_pid "$CTR_ID")
	run runtime delete "$CTR_ID"
	assert_success
	wait_for 50 0.1 sh -c "! kill -0 $pid 2>/dev/null"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "delete: an unknown container fails with does not exist; with --force it succeeds silently" {
	run runtime delete nosuch
	assert_failure
	assert_output 'rbox-runtime: container "nosuch" does not exist'
	# as runc: podman runs delete --force after a failed create and when its cleanups race
	run runtime delete --force nosuch
	assert_success
	assert_output ''
	run runtime delete -f nosuch
	assert_success
	assert_output ''
	# a malformed ID is still refused
	run runtime delete --force ../x
	assert_failure
}

@test "delete: removes the container's cgroup" {
	requires cgroup
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	local d
	for d in memory pids cpu; do
		assert_dir_exists "$(cgroup_dir_of $d "$CTR_ID")"
	done
	run runtime delete --force "$CTR_ID"
	assert_success
	for d in memory pids cpu; do
		assert_dir_not_exists "$(cgroup_dir_of $d "$CTR_ID")"
	done
}

@test "delete --force: sub-cgroups made inside the container's cgroup go too, with their processes" {
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
	local dirs d first
	dirs=$(cgroup_dirs_of "$CTR_ID")
	for d in $dirs; do
		mkdir -p "$d/sub/deeper" "$d/other"
	done
	# a process of the container in the deepest one
	run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID" sleep 1000
	assert_success
	# (pids or cgroup2: a new v1 cpuset cgroup would have no CPUs)
	first=$(jq -r '[.cgroup.hierarchies[] | select(.name == "pids" or .v2)][0].dir' \
		"$STATE_ROOT/$CTR_ID/state.json")
	cat "$BATS_TEST_TMPDIR/pid" >"$first/sub/deeper/cgroup.procs"
	run runtime delete --force "$CTR_ID"
	assert_success
	assert_output ""
	for d in $dirs; do
		assert_dir_not_exists "$d"
	done
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "list: table, json and quiet" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	run runtime list
	assert_success
	assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER$'
	assert_line --index 1 --regexp "^$CTR_ID +[0-9]+ +created +$BUNDLE "
	run runtime list --format json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].id')" "$CTR_ID"
	assert_equal "$(echo "$output" | jq -r '.[0].status')" created
	run runtime list -q
	assert_output "$CTR_ID"
	run runtime list --format yaml
	assert_failure
	assert_output --partial 'unknown format "yaml"'
}

@test "run: a missing executable fails create with exit 127 and leaves nothing" {
	set_args no-such-binary
	run -127 runtime run -b "$BUNDLE" "$CTR_ID"
	assert_equal "$status" 127
	assert_output 'rbox-runtime: exec: "no-such-binary": executable file not found in $PATH'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "run --keep: the stopped container stays (state and cgroup) until delete" {
	set_args sh -c 'echo bye; exit 3'
	run runtime run --keep -b "$BUNDLE" "$CTR_ID"
	assert_equal "$status" 3
	assert_output bye
	assert_equal "$(container_status "$CTR_ID")" stopped
	local dirs d
	dirs=$(cgroup_dirs_of "$CTR_ID")
	[ -n "$dirs" ]
	for d in $dirs; do
		assert_dir_exists "$d"
	done
	run runtime delete "$CTR_ID"
	assert_success
	for d in $dirs; do
		assert_dir_not_exists "$d"
	done
	assert_equal "$(ls -A "$STATE_ROOT")" ""
	# a create that fails leaves nothing, --keep or not
	set_args no-such-binary
	run -127 runtime run --keep -b "$BUNDLE" "$CTR_ID"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "create: a missing executable is reported by create" {
	set_args /bin/nope
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial 'exec: "/bin/nope": stat /bin/nope: No such file or directory'
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}
