#!/usr/bin/env bats
# run --blkio-weight and --blkio-weight-device as docker's: written where the host's cgroups
# have a weight file; elsewhere one warning line, the weight discarded, the container runs.

load helpers

# The weight file the runtime writes on this host ("" when there is none: docker's warning).
weight_file() { # CONTAINER-CGROUP-DIR
	local f
	for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
		[ -e "$1/$f" ] && { echo "$1/$f"; return; }
	done
}

host_has_weight() {
	if [ -d /sys/fs/cgroup/blkio ]; then
		[ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]
	else
		grep -qw io /sys/fs/cgroup/cgroup.controllers
	fi
}

@test "--blkio-weight: in HostConfig and the cgroup, or a warning and the container runs" {
	if host_has_weight; then
		run rbox run -d --name bw --blkio-weight 300 busybox sleep 1000
		assert_success
		assert_equal "$(inspect_field bw .HostConfig.BlkioWeight)" 300
		local ctrl=blkio
		[ -d /sys/fs/cgroup/blkio ] || ctrl=io
		local f
		f=$(weight_file "$(cgroup_dir_of "$ctrl" "$(ctr_id bw)")")
		[ -n "$f" ]
		run cat "$f"
		if [[ $f == */io.weight ]]; then
			assert_output --regexp '[0-9]+$' # the runtime converts to io.weight's 1..10000
		else
			assert_output --regexp '(^| )300$'
		fi
	else
		run rbox run --rm --blkio-weight 300 busybox echo ran
		assert_success
		assert_output $'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\nran'
		rbox create --name bw --blkio-weight 300 busybox true 2>/dev/null >/dev/null
		assert_equal "$(inspect_field bw .HostConfig.BlkioWeight)" 0
	fi
}

@test "--blkio-weight-device: the device's weight, or docker's warning" {
	local dev
	dev=$(find /dev -maxdepth 1 -type b 2>/dev/null | head -n 1)
	[ -n "$dev" ] || skip "no block device node in /dev"
	run rbox create --name bd --blkio-weight-device "$dev:200" busybox true
	assert_success
	if [ -e /sys/fs/cgroup/blkio/blkio.weight_device ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight_device ] ||
		{ [ ! -d /sys/fs/cgroup/blkio ] && grep -qw io /sys/fs/cgroup/cgroup.controllers; }; then
		run rbox inspect -f '{{json .HostConfig.BlkioWeightDevice}}' bd
		assert_output "[{\"Path\":\"$dev\",\"Weight\":200}]"
	else
		assert_line --index 0 'WARNING: Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.'
		run rbox inspect -f '{{json .HostConfig.BlkioWeightDevice}}' bd
		assert_output '[]'
	fi
}

@test "bad --blkio-weight and --blkio-weight-device values: one line, 125, nothing created" {
	local bad
	for bad in "--blkio-weight 5" "--blkio-weight 1001" "--blkio-weight x" \
		"--blkio-weight-device /dev/null:100" "--blkio-weight-device /dev/nosuch:100" \
		"--blkio-weight-device sda:100" "--blkio-weight-device /dev/loop0:5000" \
		"--blkio-weight-device /dev/loop0"; do
		# shellcheck disable=SC2086
		run rbox run --rm $bad busybox true
		assert_failure 125
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '^rbox: invalid value .* for --blkio-weight'
	done
	run rbox ps -aq
	assert_output ""
	manager_leftovers
}
