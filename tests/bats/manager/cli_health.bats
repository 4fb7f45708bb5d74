#!/usr/bin/env bats
# Health checks as docker's: --health-* flags and the image's HEALTHCHECK, run by rbox-monitor;
# State.Health in inspect, "(healthy)" in ps, ps --filter health=, health_status events,
# rbox healthcheck run.

load api_helpers

health_is() { # NAME STATUS
	[ "$(rbox inspect -f '{{.State.Health.Status}}' "$1")" = "$2" ]
}

@test "--health-cmd: starting, unhealthy after the retries, healthy once the check passes" {
	rbox run -d --name hc --health-cmd 'test -e /tmp/ok' --health-interval 200ms \
		--health-retries 2 busybox sleep 1000 >/dev/null
	run rbox inspect -f '{{json .Config.Healthcheck}}' hc
	assert_output '{"Test":["CMD-SHELL","test -e /tmp/ok"],"Interval":200000000,"Retries":2}'
	wait_for 100 0.1 health_is hc unhealthy
	run rbox inspect -f '{{.State.Health.FailingStreak}}' hc
	[ "$output" -ge 2 ]
	run rbox ps --format '{{.Status}}'
	assert_output --regexp '^Up .* \(unhealthy\)$'
	run rbox ps -q --filter health=unhealthy
	assert_output "$(ctr_id hc | cut -c1-12)"
	rbox exec hc touch /tmp/ok
	wait_for 100 0.1 health_is hc healthy
	run rbox inspect -f '{{.State.Health.FailingStreak}}' hc
	assert_output 0
	run rbox ps
	assert_line --index 1 --regexp ' Up .* \(healthy\) +hc$'
	run rbox ps -q --filter health=healthy
	assert_output "$(ctr_id hc | cut -c1-12)"
	run rbox ps -q --filter health=unhealthy
	assert_output ""
	# the log: the last 5 checks, each with its times, exit code and output
	run rbox inspect -f '{{len .State.Health.Log}}' hc
	[ "$output" -ge 1 ] && [ "$output" -le 5 ]
	run rbox inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{end}}' hc
	assert_output --regexp '0 $'
	# the changes of status are events
	run rbox events --since 1h --until 0s --filter container=hc --format '{{.Action}}'
	assert_line 'health_status: unhealthy'
	assert_line 'health_status: healthy'
	# docker's event=health_status matches every status
	run rbox events --since 1h --until 0s --filter event=health_status --format '{{.Action}}'
	assert_line --index 0 'health_status: unhealthy'
	assert_line 'health_status: healthy'
	refute_line --partial start
}

@test "the check's output and exit code are in the log; a check that hangs times out" {
	rbox run -d --name out --health-cmd 'echo checking; exit 3' --health-interval 200ms \
		busybox sleep 1000 >/dev/null
	wait_for 100 0.1 sh -c "[ \"\$($RBOX_BIN inspect -f '{{len .State.Health.Log}}' out)\" -ge 1 ]"
	run rbox inspect -f '{{with index .State.Health.Log 0}}{{.ExitCode}} {{json .Output}}{{end}}' out
	assert_output '3 "checking\n"'
	rbox run -d --name hang --health-cmd 'sleep 1000' --health-interval 200ms \
		--health-timeout 300ms --health-retries 1 busybox sleep 1000 >/dev/null
	wait_for 100 0.1 health_is hang unhealthy
	run rbox inspect -f '{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}' hang
	assert_output '-1 Health check exceeded timeout (300ms)'
	# each timed-out check's process was killed in the container: the init and at most the
	# one check running now are left
	wait_for 100 0.1 sh -c "[ \"\$($RBOX_BIN inspect -f '{{len .State.Health.Log}}' hang)\" -ge 3 ]"
	run sh -c "$RBOX_BIN top hang | grep -c 'sleep 1000'"
	[ "$output" -le 2 ]
	rbox rm -f out hang
	manager_leftovers
}

@test "--health-start-period: failures in it do not count" {
	rbox run -d --name sp --health-cmd false --health-interval 200ms --health-retries 1 \
		--health-start-period 1h busybox sleep 1000 >/dev/null
	wait_for 100 0.1 sh -c "[ \"\$($RBOX_BIN inspect -f '{{len .State.Health.Log}}' sp)\" -ge 3 ]"
	run rbox inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' sp
	assert_output 'starting 0'
	run rbox ps --format '{{.Status}}'
	assert_output --regexp '^Up .* \(health: starting\)$'
	run rbox ps -q --filter health=starting
	assert_output "$(ctr_id sp | cut -c1-12)"
}

@test "rbox healthcheck run: a check now, exit 0 healthy, 1 unhealthy, 125 without a check" {
	rbox run -d --name now --health-cmd 'test -e /tmp/ok' --health-interval 1h busybox \
		sleep 1000 >/dev/null
	run rbox inspect -f '{{.State.Health.Status}} {{len .State.Health.Log}}' now
	assert_output 'starting 0'
	run rbox healthcheck run now
	assert_failure 1
	assert_output starting
	rbox exec now touch /tmp/ok
	run rbox healthcheck run now
	assert_success
	assert_output healthy
	run rbox inspect -f '{{.State.Health.Status}} {{len .State.Health.Log}}' now
	assert_output 'healthy 2'
	# no check, not running, no such container: one line, 125
	rbox run -d --name plain busybox sleep 1000 >/dev/null
	run rbox healthcheck run plain
	assert_failure 125
	assert_output 'rbox: container plain has no health check'
	run rbox ps -q --filter health=none
	assert_output "$(ctr_id plain | cut -c1-12)"
	run rbox inspect -f '{{json .State.Health}}' plain
	assert_failure
	rbox stop -t 1 now >/dev/null
	run rbox healthcheck run now
	assert_failure 125
	assert_output 'rbox: container now is not running'
	run rbox healthcheck run nosuch
	assert_failure 125
	assert_output 'rbox: no such container: nosuch'
}

@test "--no-healthcheck and bad health flags: one line, exit 125, nothing created" {
	rbox create --name none --no-healthcheck busybox true >/dev/null
	run rbox inspect -f '{{json .Config.Healthcheck}}' none
	assert_output '{"Test":["NONE"]}'
	rbox rm none >/dev/null
	local bad
	for bad in "--no-healthcheck --health-cmd true" "--health-interval 10x" \
		"--health-interval 10us" "--health-timeout -1s" "--health-retries -1" \
		"--health-retries x" "--health-start-period y" "--health-cmd="; do
		# shellcheck disable=SC2086
		run rbox run -d $bad busybox true
		assert_failure 125
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '^rbox: .*health'
	done
	run rbox ps -aq
	assert_output ""
	manager_leftovers
}

@test "a Containerfile's HEALTHCHECK is the image's Healthcheck; run's flags replace its parts" {
	local ctx="$BATS_TEST_TMPDIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD ["test", "-e", "/ok"]\n' \
		>"$ctx/Containerfile"
	rbox build -q -t hcimg "$ctx" >/dev/null
	run rbox image inspect -f '{{json .Config.Healthcheck}}' hcimg
	assert_output '{"Test":["CMD","test","-e","/ok"],"Interval":200000000,"Retries":1}'
	rbox run -d --name img hcimg sleep 1000 >/dev/null
	run rbox inspect -f '{{json .Config.Healthcheck}}' img
	assert_output '{"Test":["CMD","test","-e","/ok"],"Interval":200000000,"Retries":1}'
	wait_for 100 0.1 health_is img unhealthy
	rbox exec img touch /ok
	wait_for 100 0.1 health_is img healthy
	# a flag replaces its part only; --no-healthcheck drops the image's check
	rbox create --name part --health-retries 5 hcimg >/dev/null
	run rbox inspect -f '{{json .Config.Healthcheck}}' part
	assert_output '{"Test":["CMD","test","-e","/ok"],"Interval":200000000,"Retries":5}'
	rbox run -d --name off --no-healthcheck hcimg sleep 1000 >/dev/null
	run rbox inspect -f '{{json .Config.Healthcheck.Test}}' off
	assert_output '["NONE"]'
	run rbox ps --filter name=off --format '{{.Status}}'
	assert_output --regexp '^Up [^(]*$'
	# HEALTHCHECK NONE in a derived image turns it off
	printf 'FROM hcimg\nHEALTHCHECK NONE\n' >"$ctx/Containerfile"
	rbox build -q -t hcnone "$ctx" >/dev/null
	run rbox image inspect -f '{{json .Config.Healthcheck}}' hcnone
	assert_output '{"Test":["NONE"]}'
	printf 'FROM busybox\nHEALTHCHECK --interval=5x CMD true\n' >"$ctx/Containerfile"
	run rbox build -t bad "$ctx"
	assert_failure
	assert_output --partial 'Containerfile:2:'
	assert_output --partial 'HEALTHCHECK --interval'
}

@test "the API's create takes docker's Healthcheck (docker compose's healthcheck:); inspect shows State.Health" {
	start_service
	run api POST '/v1.41/containers/create?name=apih' '{"Image": "busybox", "Cmd": ["sleep", "1000"], "Healthcheck": {"Test": ["CMD", "true"], "Interval": 200000000, "Retries": 2}}'
	assert_output 201
	run rbox inspect -f '{{json .Config.Healthcheck}}' apih
	assert_output '{"Test":["CMD","true"],"Interval":200000000,"Retries":2}'
	run api POST /v1.41/containers/apih/start
	assert_output 204
	wait_for 100 0.1 health_is apih healthy
	run api GET /v1.41/containers/apih/json
	assert_equal "$(body | jq -r '.State.Health.Status')" healthy
}

@test "a paused container is not checked: it stays healthy and checks resume after unpause" {
	rbox run -d --name pz --health-cmd true --health-interval 200ms --health-retries 1 busybox \
		sleep 1000 >/dev/null
	wait_for 100 0.1 health_is pz healthy
	rbox pause pz >/dev/null
	local n
	n=$(rbox inspect -f '{{len .State.Health.Log}}' pz)
	# a check due while paused is skipped (no exec can run), not counted as a failure; let a few
	# intervals pass (what is asserted holds however long this takes)
	sleep 1
	run rbox ps --format '{{.Status}}'
	assert_output --regexp '\(Paused\)$'
	run rbox healthcheck run pz
	assert_failure 125
	assert_output 'rbox: container pz is not running'
	rbox unpause pz >/dev/null
	wait_for 100 0.1 sh -c "[ \"\$($RBOX_BIN inspect -f '{{len .State.Health.Log}}' pz)\" -gt $n ] || [ $n -eq 5 ]"
	run rbox inspect -f '{{.State.Health.Status}} {{range .State.Health.Log}}{{.ExitCode}} {{end}}' pz
	assert_output --regexp '^healthy (0 )+$'
}
