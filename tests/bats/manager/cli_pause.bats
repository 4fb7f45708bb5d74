#!/usr/bin/env bats
# rbox pause / unpause as docker's: frozen processes, "paused" in ps and inspect, and stop,
# kill and rm -f work on a paused container.

load helpers

file_differs() { # FILE TEXT (for wait_for: read on every try)
	[ "$(cat "$1")" != "$2" ]
}

# a container that writes a counter: tick NAME prints it
start_ticker() {
	rbox run -d --name "$1" busybox sh -c 'trap "exit 9" TERM; i=0; while :; do i=$((i+1)); echo $i >/n; sleep 0.02; done' >/dev/null
	wait_for 50 0.1 rbox exec "$1" test -s /n
}

@test "pause: the processes stop, ps and inspect say paused; unpause: they go on" {
	start_ticker tick
	run rbox pause tick
	assert_success
	assert_output tick
	run rbox inspect -f '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' tick
	assert_output "paused true true"
	run rbox ps --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output --regexp '^tick paused Up .* \(Paused\)$'
	run rbox ps -f status=paused -q
	assert_output "$(ctr_id tick | cut -c1-12)"
	# frozen: the counter does not move
	local upper a b
	upper=$(inspect_field tick .GraphDriver.Data.UpperDir)
	a=$(cat "$upper/n")
	sleep 0.3
	b=$(cat "$upper/n")
	[ "$a" = "$b" ]
	# exec waits for unpause, as docker says
	run rbox exec tick true
	assert_failure 125
	assert_output --partial paused
	run rbox unpause tick
	assert_success
	assert_output tick
	assert_equal "$(ctr_status tick)" running
	wait_for 50 0.1 file_differs "$upper/n" "$b"
}

@test "pause / unpause: not running, already paused, not paused: one error line, exit 125" {
	rbox create --name made busybox true >/dev/null
	run rbox pause made
	assert_failure 125
	assert_output "rbox: container made is not running"
	start_ticker tick
	run rbox unpause tick
	assert_failure 125
	assert_output "rbox: container tick is not paused"
	rbox pause tick
	run rbox pause tick
	assert_failure 125
	assert_output "rbox: container tick is already paused"
	run rbox pause nosuch
	assert_failure 125
	[ "${#lines[@]}" -eq 1 ]
	run rbox pause --help
	assert_output --partial 'Usage: rbox pause CONTAINER'
}

@test "stop, kill and rm -f of a paused container: the signal is delivered" {
	start_ticker s1
	rbox pause s1
	run rbox stop -t 20 s1
	assert_success
	# SIGTERM reached the trap (exit 9): not the SIGKILL after the timeout
	assert_equal "$(inspect_field s1 .State.ExitCode)" 9
	assert_equal "$(ctr_status s1)" exited
	start_ticker k1
	rbox pause k1
	rbox kill -s TERM k1
	run rbox wait k1
	assert_output 9
	start_ticker r1
	rbox pause r1
	run rbox rm -f r1
	assert_success
	run rbox ps -aq
	[ "$(echo "$output" | wc -w)" -eq 2 ]
}
