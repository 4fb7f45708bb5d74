#!/usr/bin/env bats
# rbox logs --until and --details, rbox help COMMAND: as docker's.

load helpers

@test "logs --until: only the lines before a time; with --since a window" {
	rbox run --name lines busybox sh -c 'echo one; sleep 0.3; echo two; sleep 0.3; echo three'
	local t2 t3
	t2=$(rbox logs -t lines | awk '$2 == "two" { print $1 }')
	t3=$(rbox logs -t lines | awk '$2 == "three" { print $1 }')
	run rbox logs --until "$t2" lines
	assert_success
	assert_output one
	run rbox logs --since "$t2" --until "$t3" lines
	assert_output two
	run rbox logs --until "$(($(date +%s) + 3600))" lines
	assert_output $'one\ntwo\nthree'
	# a duration counts back from now: an hour ago is before every line
	run rbox logs --until 1h lines
	assert_output ""
	run rbox logs --until soon lines
	assert_failure 125
	assert_output 'rbox: invalid value "soon" for --until: expected a timestamp (RFC 3339 or Unix seconds) or a duration such as 10m'
}

@test "logs -f --until: follow stops at the time" {
	rbox run -d --name live busybox sh -c 'echo first; sleep 1000' >/dev/null
	wait_for 50 0.1 sh -c "$RBOX_BIN logs live | grep -q first"
	run timeout 20 "$RBOX_BIN" logs -f --until "$(($(date +%s) + 1))" live
	assert_success
	assert_output first
}

@test "logs --details: the (empty) attributes and a space before each line" {
	rbox run --name det busybox sh -c 'echo a; echo b; printf c'
	run rbox logs --details det
	assert_success
	assert_output $' a\n b\n c'
	run rbox logs --details -t det
	assert_line --index 0 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+  a$'
	run rbox logs --help
	assert_output --partial '--until T'
	assert_output --partial '--details'
}

@test "help COMMAND: the command's --help; help alone: the command list" {
	run rbox help ps
	assert_success
	assert_line --index 0 'Usage: rbox ps [OPTIONS]'
	assert_equal "$output" "$(rbox ps --help)"
	run rbox help volume ls
	assert_line --index 0 'Usage: rbox volume ls [OPTIONS]'
	run rbox help container prune
	assert_line --index 0 'Usage: rbox container prune [OPTIONS]'
	run rbox help wait
	assert_output --partial '--condition'
	run rbox help
	assert_success
	assert_line --index 0 --partial 'Usage: rbox [OPTIONS] COMMAND'
	assert_line --regexp '^  pause +'
	assert_line --regexp '^  info +'
	run rbox help nosuch
	assert_failure 125
	assert_output 'rbox: unknown command "nosuch" (see '"'"'rbox --help'"'"')'
}
