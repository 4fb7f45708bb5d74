#!/usr/bin/env bats
# stop, kill, rm -f and restart of several containers run in parallel, their output in argument
# order. Asserted by the order of events, not by wall time: with stop -t 3 of containers whose
# PID 1 ignores SIGTERM, every one got its SIGTERM (a line in its log, timestamped by the
# monitor) before the first was killed (its FinishedAt).

load helpers

# stubborn NAME...: running containers that log "got-term" on SIGTERM and keep running
stubborn() {
	local n
	for n in "$@"; do
		rbox run -d --name "$n" busybox \
			sh -c 'trap "echo got-term" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
	done
	for n in "$@"; do
		wait_for 100 0.1 sh -c "'$RBOX_BIN' logs $n | grep -q ready"
	done
}

# ns since the epoch of an RFC 3339 timestamp with nanoseconds
ts_ns() {
	local s=${1%Z} frac
	frac=${s#*.}
	frac=$(printf '%-9s' "$frac" | tr ' ' 0)
	echo "$(date -u -d "${s%.*}" +%s)${frac:0:9}"
}

@test "stop of several containers that ignore SIGTERM: all get SIGTERM before any is killed" {
	local names=(p1 p2 p3 p4 p5)
	stubborn "${names[@]}"
	run rbox stop -t 3 "${names[@]}"
	assert_success
	assert_output "$(printf '%s\n' "${names[@]}")"
	local n last_term=0 first_kill= t
	for n in "${names[@]}"; do
		assert_equal "$(inspect_field "$n" .State.ExitCode)" 137
		t=$(ts_ns "$(grep ' stdout F got-term$' "$RBOX_ROOT/containers/$(ctr_id "$n")/ctr.log" | head -1 | cut -d' ' -f1)")
		[ "$t" -gt "$last_term" ] && last_term=$t
		t=$(ts_ns "$(inspect_field "$n" .State.FinishedAt)")
		[ -z "$first_kill" ] || [ "$t" -lt "$first_kill" ] && first_kill=$t
	done
	[ "$last_term" -lt "$first_kill" ] ||
		fail "a container was killed ($first_kill) before the last one got SIGTERM ($last_term)"
}

@test "kill, rm -f, restart of several: output in argument order; an error is one line, 125" {
	stubborn k1 k2 k3
	run --separate-stderr rbox kill -s USR1 k3 nosuch k1 k2
	assert_equal "$status" 125
	assert_output "$(printf 'k3\nk1\nk2')"
	assert_equal "$stderr" "rbox: no such container: nosuch"
	run rbox restart -t 0 k2 k1 k3
	assert_success
	assert_output "$(printf 'k2\nk1\nk3')"
	for n in k1 k2 k3; do
		assert_equal "$(ctr_status "$n")" running
	done
	run rbox rm -f k1 k3 k2
	assert_success
	assert_output "$(printf 'k1\nk3\nk2')"
	run rbox ps -aq
	assert_output ""
}

@test "ps and inspect while the monitor rewrites the state: never a torn or missing state" {
	# The monitor swaps each new state in with RENAME_EXCHANGE and rewrites the old inode next
	# time (docs/manager.md): a reader must read the whole old or the whole new state.
	rbox run -d --name steady busybox sleep 30 >/dev/null
	(for i in $(seq 15); do rbox run --rm busybox true >/dev/null || exit 1; done) &
	local writer=$! n=0
	while kill -0 "$writer" 2>/dev/null; do
		run rbox ps -a --format '{{.Names}} {{.Status}}'
		assert_success
		refute_output --partial "rbox:"
		run rbox inspect --format '{{.State.Status}}' steady
		assert_success
		assert_output running
		n=$((n + 1))
	done
	wait "$writer"
	[ "$n" -gt 0 ]
	rbox rm -f steady >/dev/null
}
