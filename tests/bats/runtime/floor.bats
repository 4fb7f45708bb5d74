#!/usr/bin/env bats
# bench/floor.c, the bench's "floor" contender (docs/performance.md, "The limit"): what its
# /bin/true would see must be what a container of the bench's bundle sees, or the floor is not
# the limit of the same isolation. And it leaves no cgroup behind.

load ../helpers

FLOOR="$RBOX_BUILD/bench/floor"

setup() {
	requires root
	if [ ! -x "$FLOOR" ]; then
		make -C "$REPO_ROOT" -s BUILD="$RBOX_BUILD" "$FLOOR" >/dev/null 2>&1 ||
			skip "cannot build $FLOOR (make bench builds it)"
	fi
	setup_bundle
}

# What the process sees: each mount (mount point, per-mount options, type; not the IDs, nor the
# superblock options: the floor's mount(2) makes read-only superblocks where the runtime makes
# read-only mounts), its cgroups, capabilities, no_new_privs, rlimit, hostname, /dev. One line:
# set_args splits its arguments on newlines.
PROBE='awk '\''{for (i = 7; $i != "-"; i++); print $5, $6, $(i + 1)}'\'' /proc/self/mountinfo;'
PROBE+=' cat /proc/self/cgroup; grep -E "^(Cap|NoNewPrivs)" /proc/self/status; ulimit -n;'
PROBE+=' hostname; ls -l /dev | awk "{print \$1, \$NF}"'

@test "floor: its process sees the mounts, cgroups, capabilities and /dev of a container" {
	set_args sh -c "$PROBE"
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	local want=$output
	run "$FLOOR" "$BUSYBOX_ROOTFS" /bin/sh -c "$PROBE"
	assert_success
	assert_output "$want"
	# the cgroup namespace is rooted at the container's cgroup in every hierarchy
	assert_line '0::/'
	assert_line --regexp '^[0-9]+:memory:/$'
}

@test "floor: its cgroups are gone after a run, and after a failed one" {
	run "$FLOOR" "$BUSYBOX_ROOTFS"
	assert_success
	run "$FLOOR" "$BUSYBOX_ROOTFS" /nonexistent
	assert_failure 125
	run find /sys/fs/cgroup -maxdepth 5 -type d -name 'floor-*'
	assert_output ''
}
