#!/usr/bin/env bats
# rbox wait [--condition not-running|next-exit|removed], as docker's.

load helpers

status_is() { # NAME STATUS (for wait_for: evaluated on every try)
	[ "$(ctr_status "$1")" = "$2" ]
}

@test "wait: exit codes in argument order; a stopped container answers at once" {
	rbox run --name done busybox sh -c 'exit 3' || true
	rbox run -d --name later busybox sh -c 'sleep 0.5; exit 4' >/dev/null
	run rbox wait later done
	assert_success
	assert_output $'4\n3'
	run rbox wait --condition not-running done
	assert_output 3
	run rbox wait nosuch
	assert_failure 125
	assert_output --partial 'nosuch'
}

@test "wait --condition next-exit: a stopped container is waited for until it ran again" {
	rbox run --name ne busybox sh -c 'test -f /again && exit 7; touch /again; exit 5' || true
	local out="$BATS_TEST_TMPDIR/wait.out"
	rbox wait --condition next-exit ne >"$out" 2>&1 3>&- &
	local pid=$!
	sleep 0.3
	# still waiting: the exit that happened before does not count
	[ ! -s "$out" ]
	kill -0 "$pid"
	rbox start ne >/dev/null
	wait "$pid"
	assert_equal "$(cat "$out")" 7
}

@test "wait --condition removed: until rm, and an --rm container's code" {
	rbox run -d --name rr busybox sh -c 'exit 3' >/dev/null
	local out="$BATS_TEST_TMPDIR/wait.out"
	rbox wait --condition removed rr >"$out" 2>&1 3>&- &
	local pid=$!
	wait_for 50 0.1 status_is rr exited
	sleep 0.3
	[ ! -s "$out" ]
	kill -0 "$pid"
	rbox rm rr >/dev/null
	wait "$pid"
	assert_equal "$(cat "$out")" 3
	rbox run -d --rm --name gone busybox sh -c 'sleep 0.5; exit 6' >/dev/null
	run rbox wait --condition removed gone
	assert_success
	assert_output 6
	run rbox ps -aq
	assert_output ""
}

@test "wait --condition: a bad value is one error line" {
	rbox create --name cc busybox true >/dev/null
	run rbox wait --condition stopped cc
	assert_failure 125
	assert_output 'rbox: invalid value "stopped" for --condition: not-running, next-exit or removed'
	run rbox wait --help
	assert_output --partial 'next-exit'
}
