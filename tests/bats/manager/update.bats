#!/usr/bin/env bats
# rbox update (cmd/update.c): a running container's limits change at once (its cgroup), every
# container's for its next starts (inspect and the bundle); bad values are one line.

load helpers

pids_max() { # NAME
	cat "$(ctr_cgroup pids "$1")/pids.max"
}

@test "update: a running container's memory and pids limits change at once and stay for restarts" {
	requires cgroup:memory
	requires cgroup:pids
	rbox run -d --name up --memory 64m --pids-limit 50 busybox sleep 1000 >/dev/null
	local id
	id=$(ctr_id up)
	assert_equal "$(cgroup_memory_limit "$id")" 67108864
	run rbox update -m 128m --pids-limit 77 up
	assert_success
	assert_output up
	assert_equal "$(cgroup_memory_limit "$id")" 134217728
	assert_equal "$(pids_max up)" 77
	assert_equal "$(inspect_field up .HostConfig.Memory)" 134217728
	assert_equal "$(inspect_field up .HostConfig.PidsLimit)" 77
	# the next start keeps them
	rbox stop -t 0 up >/dev/null
	rbox start up >/dev/null
	assert_equal "$(cgroup_memory_limit "$id")" 134217728
	assert_equal "$(pids_max up)" 77
}

@test "update: a stopped container gets the limits at its next start; --cpus, -c, --cpuset-cpus" {
	rbox create --name later busybox sleep 1000 >/dev/null
	run rbox update --cpus 0.5 -c 512 --cpuset-cpus 0 --pids-limit 33 later
	assert_success
	assert_equal "$(inspect_field later .HostConfig.NanoCpus)" 500000000
	assert_equal "$(inspect_field later .HostConfig.CpuShares)" 512
	assert_equal "$(inspect_field later .HostConfig.CpusetCpus)" 0
	rbox start later >/dev/null
	if has_cgroup_controller pids; then
		assert_equal "$(pids_max later)" 33
	fi
	run rbox exec later grep Cpus_allowed_list /proc/self/status
	assert_output --regexp 'Cpus_allowed_list:[[:space:]]+0$'
}

@test "update: bad input is one line and changes nothing" {
	rbox create --name bad --memory 64m busybox true >/dev/null
	run -125 rbox update bad
	assert_output --partial 'you must provide one or more flags'
	run -125 rbox update -m lots bad
	assert_equal "${#lines[@]}" 1
	assert_output --partial -- '--memory'
	run -125 rbox update --memory-swap 10m bad
	assert_output --partial 'is below --memory'
	run -125 rbox update -m 128m nosuch
	assert_output 'rbox: no such container: nosuch'
	assert_equal "$(inspect_field bad .HostConfig.Memory)" 67108864
}
