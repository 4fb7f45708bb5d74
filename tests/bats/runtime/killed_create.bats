#!/usr/bin/env bats
# Never a half-made container: `create` killed with SIGKILL at a random moment leaves either
# nothing or a container that `list` and `state` show (created, creating or stopped) and that
# `delete` (with or without --force) removes entirely: state dir, cgroups in every hierarchy,
# processes, mounts.

load ../helpers

# Directories named after the container anywhere in the cgroup trees.
cgroup_leftovers() { # ID
	find /sys/fs/cgroup -maxdepth 10 -type d -name "$1" 2>/dev/null
}

@test "killed create: 40 kills at random moments, each leaves something list shows and delete cleans" {
	requires root
	local try delay pid st force out="$BATS_TEST_TMPDIR/create.out" seen=0
	for ((try = 0; try < 40; try++)); do
		delay=$(printf '0.%03d' $((RANDOM % 400)))
		"$RUNTIME_BIN" --root "$STATE_ROOT" create -b "$BUNDLE" "$CTR_ID" </dev/null >"$out" 2>&1 3>&- &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		if [ -e "$STATE_ROOT/$CTR_ID" ]; then
			seen=$((seen + 1))
			# list shows it, state reads it
			run runtime list -q
			assert_output "$CTR_ID"
			run runtime state "$CTR_ID"
			assert_success
			st=$(jq -r .status <<<"$output")
			[[ "$st" =~ ^(created|creating|stopped)$ ]] || fail "try $try: status $st"
			# delete, without --force on even tries
			force=
			((try % 2)) && force=--force
			run runtime delete $force "$CTR_ID"
			assert_success
		fi
		# nothing of it is left (list removes the temporary dir of a create killed before
		# its state dir appeared)
		runtime list -q >/dev/null
		assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null | grep -v '^\.seccomp-cache$')" ""
		assert_equal "$(cgroup_leftovers "$CTR_ID")" ""
		run pgrep -f -- "$CTR_ID"
		assert_failure
		run grep -F " $BUNDLE" /proc/self/mountinfo
		assert_failure
	done
	# the ID is free again
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	runtime delete --force "$CTR_ID"
	echo "$seen of 40 kills left a container to delete" >&3
}
