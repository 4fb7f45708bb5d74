#!/usr/bin/env bats
# rbox stats (from rbox-runtime events --stats: the cgroup's counters) and rbox top.
# (busybox sh execs its last command: 'sleep 1000 & sleep 1000' is two processes)

load helpers

@test "stats --no-stream: a row per running container: memory, limit, peak, pids" {
	rbox run -d --name s1 -m 64m busybox sh -c 'sleep 1000 & sleep 1000' >/dev/null
	rbox run -d --name s2 busybox sleep 1000 >/dev/null
	rbox create --name s3 busybox true >/dev/null
	wait_for 50 0.1 sh -c "[ \$(cat $(ctr_cgroup pids s1)/pids.current) = 2 ]"
	run rbox stats --no-stream
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +MEM PEAK +BLOCK I/O +PIDS$'
	assert_equal "${#lines[@]}" 3
	local id1
	id1=$(ctr_id s1)
	assert_line --regexp "^${id1:0:12} +s1 +[0-9.]+% +[0-9.]+[KM]iB / 64MiB +[0-9.]+% +[0-9.]+[KM]iB +[0-9.]+k?B / [0-9.]+k?B +2$"
	assert_line --regexp "^[0-9a-f]{12} +s2 .* 1$"
	# the limit of an unlimited container is the host's memory
	local host
	host=$(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) * 1024))
	run rbox stats --no-stream --format json s2
	assert_equal "$(echo "$output" | jq -r .MemLimitBytes)" "$host"
}

@test "stats --format json: docker's fields and the numbers; usage <= peak; limit from -m" {
	rbox run -d --name j1 -m 32m busybox sh -c 'sleep 1000 & sleep 1000' >/dev/null
	wait_for 50 0.1 sh -c "[ \$(cat $(ctr_cgroup pids j1)/pids.current) = 2 ]"
	run rbox stats --no-stream --format json j1
	assert_success
	assert_equal "${#lines[@]}" 1
	local j="$output"
	assert_equal "$(jq -r .Name <<<"$j")" j1
	assert_equal "$(jq -r .Container <<<"$j")" j1
	assert_equal "$(jq -r .ID <<<"$j")" "$(ctr_id j1 | cut -c1-12)"
	assert_equal "$(jq -r .MemLimitBytes <<<"$j")" 33554432
	assert_equal "$(jq -r .PIDsCurrent <<<"$j")" 2
	assert_equal "$(jq -r .PIDs <<<"$j")" 2
	jq -e '.MemUsageBytes > 0 and .MemUsageBytes <= .MemPeakBytes' <<<"$j"
	jq -e '.MemUsage | test(" / 32MiB$")' <<<"$j"
	jq -e '.CPUPerc | test("^[0-9]+\\.[0-9]{2}%$")' <<<"$j"
	jq -e '.CPUPercent >= 0' <<<"$j"
	# the peak comes from the cgroup, not from the samples
	local cg
	cg=$(ctr_cgroup memory j1)
	jq -e --argjson max "$(cat "$cg/memory.max_usage_in_bytes")" '.MemPeakBytes <= $max' <<<"$j"
}

@test "stats: CPU % of a busy container (two samples; 100% = one CPU)" {
	rbox run -d --name busy busybox sh -c 'while :; do :; done' >/dev/null
	run rbox stats --no-stream --format json busy
	assert_success
	# a whole CPU when the machine is idle; other builds share it: ask for a clear signal only
	jq -e '.CPUPercent > 20 and .CPUPercent < 110' <<<"$output"
	rbox run -d --name idle busybox sleep 1000 >/dev/null
	run rbox stats --no-stream --format json idle
	jq -e '.CPUPercent < 5' <<<"$output"
}

@test "stats: a stopped container shows zeros (docker); unknown containers and bad flags: 125" {
	rbox create --name st busybox true >/dev/null
	run rbox stats --no-stream st
	assert_success
	assert_line --index 1 --regexp '^[0-9a-f]{12} +st +0\.00% +0B / 0B +0\.00% +0B +0B / 0B +0$'
	run -125 rbox stats --no-stream nosuch
	assert_output "rbox: no such container: nosuch"
	run -125 rbox stats --no-stream --format '{{yaml}}'
	assert_output 'rbox: template: :1: function "yaml" not defined'
	run -125 rbox stats --bogus
	assert_output "rbox stats: unknown flag --bogus (see 'rbox stats --help')"
	# --all lists it without naming it
	run rbox stats --no-stream -a --format json
	assert_equal "$(jq -r .Name <<<"$output")" st
	run rbox stats --no-stream --format json
	assert_output ""
}

@test "stats (streaming): refreshes until interrupted" {
	rbox run -d --name live busybox sleep 1000 >/dev/null
	run timeout -s INT 3 "$RBOX_BIN" stats live
	assert_equal "$status" 124
	[ "$(grep -c '^CONTAINER ID' <<<"$output")" -ge 2 ]
	[ "$(grep -c ' live ' <<<"$output")" -ge 2 ]
}

@test "top: the container's processes with ps -ef's columns" {
	rbox run -d --name tp busybox sh -c 'sleep 1000 & exec sleep 999' >/dev/null
	wait_for 50 0.1 sh -c "[ \$(cat $(ctr_cgroup pids tp)/pids.current) = 2 ]"
	local pid mon
	pid=$(inspect_field tp .State.Pid)
	mon=$(inspect_field tp .State.MonitorPid)
	run rbox top tp
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_line --index 1 --regexp "^root +$pid +$mon +0 +[0-9]{2}:[0-9]{2} +\\? +00:00:00 +sleep 999$"
	assert_line --index 2 --regexp "^root +[0-9]+ +$pid +0 +[0-9]{2}:[0-9]{2} +\\? +00:00:00 +sleep 1000$"
	# a user of the container shows as the host's name for that uid (ps on the host)
	rbox exec -d -u 65534 tp sleep 998
	wait_for 50 0.1 sh -c "'$RBOX_BIN' top tp | grep -q 'sleep 998'"
	run rbox top tp
	assert_line --regexp "^$(getent passwd 65534 | cut -d: -f1) +[0-9]+ .* sleep 998$"
}

@test "top: a process on the container's terminal shows it as pts/N" {
	rbox run -dit --name tpt busybox sh >/dev/null
	run rbox top tpt
	assert_line --index 1 --regexp ' pts/0 +00:00:00 +sh$'
}

@test "top: stopped and unknown containers, ps options: 125, one line" {
	run -125 rbox top nosuch
	assert_output "rbox: no such container: nosuch"
	rbox create --name tc busybox true >/dev/null
	run -125 rbox top tc
	assert_output "rbox: container tc is not running"
	rbox run -d --name tr busybox sleep 1000 >/dev/null
	run -125 rbox top tr aux
	assert_output "rbox top: ps options are not supported (the columns are those of ps -ef)"
	run -125 rbox top
	assert_output "rbox top: requires a CONTAINER (see 'rbox top --help')"
	run rbox top --help
	assert_success
	assert_output --partial "Usage: rbox top CONTAINER"
}
