#!/usr/bin/env bats
# No host terminal reaches a container: exec without -t, run -i, start -a and attach, each
# driven from a real pty (tests/bats/tools/ttydrive.py) whose shell would run a line pushed
# into its input with TIOCSTI. tests/helpers/tty-probe (static, bind-mounted at /probe) reports
# the type of fds 0-2 inside, whether it has a controlling terminal, and where TIOCSTI worked.

load helpers

TTYDRIVE="$REPO_ROOT/tests/bats/tools/ttydrive.py"

setup_file() {
	mkdir -p "$BATS_FILE_TMPDIR/probe"
	cp "$RBOX_BUILD/test/tty-probe" "$BATS_FILE_TMPDIR/probe/tty-probe" || {
		echo "missing $RBOX_BUILD/test/tty-probe: run 'make'" >&2
		return 1
	}
}

PROBE_LINE="fd0=pipe fd1=pipe fd2=pipe ctty=no tiocsti=none"

drive() {
	run python3 "$TTYDRIVE"
}

vprobe() {
	echo "-v $BATS_FILE_TMPDIR/probe:/probe:ro"
}

# host_shell CMD: type CMD into a shell on a fresh pty, then a marker line; the injected line
# (had TIOCSTI worked) sits in the input queue before the marker, so the shell runs it first.
host_shell() {
	drive <<EOF
spawn h -- sh
send h "$1; echo rc-\$?-done\n"
expect h "rc-[0-9]+-done"
send h "echo after-\$((3+4))\n"
expect h "after-7"
dump h
EOF
}

@test "exec without -t: fds 0-2 are pipes, no controlling terminal, TIOCSTI reaches nothing" {
	rbox run -d --name box $(vprobe) busybox sleep 1000 >/dev/null
	host_shell "$RBOX_BIN exec box /probe/tty-probe"
	assert_success
	assert_line --partial "fd0=chr"
	assert_output --partial "fd1=pipe fd2=pipe ctty=no tiocsti=none"
	assert_output --partial "rc-0-done"
	refute_output --partial "INJECTED-42"
	host_shell "$RBOX_BIN exec -i box /probe/tty-probe"
	assert_success
	assert_output --partial "$PROBE_LINE"
	refute_output --partial "INJECTED-42"
	# a process left in the background holds only the pipes, not what is typed next
	host_shell "$RBOX_BIN exec -i box sh -c '(sleep 1; /probe/tty-probe >/tmp/late) &'; sleep 2"
	refute_output --partial "INJECTED-42"
	wait_for 50 0.1 rbox exec box test -s /tmp/late
	run rbox exec box cat /tmp/late
	assert_output --regexp "ctty=no tiocsti=none"
}

@test "run -i, start -a and attach: the container's fds are the monitor's pipes" {
	host_shell "$RBOX_BIN run --rm -i $(vprobe) busybox /probe/tty-probe"
	assert_success
	assert_output --partial "$PROBE_LINE"
	refute_output --partial "INJECTED-42"
	rbox create --name cr $(vprobe) busybox /probe/tty-probe >/dev/null
	host_shell "$RBOX_BIN start -a cr"
	assert_success
	assert_output --partial "fd1=pipe fd2=pipe ctty=no tiocsti=none"
	refute_output --partial "INJECTED-42"
	rbox run -d --name at $(vprobe) busybox \
		sh -c 'trap "exit 4" INT; while :; do /probe/tty-probe; sleep 0.1; done' >/dev/null
	drive <<EOF
spawn h -- sh
send h "$RBOX_BIN attach at; echo rc-\$?-done\n"
expect h "ctty=no"
send h "\x03"
expect h "rc-4-done"
send h "echo after-\$((3+4))\n"
expect h "after-7"
dump h
EOF
	assert_success
	assert_output --partial "fd1=pipe fd2=pipe ctty=no tiocsti=none"
	refute_output --partial "INJECTED-42"
}

@test "exec without -t relays like run: stdout and stderr apart, stdin EOF, exit code, signals" {
	rbox run -d --name box busybox sleep 1000 >/dev/null
	run --separate-stderr rbox exec box sh -c 'echo out; echo err >&2; exit 3'
	assert_equal "$status" 3
	assert_equal "$output" out
	assert_equal "$stderr" err
	run sh -c "printf 'a\nb\nc' | '$RBOX_BIN' exec -i box wc -l"
	assert_output 2
	# a closed stdout reaches the process (EPIPE/SIGPIPE): yes ends
	run sh -c "'$RBOX_BIN' exec box yes | head -2"
	assert_output "$(printf 'y\ny')"
	# a signal sent to rbox reaches the process
	local out="$BATS_TEST_TMPDIR/sig.out"
	"$RBOX_BIN" exec box sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$out" 2>&1 </dev/null 3>&- &
	local pid=$!
	wait_for 100 0.1 grep -q ready "$out"
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 7
	run cat "$out"
	assert_line got-term
	# ctrl-c on the terminal (rbox's process group) reaches it too
	drive <<EOF
spawn h -- $RBOX_BIN exec box sh -c 'trap "echo got-int; exit 8" INT; echo ready; while :; do sleep 0.1; done'
expect h "ready"
send h "\x03"
expect h "got-int"
wait h
EOF
	assert_success
	assert_line "h exit=8"
}
