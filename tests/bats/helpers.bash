# helpers.bash - shared by every rbox bats suite (in the spirit of runc's tests/integration).
#
# Each test gets its own bundle ($BUNDLE, from bundles/busybox/config.json, root.path pointing at
# the shared read-only busybox rootfs), its own runtime state root ($STATE_ROOT), and a unique
# relative cgroups path nested under the caller's own cgroup. teardown force-deletes every
# container the test made and fails the test if a mount, cgroup or process is left behind.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load /usr/lib/bats/bats-file/load

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RBOX_BUILD="${RBOX_BUILD:-build}"
case "$RBOX_BUILD" in /*) ;; *) RBOX_BUILD="$REPO_ROOT/$RBOX_BUILD" ;; esac
RUNTIME_BIN="$RBOX_BUILD/bin/rbox-runtime"
BUSYBOX_ROOTFS="$REPO_ROOT/bundles/busybox/rootfs"
BASE_CONFIG="$REPO_ROOT/bundles/busybox/config.json"
SCHEMA_VALIDATOR="$REPO_ROOT/tools/validate-config.py"
# A throwaway qemu VM with pure cgroup v2 and AppArmor (tests/vm/vm-run; `requires vm`).
VM_RUN="$REPO_ROOT/tests/vm/vm-run"
# Configs the tests generate are collected here and validated against the schema at the end of
# the run (tests/bats/zz_schema.bats).
CONFIG_ARCHIVE="${BATS_RUN_TMPDIR:-/tmp}/rbox-configs"
# Sanitizer builds: make ASan/UBSan findings fail the command.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}"

# The test's cgroup prefix: relative, so it nests under the caller's own cgroup.
CG_PREFIX="rbox-test-$$"

# rbox-runtime with this test's state root.
runtime() {
	"$RUNTIME_BIN" --root "$STATE_ROOT" "$@"
}

# run_bg ARGS...: like `run runtime ARGS...`, for commands whose container outlives them
# (create, run -d). The container inherits the runtime's stdio, so a pipe (what `run` reads)
# would stay open: capture through a file instead, and keep bats' fd 3 away from it.
run_bg() {
	local out="$BATS_TEST_TMPDIR/bg.$RANDOM"
	status=0
	runtime "$@" </dev/null >"$out" 2>&1 3>&- || status=$?
	output=$(cat "$out")
}

# A fresh bundle for this test. Default process: sleep (tests override with set_args).
setup_bundle() {
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	STATE_ROOT="$BATS_TEST_TMPDIR/state"
	mkdir -p "$BUNDLE"
	CTR_ID="t${BATS_TEST_NUMBER}-$$-$RANDOM"
	jq --arg root "$BUSYBOX_ROOTFS" --arg cg "$CG_PREFIX/$CTR_ID" \
		'.root.path = $root | .linux.cgroupsPath = $cg | .process.args = ["sleep", "1000"]' \
		"$BASE_CONFIG" >"$BUNDLE/config.json"
	CONFIG_INVALID=
}

# A private, writable copy of the busybox rootfs (for tests that change files in it).
private_rootfs() {
	cp -a "$BUSYBOX_ROOTFS" "$BUNDLE/rootfs"
	update_config '.root.path = "rootfs" | .root.readonly = false'
}

# update_config JQ-FILTER [jq args...]: edit $BUNDLE/config.json in place.
update_config() {
	local filter="$1"
	shift
	jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.args.
set_args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	update_config ".process.args = $json"
}

# The test deliberately writes a config rbox must refuse: keep it out of the schema check.
config_is_invalid() {
	CONFIG_INVALID=1
}

# wait_for TRIES DELAY CMD...: retry until CMD succeeds.
wait_for() {
	local tries=$1 delay=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		if "$@"; then
			return 0
		fi
		sleep "$delay"
	done
	echo "wait_for: '$*' still failing after $tries tries" >&2
	return 1
}

# The status field of `state`.
container_status() {
	runtime state "$1" 2>/dev/null | jq -r .status
}

container_pid() {
	runtime state "$1" | jq -r .pid
}

# The host's cgroup layout: v1, hybrid (v1 controllers + a cgroup2 "unified" mount) or v2.
cgroup_layout() {
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		echo v2
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo hybrid
	else
		echo v1
	fi
}

# This process's own cgroup path: in the v1 hierarchy of CONTROLLER, or the cgroup2 one (v2).
own_cgroup() { # [CONTROLLER]
	if [ "$(cgroup_layout)" = v2 ]; then
		awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup
	else
		awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup
	fi
}

# The directory of this test's container for CONTROLLER: its v1 hierarchy's, or on a pure v2
# host the one cgroup2 directory (whatever the controller).
cgroup_dir_of() { # CONTROLLER ID
	local ctrl=$1 id=$2 own
	own=$(own_cgroup "$ctrl")
	if [ "$(cgroup_layout)" = v2 ]; then
		echo "/sys/fs/cgroup${own%/}/$CG_PREFIX/$id"
	else
		echo "/sys/fs/cgroup/$ctrl${own%/}/$CG_PREFIX/$id"
	fi
}

# Is CONTROLLER available to this test's containers? v1: its hierarchy is mounted; v2: it is in
# the caller's cgroup.controllers (the runtime enables it down to the container).
has_cgroup_controller() { # CONTROLLER
	if [ "$(cgroup_layout)" = v2 ]; then
		grep -qw "$1" "/sys/fs/cgroup$(own_cgroup)/cgroup.controllers" 2>/dev/null
	else
		[ -d "/sys/fs/cgroup/$1" ]
	fi
}

# The memory limit of the container's cgroup in bytes ("max" when unlimited on v2).
cgroup_memory_limit() { # ID
	local d
	d=$(cgroup_dir_of memory "$1")
	if [ -f "$d/memory.max" ]; then cat "$d/memory.max"; else cat "$d/memory.limit_in_bytes"; fi
}

# Every cgroup directory of a container (one per hierarchy; v1, hybrid or v2), from its state.
cgroup_dirs_of() { # ID
	jq -r '.cgroup.hierarchies[].dir' "$STATE_ROOT/$1/state.json"
}

requires() {
	local r
	for r in "$@"; do
		case "$r" in
		root) [ "$(id -u)" = 0 ] || skip "needs root" ;;
		cgroup_v1) [ -d /sys/fs/cgroup/memory ] || skip "needs cgroup v1 controllers" ;;
		cgroup) has_cgroup_controller memory && has_cgroup_controller pids ||
			skip "needs the memory and pids cgroup controllers" ;;
		cgroup:*) has_cgroup_controller "${r#cgroup:}" || skip "needs the ${r#cgroup:} cgroup controller" ;;
		cmd:*) command -v "${r#cmd:}" >/dev/null || skip "needs ${r#cmd:}" ;;
		vm) # what $VM_RUN boots (make deps installs it)
			command -v qemu-system-x86_64 >/dev/null || skip "needs qemu-system-x86 for $VM_RUN"
			compgen -G '/boot/vmlinuz-*' >/dev/null || skip "needs linux-image-amd64 (a kernel in /boot) for $VM_RUN"
			[ -x /bin/busybox ] || skip "needs busybox-static for $VM_RUN"
			;;
		*) fail "requires: unknown requirement $r" ;;
		esac
	done
}

# Everything the test created must be gone (mounts, cgroups, processes, state).
check_leftovers() {
	local bad=0
	if [ -n "${BUNDLE:-}" ] && grep -qF " $BUNDLE" /proc/self/mountinfo; then
		echo "leftover mounts under $BUNDLE:" >&2
		grep -F " $BUNDLE" /proc/self/mountinfo >&2
		bad=1
	fi
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		if [ -n "$(find "$d" -maxdepth 4 -type d -name "$CG_PREFIX" 2>/dev/null | head -1)" ]; then
			local leaf
			leaf=$(find "$d" -maxdepth 4 -type d -path "*/$CG_PREFIX/*" 2>/dev/null | head -1)
			if [ -n "$leaf" ]; then
				echo "leftover cgroup: $leaf" >&2
				bad=1
			fi
		fi
	done
	# (.seccomp-cache holds compiled filters on purpose: it is not a container's state)
	if [ -n "${STATE_ROOT:-}" ] && [ -d "$STATE_ROOT" ] && [ -n "$(ls "$STATE_ROOT")" ]; then
		echo "leftover state: $(ls "$STATE_ROOT")" >&2
		bad=1
	fi
	return $bad
}

# Remove the (empty) cgroup prefix dirs this test process made, and any empty dirs under them
# (intermediate parents a test used, or what a failed test left: reported above already).
remove_cg_prefix() {
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		find "$d" -maxdepth 6 -depth -type d \( -name "$CG_PREFIX" -o -path "*/$CG_PREFIX/*" \) \
			-exec rmdir {} \; 2>/dev/null || true
	done
}

archive_config() {
	if [ -z "${CONFIG_INVALID:-}" ] && [ -f "${BUNDLE:-}/config.json" ]; then
		mkdir -p "$CONFIG_ARCHIVE"
		cp "$BUNDLE/config.json" "$CONFIG_ARCHIVE/$(basename "$BATS_TEST_FILENAME" .bats)-$BATS_TEST_NUMBER.json"
	fi
}

teardown_containers() {
	local id
	if [ -n "${STATE_ROOT:-}" ] && [ -d "$STATE_ROOT" ]; then
		for id in $(runtime list -q 2>/dev/null); do
			runtime delete --force "$id" >/dev/null 2>&1 || true
		done
		# state dirs of creates that never finished
		for id in $(ls "$STATE_ROOT" 2>/dev/null); do
			runtime delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	archive_config
	local rc=0
	check_leftovers || rc=1
	remove_cg_prefix
	return $rc
}

# Default setup/teardown for runtime suites; files may wrap them.
setup() {
	setup_bundle
}

teardown() {
	teardown_containers
}
