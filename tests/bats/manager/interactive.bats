#!/usr/bin/env bats
# run -it / -i / -t, create -t + start -a, attach: real terminals (tests/bats/tools/ttydrive.py
# gives each client a pty of its own), detach and re-attach, several clients, resize, logs.

load helpers

TTYDRIVE="$REPO_ROOT/tests/bats/tools/ttydrive.py"

# Every client spawned on an attach waits for the prompt its resize redraws: then it is
# attached (attach shows no earlier output).

# drive <<EOF ... EOF: run a ttydrive script (status/output of the driver)
drive() {
	run python3 "$TTYDRIVE"
}

@test "run -it: a shell on a real terminal: echo, output, exit code; the terminal is restored" {
	local t="$BATS_TEST_TMPDIR"
	drive <<EOF
spawn a 30 100 -- sh -c 'stty -g >$t/before; $RBOX_BIN run -it --name sh1 busybox sh; echo "rc=\$?"; stty -g >$t/after'
expect a "/ # "
send a "echo typed-\$((6*7))\r"
expect a "echo typed-"
expect a "typed-42"
send a "[ -t 0 ] && [ -t 1 ] && tty && echo \$TERM\r"
expect a "/dev/pts/0"
expect a "xterm"
send a "exit 3\r"
expect a "rc=3"
wait a
EOF
	assert_success
	assert_line "a exit=0"
	assert_equal "$(cat "$t/after")" "$(cat "$t/before")"
	# what the terminal printed is in the log, as stdout lines without "\r"
	run rbox logs sh1
	assert_line "typed-42"
	assert_line "/dev/pts/0"
	run sh -c "'$RBOX_BIN' logs sh1 2>/dev/null | grep -c \$(printf '\r')"
	assert_output 0
	assert_equal "$(inspect_field sh1 .Config.Tty)" true
	assert_equal "$(inspect_field sh1 .Config.OpenStdin)" true
	run jq -r '.process.terminal' "$RBOX_ROOT/containers/$(ctr_id sh1)/bundle/config.json"
	assert_output true
}

@test "run -it: ctrl-p ctrl-q detaches (exit 0), the container runs on; attach resumes it" {
	drive <<EOF
spawn a -- $RBOX_BIN run -it --name keep busybox sh
expect a "/ # "
send a "KEPT=still-here\r"
send a "\x10\x11"
wait a
sh $RBOX_BIN ps --format json | jq -r .State
spawn b -- $RBOX_BIN attach keep
expect b "/ # "
send b "echo \$KEPT\r"
expect b "still-here"
send b "exit 4\r"
wait b
EOF
	assert_success
	assert_line "a exit=0"
	assert_line running
	assert_line "b exit=4"
	assert_equal "$(ctr_status keep)" exited
	assert_equal "$(inspect_field keep .State.ExitCode)" 4
}

@test "attach: the detach sequence prints docker's 'read escape sequence' and exits 1" {
	rbox run -dit --name d1 busybox sh >/dev/null
	drive <<EOF
spawn a -- $RBOX_BIN attach d1
expect a "/ # "
send a "echo attached-\$((1+1))\r"
expect a "attached-2"
send a "\x10\x11"
expect a "read escape sequence"
wait a
EOF
	assert_success
	assert_line "a exit=1"
	assert_equal "$(ctr_status d1)" running
}

@test "attach: two clients at once: output goes to both, input comes from either" {
	rbox run -dit --name two busybox sh >/dev/null
	drive <<EOF
spawn a -- $RBOX_BIN attach two
expect a "/ # "
spawn b -- $RBOX_BIN attach two
expect b "/ # "
send a "echo from-\$((1+1))a\r"
expect a "from-2a"
expect b "from-2a"
send b "echo from-\$((1+1))b\r"
expect a "from-2b"
expect b "from-2b"
send b "\x10\x11"
wait b
send a "echo a-still-attached\r"
expect a "a-still-attached"
send a "exit 9\r"
wait a
EOF
	assert_success
	assert_line "b exit=1"
	assert_line "a exit=9"
}

@test "run -it, attach: the container's terminal follows the client's size (SIGWINCH)" {
	drive <<EOF
spawn a 33 101 -- $RBOX_BIN run -it --name sz busybox sh
expect a "/ # "
send a "stty size\r"
expect a "33 101"
resize a 44 120
sleep 0.3
send a "stty size\r"
expect a "44 120"
send a "\x10\x11"
wait a
spawn b 25 90 -- $RBOX_BIN attach sz
expect b "/ # "
sleep 0.3
send b "stty size\r"
expect b "25 90"
send b "exit\r"
wait b
EOF
	assert_success
	assert_line "b exit=0"
}

@test "run -t: the size is right from the first instruction (sent with the hello)" {
	drive <<EOF
spawn a 17 63 -- $RBOX_BIN run --rm -t busybox stty size
expect a "17 63"
wait a
EOF
	assert_success
	assert_line "a exit=0"
}

@test "--detach-keys: docker's format; a prefix that does not complete the sequence is typed" {
	# ctrl-p ctrl-q are plain keys now; ctrl-x followed by z is passed on as both
	drive <<EOF
spawn a -- $RBOX_BIN run -it --name dk --detach-keys ctrl-x,y busybox sh -c 'stty raw -echo; echo raw-now; head -c 5 | od -An -c'
expect a "raw-now"
send a "\x10\x11x\x18z"
expect a "020 +021 +x +030 +z"
wait a
EOF
	assert_success
	assert_line "a exit=0"
	assert_equal "$(ctr_status dk)" exited
	rbox run -dit --name dk2 busybox sh >/dev/null
	drive <<EOF
spawn b -- $RBOX_BIN attach --detach-keys a,b dk2
expect b "/ # "
send b "echo xaz\r"
expect b "\r\nxaz\r\n"
send b "ab"
wait b
EOF
	assert_success
	assert_line "b exit=1"
	assert_equal "$(ctr_status dk2)" running
}

@test "--detach-keys: a bad sequence is one line, exit 125, nothing created" {
	run -125 rbox run -it --detach-keys ctrl-1 busybox sh
	assert_output 'rbox: invalid value "ctrl-1" for --detach-keys: unknown key "ctrl-1" (use comma-separated characters, ctrl-<a-z@[\]^_> or DEL, e.g. ctrl-p,ctrl-q)'
	run -125 rbox run --detach-keys "ctrl-p,,x" busybox true
	assert_output --partial 'unknown key ""'
	run rbox ps -aq
	assert_output ""
	rbox run -dit --name dk2 busybox sh >/dev/null
	run -125 rbox attach --detach-keys ctrl-P dk2
	assert_output --partial 'unknown key "ctrl-P"'
	run -125 rbox start -a --detach-keys foo dk2
	assert_output --partial 'unknown key "foo"'
	run -125 rbox create --detach-keys ctrl-x busybox true
	assert_output "rbox create: unknown flag --detach-keys (see 'rbox create --help')"
}

@test "run -i: piped stdin reaches the container; its end closes the container's stdin" {
	run sh -c "echo hello-stdin | '$RBOX_BIN' run --rm -i busybox cat"
	assert_success
	assert_output hello-stdin
	run sh -c "printf 'abc\n' | '$RBOX_BIN' run --rm -i busybox sh -c 'read x; echo got-\$x; exit 4'"
	assert_equal "$status" 4
	assert_output got-abc
	# more than any buffer on the way, both directions at once
	run sh -c "seq 1 300000 | '$RBOX_BIN' run --rm -i busybox cat | md5sum"
	assert_output "$(seq 1 300000 | md5sum)"
	# without -i the container's stdin is /dev/null
	run sh -c "echo not-sent | '$RBOX_BIN' run --rm busybox cat"
	assert_success
	assert_output ""
}

@test "run -i: stdin from a terminal, ctrl-d ends it; the log has the output" {
	drive <<EOF
spawn a -- $RBOX_BIN run -i --name ci busybox sh -c 'cat; echo cat-ended'
send a "line-one\r"
expect a "line-one"
send a "\x04"
expect a "cat-ended"
wait a
EOF
	assert_success
	assert_line "a exit=0"
	run rbox logs ci
	assert_output "$(printf 'line-one\ncat-ended')"
}

@test "run -di + attach: input from the attached client; its end of input leaves stdin open" {
	rbox run -di --name di busybox sh -c 'while read l; do echo "got:$l"; done; echo eof' >/dev/null
	assert_equal "$(inspect_field di .Config.StdinOnce)" false
	run sh -c "echo first | timeout -s KILL 2 '$RBOX_BIN' attach di"
	assert_equal "$status" 137
	assert_line --index 0 got:first
	assert_equal "$(ctr_status di)" running
	run sh -c "echo second | timeout -s KILL 2 '$RBOX_BIN' attach di"
	assert_line --index 0 got:second
}

@test "run -t without -i: a terminal for output only; \\r\\n on the terminal, lines in the log" {
	run rbox run --name to -t busybox sh -c '[ -t 1 ] && echo out-tty; echo to-err >&2; exit 2'
	assert_equal "$status" 2
	assert_equal "$output" "$(printf 'out-tty\r\nto-err\r')"
	run rbox logs to
	assert_output "$(printf 'out-tty\nto-err')"
	assert_equal "$(inspect_field to .Config.OpenStdin)" false
}

@test "create -t + start -a, create -it + start -ai" {
	rbox create -t --name ct busybox sh -c 'tty; exit 6' >/dev/null
	run rbox start -a ct
	assert_equal "$status" 6
	assert_output --regexp '^/dev/pts/0'
	rbox create -it --name cit busybox sh >/dev/null
	assert_equal "$(inspect_field cit .Config.StdinOnce)" true
	drive <<EOF
spawn a -- $RBOX_BIN start -ai cit
expect a "/ # "
send a "echo started-\x61nd-attached\r"
expect a "started-and-attached"
send a "exit 5\r"
wait a
spawn b -- $RBOX_BIN start -i cit
expect b "/ # "
send b "exit 8\r"
wait b
EOF
	assert_success
	assert_line "a exit=5"
	assert_line "b exit=8"
}

@test "the input device is not a TTY: run -it / start -ai / attach with piped stdin (125)" {
	run -125 sh -c "echo x | '$RBOX_BIN' run -it busybox true"
	assert_output "rbox: the input device is not a TTY"
	run rbox ps -aq
	assert_output ""
	rbox create -it --name nt busybox sh >/dev/null
	run -125 sh -c "'$RBOX_BIN' start -ai nt </dev/null"
	assert_output "rbox: the input device is not a TTY"
	assert_equal "$(ctr_status nt)" created
	rbox start nt >/dev/null
	run -125 sh -c "'$RBOX_BIN' attach nt </dev/null"
	assert_output "rbox: the input device is not a TTY"
	# --no-stdin: output only
	rbox_bg "$BATS_TEST_TMPDIR/out" attach --no-stdin nt
	# written to the container's terminal until the client (connecting meanwhile) shows it
	wait_for 50 0.2 sh -c "'$RBOX_BIN' exec nt sh -c 'echo via-exec >/proc/1/fd/1'; grep -q via-exec '$BATS_TEST_TMPDIR/out'"
	rbox kill nt
	local rc=0
	wait "$BG_PID" || rc=$?
	assert_equal "$rc" 137
}

@test "attach: unknown, created and exited containers are refused (125, one line)" {
	run -125 rbox attach nosuch
	assert_output "rbox: no such container: nosuch"
	rbox create --name cr busybox true >/dev/null
	run -125 rbox attach cr
	assert_output "rbox: cannot attach to a stopped container, start it first"
	rbox start -a cr
	run -125 rbox attach cr
	assert_output "rbox: cannot attach to a stopped container, start it first"
	run -125 rbox attach
	assert_output "rbox attach: requires exactly one CONTAINER (see 'rbox attach --help')"
	run -125 rbox attach cr cr
	assert_output --partial 'unexpected argument'
	run rbox attach --help
	assert_success
	assert_output --partial "--detach-keys"
}

@test "attach to a running non-tty container: output and the exit code" {
	rbox run -d --name nt2 busybox sh -c 'while [ ! -e /tmp/stop ]; do echo tick; sleep 0.1; done; exit 12' >/dev/null
	rbox_bg "$BATS_TEST_TMPDIR/out" attach nt2
	wait_for 50 0.1 grep -q tick "$BATS_TEST_TMPDIR/out"
	rbox exec nt2 touch /tmp/stop
	local rc=0
	wait "$BG_PID" || rc=$?
	assert_equal "$rc" 12
}

@test "run -it --rm: detached, re-attached, exited: removed" {
	drive <<EOF
spawn a -- $RBOX_BIN run -it --rm --name rmme busybox sh
expect a "/ # "
send a "\x10\x11"
wait a
spawn b -- $RBOX_BIN attach rmme
expect b "/ # "
send b "exit\r"
wait b
EOF
	assert_success
	wait_for 50 0.1 sh -c "[ -z \"\$($RBOX_BIN ps -aq)\" ]"
}

@test "a client killed with SIGKILL: the container and the other clients go on" {
	rbox run -dit --name kc busybox sh >/dev/null
	drive <<EOF
spawn a -- $RBOX_BIN attach kc
expect a "/ # "
spawn b -- $RBOX_BIN attach kc
expect b "/ # "
send a "echo one\r"
expect b "one"
sh kill -KILL \$(pgrep -o -f "^$RBOX_BIN attach kc")
wait a
send b "echo two\r"
expect b "two"
send b "exit\r"
wait b
EOF
	assert_success
	assert_line "a exit=-9"
	assert_line "b exit=0"
}

@test "SIGHUP to a client with a terminal (its terminal went away): it leaves (129), the container runs on" {
	drive <<EOF
spawn a -- $RBOX_BIN run -it --name hup busybox sh
expect a "/ # "
sh kill -HUP \$(pgrep -f "^$RBOX_BIN run -it --name hup")
wait a
EOF
	assert_success
	assert_line "a exit=129"
	assert_equal "$(ctr_status hup)" running
}
