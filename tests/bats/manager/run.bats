#!/usr/bin/env bats
# rbox run: foreground streams, exit codes, -d, --rm, and every container flag by its effect.

load helpers

@test "run: busybox echo works on a fresh store (built-in image)" {
	run rbox run busybox echo hello
	assert_success
	assert_output "hello"
	run rbox images
	assert_line --regexp '^busybox +latest +[0-9a-f]{12} '
}

@test "run: stdout goes to stdout, stderr to stderr" {
	rbox run busybox sh -c 'echo to-out; echo to-err >&2' >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/o")" "to-out"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/e")" "to-err"
}

@test "run: exits with the container's code; 126, 127 and 137 like docker" {
	run rbox run busybox sh -c 'exit 3'
	assert_equal "$status" 3
	run -127 rbox run busybox no-such-command
	assert_output --partial 'executable file not found'
	run -126 rbox run busybox /etc/passwd
	assert_output 'rbox: exec: "/etc/passwd": Permission denied'
	# killed from outside: 128 + SIGKILL
	rbox_bg "$BATS_TEST_TMPDIR/out" run --name victim busybox sh -c 'echo ready; sleep 1000'
	wait_for 50 0.1 grep -q ready "$BATS_TEST_TMPDIR/out"
	rbox kill victim
	local rc=0
	wait "$BG_PID" || rc=$?
	assert_equal "$rc" 137
}

@test "run: a failed start leaves the container created with the error recorded" {
	run -127 rbox run --name broken busybox no-such-command
	assert_equal "$(ctr_status broken)" created
	assert_equal "$(inspect_field broken .State.ExitCode)" 127
	assert_equal "$(inspect_field broken .State.Error)" 'exec: "no-such-command": executable file not found in $PATH'
	run rbox rm broken
	assert_success
}

@test "run -d: prints the full ID and the container runs in the background" {
	run rbox run -d --name bg busybox sleep 1000
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	assert_equal "$(ctr_id bg)" "$output"
	assert_equal "$(ctr_status bg)" running
	local pid
	pid=$(inspect_field bg .State.Pid)
	[ "$(cat /proc/"$pid"/comm)" = sleep ]
}

@test "run --rm: nothing is left after exit (foreground and detached)" {
	run rbox run --rm --name gone busybox echo bye
	assert_success
	assert_output bye
	run rbox ps -aq
	assert_output ""
	rbox run --rm -d --name gone2 busybox true
	wait_for 50 0.1 sh -c "[ -z \"\$($RBOX_BIN ps -aq)\" ]"
	wait_for 50 0.1 sh -c "[ -z \"\$(ls -A $RBOX_ROOT/containers)\" ]"
	run -127 rbox run --rm busybox no-such-command
	assert_equal "$(ls -A "$RBOX_ROOT/containers")" ""
	manager_leftovers
}

@test "run: forwards signals to a foreground container" {
	rbox_bg "$BATS_TEST_TMPDIR/out" run --name sig busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	wait_for 50 0.1 grep -q ready "$BATS_TEST_TMPDIR/out"
	kill -TERM "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	assert_equal "$rc" 7
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial got-term
}

@test "run: generated names are adjective_noun and unique" {
	local i
	for i in 1 2 3 4 5; do
		rbox create busybox true >/dev/null
	done
	run rbox ps -a --format json
	assert_success
	local names
	names=$(echo "$output" | jq -r .Names)
	assert_equal "$(echo "$names" | sort -u | wc -l)" 5
	run grep -cvE '^[a-z]+_[a-z]+[0-9]*$' <<<"$names"
	assert_output 0
}

@test "run -e / --env-file: environment, with HOSTNAME, HOME and PATH defaults" {
	printf '# comment\nFROM_FILE=yes\n\nSPACED=a b\n' >"$BATS_TEST_TMPDIR/env"
	export PASSED_THROUGH=from-host
	run rbox run -e A=1 -e B=two=2 -e PASSED_THROUGH -e UNSET_VAR_XYZ --env-file "$BATS_TEST_TMPDIR/env" --hostname hn busybox env
	assert_success
	assert_line A=1
	assert_line B=two=2
	assert_line PASSED_THROUGH=from-host
	assert_line FROM_FILE=yes
	assert_line 'SPACED=a b'
	assert_line HOSTNAME=hn
	assert_line HOME=/root
	assert_line --regexp '^PATH=/usr/local/sbin:'
	refute_line --partial UNSET_VAR_XYZ
}

@test "run -w: working directory (created when missing)" {
	run rbox run -w /tmp busybox pwd
	assert_output /tmp
	run rbox run --workdir /new/dir busybox pwd
	assert_output /new/dir
}

@test "run -u: user and group from the image's passwd and group files" {
	run rbox run -u user busybox id
	assert_output "uid=1000(user) gid=1000(user)"
	run rbox run -u user:users busybox id -g
	assert_output 100
	run rbox run -u 1234:5 busybox sh -c 'id -u; id -g'
	assert_output "$(printf '1234\n5')"
	run rbox run -u nobody busybox sh -c 'echo $HOME'
	assert_output /home
}

@test "run --hostname: the container's host name, in /etc/hostname and /etc/hosts too" {
	run rbox run --hostname box1 busybox sh -c 'hostname; cat /etc/hostname; grep -c box1 /etc/hosts'
	assert_output "$(printf 'box1\nbox1\n1')"
	rbox run -d --name defhn busybox sleep 100
	run rbox run busybox hostname
	assert_output --regexp '^[0-9a-f]{12}$'
}

@test "run --entrypoint: replaces the command; the arguments follow it" {
	run rbox run --entrypoint echo busybox a b
	assert_output "a b"
	run rbox run --entrypoint /bin/hostname --hostname ep busybox
	assert_output ep
}

@test "run --network none: loopback only; host: the host's interfaces" {
	run rbox run busybox sh -c 'ls /sys/class/net'
	assert_output lo
	run rbox run --network none busybox sh -c 'ls /sys/class/net'
	assert_output lo
	# and loopback works (it is up, as in docker)
	run rbox run busybox sh -c 'ip link show lo | grep -c "<LOOPBACK,UP"; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo ping-ok'
	assert_output "$(printf '1\nping-ok')"
	run rbox run --network host busybox sh -c 'ls /sys/class/net | wc -l'
	assert_output "$(ls /sys/class/net | wc -l)"
}

@test "run --read-only: the root filesystem cannot be written" {
	run rbox run --read-only busybox sh -c 'touch /x && echo wrote'
	assert_failure
	assert_output --partial 'Read-only file system'
	run rbox run busybox sh -c 'touch /x && echo wrote'
	assert_output wrote
}

@test "run: the overlay upper dir keeps changes; the image stays untouched" {
	rbox run --name writer busybox sh -c 'echo data > /etc/newfile; rm /bin/vi'
	assert_file_exists "$RBOX_ROOT/containers/$(ctr_id writer)/diff/etc/newfile"
	local img
	img=$(inspect_field writer .GraphDriver.Data.LowerDir)
	assert_file_not_exists "$img/etc/newfile"
	assert_equal "$(readlink "$img/bin/vi")" /bin/busybox
	run rbox start -a writer
	run rbox run busybox ls /etc/newfile
	assert_failure
}

@test "run --cap-add/--cap-drop: docker's default set, adjusted" {
	# default: 14 capabilities (0x00000000a80425fb)
	run rbox run busybox grep CapEff /proc/self/status
	assert_output --regexp 'CapEff:\s+00000000a80425fb'
	run rbox run --cap-drop CHOWN --cap-add NET_ADMIN busybox grep CapEff /proc/self/status
	assert_output --regexp 'CapEff:\s+00000000a80435fa'
	run rbox run --cap-drop ALL --cap-add cap_kill busybox grep CapBnd /proc/self/status
	assert_output --regexp 'CapBnd:\s+0000000000000020'
	run rbox run --cap-drop chown busybox chown 1 /tmp
	assert_failure
}

@test "run --memory/--cpus/--pids-limit: the container's cgroup limits" {
	requires cgroup_v1
	rbox run -d --name lim --memory 256m --cpus 0.5 --pids-limit 42 busybox sleep 1000
	assert_equal "$(cat "$(ctr_cgroup memory lim)/memory.limit_in_bytes")" 268435456
	assert_equal "$(cat "$(ctr_cgroup pids lim)/pids.max")" 42
	local cpu
	cpu=$(ctr_cgroup cpu lim)
	if [ -f "$cpu/cpu.cfs_quota_us" ] && [ "$(cat "$cpu/cpu.cfs_quota_us")" != -1 ]; then
		assert_equal "$(cat "$cpu/cpu.cfs_quota_us")" 50000
		assert_equal "$(cat "$cpu/cpu.cfs_period_us")" 100000
	fi
	assert_equal "$(inspect_field lim .HostConfig.Memory)" 268435456
	assert_equal "$(inspect_field lim .HostConfig.NanoCpus)" 500000000
	assert_equal "$(inspect_field lim .HostConfig.CpuQuota)" 50000
	assert_equal "$(inspect_field lim .HostConfig.PidsLimit)" 42
	# the pids limit holds inside
	run rbox run --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait'
	assert_output --partial "can't fork"
}

@test "run --stop-signal/--stop-timeout: what stop sends, and how long it waits" {
	rbox run -d --name st --stop-signal USR1 --stop-timeout 30 busybox sh -c 'trap "echo usr1; exit 5" USR1; while :; do sleep 0.1; done'
	assert_equal "$(inspect_field st .Config.StopSignal)" SIGUSR1
	assert_equal "$(inspect_field st .Config.StopTimeout)" 30
	sleep 0.3
	run rbox stop st
	assert_success
	assert_output st
	assert_equal "$(inspect_field st .State.ExitCode)" 5
	run rbox logs st
	assert_output usr1
}

@test "run/create: any number of --flag=false arguments (the parser loops, it does not recurse)" {
	# 20000 of them in a 2 MB stack: a recursion per argument overflowed it in a sanitizer build
	local args
	mapfile -t args < <(for i in $(seq 20000); do echo --rm=false; done)
	run bash -c 'ulimit -s 2048 && exec "$0" "$@"' "$RBOX_BIN" create --name many "${args[@]}" --read-only=false busybox true
	assert_success
	assert_equal "$(inspect_field many .HostConfig.AutoRemove)" false
	assert_equal "$(inspect_field many .HostConfig.ReadonlyRootfs)" false
}

@test "run --rm: the root's overlay is volatile (no sync at exit); other containers' is not" {
	# docs/performance.md: a --rm container's upper layer goes with it, so it needs no sync (an
	# overlay syncs the whole filesystem under upperdir when it is unmounted)
	[ "$(printf '%s\n' "$(uname -r)" 5.10 | sort -V | head -1)" = 5.10 ] ||
		skip "overlayfs before Linux 5.10 has no volatile option"
	run rbox run --rm busybox grep ' / / ' /proc/self/mountinfo
	assert_success
	assert_output --regexp '(fsync=)?volatile'
	run rbox run --name kept busybox grep ' / / ' /proc/self/mountinfo
	assert_success
	refute_output --partial volatile
	# the kept one starts again over the same upper layer, and an exited --rm one leaves nothing
	run rbox start -a kept
	assert_success
	rbox rm kept
	run rbox ps -aq
	assert_output ""
}

@test "store directory: sandbox.conf only with --timeout or --report; no state spare left behind" {
	# docs/manager.md, store layout: no sandbox.conf means the defaults
	rbox create --name plain busybox true
	rbox create --name timed --timeout 5s busybox sleep 0
	local plain timed
	plain="$RBOX_ROOT/containers/$(rbox inspect --format '{{.Id}}' plain)"
	timed="$RBOX_ROOT/containers/$(rbox inspect --format '{{.Id}}' timed)"
	assert_file_not_exists "$plain/sandbox.conf"
	assert_equal "$(jq -r .timeout_ns "$timed/sandbox.conf")" 5000000000
	# the monitor swaps its state writes through one spare file and removes it at the end
	run rbox start -a plain
	assert_success
	run rbox start -a timed
	assert_success
	run ls -a "$plain" "$timed"
	refute_output --partial ".tmp"
	assert_equal "$(rbox inspect --format '{{.State.Status}} {{.State.ExitCode}}' plain)" "exited 0"
	run rbox start -a plain # and again over the same directory
	assert_success
	run ls -a "$plain"
	refute_output --partial ".tmp"
	rbox rm plain timed
}
