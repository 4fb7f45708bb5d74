#!/usr/bin/env bats
# The command line itself: help, version, flag forms, logging, spec, install.

load ../helpers

@test "cli: --help for the program and every verb" {
	run "$RUNTIME_BIN" --help
	assert_success
	assert_line --index 0 "Usage: rbox-runtime [global flags] COMMAND [flags] [arguments]"
	local verbs verb
	verbs=$(echo "$output" | sed -n '/^Commands:/,/^$/p' | awk 'NF >= 2 && $1 != "Commands:" {print $1}')
	[ -n "$verbs" ]
	for verb in $verbs; do
		run "$RUNTIME_BIN" "$verb" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: rbox-runtime $verb"
		run "$RUNTIME_BIN" "$verb" -h
		assert_success
	done
}

@test "cli: --version has runc's shape" {
	run "$RUNTIME_BIN" --version
	assert_success
	assert_line --index 0 --regexp '^rbox-runtime version [0-9]+\.[0-9]+\.[0-9]+'
	assert_line --index 1 --regexp '^commit: '
	assert_line --index 2 'spec: 1.3.0'
	assert_line --index 3 --regexp '^libseccomp: [0-9]+\.[0-9]+\.[0-9]+$'
	# `version` prints the same
	local v="$output"
	run "$RUNTIME_BIN" version
	assert_success
	assert_output "$v"
}

@test "cli: help [COMMAND]; help of an unknown topic is one line" {
	run "$RUNTIME_BIN" help
	assert_success
	assert_line --index 0 "Usage: rbox-runtime [global flags] COMMAND [flags] [arguments]"
	run "$RUNTIME_BIN" help create
	assert_success
	assert_line --index 0 --regexp '^Usage: rbox-runtime create'
	run "$RUNTIME_BIN" help nosuch
	assert_failure
	assert_output "rbox-runtime: help: no help topic for \"nosuch\" (see 'rbox-runtime --help')"
}

@test "cli: unknown command, unknown flag, missing argument" {
	run "$RUNTIME_BIN" frobnicate
	assert_failure
	assert_output "rbox-runtime: unknown command \"frobnicate\" (see 'rbox-runtime --help')"
	run runtime create --bogus x
	assert_failure
	assert_output "rbox-runtime: create: unknown flag --bogus (see 'create --help')"
	run runtime create
	assert_failure
	assert_output "rbox-runtime: create: missing container ID (see 'create --help')"
	run runtime state a b
	assert_failure
	assert_output "rbox-runtime: state: unexpected argument \"b\" (see 'state --help')"
	run runtime create --preserve-fds lots x
	assert_failure
	assert_output --partial '--preserve-fds: invalid value "lots"'
	run "$RUNTIME_BIN" --log-format yaml list
	assert_failure
	assert_output 'rbox-runtime: --log-format: unknown format "yaml" (text or json)'
}

@test "cli: --opt value and --opt=value both work, globally and per verb" {
	set_args echo forms
	run "$RUNTIME_BIN" --root="$STATE_ROOT" run --bundle="$BUNDLE" "$CTR_ID"
	assert_success
	assert_output forms
	run "$RUNTIME_BIN" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$CTR_ID"
	assert_success
}

@test "cli: --log with --log-format json writes runc's JSON lines, nothing on stderr" {
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format=json state nosuch
	assert_failure
	assert_output ""
	run jq -r '.level + " " + .msg' "$BATS_TEST_TMPDIR/log.json"
	assert_output 'error container "nosuch" does not exist'
	run jq -r .time "$BATS_TEST_TMPDIR/log.json"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
}

@test "cli: --log in text format; --debug adds debug lines" {
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log.txt" delete nosuch
	assert_failure
	run cat "$BATS_TEST_TMPDIR/log.txt"
	assert_output --regexp '^time="[^"]+" level=error msg="container \\"nosuch\\" does not exist"$'
	update_config '.hooks = {"prestart": [{"path": "/bin/true"}]}'
	set_args true
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --debug run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output --partial "rbox-runtime: debug: running prestart hook /bin/true"
}

@test "cli: --debug logs the steps of create, start, exec and delete (text and json)" {
	local fmt log
	for fmt in text json; do
		log="$BATS_TEST_TMPDIR/debug.$fmt"
		run_bg --debug --log "$log" --log-format "$fmt" create -b "$BUNDLE" "$CTR_ID"
		assert_success
		run "$RUNTIME_BIN" --root "$STATE_ROOT" --debug --log "$log" --log-format "$fmt" start "$CTR_ID"
		assert_success
		run "$RUNTIME_BIN" --root "$STATE_ROOT" --debug --log "$log" --log-format "$fmt" exec "$CTR_ID" true
		assert_success
		run "$RUNTIME_BIN" --root "$STATE_ROOT" --debug --log "$log" --log-format "$fmt" delete -f "$CTR_ID"
		assert_success
		if [ "$fmt" = json ]; then
			run jq -r 'select(.level == "debug") | .msg' "$log"
		else
			run sed -n 's/^time="[^"]*" level=debug msg="\(.*\)" elapsed_us=[0-9]*$/\1/p' "$log"
		fi
		assert_line --regexp "^create $CTR_ID: config.json of bundle .* loaded$"
		assert_line --regexp "^container $CTR_ID created, pid [0-9]+$"
		assert_line "start $CTR_ID: the container's process runs"
		assert_line --regexp "^exec $CTR_ID: process is pid [0-9]+$"
		assert_line "delete $CTR_ID: state directory removed"
		# each debug line says when it came (µs since the runtime started)
		if [ "$fmt" = json ]; then
			run jq -r 'select(.level == "debug") | .elapsed_us | type' "$log"
			assert_line number
			refute_line null
		else
			run grep -c 'level=debug msg=.*"$' "$log"
			assert_output 0
			run grep -c 'level=debug msg=.* elapsed_us=[0-9]*$' "$log"
			refute_output 0
		fi
	done
	# without --debug: none
	run_bg --log "$BATS_TEST_TMPDIR/quiet" create -b "$BUNDLE" "$CTR_ID"
	assert_success
	runtime delete -f "$CTR_ID"
	run grep -c level=debug "$BATS_TEST_TMPDIR/quiet"
	assert_output 0
}

@test "cli: spec writes a valid default config and refuses to overwrite it" {
	local d="$BATS_TEST_TMPDIR/specdir"
	mkdir -p "$d"
	run "$RUNTIME_BIN" spec -b "$d"
	assert_success
	assert_equal "$(jq -r .ociVersion "$d/config.json")" 1.2.0
	assert_equal "$(jq -r .root.path "$d/config.json")" rootfs
	run "$RUNTIME_BIN" spec -b "$d"
	assert_failure
	assert_output "rbox-runtime: spec: $d/config.json exists: remove it first"
	# with a rootfs and a non-interactive process it runs as is
	ln -s "$BUSYBOX_ROOTFS" "$d/rootfs"
	jq '.process.terminal = false | .process.args = ["echo", "from-spec"]' "$d/config.json" >"$d/c" && mv "$d/c" "$d/config.json"
	cp "$d/config.json" "$BUNDLE/config.json"
	run runtime run -b "$d" "$CTR_ID"
	assert_success
	assert_output from-spec
}

@test "cli: make install puts the binaries under DESTDIR/PREFIX" {
	run make -C "$REPO_ROOT" --no-print-directory install DESTDIR="$BATS_TEST_TMPDIR/dest" PREFIX=/opt/rbox BUILD="$RBOX_BUILD"
	assert_success
	assert_file_executable "$BATS_TEST_TMPDIR/dest/opt/rbox/bin/rbox-runtime"
	run "$BATS_TEST_TMPDIR/dest/opt/rbox/bin/rbox-runtime" --version
	assert_success
	# the boot-time reconcile unit (rbox system reconcile: --restart always after a reboot)
	run grep -x 'ExecStart=/opt/rbox/bin/rbox system reconcile' \
		"$BATS_TEST_TMPDIR/dest/opt/rbox/lib/systemd/system/rbox-reconcile.service"
	assert_success
}
