# helpers.bash - the librbox suites: every test gets its own work directory (the runtime's
# state and the run directories), the suite's cgroup prefix as the cgroup parent, and a
# teardown that fails the test on anything left: run directories, mounts, cgroups, state,
# processes of the sandboxes.

load ../helpers

LIBRBOX="$RBOX_BUILD/lib/librbox.so.1"
JUDGE="$RBOX_BUILD/bin/rbox-judge"

setup() {
	[ -x "$JUDGE" ] && [ -f "$LIBRBOX" ] || skip "librbox is not built (make)"
	export RBOX_RUNTIME="$RUNTIME_BIN"
	export RBOX_LIB_ROOT="$BATS_TEST_TMPDIR/lib"
	export RBOX_CGROUP_PARENT="$CG_PREFIX"
	export RBOX_LIBRARY="$LIBRBOX"
	export PYTHONPATH="$REPO_ROOT/bindings/python"
	STATE_ROOT="$RBOX_LIB_ROOT/state"
	# a tag that marks the sandboxes' processes of this test (never used to kill)
	TAG="lrb$$x$RANDOM"
}

judge() {
	"$JUDGE" "$@"
}

# python3 -c CODE with the binding imported as rbox and ROOTFS set
py() {
	python3 -c "import os, sys, rbox; ROOTFS = '$BUSYBOX_ROOTFS'; $1"
}

# After overlapping runs: every run's own cgroup is gone; the shared parent ($CG_PREFIX) may
# stay, empty, when no run found it empty at its end (each removes only the parent it made, and
# only when it is empty then: docs/library.md). Remove it, as a caller would, so that the
# teardown's check (which flags the prefix itself on a v2 host) sees only real leftovers.
check_run_cgroups_gone() {
	local left
	left=$(find /sys/fs/cgroup -maxdepth 7 -type d -path "*/$CG_PREFIX/lrb-*" 2>/dev/null)
	[ -z "$left" ] || fail "leftover run cgroups: $left"
	remove_cg_prefix
}

library_leftovers() {
	local bad=0
	if grep -qF " $BATS_TEST_TMPDIR/" /proc/self/mountinfo; then
		echo "leftover mounts:" >&2
		grep -F " $BATS_TEST_TMPDIR/" /proc/self/mountinfo >&2
		bad=1
	fi
	if [ -d "$RBOX_LIB_ROOT/runs" ] && [ -n "$(ls -A "$RBOX_LIB_ROOT/runs")" ]; then
		echo "leftover run directories: $(ls "$RBOX_LIB_ROOT/runs")" >&2
		bad=1
	fi
	if pgrep -f "$TAG" >/dev/null; then
		echo "leftover processes: $(pgrep -af "$TAG")" >&2
		bad=1
	fi
	return $bad
}

teardown() {
	local rc=0
	teardown_containers || rc=1
	library_leftovers || rc=1
	return $rc
}
