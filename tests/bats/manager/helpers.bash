# helpers.bash - the manager suites: every test gets a private store (RBOX_ROOT, RBOX_RUNROOT
# under its tmpdir) and cgroup parent, and a teardown that removes every container with
# `rbox rm -f` and fails the test on anything left: mounts, monitors, runtime state, cgroups,
# container directories.

load ../helpers

RBOX_BIN="$RBOX_BUILD/bin/rbox"
# No bridge unless a test asks for one (the network tests, in their own namespaces, do).
export RBOX_CONFIG="$REPO_ROOT/tests/fixtures/rbox-test.conf"

rbox() {
	"$RBOX_BIN" "$@"
}

setup() {
	export RBOX_ROOT="$BATS_TEST_TMPDIR/root"
	export RBOX_RUNROOT="$BATS_TEST_TMPDIR/run"
	export RBOX_CGROUP_PARENT="$CG_PREFIX"
	# the runtime's state, checked by check_leftovers
	STATE_ROOT="$RBOX_RUNROOT/runtime"
	unset BUNDLE
}

# The monitors of this test's store (read-only look-up; never used to kill).
monitors_of_store() {
	pgrep -f -- "--store-root $RBOX_ROOT( |\$)" || true
}

# Full ID of a container by name.
ctr_id() {
	rbox inspect "$1" | jq -r '.[0].Id'
}

# A field of rbox inspect: inspect_field NAME JQPATH
inspect_field() {
	rbox inspect "$1" | jq -r ".[0]$2"
}

ctr_status() {
	rbox inspect "$1" 2>/dev/null | jq -r '.[0].State.Status'
}

# cgroup directory of a container (v1 controller) by name.
ctr_cgroup() { # CONTROLLER NAME
	cgroup_dir_of "$1" "$(ctr_id "$2")"
}

manager_leftovers() {
	local bad=0
	if grep -qF " $BATS_TEST_TMPDIR/" /proc/self/mountinfo; then
		echo "leftover mounts:" >&2
		grep -F " $BATS_TEST_TMPDIR/" /proc/self/mountinfo >&2
		bad=1
	fi
	local mons
	mons=$(monitors_of_store)
	if [ -n "$mons" ]; then
		echo "leftover monitors: $mons" >&2
		bad=1
	fi
	if [ -d "$RBOX_ROOT/containers" ] && [ -n "$(ls -A "$RBOX_ROOT/containers")" ]; then
		echo "leftover containers: $(ls "$RBOX_ROOT/containers")" >&2
		bad=1
	fi
	if [ -d "$RBOX_RUNROOT/containers" ] && [ -n "$(ls -A "$RBOX_RUNROOT/containers")" ]; then
		echo "leftover run dirs: $(ls "$RBOX_RUNROOT/containers")" >&2
		bad=1
	fi
	if [ -d "$RBOX_ROOT/names" ] && [ -n "$(ls -A "$RBOX_ROOT/names")" ]; then
		echo "leftover names: $(ls "$RBOX_ROOT/names")" >&2
		bad=1
	fi
	return $bad
}

teardown() {
	local id rc=0
	if [ -x "$RBOX_BIN" ] && [ -d "$RBOX_ROOT/containers" ]; then
		# the generated bundles join the schema check at the end of the run (zz_schema.bats)
		mkdir -p "$CONFIG_ARCHIVE"
		for id in $(ls "$RBOX_ROOT/containers"); do
			[ -f "$RBOX_ROOT/containers/$id/bundle/config.json" ] &&
				cp "$RBOX_ROOT/containers/$id/bundle/config.json" \
					"$CONFIG_ARCHIVE/manager-$(basename "$BATS_TEST_FILENAME" .bats)-$BATS_TEST_NUMBER-${id:0:12}.json"
		done
		for id in $(ls "$RBOX_ROOT/containers"); do
			"$RBOX_BIN" rm -f "$id" >/dev/null 2>&1 || true
		done
	fi
	manager_leftovers || rc=1
	check_leftovers || rc=1
	remove_cg_prefix
	return $rc
}

# Background foreground-run: rbox_bg OUTFILE ARGS... (sets BG_PID)
rbox_bg() {
	local out=$1
	shift
	"$RBOX_BIN" "$@" >"$out" 2>&1 </dev/null 3>&- &
	BG_PID=$!
}
