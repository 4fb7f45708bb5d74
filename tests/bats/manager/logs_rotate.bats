#!/usr/bin/env bats
# --log-opt max-size / max-file (container/logopts.c, the monitor's logw_rotate, logs.c): the log
# is rotated as docker's json-file driver rotates it, and rbox logs reads across the files.

load helpers

@test "--log-opt max-size, max-file: ctr.log rotates, at most N files, logs reads them in order" {
	rbox run --name rot --log-opt max-size=4k --log-opt max-file=3 busybox \
		sh -c 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done' >/dev/null
	local dir="$RBOX_ROOT/containers/$(ctr_id rot)"
	[ -f "$dir/ctr.log.1" ]
	[ -f "$dir/ctr.log.2" ]
	[ ! -e "$dir/ctr.log.3" ]
	local f
	for f in "$dir"/ctr.log "$dir"/ctr.log.1 "$dir"/ctr.log.2; do
		[ "$(stat -c %s "$f")" -lt 4300 ] # max-size, plus at most one record
	done
	run rbox logs rot
	assert_line --index -1 "line 1999"
	# what is kept is the newest, in order, without a gap
	local first
	first=$(sed -n '1s/line //p' <<<"$output")
	assert_equal "${#lines[@]}" "$((2000 - first))"
	run rbox logs --tail 3 rot
	assert_output "line 1997
line 1998
line 1999"
	assert_equal "$(inspect_field rot '.HostConfig.LogConfig.Config."max-file"')" 3
}

@test "--log-opt max-size with max-file 1: one file, started over; logs -f follows a rotation" {
	rbox run -d --name rot1 --log-opt max-size=2k busybox \
		sh -c 'i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); sleep 0.005; done' >/dev/null
	run timeout 60 "$RBOX_BIN" logs -f rot1
	assert_line --index -1 "line 399"
	local dir="$RBOX_ROOT/containers/$(ctr_id rot1)"
	[ ! -e "$dir/ctr.log.1" ]
	[ "$(stat -c %s "$dir/ctr.log")" -lt 4096 ]
}

@test "--log-opt: bad values are one line, nothing made; rbox.conf gives the default" {
	run -125 rbox run --log-opt max-size=lots busybox true
	assert_output --partial 'max-size'
	run -125 rbox run --log-opt max-file=3 busybox true
	assert_output 'rbox: --log-opt max-file needs max-size (docker'"'"'s rule)'
	run -125 rbox run --log-opt compress=true busybox true
	assert_output --partial 'invalid value "compress=true" for --log-opt'
	run -125 rbox run --log-driver syslog busybox true
	assert_output --partial -- '--log-driver'
	assert_equal "$(rbox ps -aq)" ""
	printf 'default_network = "none"\nlog_max_size = "4k"\nlog_max_file = "2"\n' >"$BATS_TEST_TMPDIR/rbox.conf"
	RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf" rbox create --name dflt busybox true >/dev/null
	assert_equal "$(inspect_field dflt '.HostConfig.LogConfig.Config."max-size"')" 4096
}
