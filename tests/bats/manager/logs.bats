#!/usr/bin/env bats
# rbox logs and the k8s-file log format the monitor writes.

load helpers

@test "logs: stdout to stdout, stderr to stderr; the file is k8s-file format" {
	rbox run --name l1 busybox sh -c 'echo out1; echo err1 >&2; printf partial'
	rbox logs l1 >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/o")" "$(printf 'out1\npartial')"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/e")" "err1"
	local log
	log=$(inspect_field l1 .LogPath)
	run cat "$log"
	assert_line --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z stdout F out1$'
	assert_line --regexp '^[^ ]+ stderr F err1$'
	# a last line without a newline is a partial entry
	assert_line --regexp '^[^ ]+ stdout P partial$'
}

@test "logs: 10,000 lines are complete and in order" {
	rbox run --name many busybox sh -c 'seq 1 10000; seq 1 3 >&2' >/dev/null 2>&1
	rbox logs many >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	seq 1 10000 >"$BATS_TEST_TMPDIR/expected"
	run cmp "$BATS_TEST_TMPDIR/o" "$BATS_TEST_TMPDIR/expected"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/e" | tr '\n' ' ')" "1 2 3 "
	# the foreground stream got them all too
	rbox run busybox seq 1 10000 >"$BATS_TEST_TMPDIR/fg"
	run cmp "$BATS_TEST_TMPDIR/fg" "$BATS_TEST_TMPDIR/expected"
	assert_success
}

@test "logs --tail N: the last N lines" {
	rbox run --name t1 busybox seq 1 100 >/dev/null
	run rbox logs --tail 3 t1
	assert_output "$(printf '98\n99\n100')"
	run rbox logs --tail 0 t1
	assert_output ""
	run rbox logs --tail all t1
	assert_equal "${#lines[@]}" 100
	run -125 rbox logs --tail x t1
	assert_output 'rbox: invalid value "x" for --tail: expected a number or all'
}

@test "logs -t: RFC 3339 timestamps" {
	rbox run --name ts busybox echo stamped >/dev/null
	run rbox logs -t ts
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z stamped$'
}

@test "logs --since: a timestamp or a duration" {
	rbox run -d --name since busybox sh -c 'echo early; sleep 1.2; echo late; sleep 1000'
	wait_for 50 0.1 sh -c "$RBOX_BIN logs since | grep -q late"
	local t
	t=$(rbox logs -t since | awk '/late/ { print $1 }')
	run rbox logs --since "$t" since
	assert_output late
	run rbox logs --since 1h since
	assert_output "$(printf 'early\nlate')"
	run rbox logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" since
	assert_output ""
	run rbox logs --since "$(($(date +%s) + 3600))" since
	assert_output ""
	run rbox logs --since "$(($(date +%s) - 3600)).5" since
	assert_output "$(printf 'early\nlate')"
	run rbox logs --since "$(date +%s)000" since
	assert_output ""
	run -125 rbox logs --since yesterday since
	assert_output --partial 'invalid value "yesterday" for --since'
}

@test "logs -f: follows until the container stops" {
	rbox run -d --name fol busybox sh -c 'echo one; sleep 1; echo two; sleep 0.5; exit 0'
	run timeout 20 "$RBOX_BIN" logs -f fol
	assert_success
	assert_output "$(printf 'one\ntwo')"
}

@test "logs: the log survives a kill -9 of the monitor" {
	rbox run -d --name survive busybox sh -c 'echo before; sleep 1000'
	wait_for 50 0.1 sh -c "$RBOX_BIN logs survive | grep -q before"
	kill -9 "$(inspect_field survive .State.MonitorPid)"
	run rbox logs survive
	assert_output before
}

@test "logs 2>&1: stdout and stderr interleaved in written order; apart when they differ" {
	rbox run --name mix busybox sh -c \
		'for i in 1 2 3; do echo out$i; sleep 0.1; echo err$i >&2; sleep 0.1; done' >/dev/null 2>&1
	local log="$RBOX_ROOT/containers/$(ctr_id mix)/ctr.log"
	# the order the monitor recorded (one record per line here)
	local want
	want=$(awk '{ print $4 }' "$log")
	# the log has them interleaved (else this test would prove nothing)
	assert_equal "$(awk '{ print $2 }' "$log" | uniq | wc -l)" 6
	run sh -c "'$RBOX_BIN' logs mix 2>&1"
	assert_output "$want"
	# through a pipe too (the same pipe on both fds)
	run sh -c "'$RBOX_BIN' logs mix 2>&1 | cat"
	assert_output "$want"
	# split when they go to different places
	run --separate-stderr rbox logs mix
	assert_output "$(printf 'out1\nout2\nout3')"
	assert_equal "$stderr" "$(printf 'err1\nerr2\nerr3')"
}
