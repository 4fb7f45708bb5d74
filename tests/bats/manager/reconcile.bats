#!/usr/bin/env bats
# Crashes and concurrency: a monitor or rbox killed with SIGKILL, a reboot, 20 commands at once.

load helpers

@test "kill -9 of a monitor: the next command records the exit and cleans up" {
	rbox run -d --name orphan busybox sleep 1000
	local mon pid id
	mon=$(inspect_field orphan .State.MonitorPid)
	pid=$(inspect_field orphan .State.Pid)
	id=$(ctr_id orphan)
	kill -9 "$mon"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	run rbox ps -a
	assert_line --index 1 --regexp 'Exited \(137\) .* orphan$'
	assert_equal "$(inspect_field orphan .State.Error)" "rbox-monitor (pid $mon) died; the container was killed"
	assert_equal "$(inspect_field orphan .State.MonitorPid)" 0
	# the container, its runtime state and its mount are gone; its files are kept
	wait_for 50 0.1 sh -c "! grep -q '^State:.*[RS]' /proc/$pid/status 2>/dev/null"
	assert_equal "$(ls "$RBOX_RUNROOT/runtime")" ""  # (.seccomp-cache stays: compiled filters)
	run grep -F "$RBOX_RUNROOT" /proc/self/mountinfo
	assert_failure
	assert_dir_not_exists "$(cgroup_dir_of pids "$id")"
	assert_dir_exists "$RBOX_ROOT/containers/$id/diff"
	# and it can run again
	run rbox start orphan
	assert_success
	assert_equal "$(ctr_status orphan)" running
}

@test "kill -9 of a monitor of an --rm container: reconcile removes it" {
	rbox run -d --rm --name rmorphan busybox sleep 1000
	local mon
	mon=$(inspect_field rmorphan .State.MonitorPid)
	kill -9 "$mon"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	run rbox ps -aq
	assert_output ""
	manager_leftovers
}

@test "kill -9 of rbox in the middle of a foreground run: the container goes on" {
	rbox_bg "$BATS_TEST_TMPDIR/out" run --name fg busybox sh -c 'echo ready; while :; do sleep 0.1; done'
	wait_for 50 0.1 grep -q ready "$BATS_TEST_TMPDIR/out"
	kill -9 "$BG_PID"
	wait "$BG_PID" || true
	assert_equal "$(ctr_status fg)" running
	run rbox logs fg
	assert_output ready
	run rbox stop -t 1 fg
	assert_success
	assert_equal "$(ctr_status fg)" exited
	assert_equal "$(inspect_field fg .State.ExitCode)" 137
	assert_equal "$(inspect_field fg .State.Error)" ""
}

@test "kill -9 of rbox while it starts a container: no half-started container stays" {
	# a monitor wrapper that kills the rbox which started it, deterministically before "go"
	cat >"$BATS_TEST_TMPDIR/monitor" <<-EOS
		#!/bin/sh
		while [ ! -s "$BATS_TEST_TMPDIR/rbox.pid" ]; do sleep 0.01; done
		kill -9 \$(cat "$BATS_TEST_TMPDIR/rbox.pid")
		sleep 0.2
		exec "$RBOX_BUILD/bin/rbox-monitor" "\$@"
	EOS
	chmod +x "$BATS_TEST_TMPDIR/monitor"
	rbox create --name half busybox sleep 1000
	RBOX_MONITOR="$BATS_TEST_TMPDIR/monitor" "$RBOX_BIN" start half >/dev/null 2>&1 3>&- &
	local rpid=$!
	echo "$rpid" >"$BATS_TEST_TMPDIR/rbox.pid"
	local rc=0
	wait "$rpid" || rc=$?
	assert_equal "$rc" 137
	wait_for 100 0.1 sh -c "[ -z \"\$(pgrep -f -- '--store-root $RBOX_ROOT( |\$)')\" ]"
	assert_equal "$(ctr_status half)" created
	assert_equal "$(inspect_field half .State.MonitorPid)" 0
	assert_equal "$(inspect_field half .State.Error)" "rbox went away before the container started"
	run grep -F "$RBOX_RUNROOT" /proc/self/mountinfo
	assert_failure
	run rbox start half
	assert_success
	assert_equal "$(ctr_status half)" running
}

@test "reboot (boot id changed): running containers become exited with an unknown code" {
	rbox run -d --name boot busybox sleep 1000
	rbox create --name boot-created busybox true
	local id mon pid
	id=$(ctr_id boot)
	mon=$(inspect_field boot .State.MonitorPid)
	pid=$(inspect_field boot .State.Pid)
	# what a reboot leaves: no processes, a state written under another boot id
	kill -9 "$mon" "$pid"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	jq -c '.boot_id = "00000000-0000-0000-0000-000000000000"' "$RBOX_ROOT/containers/$id/state" >"$BATS_TEST_TMPDIR/state" &&
		mv "$BATS_TEST_TMPDIR/state" "$RBOX_ROOT/containers/$id/state"
	run rbox ps -a
	assert_line --regexp 'Exited \(255\) .* boot$'
	assert_line --regexp ' Created +boot-created$'
	assert_equal "$(inspect_field boot .State.Error)" "the host rebooted while the container ran; its exit status is unknown"
	run rbox rm boot
	assert_success
	assert_dir_not_exists "$(cgroup_dir_of pids "$id")"
}

@test "20 concurrent run -d, then 20 concurrent rm -f: the store stays consistent" {
	local i pids=()
	for i in $(seq 1 20); do
		"$RBOX_BIN" run -d busybox sleep 1000 >"$BATS_TEST_TMPDIR/id.$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	cat "$BATS_TEST_TMPDIR"/id.* | grep -cE '^[0-9a-f]{64}$' >"$BATS_TEST_TMPDIR/n"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/n")" 20
	run rbox ps --format json
	assert_equal "${#lines[@]}" 20
	assert_equal "$(echo "$output" | jq -r .State | sort -u)" running
	assert_equal "$(echo "$output" | jq -r .Names | sort -u | wc -l)" 20
	assert_equal "$(ls "$RBOX_ROOT/names" | wc -l)" 20
	# concurrent readers and writers of the same containers
	pids=()
	for i in $(seq 1 20); do
		"$RBOX_BIN" rm -f "$(cat "$BATS_TEST_TMPDIR/id.$i")" >/dev/null 2>&1 3>&- &
		pids+=($!)
		"$RBOX_BIN" ps -a >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	run rbox ps -aq
	assert_output ""
	manager_leftovers
}

@test "concurrent renames and creates never give two containers one name" {
	local i pids=()
	for i in $(seq 1 10); do
		"$RBOX_BIN" create --name "same" busybox true >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || true
	done
	run rbox ps -a --format json
	assert_equal "$(echo "$output" | jq -r .Names)" same
}

# kill -9 the monitor, then the init, of a running container (by PID): what a reboot leaves
crash_ctr() {
	local mon pid
	mon=$(inspect_field "$1" .State.MonitorPid)
	pid=$(inspect_field "$1" .State.Pid)
	kill -9 "$mon"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	kill -9 "$pid"
	wait_for 50 0.1 sh -c "! grep -q '^State:.*[RS]' /proc/$pid/status 2>/dev/null"
}

@test "system reconcile after a simulated reboot: always and unless-stopped come back, no and stopped ones stay" {
	local c
	for c in al us no alstop usstop; do
		local policy=${c%stop}
		[ "$policy" = al ] && policy=always
		[ "$policy" = us ] && policy=unless-stopped
		rbox run -d --name "$c" --restart "$policy" busybox sleep 1000 >/dev/null
	done
	rbox run -d --rm --name gone busybox sleep 1000 >/dev/null
	# stopped by the user before the "reboot"
	rbox stop -t 0 alstop usstop >/dev/null
	for c in al us no gone; do
		crash_ctr "$c"
	done
	# nothing has looked at them yet: reconcile records the dead monitors and starts what the
	# policies say (docker's daemon start: always even when stopped by the user)
	run rbox system reconcile
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "al alstop us "
	assert_equal "$(ctr_status al)" running
	assert_equal "$(ctr_status alstop)" running
	assert_equal "$(ctr_status us)" running
	assert_equal "$(ctr_status no)" exited
	assert_equal "$(ctr_status usstop)" exited
	assert_equal "$(inspect_field no .State.ExitCode)" 255
	run inspect_field no .State.Error
	assert_output --regexp '^rbox-monitor \(pid [0-9]+\) died'
	run rbox inspect gone
	assert_failure
	# a second reconcile finds nothing to do; the restarted ones run under new monitors
	run rbox system reconcile
	assert_success
	assert_output ""
	run rbox exec al true
	assert_success
	# a start by the user clears "stopped by the user": unless-stopped comes back again
	rbox start usstop >/dev/null
	crash_ctr usstop
	run rbox system reconcile
	assert_output usstop
	run rbox system reconcile extra
	assert_failure 125
	assert_equal "${#lines[@]}" 1
	rbox rm -f al alstop us no usstop >/dev/null
	manager_leftovers
}
