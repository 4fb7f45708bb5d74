#!/usr/bin/env bats
# A full disk: the store is a small tmpfs (mounted in the test's tmpdir, unmounted in teardown)
# that a chatty container fills with its log. stop still records the true exit code, inspect
# and logs say the log write failed, and the log holds only whole records.

load helpers

setup() {
	export RBOX_ROOT="$BATS_TEST_TMPDIR/root"
	export RBOX_RUNROOT="$BATS_TEST_TMPDIR/run"
	export RBOX_CGROUP_PARENT="$CG_PREFIX"
	STATE_ROOT="$RBOX_RUNROOT/runtime"
	unset BUNDLE
	mkdir -p "$RBOX_ROOT"
	mount -t tmpfs -o size=6m rbox-test-full "$RBOX_ROOT"
}

teardown() {
	local rc=0
	for id in $(ls "$RBOX_ROOT/containers" 2>/dev/null); do
		"$RBOX_BIN" rm -f "$id" >/dev/null 2>&1 || true
	done
	umount "$RBOX_ROOT" || rc=1
	manager_leftovers || rc=1
	check_leftovers || rc=1
	remove_cg_prefix
	return $rc
}

LINE=abcdefghijklmnopqrstuvwxyz0123456789

@test "full disk: stop records the true exit code; inspect and logs say the log write failed; no torn line" {
	rbox run -d --name chatty busybox \
		sh -c "trap 'kill \$p; exit 3' TERM; yes $LINE & p=\$!; wait" >/dev/null
	# until the log cannot grow (inspect says why)
	wait_for 300 0.1 sh -c "'$RBOX_BIN' inspect chatty | jq -e '.[0].State.Error | startswith(\"log write failed\")' >/dev/null"
	assert_equal "$(inspect_field chatty .State.Status)" running
	# not a byte left (the log's cut-back freed some): the exit must fit where the state is
	dd if=/dev/zero of="$RBOX_ROOT/filler" bs=4k 2>/dev/null || true
	run sh -c "echo x >'$RBOX_ROOT/filler2'"
	assert_failure
	rbox stop -t 5 chatty
	assert_equal "$(inspect_field chatty .State.Status)" exited
	assert_equal "$(inspect_field chatty .State.ExitCode)" 3
	run inspect_field chatty .State.Error
	assert_output --regexp '^log write failed: [Nn]o space left on device'
	# every record is whole: timestamp, stream, F or P, text; the file ends with a newline
	local log="$RBOX_ROOT/containers/$(ctr_id chatty)/ctr.log"
	[ -s "$log" ]
	assert_equal "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" '\n'
	run grep -cvE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z stdout [FP] [a-z0-9]*\$" "$log"
	assert_output 0
	# joined, every line is the whole line yes printed (none ends half-way)
	run --separate-stderr rbox logs chatty
	assert_success
	[ -n "$output" ]
	run grep -cvx "$LINE" <<<"$output"
	assert_output 0
	run --separate-stderr rbox logs chatty
	assert_equal "$stderr" "rbox: warning: $(inspect_field chatty .State.Error)"
}
