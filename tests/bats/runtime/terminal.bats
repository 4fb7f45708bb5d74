#!/usr/bin/env bats
# process.terminal: the console socket (create, exec) and the foreground relay (run, exec).

load ../helpers

RECVTTY="$REPO_ROOT/tests/bats/tools/recvtty.py"

# in_tty CMD: run the shell command CMD with a pty as its stdio (util-linux script);
# status is CMD's exit status, output what it wrote to the pty. (A non-interactive shell gives
# background commands /dev/null as stdin: those need </dev/tty.)
in_tty() {
	run script -qefc "$1" /dev/null </dev/null
}

# recvtty_start [INPUT [PATH]]: a console socket at $SOCK (PATH, or one in the test's tmpdir)
# whose pty output goes to $TTYOUT
recvtty_start() {
	SOCK="${2:-$BATS_TEST_TMPDIR/console.sock}"
	TTYOUT="$BATS_TEST_TMPDIR/tty.out"
	if [ -n "${1:-}" ]; then
		python3 "$RECVTTY" "$SOCK" "$TTYOUT" "$1" 3>&- &
	else
		python3 "$RECVTTY" "$SOCK" "$TTYOUT" 3>&- &
	fi
	RECV_PID=$!
	wait_for 50 0.1 test -S "$SOCK"
}

recvtty_wait() {
	local rc=0
	wait "$RECV_PID" || rc=$?
	assert_equal "$rc" 0
}

@test "run: a terminal without --console-socket is relayed to our stdio" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty; exit 3'
	in_tty "$RUNTIME_BIN --root $STATE_ROOT run -b $BUNDLE $CTR_ID"
	assert_equal "$status" 3
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial stdio-is-a-tty
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "run: input reaches the container's pty (spec + run is an interactive shell)" {
	cd "$BUNDLE"
	rm config.json
	runtime spec
	ln -s "$BUSYBOX_ROOTFS" rootfs
	update_config '.linux.cgroupsPath = $cg' --arg cg "$CG_PREFIX/$CTR_ID"
	run script -qefc "$RUNTIME_BIN --root $STATE_ROOT run $CTR_ID" /dev/null < <(printf 'echo answer-$((6*7))\nexit 5\n')
	assert_equal "$status" 5
	assert_output --partial answer-42
}

@test "run: raw mode while relaying, the terminal restored afterwards" {
	update_config '.process.terminal = true'
	set_args sleep 1
	local t="$BATS_TEST_TMPDIR"
	in_tty "stty -g > $t/before; $RUNTIME_BIN --root $STATE_ROOT run -b $BUNDLE $CTR_ID </dev/tty & sleep 0.6; stty -g > $t/during; wait; stty -g > $t/after"
	assert_success
	assert_equal "$(cat "$t/after")" "$(cat "$t/before")"
	[ "$(cat "$t/during")" != "$(cat "$t/before")" ]
}

@test "run: the window size is copied at start and on SIGWINCH" {
	update_config '.process.terminal = true'
	set_args sh -c 'stty size; i=0; while [ "$(stty size)" = "20 60" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stty size'
	local t="$BATS_TEST_TMPDIR"
	in_tty "stty rows 20 cols 60; $RUNTIME_BIN --root $STATE_ROOT run -b $BUNDLE $CTR_ID </dev/tty >$t/out & i=0; while ! grep -q '20 60' $t/out && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done; stty rows 33 cols 99; wait"
	assert_success
	run cat "$t/out"
	# (script(1) sends a NUL at the end of its /dev/null input: the pty echoes it as ^@)
	assert_line --index 0 --regexp '20 60'
	assert_line --index 1 --regexp '^33 99'
}

@test "create: a terminal needs --console-socket; nothing is left behind" {
	update_config '.process.terminal = true'
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: process.terminal is true: --console-socket is required"
	run runtime run -d -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: process.terminal is true: --console-socket is required with --detach"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "create --console-socket: the master arrives with the pty name; consoleSize and /dev/console" {
	update_config '.process.terminal = true | .process.consoleSize = {"height": 31, "width": 101}'
	set_args sh -c 'tty; stty size; stat -c "console %t:%T" /dev/console; [ -t 0 ] && echo ctty-ok'
	recvtty_start
	run_bg create -b "$BUNDLE" --console-socket "$SOCK" "$CTR_ID"
	assert_success
	runtime start "$CTR_ID"
	recvtty_wait
	run cat "$TTYOUT"
	assert_line --index 0 --regexp '^name=/dev/pts/[0-9]+$'
	assert_output --partial "31 101"
	assert_output --regexp "console 88:[0-9a-f]+"
	assert_output --partial ctty-ok
}

@test "create --console-socket: a socket path longer than sun_path works" {
	update_config '.process.terminal = true'
	set_args echo long-path-ok
	local d="$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})"
	mkdir -p "$d"
	recvtty_start "" "$d/console.sock"
	[ "${#SOCK}" -gt 108 ]
	run_bg create -b "$BUNDLE" --console-socket "$SOCK" "$CTR_ID"
	assert_success
	runtime start "$CTR_ID"
	recvtty_wait
	run cat "$TTYOUT"
	assert_output --partial long-path-ok
}

@test "exec -t: relayed without a console socket, exit code kept" {
	start_sleeper
	in_tty "stty rows 21 cols 71; $RUNTIME_BIN --root $STATE_ROOT exec -t $CTR_ID sh -c 'tty; stty size; [ -t 0 ] && echo exec-tty; exit 4'"
	assert_equal "$status" 4
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial "21 71"
	assert_output --partial exec-tty
}

@test "exec --tty --console-socket --detach: the master goes to the socket" {
	start_sleeper
	recvtty_start
	run_bg exec -t -d --console-socket "$SOCK" --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID" sh -c 'tty; echo from-exec'
	assert_success
	recvtty_wait
	run cat "$TTYOUT"
	assert_line --index 0 --regexp '^name=/dev/pts/[0-9]+$'
	assert_output --partial from-exec
	# exec leaves the container's /dev/console alone
	run runtime exec "$CTR_ID" sh -c 'mount | grep -c " /dev/console " || true'
	assert_output 0
}

@test "exec: terminal errors (detach without a socket, a socket without a terminal)" {
	start_sleeper
	run runtime exec -t -d "$CTR_ID" true
	assert_failure
	assert_output "rbox-runtime: a terminal with --detach needs --console-socket"
	run runtime exec --console-socket "$BATS_TEST_TMPDIR/x.sock" "$CTR_ID" true
	assert_failure
	assert_output --partial "--console-socket needs a terminal"
}

start_sleeper() {
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
}
