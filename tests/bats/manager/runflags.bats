#!/usr/bin/env bats
# run/create flags that map onto config.json (container/runflags.c): each by what a docker user
# checks inside the container, and each bad value refused with one line, exit 125, nothing made.

load helpers

# A bad flag value: exit 125, one line naming the flag, no container left.
refused() { # FLAG-NAME ARGS...
	local flag=$1
	shift
	run -125 rbox "$@"
	assert_equal "${#lines[@]}" 1
	assert_output --partial -- "$flag"
	assert_equal "$(rbox ps -aq)" ""
	[ -z "$(ls -A "$RBOX_ROOT/containers" 2>/dev/null)" ]
}

# ---- labels ----

@test "run -l/--label: stored and shown in inspect .Config.Labels (a later value wins)" {
	rbox create --name lab -l com.example.a=1 --label b --label com.example.a=2 -l 'c=x=y' busybox true >/dev/null
	run inspect_field lab '.Config.Labels | tojson'
	assert_output '{"com.example.a":"2","b":"","c":"x=y"}'
	# none: an empty object, as docker prints
	rbox create --name nolab busybox true >/dev/null
	assert_equal "$(inspect_field nolab '.Config.Labels | tojson')" '{}'
}

@test "run --label-file: one label per line, blank lines and # comments skipped; -l adds to it" {
	printf 'a=1\n\n# a comment\n  b=two words\nc\n' >"$BATS_TEST_TMPDIR/labels"
	rbox create --name lf --label-file "$BATS_TEST_TMPDIR/labels" -l a=3 busybox true >/dev/null
	assert_equal "$(inspect_field lf '.Config.Labels | tojson')" '{"a":"3","b":"two words","c":""}'
}

@test "run --label/--label-file: bad values are refused before anything is created" {
	refused --label run -l =x busybox true
	refused --label run --label 'a b=1' busybox true
	refused --label-file run --label-file "$BATS_TEST_TMPDIR/none" busybox true
	printf 'ok=1\n=bad\n' >"$BATS_TEST_TMPDIR/labels"
	refused "line 2" create --label-file "$BATS_TEST_TMPDIR/labels" busybox true
}

# ---- --init ----

@test "run --init: a static init is PID 1, runs the command, exits with its code" {
	requires cmd:catatonit
	run rbox run --rm --init busybox sh -c 'echo pid=$$; tr "\0" " " </proc/1/cmdline; echo; exit 3'
	assert_equal "$status" 3
	assert_line 'pid=2'
	assert_line --regexp '^/sbin/docker-init -- sh -c '
	# bind-mounted read-only
	run rbox run --rm --init busybox sh -c 'echo x >/sbin/docker-init'
	assert_failure
	assert_output --partial 'Read-only file system'
	rbox create --name ini --init busybox true >/dev/null
	assert_equal "$(inspect_field ini .HostConfig.Init)" true
	assert_equal "$(inspect_field ini .Path)" true
}

@test "run --init: an orphan is reaped (without it, the zombie stays)" {
	requires cmd:catatonit cmd:ps
	# the orphan's parent exits at once; PID 1 (sleep, without --init) never waits
	local script='(sleep 0.2 &); exec sleep 1000'
	rbox run -d --name noinit busybox sh -c "$script" >/dev/null
	local pid
	pid=$(inspect_field noinit .State.Pid)
	wait_for 100 0.1 sh -c "ps -o stat= --ppid $pid | grep -q Z"
	rbox run -d --name withinit --init busybox sh -c "$script" >/dev/null
	pid=$(inspect_field withinit .State.Pid)
	assert_equal "$(cat /proc/"$pid"/comm)" docker-init
	# left: the init's one child (sleep 1000), no zombie
	wait_for 100 0.1 sh -c "[ \$(ps -o pid= --ppid $pid | wc -l) = 1 ]"
	run ps -o stat=,comm= --ppid "$pid"
	refute_output --partial Z
	assert_output --partial sleep
}

@test "run --init: signals reach the command" {
	requires cmd:catatonit
	rbox run -d --init --name sig busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_for 50 0.1 sh -c "$RBOX_BIN logs sig | grep -q ready"
	rbox stop sig
	assert_equal "$(inspect_field sig .State.ExitCode)" 7
	run rbox logs sig
	assert_output --partial got-term
}

@test "run --init: a missing or dynamic init binary is one clear error, nothing created" {
	RBOX_INIT_BINARY="$BATS_TEST_TMPDIR/none" refused "--init" run --init busybox true
	assert_output --partial "$BATS_TEST_TMPDIR/none"
	assert_output --partial "No such file"
	# a dynamic executable would not find its libraries in the container
	RBOX_INIT_BINARY=/bin/ls refused "--init" create --init busybox true
	assert_output --partial 'dynamically linked'
	RBOX_INIT_BINARY=relative refused "--init" create --init busybox true
}

# ---- --privileged ----

@test "run --privileged: every capability rbox holds, no seccomp, nothing masked, rw /sys, host devices" {
	run rbox run --rm --privileged busybox sh -c '
		grep -E "^(CapEff|Seccomp):" /proc/self/status
		mount | grep -E " on /sys type "
		mount | grep -E " on /proc/(sys|kcore|keys|timer_list) "
		ls /dev/loop-control /dev/zero'
	assert_success
	local own
	own=$(awk '/^CapPrm:/ { print $2 }' /proc/self/status)
	assert_line "CapEff:	$own"
	assert_line "Seccomp:	0"
	assert_line --regexp '^sysfs on /sys type sysfs \(rw,'
	refute_output --partial '/proc/sys'
	refute_output --partial '/proc/keys'
	# the devices cgroup allows every device: a host device the defaults lack is usable
	if [ -c /dev/loop-control ]; then
		assert_line /dev/loop-control
	fi
	rbox create --name priv --privileged busybox true >/dev/null
	assert_equal "$(inspect_field priv .HostConfig.Privileged)" true
}

@test "run without --privileged: docker's confinement stays (default caps, seccomp, ro /sys)" {
	run rbox run --rm busybox sh -c 'grep -E "^Seccomp:" /proc/self/status; mount | grep -E " on /sys type "; ls /dev/loop-control'
	assert_line "Seccomp:	2"
	assert_line --regexp '^sysfs on /sys type sysfs \(ro,'
	refute_line /dev/loop-control
}
