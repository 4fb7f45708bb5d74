#!/usr/bin/env bats
# Mounts: every common type and option, bind mounts, propagation, the read-only root, pivot_root
# and --no-pivot, destinations resolved inside the rootfs, and errors that leave nothing behind.

load ../helpers

teardown() {
	# shared_rootfs binds: never leave them behind, even when a test fails
	if [ -d "${BUNDLE:-}/rootfs" ]; then
		umount -R "$BUNDLE/rootfs" 2>/dev/null || true
	fi
	teardown_containers
}

# The mount line for a destination, as the container sees it (/proc/self/mountinfo).
mountinfo_in() { # DEST
	set_args sh -c "grep ' $1 ' /proc/self/mountinfo"
	run runtime run -b "$BUNDLE" "$CTR_ID-$RANDOM"
	assert_success
}

@test "mounts: the standard set is mounted with its options" {
	set_args cat /proc/self/mountinfo
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --regexp ' / ro,relatime '
	assert_line --regexp ' /proc rw,relatime - proc proc '
	assert_line --regexp ' /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755'
	assert_line --regexp ' /dev/pts rw,nosuid,noexec.* - devpts devpts rw,gid=5,mode=620,ptmxmode=666'
	assert_line --regexp ' /dev/shm rw,nosuid,nodev,noexec.* - tmpfs shm rw,size=65536k'
	assert_line --regexp ' /dev/mqueue rw,nosuid,nodev,noexec.* - mqueue mqueue '
	assert_line --regexp ' /sys ro,nosuid,nodev,noexec.* - sysfs sysfs '
	assert_line --regexp ' /sys/fs/cgroup ro,nosuid,nodev,noexec.* - tmpfs '
	assert_line --regexp ' /tmp rw,nosuid,nodev.* - tmpfs tmpfs rw$'
}

@test "mounts: nothing of the container is visible on the host, and nothing is left after" {
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
	run grep -c " $BUSYBOX_ROOTFS" /proc/self/mountinfo
	assert_output 0
}

@test "mounts: tmpfs size and mode options are applied" {
	private_rootfs
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "noexec", "nodev", "nosuid"]}]'
	set_args sh -c 'grep " /data " /proc/self/mountinfo; stat -c %a /data; dd if=/dev/zero of=/data/f bs=1k count=2048 2>&1 | grep -c "No space left"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_line --index 0 --regexp ' /data rw,nosuid,nodev,noexec.* - tmpfs tmpfs rw,size=1024k,mode=700'
	assert_line --index 1 700
	assert_line --index 2 1
}

@test "mounts: bind mounts of a directory, read-only and read-write" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo hostdata >"$BATS_TEST_TMPDIR/src/file"
	update_config '.mounts += [{"destination": "/rw", "type": "bind", "source": $s, "options": ["rbind", "rw"]}, {"destination": "/ro", "type": "none", "source": $s, "options": ["bind", "ro", "nosuid", "nodev", "noexec"]}]' --arg s "$BATS_TEST_TMPDIR/src"
	set_args sh -c 'cat /ro/file; echo new > /rw/new; echo fail > /ro/fail; grep " /ro " /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_line --index 0 hostdata
	assert_output --partial "Read-only file system"
	assert_line --regexp ' /ro ro,nosuid,nodev,noexec'
	assert_file_exists "$BATS_TEST_TMPDIR/src/new"
	assert_file_not_exists "$BATS_TEST_TMPDIR/src/fail"
}

@test "mounts: a bind mount of a file creates the mount point file" {
	private_rootfs
	echo filedata >"$BATS_TEST_TMPDIR/hostfile"
	update_config '.mounts += [{"destination": "/etc/injected/conf", "type": "bind", "source": $s, "options": ["bind", "ro"]}]' --arg s "$BATS_TEST_TMPDIR/hostfile"
	set_args cat /etc/injected/conf
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output filedata
}

@test "mounts: relative bind sources are relative to the bundle" {
	private_rootfs
	mkdir -p "$BUNDLE/vol"
	echo in-bundle >"$BUNDLE/vol/f"
	update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": "vol", "options": ["bind"]}]'
	set_args cat /vol/f
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output in-bundle
}

@test "mounts: rbind carries submounts, bind does not" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/outer/inner"
	mount -t tmpfs -o size=1m tmpfs "$BATS_TEST_TMPDIR/outer/inner"
	echo sub >"$BATS_TEST_TMPDIR/outer/inner/f"
	update_config '.mounts += [{"destination": "/r", "type": "bind", "source": $s, "options": ["rbind"]}, {"destination": "/b", "type": "bind", "source": $s, "options": ["bind"]}]' --arg s "$BATS_TEST_TMPDIR/outer"
	set_args sh -c 'cat /r/inner/f; ls /b/inner | wc -l'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	umount "$BATS_TEST_TMPDIR/outer/inner"
	assert_success
	assert_output "sub
0"
}

@test "mounts: atime options" {
	private_rootfs
	update_config '.mounts += [{"destination": "/a1", "type": "tmpfs", "source": "tmpfs", "options": ["noatime"]}, {"destination": "/a2", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "nodiratime"]}]'
	set_args sh -c 'grep -E " /a[12] " /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --regexp ' /a1 rw,noatime '
	assert_line --regexp ' /a2 rw,nodiratime '
}

@test "mounts: propagation options (private, shared, slave)" {
	private_rootfs
	update_config '.mounts += [{"destination": "/p1", "type": "tmpfs", "source": "tmpfs", "options": ["rprivate"]}, {"destination": "/p2", "type": "tmpfs", "source": "tmpfs", "options": ["shared"]}]'
	set_args sh -c 'grep -E " /p[12] " /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --regexp ' /p1 rw,relatime - tmpfs'
	assert_line --regexp ' /p2 rw,relatime shared:[0-9]+ - tmpfs'
}

# A rootfs that is itself a shared mount on the host, so that propagation can be seen.
shared_rootfs() {
	private_rootfs
	mount --bind "$BUNDLE/rootfs" "$BUNDLE/rootfs"
	mount --make-shared "$BUNDLE/rootfs"
}

unshare_rootfs() {
	umount "$BUNDLE/rootfs/mnt" 2>/dev/null || true
	umount "$BUNDLE/rootfs"
}

@test "mounts: the root is a slave of the host's mount by default" {
	shared_rootfs
	set_args sh -c 'grep " / rw," /proc/self/mountinfo; i=0; while [ ! -e /mnt/late ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; ls /mnt'
	"$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local rpid=$!
	sleep 0.5
	# a mount made on the host after the container started shows up inside
	mount -t tmpfs tmpfs "$BUNDLE/rootfs/mnt"
	touch "$BUNDLE/rootfs/mnt/late"
	local rc=0
	wait "$rpid" || rc=$?
	unshare_rootfs
	assert_equal "$rc" 0
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 --regexp 'master:[0-9]+'
	assert_line --index 1 late
}

@test "mounts: rootfsPropagation rprivate makes the root private" {
	shared_rootfs
	update_config '.linux.rootfsPropagation = "rprivate"'
	set_args sh -c 'grep " / r[ow]," /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	unshare_rootfs
	assert_success
	refute_output --regexp 'master:|shared:'
}

@test "mounts: rootfsPropagation rshared: mounts made inside reach the host" {
	private_rootfs
	local src="$BATS_TEST_TMPDIR/shared-src"
	mkdir -p "$src"
	mount --bind "$src" "$src"
	mount --make-shared "$src"
	update_config '.linux.rootfsPropagation = "rshared" | .mounts += [{"destination": "/shared", "type": "bind", "source": $s, "options": ["rbind", "rshared"]}] | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]' --arg s "$src"
	mkdir -p "$src/sub"
	set_args sh -c 'mount -t tmpfs tmpfs /shared/sub && touch /shared/sub/from-container && grep " / rw," /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	local seen=no
	[ -e "$src/sub/from-container" ] && seen=yes
	umount "$src/sub" 2>/dev/null || true
	umount "$src"
	assert_success
	assert_output --regexp 'shared:[0-9]+'
	assert_equal "$seen" yes
}

@test "mounts: rootfsPropagation rslave makes the root a slave" {
	shared_rootfs
	update_config '.linux.rootfsPropagation = "rslave"'
	set_args sh -c 'grep " / r[ow]," /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	unshare_rootfs
	assert_success
	assert_output --regexp 'master:[0-9]+'
}

@test "mounts: tmpcopyup copies the directory's contents into the new tmpfs" {
	private_rootfs
	mkdir -p "$BUNDLE/rootfs/opt/seed"
	echo seeded >"$BUNDLE/rootfs/opt/seed/f"
	ln -s f "$BUNDLE/rootfs/opt/seed/link"
	update_config '.mounts += [{"destination": "/opt/seed", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}]'
	set_args sh -c 'cat /opt/seed/link; echo changed > /opt/seed/f; grep " /opt/seed " /proc/self/mountinfo | grep -c tmpfs'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "seeded
1"
	assert_equal "$(cat "$BUNDLE/rootfs/opt/seed/f")" seeded
}

@test "mounts: the cgroup mount shows the container's own cgroups" {
	requires cgroup_v1
	set_args sh -c 'ls /sys/fs/cgroup | sort | tr "\n" " "; echo; cat /sys/fs/cgroup/pids/cgroup.procs'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --partial "cpu cpuacct cpuset devices freezer memory pids systemd unified"
	# only the container's process (pid 1: sh exec'd cat) is in its cgroup
	assert_line --index 1 1
}

@test "mounts: a writable root when root.readonly is false" {
	private_rootfs
	set_args sh -c 'echo w > /written && cat /written'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output w
	assert_file_exists "$BUNDLE/rootfs/written"
}

@test "mounts: a read-only root refuses writes" {
	set_args sh -c 'touch /nope'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "mounts: --no-pivot uses chroot and still isolates the root" {
	set_args sh -c 'ls / | tr "\n" " "; echo; grep -c " / ro," /proc/self/mountinfo'
	run runtime run --no-pivot -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --partial "bin dev etc"
	assert_line --index 1 1
}

@test "mounts: a destination that is a symlink to an absolute path stays inside the rootfs" {
	private_rootfs
	local host_target="$BATS_TEST_TMPDIR/host-target"
	mkdir -p "$host_target"
	ln -s "$host_target" "$BUNDLE/rootfs/escape"
	ln -s ../../../../../../../../.. "$BUNDLE/rootfs/up"
	# no tmpfs on /tmp here: the link target must be created in the rootfs itself
	update_config '.mounts |= map(select(.destination != "/tmp"))'
	update_config '.mounts += [{"destination": "/escape", "type": "tmpfs", "source": "tmpfs"}, {"destination": "/up/tmp/x", "type": "tmpfs", "source": "tmpfs"}]'
	set_args sh -c 'touch /escape/inside && ls /escape'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output inside
	# the host path got no mount and no file; the link target was made inside the rootfs
	run ls -A "$host_target"
	assert_output ""
	assert_dir_exists "$BUNDLE/rootfs$host_target"
	assert_dir_exists "$BUNDLE/rootfs/tmp/x"
	run grep -c "$host_target" /proc/self/mountinfo
	assert_output 0
}

@test "mounts: /proc or /sys that is a symlink in the rootfs is refused, as runc does" {
	private_rootfs
	mkdir -p "$BUNDLE/rootfs/elsewhere"
	local d
	for d in proc sys; do
		rm -rf "${BUNDLE:?}/rootfs/$d"
		ln -s elsewhere "$BUNDLE/rootfs/$d"
		set_args true
		run runtime run -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_output --regexp "^rbox-runtime: mounts\[[0-9]+\]: mounting (proc|sysfs) on /$d: filesystem \"(proc|sysfs)\" must be mounted on an ordinary directory"
		assert_equal "${#lines[@]}" 1
		run ls -A "$BUNDLE/rootfs/elsewhere"
		assert_output ""
		rm "$BUNDLE/rootfs/$d"
		mkdir "$BUNDLE/rootfs/$d"
	done
}

@test "mounts: a missing bind source is one clear error and leaves nothing" {
	config_is_invalid
	update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "/nonexistent/src", "options": ["bind"]}]'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: mounts[8]: mounting bind on /data: source /nonexistent/src: No such file or directory"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "mounts: an unknown filesystem type is one clear error" {
	private_rootfs
	config_is_invalid
	update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: mounts[8]: mounting nosuchfs on /x: filesystem type nosuchfs: No such device"
}

@test "mounts: a bad tmpfs option names the option" {
	private_rootfs
	config_is_invalid
	update_config '.mounts += [{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["size=lots"]}]'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: mounts[8]: mounting tmpfs on /x: size=lots (tmpfs: Bad value for 'size'): Invalid argument"
}

@test "mounts: masked paths hide, read-only paths refuse writes" {
	set_args sh -c 'wc -c < /proc/keys; ls /proc/acpi | wc -l; echo 1 > /proc/sys/kernel/domainname'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_line --index 0 0
	assert_line --index 1 0
	assert_output --partial "Read-only file system"
}
