#!/usr/bin/env bats
# rbox exec: the container's environment, user and directory unless changed; exit codes;
# stdin (-i), terminals (-t, driven through a real pty), -d reaped by the monitor; errors.

load helpers

TTYDRIVE="$REPO_ROOT/tests/bats/tools/ttydrive.py"

start_sleeper() {
	rbox run -d --name "${1:-box}" -e FROM_RUN=yes -w /tmp busybox sleep 1000 >/dev/null
}

@test "exec: runs in the container with its environment and directory; exit code propagated" {
	start_sleeper
	run rbox exec box sh -c 'echo "$FROM_RUN $HOME $(pwd) $(hostname)"; exit 5'
	assert_equal "$status" 5
	assert_output "yes /root /tmp $(inspect_field box .Config.Hostname)"
	# the same namespaces as the init
	local pid
	pid=$(inspect_field box .State.Pid)
	run rbox exec box sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
	assert_output "$(readlink /proc/"$pid"/ns/pid /proc/"$pid"/ns/mnt)"
	run rbox exec box cat /proc/1/cmdline
	assert_output "$(printf 'sleep\0001000')"
}

@test "exec: -e, -w and -u (names from the container's /etc/passwd, HOME follows)" {
	start_sleeper
	run rbox exec -e FROM_RUN=changed -e NEW=1 -w /etc box sh -c 'echo "$FROM_RUN $NEW $(pwd)"'
	assert_output "changed 1 /etc"
	run rbox exec -u nobody box sh -c 'id; echo $HOME; grep CapEff /proc/self/status'
	assert_line --index 0 "uid=65534(nobody) gid=65534(nogroup)"
	assert_line --index 1 /home
	assert_line --index 2 --regexp 'CapEff:[[:space:]]+0+$'
	run rbox exec -u 1234:5678 box id
	assert_output "uid=1234 gid=5678"
	# a user added inside the running container is found
	rbox exec box sh -c 'echo "late:x:4321:4321:late user:/late:/bin/sh" >>/etc/passwd'
	run rbox exec -u late box sh -c 'id -u; echo $HOME'
	assert_output "$(printf '4321\n/late')"
	run -126 rbox exec -u nosuch box true
	assert_output "rbox: unable to find user nosuch: no matching entries in passwd file"
}

@test "exec: 126 for a command that is missing or cannot run (docker 20.10's codes; run has 127)" {
	start_sleeper
	run -126 rbox exec box no-such-command
	assert_output 'rbox: exec: "no-such-command": executable file not found in $PATH'
	run -126 rbox exec box /etc
	assert_output --partial 'rbox: exec: "/etc"'
	run -126 rbox exec -w /no/such/dir box true
	assert_output --partial '/no/such/dir'
	run rbox exec box sh -c 'kill -9 $$'
	assert_equal "$status" 137
}

@test "exec -i: our stdin reaches the command; without -i it reads /dev/null" {
	start_sleeper
	run sh -c "printf 'a\nb\n' | '$RBOX_BIN' exec -i box wc -l"
	assert_output 2
	run sh -c "seq 1 200000 | '$RBOX_BIN' exec -i box cat | md5sum"
	assert_output "$(seq 1 200000 | md5sum)"
	run sh -c "echo ignored | '$RBOX_BIN' exec box cat"
	assert_success
	assert_output ""
}

@test "exec -t / -it: a terminal (TERM=xterm, our size), an interactive shell through a real pty" {
	start_sleeper
	run python3 "$TTYDRIVE" <<EOF
spawn a 27 91 -- $RBOX_BIN exec -it box sh
expect a "# "
send a "tty; stty size; echo \$TERM-\$((2+3))\r"
expect a "/dev/pts/"
expect a "27 91"
expect a "xterm-5"
send a "exit 6\r"
wait a
spawn b -- $RBOX_BIN exec -t box sh -c '[ -t 0 ] && echo stdin-tty; exit 2'
expect b "stdin-tty"
wait b
EOF
	assert_success
	assert_line "a exit=6"
	assert_line "b exit=2"
	# exec output is not the container's: not in its log
	run rbox logs box
	assert_output ""
	run -125 sh -c "echo x | '$RBOX_BIN' exec -it box true"
	assert_output "rbox: the input device is not a TTY"
}

@test "exec -d: runs in the background under the monitor, which reaps it" {
	start_sleeper
	run rbox exec -d box sh -c 'echo bg >/tmp/bg-out; exec sleep 999'
	assert_success
	assert_output ""
	local mon pid
	mon=$(inspect_field box .State.MonitorPid)
	wait_for 50 0.1 sh -c "'$RBOX_BIN' top box | grep -q 'sleep 999\$'"
	pid=$(rbox top box | awk '$NF == "999" { print $2 }')
	[ -n "$pid" ]
	# its parent is gone (the runtime's intermediate process): the monitor, a subreaper, has it
	assert_equal "$(awk '/^PPid/ { print $2 }' /proc/"$pid"/status)" "$mon"
	run rbox exec box cat /tmp/bg-out
	assert_output bg
	kill "$pid"
	# reaped by the monitor: no zombie stays
	wait_for 50 0.1 sh -c "! [ -e /proc/$pid ]"
	run -126 rbox exec -d box no-such-command
	assert_output 'rbox: exec: "no-such-command": executable file not found in $PATH'
	run -125 rbox exec -dt box sh
	assert_output "rbox exec: -d and -t cannot be combined (nothing would read the terminal of a detached process)"
	# no process file is left in the run directory
	run sh -c "ls '$RBOX_RUNROOT/containers/$(ctr_id box)' | grep -c exec-"
	assert_output 0
}

@test "exec: refused for unknown, created and stopped containers; bad flags (125, one line)" {
	run -125 rbox exec nosuch true
	assert_output "rbox: no such container: nosuch"
	rbox create --name cr busybox true >/dev/null
	run -125 rbox exec cr true
	assert_output "rbox: container cr is not running"
	rbox start -a cr
	run -125 rbox exec cr true
	assert_output "rbox: container cr is not running"
	run -125 rbox exec cr
	assert_output "rbox exec: requires a CONTAINER and a COMMAND (see 'rbox exec --help')"
	start_sleeper
	run -125 rbox exec -w relative box true
	assert_output 'rbox: invalid value "relative" for --workdir: the working directory must be an absolute path'
	run -125 rbox exec --bogus box true
	assert_output "rbox exec: unknown flag --bogus (see 'rbox exec --help')"
	run -125 rbox exec -e =x box true
	assert_output --partial 'empty name'
	run rbox exec --help
	assert_success
	assert_output --partial "Usage: rbox exec"
}

@test "exec into a -t container without -t has no terminal" {
	rbox run -dit --name tt busybox sh >/dev/null
	run rbox exec tt sh -c '[ -t 1 ] && echo tty || echo no-tty'
	assert_output no-tty
	run sh -c "echo piped | '$RBOX_BIN' exec -i tt cat"
	assert_output piped
}
