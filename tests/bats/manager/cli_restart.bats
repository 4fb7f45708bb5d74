#!/usr/bin/env bats
# run --restart as docker's: rbox-monitor restarts the container; RestartCount and
# RestartPolicy in inspect; stop, kill (SIGKILL) and rm -f end it for good.

load helpers

restarts() {
	inspect_field "$1" .RestartCount
}

restarts_ge() { # NAME N (for wait_for: evaluated on every try)
	[ "$(restarts "$1")" -ge "$2" ]
}

status_is() { # NAME STATUS
	[ "$(ctr_status "$1")" = "$2" ]
}

ended() { # NAME: exited for good (no monitor left to restart it)
	[ "$(rbox inspect -f '{{.State.Status}} {{.State.Restarting}} {{.State.MonitorPid}}' "$1")" = "exited false 0" ]
}

@test "--restart on-failure:N: N restarts after failures, then the last exit code" {
	rbox run -d --name rs --restart on-failure:3 busybox sh -c 'echo run; exit 2' >/dev/null
	wait_for 200 0.1 ended rs
	assert_equal "$(inspect_field rs .State.ExitCode)" 2
	assert_equal "$(restarts rs)" 3
	assert_equal "$(rbox logs rs | grep -c run)" 4
	assert_equal "$(ctr_status rs)" exited
	run rbox inspect -f '{{json .HostConfig.RestartPolicy}}' rs
	assert_output '{"Name":"on-failure","MaximumRetryCount":3}'
	# a success is not a failure: no restart
	rbox run -d --name ok --restart on-failure busybox true >/dev/null
	run rbox wait ok
	assert_output 0
	wait_for 100 0.1 ended ok
	assert_equal "$(restarts ok)" 0
	run rbox inspect -f '{{json .HostConfig.RestartPolicy}}' ok
	assert_output '{"Name":"on-failure","MaximumRetryCount":0}'
	rbox create --name plain busybox true >/dev/null
	run rbox inspect -f '{{json .HostConfig.RestartPolicy}}' plain
	assert_output '{"Name":"no","MaximumRetryCount":0}'
}

@test "--restart: a foreground run and wait return at each exit, as docker's" {
	run rbox run --name fg --restart on-failure:2 busybox sh -c 'echo run; exit 3'
	assert_failure 3
	assert_output run
	# it goes on in the background
	wait_for 100 0.1 restarts_ge fg 1
	run rbox wait fg
	assert_output 3
	wait_for 200 0.1 ended fg
	assert_equal "$(restarts fg)" 2
	assert_equal "$(rbox logs fg | grep -c run)" 3
}

@test "--restart always: restarted after a clean exit too; stop ends it" {
	rbox run -d --name al --restart always busybox sh -c 'echo x; sleep 0.2' >/dev/null
	wait_for 100 0.1 restarts_ge al 2
	rbox stop al
	assert_equal "$(ctr_status al)" exited
	local n
	n=$(restarts al)
	sleep 1
	assert_equal "$(restarts al)" "$n"
	assert_equal "$(ctr_status al)" exited
	[ -z "$(monitors_of_store)" ]
	# a start by the user counts from 0 again
	rbox start al >/dev/null
	wait_for 100 0.1 restarts_ge al 1
	rbox stop al
}

@test "--restart unless-stopped: kill -s KILL is final, another signal's exit restarts" {
	rbox run -d --name us --restart unless-stopped busybox sh -c 'trap "exit 3" HUP; while :; do sleep 0.1; done' >/dev/null
	wait_for 50 0.1 status_is us running
	rbox kill -s HUP us
	wait_for 100 0.1 restarts_ge us 1
	wait_for 50 0.1 status_is us running
	rbox kill us
	run rbox wait us
	assert_output 137
	sleep 0.5
	assert_equal "$(ctr_status us)" exited
	assert_equal "$(restarts us)" 1
}

@test "--restart: between two runs ps says Restarting; rm -f and stop end it at once" {
	rbox run -d --name bo --restart always busybox sh -c 'exit 1' >/dev/null
	# the back-off doubles from 100 ms: after 5 restarts it waits 3.2 s, long enough to look
	wait_for 150 0.1 restarts_ge bo 5
	wait_for 50 0.1 status_is bo restarting
	run rbox ps -a --format '{{.Status}}'
	assert_output --regexp '^Restarting \(1\) '
	run rbox inspect -f '{{.State.Status}} {{.State.Restarting}}' bo
	assert_output 'restarting true'
	run rbox ps -q -f status=restarting
	assert_output "$(ctr_id bo | cut -c1-12)"
	run rbox ps -q -f status=exited
	assert_output ""
	run rbox rm -f bo
	assert_success
	run rbox ps -aq
	assert_output ""
	[ -z "$(monitors_of_store)" ]
}

@test "--restart: bad values and --rm are one error line, nothing created" {
	for bad in bogus always:3 on-failure:x on-failure:-1; do
		run rbox run --restart "$bad" busybox true
		assert_failure 125
		assert_output --regexp "^rbox: invalid value \"$bad\" for --restart: "
	done
	run rbox run --rm --restart always busybox true
	assert_failure 125
	assert_output 'rbox: conflicting options: --restart and --rm'
	run rbox ps -aq
	assert_output ""
	run rbox run --help
	assert_output --partial '--restart POLICY'
}
