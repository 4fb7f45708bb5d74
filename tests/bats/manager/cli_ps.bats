#!/usr/bin/env bats
# rbox ps as docker's: --filter (each key, ORed values, ANDed keys), -n, -l, -s.

load helpers

# three containers, oldest first: up (running, label app=web, volume v1 at /data),
# bad (exited 3), new (created, label app=db)
make_three() {
	rbox run -d --name up -l app=web -l tier=front -v v1:/data busybox sleep 1000 >/dev/null
	rbox run --name bad busybox sh -c 'exit 3' || true
	rbox create --name new -l app=db busybox true >/dev/null
}

names() { # ps ARGS... -> the names, one line
	rbox ps --format '{{.Names}}' "$@" | tr '\n' ' '
}

@test "ps --filter status: one value, several values ORed, implies --all" {
	make_three
	run names -f status=exited
	assert_success
	assert_output "bad "
	run names -f status=exited -f status=created
	assert_output "new bad "
	run names --filter status=running
	assert_output "up "
}

@test "ps --filter name and id: a regular expression found anywhere, as docker's" {
	make_three
	run names -a -f name='n|u'
	assert_output "new up "
	run names -a -f name='^ba'
	assert_output "bad "
	run names -a -f name=/up
	assert_output "up "
	local id
	id=$(ctr_id bad)
	run names -a -f id="${id:0:6}"
	assert_output "bad "
}

@test "ps --filter label: KEY or KEY=VALUE, several must all hold; keys are ANDed" {
	make_three
	run names -a -f label=app
	assert_output "new up "
	run names -a -f label=app=web
	assert_output "up "
	run names -a -f label=app -f label=tier=front
	assert_output "up "
	run names -a -f label=app=web -f label=tier=back
	assert_output ""
	# different keys: AND
	run names -a -f label=app -f status=created
	assert_output "new "
}

@test "ps --filter exited, ancestor, volume" {
	make_three
	run names -a -f exited=3
	assert_output "bad "
	# a created container never exited: exited=0 does not match it
	run names -a -f exited=0
	assert_output ""
	run names -a -f exited=0 -f exited=3
	assert_output "bad "
	run names -a -f ancestor=busybox
	assert_output "new bad up "
	run names -a -f ancestor=busybox:latest
	assert_output "new bad up "
	local img
	img=$(inspect_field up .Image)
	run names -a -f ancestor="${img#sha256:}"
	assert_output "new bad up "
	run names -a -f ancestor=nosuchimage
	assert_output ""
	run names -a -f volume=v1
	assert_output "up "
	run names -a -f volume=/data
	assert_output "up "
	run names -a -f volume=/elsewhere
	assert_output ""
	rbox rm -f up
	rbox volume rm v1
}

@test "ps --filter before and since: created before / after a container" {
	make_three
	run names -a -f before=new
	assert_output "bad up "
	run names -a -f since=up
	assert_output "new bad "
	run names -a -f since=up -f before=new
	assert_output "bad "
	rbox rm -f up
	rbox volume rm v1
}

@test "ps -n N and -l: the newest containers of any state, after the filters" {
	make_three
	run names -n 2
	assert_output "new bad "
	run names -l
	assert_output "new "
	run names --last 1 -f status=running
	assert_output "up "
	run rbox ps -l -q
	assert_output "$(ctr_id new | cut -c1-12)"
	rbox rm -f up
	rbox volume rm v1
}

@test "ps -s: a SIZE column, the container's own files and virtual with its image" {
	rbox run -d --name big busybox sh -c 'head -c 5000 /dev/zero >/f; sleep 1000' >/dev/null
	wait_for 50 0.1 rbox exec big test -s /f
	run rbox ps -s
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES +SIZE$'
	assert_line --index 1 --regexp ' big +5kB \(virtual [0-9.]+MB\)$'
	run rbox ps --format '{{.Names}} {{.Size}}'
	assert_output --regexp '^big 5kB \(virtual [0-9.]+MB\)$'
	run rbox ps --format 'table {{.Names}}\t{{.Size}}'
	assert_line --index 0 --regexp '^NAMES +SIZE$'
	rbox create --name empty busybox true >/dev/null
	run rbox ps -a -s --format '{{.Names}} {{.Size}}'
	assert_line --index 0 --regexp '^empty 0B \(virtual [0-9.]+MB\)$'
}

@test "ps: a bad filter or --last is one error line and exit 125" {
	rbox create --name cc busybox true >/dev/null
	for bad in "bogus=1" "status=sleeping" "exited=x" "before=nosuch" "name" "label="; do
		run rbox ps -f "$bad"
		assert_failure 125
		assert_output --regexp "^rbox: invalid filter \"${bad%%=*}.*"
		[ "${#lines[@]}" -eq 1 ]
	done
	run rbox ps -n x
	assert_failure 125
	assert_output --partial 'invalid value "x" for --last'
	run rbox ps --help
	assert_output --partial '--filter KEY=VALUE'
	assert_output --partial '--size'
}

@test "ps --format: .Labels and .Mounts as docker joins them" {
	rbox create --name lm -l a=1 -l b=2 -v lmvol:/data -v "$BATS_TEST_TMPDIR:/h" busybox true >/dev/null
	run rbox ps -a --filter name=lm --format '{{.Labels}}|{{.Mounts}}'
	assert_output "a=1,b=2|lmvol,$BATS_TEST_TMPDIR"
	run rbox ps -a --filter name=lm --format json
	assert_equal "$(jq -r .Labels <<<"$output")" "a=1,b=2"
	rbox rm -v lm >/dev/null
}

@test "ps: what its cache of states holds never hides a change (start, exit, rm), and a bad cache is ignored" {
	# pscache.c: ps stats each state file and re-reads those that changed
	rbox create --name pc1 busybox sh -c 'exit 3' >/dev/null
	rbox create --name pc2 busybox true >/dev/null
	sleep 1.2 # older than a second: the cache's records of both are used from now on
	run rbox ps -a --format '{{.Names}} {{.Status}}'
	assert_output --partial "pc1 Created"
	[ -e "$RBOX_RUNROOT/ps.cache" ]
	run rbox start -a pc1
	assert_failure 3
	run rbox ps -a --format '{{.Names}} {{.Status}}'
	assert_output --partial "pc1 Exited (3)"
	assert_output --partial "pc2 Created"
	rbox rm pc2 >/dev/null
	run rbox ps -aq
	assert_equal "${#lines[@]}" 1
	# a damaged or foreign cache is an empty one
	head -c 5000 /dev/urandom >"$RBOX_RUNROOT/ps.cache"
	run rbox ps -a --format '{{.Names}} {{.Status}}'
	assert_success
	assert_output --partial "pc1 Exited (3)"
	printf 'RBOXPSC1' >"$RBOX_RUNROOT/ps.cache"
	run rbox ps -a --format '{{.Names}}'
	assert_output pc1
	rbox rm pc1 >/dev/null
}
