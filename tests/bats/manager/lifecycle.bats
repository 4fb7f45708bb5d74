#!/usr/bin/env bats
# create / start / stop / kill / restart / rm / wait / rename / prune / ps / inspect.

load helpers

@test "create then start: created until started; start prints the name given" {
	run rbox create --name c1 busybox sh -c 'echo started; sleep 1000'
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	assert_equal "$(ctr_status c1)" created
	# nothing runs and nothing is mounted before start
	assert_equal "$(monitors_of_store)" ""
	run grep -F "$RBOX_RUNROOT" /proc/self/mountinfo
	assert_failure
	run rbox start c1
	assert_success
	assert_output c1
	assert_equal "$(ctr_status c1)" running
	wait_for 50 0.1 sh -c "$RBOX_BIN logs c1 | grep -q started"
	# the overlay is mounted while it runs
	run grep -F "$RBOX_RUNROOT/containers/$(ctr_id c1)/rootfs" /proc/self/mountinfo
	assert_success
	run rbox start c1
	assert_success
}

@test "stop: SIGTERM, then SIGKILL after -t; stopping a stopped container succeeds" {
	rbox run -d --name s1 busybox sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	run rbox stop s1
	assert_success
	assert_output s1
	assert_equal "$(ctr_status s1)" exited
	assert_equal "$(inspect_field s1 .State.ExitCode)" 9
	# pid 1 without a TERM handler ignores it: SIGKILL after the timeout
	rbox run -d --name s2 busybox sleep 1000
	local t0=$SECONDS
	run rbox stop -t 1 s2
	assert_success
	[ $((SECONDS - t0)) -lt 5 ]
	assert_equal "$(inspect_field s2 .State.ExitCode)" 137
	assert_equal "$(inspect_field s2 .State.ExitSignal)" 9
	run rbox stop s2
	assert_success
	# the overlay was unmounted and the runtime state removed
	run grep -F "$RBOX_RUNROOT" /proc/self/mountinfo
	assert_failure
	assert_equal "$(ls "$RBOX_RUNROOT/runtime")" ""  # (.seccomp-cache stays: compiled filters)
}

@test "kill: default SIGKILL, -s SIG; a stopped container is an error" {
	rbox run -d --name k1 busybox sh -c 'trap "echo hup" HUP; while :; do sleep 0.1; done'
	sleep 0.3
	run rbox kill -s HUP k1
	assert_success
	assert_output k1
	wait_for 50 0.1 sh -c "$RBOX_BIN logs k1 | grep -q hup"
	run rbox kill k1
	assert_success
	wait_for 50 0.1 sh -c "[ \"\$($RBOX_BIN inspect k1 | jq -r '.[0].State.Status')\" = exited ]"
	assert_equal "$(inspect_field k1 .State.ExitCode)" 137
	run -125 rbox kill k1
	assert_output "rbox: cannot kill container k1: it is not running"
	run -125 rbox kill -s NOPE k1
	assert_output 'rbox: invalid value "NOPE" for --signal: unknown signal'
}

@test "restart: a new run of the same container; its log continues" {
	rbox run -d --name r1 busybox sh -c 'echo run; sleep 1000'
	wait_for 50 0.1 sh -c "$RBOX_BIN logs r1 | grep -q run"
	local pid1
	pid1=$(inspect_field r1 .State.Pid)
	run rbox restart -t 0 r1
	assert_success
	assert_output r1
	assert_equal "$(ctr_status r1)" running
	[ "$(inspect_field r1 .State.Pid)" != "$pid1" ]
	wait_for 50 0.1 sh -c "[ \$($RBOX_BIN logs r1 | grep -c run) -eq 2 ]"
}

@test "start: an exited container runs again" {
	rbox run --name again busybox sh -c 'echo once'
	run rbox start -a again
	assert_success
	assert_output once
	run rbox logs again
	assert_output "$(printf 'once\nonce')"
}

@test "wait: prints the exit code once the container stops" {
	rbox run -d --name w1 busybox sh -c 'sleep 0.5; exit 4'
	run rbox wait w1
	assert_success
	assert_output 4
	run rbox wait w1
	assert_output 4
	# an --rm container is gone when it stops: wait still gets its code from the monitor
	rbox run -d --rm --name w2 busybox sh -c 'sleep 0.5; exit 6'
	run rbox wait w2
	assert_success
	assert_output 6
	run -125 rbox wait w2
	assert_output "rbox: no such container: w2"
}

@test "rm: refuses a running container without -f; -f kills and removes everything" {
	rbox run -d --name busy busybox sleep 1000
	local pid id
	pid=$(inspect_field busy .State.Pid)
	id=$(ctr_id busy)
	run -125 rbox rm busy
	assert_output "rbox: cannot remove container busy: it is running (stop it first, or use rm -f)"
	assert_equal "$(ctr_status busy)" running
	run rbox rm -f busy
	assert_success
	assert_output busy
	wait_for 50 0.1 sh -c "! kill -0 $pid 2>/dev/null"
	assert_dir_not_exists "$RBOX_ROOT/containers/$id"
	assert_dir_not_exists "$RBOX_RUNROOT/containers/$id"
	assert_dir_not_exists "$(cgroup_dir_of pids "$id")"
	run -125 rbox inspect busy
	assert_output --partial "no such container: busy"
	# the name is free again
	run rbox create --name busy busybox true
	assert_success
}

@test "rename: the new name works, the old one is free" {
	rbox create --name before busybox true
	run rbox rename before after
	assert_success
	run rbox inspect after
	assert_success
	assert_equal "$(inspect_field after .Name)" /after
	run -125 rbox inspect before
	run rbox create --name before busybox true
	assert_success
	run -125 rbox rename after before
	assert_output --partial 'the container name "before" is already in use'
}

@test "container prune: removes stopped containers, keeps running ones" {
	rbox create --name p1 busybox true
	rbox run --name p2 busybox true
	rbox run -d --name p3 busybox sleep 1000
	run rbox container prune -f
	assert_success
	assert_line "Deleted Containers:"
	assert_equal "${#lines[@]}" 3
	run rbox ps -a --format json
	assert_equal "$(echo "$output" | jq -r .Names)" p3
	# without -f it asks
	rbox create --name p4 busybox true
	run rbox container prune <<<"n"
	assert_success
	assert_equal "$(ctr_status p4)" created
	run rbox container prune <<<"y"
	assert_output --partial "Deleted Containers:"
	run -125 rbox inspect p4
}

@test "ps: running only by default; -a, -q, --format json, newest first" {
	rbox create --name old busybox true
	sleep 0.01
	rbox run -d --name up busybox sleep 1000
	run rbox ps
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
	assert_line --index 1 --regexp '^[0-9a-f]{12} +busybox +"sleep 1000" +.* ago +Up .* +up$'
	assert_equal "${#lines[@]}" 2
	run rbox ps -a
	assert_equal "${#lines[@]}" 3
	assert_line --index 2 --regexp ' +Created +old$'
	run rbox ps -aq
	assert_equal "${lines[0]}" "$(ctr_id up | cut -c1-12)"
	assert_equal "${lines[1]}" "$(ctr_id old | cut -c1-12)"
	run rbox ps -a --format json
	assert_equal "$(echo "$output" | jq -r .State | tr '\n' ' ')" "running created "
	assert_equal "$(echo "${lines[1]}" | jq -r .Command)" true
	# anything else is a Go template, as in docker ("yaml" is plain text)
	run rbox ps --format yaml
	assert_output yaml
	run -125 rbox ps --format '{{yaml}}'
	assert_output 'rbox: template: :1: function "yaml" not defined'
}

@test "ps: long commands are cut, exited containers show their code" {
	run -3 rbox run --name e3 busybox sh -c 'exit 3; echo a long command line here'
	run rbox ps -a
	assert_line --index 1 --regexp '"sh -c exit 3; echo …" .* Exited \(3\) .* e3$'
	run rbox ps -a --no-trunc
	assert_output --partial '"sh -c exit 3; echo a long command line here"'
}

@test "inspect: config, state, limits, mounts and paths as JSON" {
	rbox run -d --name insp -e X=1 -w /tmp -u user --hostname ih --memory 64m --read-only busybox sleep 1000
	run rbox inspect insp
	assert_success
	local j=$output
	assert_equal "$(jq -r '.[0].State.Status' <<<"$j")" running
	assert_equal "$(jq -r '.[0].State.Running' <<<"$j")" true
	[ "$(jq -r '.[0].State.Pid' <<<"$j")" -gt 1 ]
	[ "$(jq -r '.[0].State.MonitorPid' <<<"$j")" -gt 1 ]
	assert_equal "$(jq -r '.[0].Path' <<<"$j")" sleep
	assert_equal "$(jq -c '.[0].Args' <<<"$j")" '["1000"]'
	assert_equal "$(jq -r '.[0].Config.User' <<<"$j")" user
	assert_equal "$(jq -r '.[0].Config.WorkingDir' <<<"$j")" /tmp
	assert_equal "$(jq -r '.[0].Config.Hostname' <<<"$j")" ih
	assert_equal "$(jq -r '.[0].Config.Env | map(select(. == "X=1")) | length' <<<"$j")" 1
	assert_equal "$(jq -r '.[0].HostConfig.Memory' <<<"$j")" 67108864
	assert_equal "$(jq -r '.[0].HostConfig.ReadonlyRootfs' <<<"$j")" true
	assert_equal "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$j")" none
	assert_equal "$(jq -r '.[0].GraphDriver.Name' <<<"$j")" overlay
	assert_dir_exists "$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$j")"
	assert_dir_exists "$(jq -r '.[0].GraphDriver.Data.MergedDir' <<<"$j")/bin"
	assert_file_exists "$(jq -r '.[0].LogPath' <<<"$j")"
	assert_file_exists "$(jq -r '.[0].Paths.Bundle' <<<"$j")/config.json"
	assert_equal "$(jq -r '.[0].Mounts[] | select(.Destination == "/etc/hosts") | .Type' <<<"$j")" bind
	# several at once; an unknown one is an error after the others
	rbox create --name insp2 busybox true
	run -125 rbox inspect insp insp2 nosuch
	assert_equal "$(echo "$output" | sed '/^rbox:/d' | jq length)" 2
	assert_line "rbox: no such container: nosuch"
}

@test "IDs: full, unique prefix or name; an ambiguous prefix is an error" {
	local i ids=()
	for i in $(seq 1 20); do
		ids+=("$(rbox create busybox true)")
	done
	local id=${ids[0]}
	run rbox inspect "$id"
	assert_success
	run rbox inspect "${id:0:12}"
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].Id')" "$id"
	# with 20 random IDs some first hex digit is shared
	local c
	c=$(printf '%s\n' "${ids[@]}" | cut -c1 | sort | uniq -d | head -1)
	run -125 rbox inspect "$c"
	assert_line --index 0 --regexp "^rbox: container ID prefix \"$c\" is ambiguous: it matches [0-9]+ containers\$"
	assert_line --index 1 "[]"
	run -125 rbox rm nosuchname
	assert_output "rbox: no such container: nosuchname"
}

@test "--help for every command, --version" {
	local c
	for c in run create start stop restart kill rm ps inspect logs wait rename; do
		run rbox "$c" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: rbox $c "
	done
	run rbox container prune --help
	assert_line --index 0 "Usage: rbox container prune [OPTIONS]"
	for c in import ls rm inspect prune; do
		run rbox image "$c" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: rbox image $c"
	done
	for c in load save tag history commit diff export cp; do
		run rbox "$c" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: rbox $c "
		[[ $c == commit || $c == diff || $c == export || $c == cp ]] && continue
		run rbox image "$c" --help
		assert_line --index 0 --regexp "^Usage: rbox $c "
	done
	for c in create ls inspect rm prune; do
		run rbox volume "$c" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: rbox volume $c"
	done
	run rbox --version
	assert_output --regexp '^rbox version [0-9.]+, commit '
	run rbox --help
	assert_line --index 0 'Usage: rbox [OPTIONS] COMMAND [ARG...]'
}

@test "the generated bundle validates against the schema and carries the flags" {
	rbox create --name full -e A=1 -w /srv -u user --hostname fh --entrypoint /bin/sh --memory 64m \
		--cpus 1 --pids-limit 10 --read-only --cap-add NET_ADMIN --cap-drop MKNOD --network host \
		busybox -c true
	local cfg="$RBOX_ROOT/containers/$(ctr_id full)/bundle/config.json"
	run /usr/bin/python3 "$SCHEMA_VALIDATOR" "$cfg"
	assert_success
	assert_equal "$(jq -c .process.args "$cfg")" '["/bin/sh","-c","true"]'
	assert_equal "$(jq -r .process.cwd "$cfg")" /srv
	assert_equal "$(jq -c .process.user "$cfg")" '{"uid":1000,"gid":1000}'
	assert_equal "$(jq -r .hostname "$cfg")" fh
	assert_equal "$(jq -r .root.readonly "$cfg")" true
	assert_equal "$(jq -r .linux.resources.memory.limit "$cfg")" 67108864
	assert_equal "$(jq -r .linux.resources.cpu.quota "$cfg")" 100000
	assert_equal "$(jq -r .linux.resources.pids.limit "$cfg")" 10
	assert_equal "$(jq -r '.linux.namespaces | map(.type) | index("network")' "$cfg")" null
	assert_equal "$(jq -r '.process.capabilities.bounding | index("CAP_NET_ADMIN") != null' "$cfg")" true
	assert_equal "$(jq -r '.process.capabilities.bounding | index("CAP_MKNOD")' "$cfg")" null
	# a non-root user keeps only the bounding set
	assert_equal "$(jq -r '.process.capabilities.effective | length' "$cfg")" 0
	assert_equal "$(jq -r '.linux.cgroupsPath' "$cfg")" "$CG_PREFIX/$(ctr_id full)"
}
