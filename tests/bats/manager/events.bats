#!/usr/bin/env bats
# rbox events (cmd/events.c, common/events.c): what the manager and the monitors record, as
# docker events prints it: past events with --since/--until, new ones as they come, filters.

load helpers

past() { # ARGS...: every event up to now
	rbox events --since 10m --until 0s "$@"
}

@test "events: a container's life in order, with docker's actions and attributes" {
	rbox run -d --name ev1 busybox sleep 300 >/dev/null
	rbox stop -t 0 ev1 >/dev/null
	rbox rename ev1 ev2
	rbox rm ev2 >/dev/null
	run past --filter type=container --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "signal"}}'
	assert_success
	# stop -t 0: SIGTERM, then SIGKILL at once (two kill events, as docker's)
	assert_output "container create ev1 
container start ev1 
container kill ev1 15
container kill ev1 9
container die ev1 
container stop ev1 
container rename ev2 
container destroy ev2 "
	# die carries the exit code; the default text names the ID and the attributes
	run past --filter event=die
	assert_output --regexp "^[0-9T:.-]+Z container die $(printf '%s' '[0-9a-f]{64}') \(exitCode=137, image=busybox, name=ev1\)$|^[0-9T:.-]+Z container die [0-9a-f]{64} \(image=busybox, name=ev1, exitCode=137\)$"
}

@test "events: --format json has docker's keys; filters AND across keys, OR within one" {
	rbox volume create evvol >/dev/null
	rbox run --rm --name evrun busybox true
	run past --format json --filter type=volume
	assert_success
	assert_equal "$(jq -r '[.Type, .Action, .Actor.ID, .id, .status, .scope] | join(" ")' <<<"$output")" \
		"volume create evvol evvol create local"
	[ "$(jq -r .timeNano <<<"$output")" -gt 0 ]
	run past --filter container=evrun --filter event=start --filter event=destroy --format '{{.Action}}'
	assert_output "start
destroy"
	run past --filter container=evrun --filter type=volume --format '{{.Action}}'
	assert_output ""
}

@test "events: without --since only new events, as they happen" {
	rbox run --rm --name before busybox true
	timeout 60 "$RBOX_BIN" events --format '{{.Action}} {{.Actor.Attributes.name}}' >"$BATS_TEST_TMPDIR/ev" &
	local pid=$!
	sleep 0.5
	rbox run --rm --name after busybox true
	local i
	for i in $(seq 100); do
		grep -q 'destroy after' "$BATS_TEST_TMPDIR/ev" && break
		sleep 0.1
	done
	kill "$pid"
	wait "$pid" || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line 'create after'
	assert_line 'start after'
	assert_line 'destroy after'
	refute_output --partial before
}

@test "events: bad input is one line" {
	run -125 rbox events --filter bogus=1 --until 0s
	assert_output --partial 'invalid filter "bogus=1"'
	run -125 rbox events --since yesterday
	assert_output --partial 'invalid value "yesterday" for --since'
}
