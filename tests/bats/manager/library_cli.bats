#!/usr/bin/env bats
# librbox and the CLI's sandbox mode give the same verdict for the same run: `rbox run --rm
# --network none --timeout ... --report -` of the busybox image against rbox-judge (librbox) on
# the busybox rootfs, compared on started, exit_code, signal, timed_out and oom_killed.

load helpers

JUDGE="$RBOX_BUILD/bin/rbox-judge"

# same_verdict [CLI FLAGS...] -- [JUDGE FLAGS...] -- COMMAND...
same_verdict() {
	local cli=() lib=()
	while [ "$1" != -- ]; do cli+=("$1"); shift; done
	shift
	while [ "$1" != -- ]; do lib+=("$1"); shift; done
	shift
	local keys='{started, exit_code, signal, timed_out, oom_killed}' a b
	a=$(rbox run --rm --network none --report - "${cli[@]}" busybox "$@" 2>/dev/null | tail -1 | jq -c "$keys")
	b=$(RBOX_RUNTIME="$RUNTIME_BIN" RBOX_LIB_ROOT="$BATS_TEST_TMPDIR/lib" \
		"$JUDGE" "${lib[@]}" "$BUSYBOX_ROOTFS" "$@" 2>/dev/null | tail -1 | jq -c "$keys")
	echo "cli: $a"
	echo "lib: $b"
	[ -n "$a" ] && [ "$a" = "$b" ]
}

setup_file() {
	[ -x "$JUDGE" ] || skip "librbox is not built (make)"
}

@test "library vs CLI: an exit code" {
	same_verdict --timeout 30s -- -t 30000 -- sh -c 'exit 3'
}

@test "library vs CLI: a timeout" {
	same_verdict --timeout 300ms -- -t 300 -- sh -c 'sleep 100 & sleep 100'
}

@test "library vs CLI: killed by a signal" {
	# the kernel's SIGKILL at the CPU rlimit (an init ignores its own namespace's signals)
	run -0 same_verdict --timeout 30s -- -t 30000 -- sh -c 'ulimit -t 1; while :; do :; done'
	assert_line --partial '"signal":9'
}

@test "library vs CLI: the OOM killer" {
	requires cgroup
	same_verdict -m 16m -- -m 16777216 -- sh -c 'x=$(head -c 64000000 /dev/zero | tr "\0" a); echo ${#x}'
}

@test "library vs CLI: a command that is not there" {
	same_verdict --timeout 30s -- -t 30000 -- /no/such/command
}

@test "library vs CLI: a pids limit and the minimal seccomp profile" {
	requires cgroup
	same_verdict --pids-limit 4 --security-opt seccomp=minimal -- -p 4 -s minimal -- /bin/ls /
}
