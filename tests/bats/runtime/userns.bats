#!/usr/bin/env bats
# User namespaces created by a root caller (rootless.bats has the non-root side), and the time
# namespace with linux.timeOffsets.

load ../helpers

setup() {
	setup_bundle
	# the container's root is an unprivileged host uid: let it reach the bundle and volumes
	chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
}

# userns_config [SIZE]: a new user namespace mapping 0..65535 to 100000..165535, and /tmp bound
# from $VOL (a host directory anyone may write).
userns_config() {
	VOL="$BATS_TEST_TMPDIR/vol"
	mkdir -p "$VOL"
	chmod 1777 "$VOL"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts |= map(if .destination == "/tmp"
			then {destination: "/tmp", type: "bind", source: $vol, options: ["rbind"]} else . end)' \
		--arg vol "$VOL"
}

@test "userns: root inside is 100000 outside; files through a bind mount show the host ids" {
	userns_config
	set_args sh -c 'id; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/by-root; touch /tmp/by-user; chown 1000:1000 /tmp/by-user; ls -ln /tmp | awk "NR > 1 { print \$3, \$4, \$9 }"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "uid=0(root) gid=0(root)
         0     100000      65536
         0     100000      65536
0 0 by-root
1000 1000 by-user"
	assert_equal "$(stat -c %u:%g "$VOL/by-root")" 100000:100000
	assert_equal "$(stat -c %u:%g "$VOL/by-user")" 101000:101000
}

@test "userns: a non-root process.user is mapped too" {
	userns_config
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [100]}'
	set_args sh -c 'id; touch /tmp/mine'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	# a user namespace made by root allows setgroups (no "deny"): additionalGids work
	assert_output "uid=1000(user) gid=1000(user) groups=100(users)"
	assert_equal "$(stat -c %u:%g "$VOL/mine")" 101000:101000
}

@test "userns: host files outside the mapping appear as nobody and stay read-only" {
	userns_config
	echo secret >"$BATS_TEST_TMPDIR/host-file"
	chmod 0600 "$BATS_TEST_TMPDIR/host-file"
	update_config '.mounts += [{destination: "/host-file", type: "bind",
		source: $f, options: ["bind"]}] | .root.readonly = false' \
		--arg f "$BATS_TEST_TMPDIR/host-file"
	private_rootfs
	touch "$BUNDLE/rootfs/host-file"
	set_args sh -c 'ls -ln /host-file | awk "{ print \$3, \$4 }"; cat /host-file; echo x >> /host-file'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_line --index 0 "65534 65534"
	assert_line --index 1 --partial "Permission denied"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/host-file")" secret
}

@test "userns: a mapping the kernel refuses is one clear error, and nothing is left" {
	userns_config
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 10},
		{containerID: 5, hostID: 200000, size: 10}]'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: linux.uidMappings: writing uid_map: Invalid argument"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
}

@test "timens: linux.timeOffsets shift the container's monotonic and boot clocks" {
	update_config '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {monotonic: {secs: 7200, nanosecs: 500}, boottime: {secs: 86400000}}'
	set_args sh -c 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --regexp '^monotonic +7200 +500$'
	assert_line --index 1 --regexp '^boottime +86400000 +0$'
	local host up
	host=$(cut -d. -f1 /proc/uptime)
	up=${lines[2]}
	# uptime reads CLOCK_BOOTTIME: the container's is the host's + 1000 days
	[ "$up" -ge $((host + 86400000 - 5)) ] && [ "$up" -le $((host + 86400000 + 5)) ]
}

@test "timens: offsets inside a new user namespace too (the double-fork path)" {
	userns_config
	update_config '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {boottime: {secs: -1}}'
	set_args sh -c 'cat /proc/self/timens_offsets; id -u'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --regexp '^monotonic +0 +0$'
	assert_line --index 1 --regexp '^boottime +-1 +0$'
	assert_line --index 2 0
}

@test "timens: a time namespace without offsets starts at the host's clocks" {
	update_config '.linux.namespaces += [{type: "time"}]'
	set_args sh -c 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	refute_line --index 0 "$(readlink /proc/self/ns/time)"
	assert_line --index 1 --regexp '^monotonic +0 +0$'
}

@test "timens: offsets the kernel refuses, and offsets without a time namespace, are errors" {
	config_is_invalid
	update_config '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {monotonic: {secs: -100000000000}}'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: linux.timeOffsets: writing /proc/self/timens_offsets: Numerical result out of range"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
	update_config '.linux.namespaces |= map(select(.type != "time"))'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: config.json: linux.timeOffsets: requires a new time namespace"
}

@test "userns: bind sources the container's root cannot reach are opened by the runtime, as runc" {
	userns_config
	# only the host's root may enter $secret; the container's root is host uid 100000
	local secret="$BATS_TEST_TMPDIR/secret"
	mkdir -p "$secret/data"
	echo inside >"$secret/data/file"
	echo single >"$secret/one-file"
	chmod 700 "$secret"
	# (destinations that exist: the shared rootfs is not writable by the container's root)
	update_config '.mounts += [{"destination": "/mnt", "type": "bind", "source": $d, "options": ["rbind", "ro"]},
		{"destination": "/etc/hostname", "type": "bind", "source": $f, "options": ["bind"]}]' \
		--arg d "$secret/data" --arg f "$secret/one-file"
	set_args sh -c 'cat /mnt/file /etc/hostname; touch /mnt/x 2>&1; grep " /mnt " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 inside
	assert_line --index 1 single
	assert_line --index 2 --partial "Read-only file system"
	assert_line --index 3 ro
	# a missing source is still one clear error, and nothing is left
	update_config '.mounts += [{"destination": "/opt", "type": "bind", "source": "/nonexistent/src", "options": ["bind"]}]'
	run runtime run -b "$BUNDLE" "$CTR_ID-2"
	assert_failure
	assert_output --regexp '^rbox-runtime: mounts\[[0-9]+\]: mounting bind on /opt: source /nonexistent/src: No such file or directory$'
}
