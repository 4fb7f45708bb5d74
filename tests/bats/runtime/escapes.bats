#!/usr/bin/env bats
# Known escapes of OCI runtimes, each reproduced and shown to fail:
#   CVE-2019-5736  overwriting the runtime binary through /proc/<pid>/exe
#   CVE-2024-21626 host file descriptors leaking in; process.cwd through /proc/self/fd/N
#   CVE-2021-30465 mount destinations that are (or become) symlinks out of the rootfs
#   maskedPaths / readonlyPaths really hiding and refusing
#   --no-pivot leaving the host's procfs reachable or fully visible

load ../helpers

# status_is ID STATUS (for wait_for: evaluated on every try)
status_is() {
	[ "$(container_status "$1")" = "$2" ]
}

teardown() {
	local rc=0
	teardown_containers || rc=1
	if [ -n "${RO_MOUNT:-}" ] && mountpoint -q "$RO_MOUNT"; then
		umount "$RO_MOUNT"
	fi
	return $rc
}

CAP_NAMES=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL
	CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST
	CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO
	CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE
	CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE
	CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM
	CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE)

# Every capability this host lets us hold (its root has no CAP_SYS_RESOURCE), as a JSON array.
host_caps_json() {
	local bnd i out=()
	bnd=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
	for i in "${!CAP_NAMES[@]}"; do
		if (((bnd >> i) & 1)); then
			out+=("${CAP_NAMES[$i]}")
		fi
	done
	printf '%s\n' "${out[@]}" | jq -R . | jq -sc .
}

# attacker_bundle DIR PIDNS-PATH OUT: a container with every capability, in the victim's pid
# namespace, /tmp bound from OUT. It opens /proc/1/exe (the victim's init: the runtime image
# until start), waits for OUT/go, then tries to overwrite what it opened.
attacker_bundle() {
	local dir=$1 pidns=$2 out=$3
	mkdir -p "$dir"
	local script='exec 5</proc/1/exe || { echo no-handle > /tmp/result; exit 0; }
readlink /proc/self/fd/5 > /tmp/target; touch /tmp/grabbed
while [ ! -e /tmp/go ]; do sleep 0.05; done
i=0; while [ $i -lt 40 ]; do
  if echo PWNED 2>/tmp/err >/proc/self/fd/5; then echo overwritten > /tmp/result; exit 0; fi
  if echo PWNED 2>/tmp/err >>/proc/self/fd/5; then echo appended > /tmp/result; exit 0; fi
  i=$((i + 1)); sleep 0.05
done
echo "refused: $(cat /tmp/err)" > /tmp/result'
	jq --arg root "$BUSYBOX_ROOTFS" --arg cg "$CG_PREFIX/$CTR_ID-attacker" --arg pidns "$pidns" \
		--arg out "$out" --arg script "$script" --argjson caps "$(host_caps_json)" '
		.root.path = $root | .linux.cgroupsPath = $cg
		| .process.args = ["sh", "-c", $script]
		| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
		| .linux.namespaces |= map(if .type == "pid" then .path = $pidns else . end)
		| .mounts |= map(if .destination == "/tmp"
			then {destination: "/tmp", type: "bind", source: $out, options: ["rbind"]} else . end)' \
		"$BASE_CONFIG" >"$dir/config.json"
}

# cve_2019_5736 BINARY: the attack against a copy of the runtime; the outcome is in $OUT/result
cve_2019_5736() {
	local rt=$1
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$OUT"
	set_args sleep 1000
	"$rt" --root "$STATE_ROOT" create -b "$BUNDLE" "$CTR_ID" </dev/null >"$OUT/log" 2>&1 3>&-
	local pid
	pid=$(container_pid "$CTR_ID")
	attacker_bundle "$BATS_TEST_TMPDIR/attacker" "/proc/$pid/ns/pid" "$OUT"
	"$rt" --root "$STATE_ROOT" run -d -b "$BATS_TEST_TMPDIR/attacker" "$CTR_ID-attacker" \
		</dev/null >>"$OUT/log" 2>&1 3>&-
	wait_for 50 0.1 test -e "$OUT/grabbed"
	# the victim starts: its init execs, every runtime process exits
	"$rt" --root "$STATE_ROOT" start "$CTR_ID" </dev/null >>"$OUT/log" 2>&1 3>&-
	touch "$OUT/go"
	wait_for 100 0.1 test -s "$OUT/result"
}

@test "CVE-2019-5736: a container cannot overwrite the runtime through /proc/<pid>/exe" {
	local rt="$BATS_TEST_TMPDIR/rbox-runtime"
	cp "$RUNTIME_BIN" "$rt"
	local before
	before=$(sha256sum <"$rt")
	cve_2019_5736 "$rt"
	# what the attacker held was the sealed in-memory copy, never the file
	run cat "$OUT/target"
	assert_output --regexp '^/memfd:rbox-runtime \(deleted\)$'
	run cat "$OUT/result"
	assert_output --regexp '^refused: .*Operation not permitted$'
	assert_equal "$(sha256sum <"$rt")" "$before"
}

@test "CVE-2019-5736: the same attack succeeds against a build without the protection" {
	local unprotected="$RBOX_BUILD/test/rbox-runtime-unprotected"
	[ -x "$unprotected" ] || fail "missing $unprotected: run 'make unprotected'"
	local rt="$BATS_TEST_TMPDIR/rbox-runtime-unprotected"
	cp "$unprotected" "$rt"
	cve_2019_5736 "$rt"
	assert_equal "$(cat "$OUT/target")" "$rt"
	assert_equal "$(cat "$OUT/result")" overwritten
	# the host binary is gone: the container wrote it
	assert_equal "$(cat "$rt")" PWNED
}

@test "CVE-2019-5736: run and create execute from a sealed memfd" {
	set_args sleep 1000
	"$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID" </dev/null \
		>"$BATS_TEST_TMPDIR/run.log" 2>&1 3>&- &
	local rpid=$!
	wait_for 100 0.1 status_is "$CTR_ID" running || {
		cat "$BATS_TEST_TMPDIR/run.log"
		return 1
	}
	assert_equal "$(readlink "/proc/$rpid/exe")" "/memfd:rbox-runtime (deleted)"
	runtime kill "$CTR_ID" KILL
	wait "$rpid" || true
	run_bg create -b "$BUNDLE" "$CTR_ID-created"
	assert_success
	assert_equal "$(readlink "/proc/$(container_pid "$CTR_ID-created")/exe")" "/memfd:rbox-runtime (deleted)"
}

@test "CVE-2019-5736: a binary on a read-only mount is not copied (and cannot be written)" {
	RO_MOUNT="$BATS_TEST_TMPDIR/ro"
	mkdir -p "$RO_MOUNT"
	cp "$RUNTIME_BIN" "$RO_MOUNT/rbox-runtime"
	mount --bind "$RO_MOUNT" "$RO_MOUNT"
	mount -o remount,bind,ro "$RO_MOUNT"
	set_args sleep 1000
	"$RO_MOUNT/rbox-runtime" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID" </dev/null \
		>"$BATS_TEST_TMPDIR/run.log" 2>&1 3>&- &
	local rpid=$!
	wait_for 100 0.1 status_is "$CTR_ID" running || {
		cat "$BATS_TEST_TMPDIR/run.log"
		return 1
	}
	assert_equal "$(readlink "/proc/$rpid/exe")" "$RO_MOUNT/rbox-runtime"
	runtime kill "$CTR_ID" KILL
	wait "$rpid" || true
	# nothing runs it any more (no ETXTBSY): only the mount refuses
	run sh -c "echo x >> '$RO_MOUNT/rbox-runtime'"
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "CVE-2024-21626: no host fd leaks in; --preserve-fds passes exactly what it says" {
	local f="$BATS_TEST_TMPDIR/passed"
	echo passed-data >"$f"
	set_args sh -c 'ls /proc/self/fd | tr "\n" " "; echo; cat <&3'
	# fds 3 and 4 are preserved; 7 (a host directory), 8 and the --log file must not reach it
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log" run --preserve-fds 2 \
		-b "$BUNDLE" "$CTR_ID" 3<"$f" 4<"$f" 7<"$BATS_TEST_TMPDIR" 8>"$BATS_TEST_TMPDIR/x"
	assert_success
	# ls lists its own directory handle too (the lowest free fd)
	assert_line --index 0 "0 1 2 3 4 5 "
	assert_line --index 1 passed-data
	set_args sh -c 'ls /proc/self/fd | tr "\n" " "'
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log" run -b "$BUNDLE" \
		"$CTR_ID-none" 3<"$f" 7<"$BATS_TEST_TMPDIR" 8>"$BATS_TEST_TMPDIR/x"
	assert_success
	assert_output "0 1 2 3 "
}

@test "CVE-2024-21626: create + start leaks nothing either" {
	set_args sh -c 'ls /proc/self/fd | tr "\n" " " > /dev/shm/fds; sleep 1000'
	"$RUNTIME_BIN" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log" create -b "$BUNDLE" "$CTR_ID" \
		</dev/null >/dev/null 2>&1 7<"$BATS_TEST_TMPDIR" 3>&-
	local pid
	pid=$(container_pid "$CTR_ID")
	run runtime start "$CTR_ID" 7<"$BATS_TEST_TMPDIR"
	assert_success
	wait_for 50 0.1 test -s "/proc/$pid/root/dev/shm/fds"
	assert_equal "$(cat "/proc/$pid/root/dev/shm/fds")" "0 1 2 3 "
}

@test "CVE-2024-21626: process.cwd cannot reach the host through /proc magic links" {
	private_rootfs
	ln -s /proc/self/fd/7 "$BUNDLE/rootfs/escape"
	local cwd
	for cwd in /proc/self/fd/7 /proc/self/cwd /proc/1/root/tmp /escape /escape/sub; do
		update_config '.process.cwd = $cwd' --arg cwd "$cwd"
		set_args pwd
		run runtime run -b "$BUNDLE" "$CTR_ID" 7<"$BATS_TEST_TMPDIR"
		assert_failure
		assert_output "rbox-runtime: process.cwd: $cwd: Too many levels of symbolic links"
		assert_equal "$(ls -A "$STATE_ROOT")" ""
	done
	assert_file_not_exists "$BATS_TEST_TMPDIR/sub"
}

@test "CVE-2021-30465: a mount destination that is a symlink out of the rootfs stays inside it" {
	private_rootfs
	local host="$BATS_TEST_TMPDIR/host-target"
	mkdir -p "$host"
	ln -s "$host" "$BUNDLE/rootfs/abs"
	ln -s "../../../../../../../../../../..$host" "$BUNDLE/rootfs/rel"
	# (no tmpfs on /tmp: the in-root copy of the host path, under /tmp, is then the rootfs's)
	update_config '.mounts |= map(select(.destination != "/tmp")) | .mounts += [
		{destination: "/abs/sub", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
		{destination: "/rel/other", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
	set_args sh -c 'touch /abs/sub/a /rel/other/b && grep -c " tmpfs " /proc/self/mountinfo >/dev/null && awk "\$5 ~ /(sub|other)\$/ { print \$5 }" /proc/self/mountinfo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	# the mounts are on the rootfs's copy of the path...
	assert_output "$host/sub
$host/other"
	assert_dir_exists "$BUNDLE/rootfs$host/sub"
	# ...and nothing reached the host's
	assert_equal "$(ls -A "$host")" ""
}

@test "CVE-2021-30465: a symlink swapped in by a running container never redirects a mount" {
	private_rootfs
	local vol="$BATS_TEST_TMPDIR/vol" host="$BATS_TEST_TMPDIR/host-target"
	mkdir -p "$vol" "$host"
	# the swapper shares the volume and flips vol/link between a directory and a symlink to host
	SWAPPER="$CTR_ID-swapper"
	local sb="$BATS_TEST_TMPDIR/swapper"
	mkdir -p "$sb"
	jq --arg root "$BUSYBOX_ROOTFS" --arg cg "$CG_PREFIX/$SWAPPER" --arg vol "$vol" --arg host "$host" '
		.root.path = $root | .linux.cgroupsPath = $cg
		| .mounts += [{destination: "/tmp", type: "bind", source: $vol, options: ["rbind"]}]
		| .process.args = ["sh", "-c", "while :; do mkdir /tmp/link; usleep 300; rm -rf /tmp/link; ln -s \($host) /tmp/link; usleep 300; rm -f /tmp/link; done 2>/dev/null"]' \
		"$BASE_CONFIG" >"$sb/config.json"
	run_bg run -d -b "$sb" "$SWAPPER"
	assert_success
	# victims: /vol is the same volume; /vol/link/a gets a tmpfs
	update_config '.mounts |= map(select(.destination != "/tmp")) | .mounts += [{destination: "/vol", type: "bind", source: $vol, options: ["rbind"]},
		{destination: "/vol/link/a", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]' --arg vol "$vol"
	set_args true
	local i ok=0
	for i in $(seq 1 25); do
		if runtime run -b "$BUNDLE" "$CTR_ID-$i" >/dev/null 2>&1; then
			ok=$((ok + 1))
		fi
		# never anything on the host side of the symlink
		assert_equal "$(ls -A "$host")" ""
	done
	echo "# $ok of 25 creates succeeded while the link was swapped" >&3
	# the race did hit the symlink: mkdir followed it, inside the rootfs
	assert_dir_exists "$BUNDLE/rootfs$host/a"
}

@test "maskedPaths hide: /proc files read empty (the null device), masked directories are empty" {
	[ -e /proc/keys ] && [ -e /proc/timer_list ] && [ -n "$(ls -A /sys/firmware)" ] ||
		skip "the host lacks /proc/keys, /proc/timer_list or /sys/firmware entries"
	private_rootfs
	update_config '.linux.maskedPaths += ["/home", "/etc/passwd", "/no/such/path"]'
	set_args sh -c 'for f in /proc/keys /proc/timer_list /etc/passwd; do echo "$f $(stat -c "%F %t:%T" $f) $(wc -c < $f)"; done; for d in /sys/firmware /proc/acpi /home; do echo "$d $(ls -A $d | wc -l)"; done'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "/proc/keys character special file 1:3 0
/proc/timer_list character special file 1:3 0
/etc/passwd character special file 1:3 0
/sys/firmware 0
/proc/acpi 0
/home 0"
	assert_dir_exists "$BUNDLE/rootfs/home/user"
	assert [ -s "$BUNDLE/rootfs/etc/passwd" ]
}

@test "maskedPaths: /proc/kcore reads empty where the kernel has one" {
	[ -e /proc/kcore ] || skip "this kernel has no /proc/kcore"
	set_args sh -c 'stat -c "%F %t:%T" /proc/kcore; wc -c < /proc/kcore'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "character special file 1:3
0"
}

@test "readonlyPaths refuse writes: /proc/sys, /proc/irq, a path of the config" {
	update_config '.linux.readonlyPaths += ["/dev/shm"]'
	set_args sh -c 'echo x > /proc/sys/kernel/hostname; echo 1 > /proc/irq/default_smp_affinity; touch /dev/shm/f; hostname'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_line --index 0 "sh: can't create /proc/sys/kernel/hostname: Read-only file system"
	assert_line --index 1 "sh: can't create /proc/irq/default_smp_affinity: Read-only file system"
	assert_line --index 2 "touch: /dev/shm/f: Read-only file system"
	assert_line --index 3 busybox
}

# nopivot_userns_bundle: root in a user namespace with CAP_SYS_ADMIN, and no procfs or sysfs
# of its own
nopivot_userns_bundle() {
	chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts |= map(select(.type != "proc" and .type != "sysfs" and .type != "cgroup"))
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
}

@test "--no-pivot: CAP_SYS_ADMIN in a user namespace cannot mount a fresh procfs or sysfs (the host's are not fully visible)" {
	nopivot_userns_bundle
	local try='if mount -t $1 $1 /tmp/$1 2>/dev/null; then echo $1 mounted; else echo $1 refused; fi'
	set_args sh -c "mkdir /tmp/proc /tmp/sysfs; set -- proc; $try; set -- sysfs; $try"
	# pivot_root: the host's tree is gone, the kernel refuses
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "proc refused
sysfs refused"
	# MS_MOVE + chroot: the host's procfs and sysfs are still in the mount namespace, but
	# covered by mounts the container cannot remove
	run runtime run --no-pivot -b "$BUNDLE" "$CTR_ID-np"
	assert_success
	assert_output "proc refused
sysfs refused"
}

@test "--no-pivot in a user namespace: the container's own /proc and /sys still mount" {
	chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sh -c 'cat /proc/self/uid_map; test -d /sys/kernel && echo sys-ok'
	run runtime run --no-pivot -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --regexp '^ +0 +100000 +65536$'
	assert_line --index 1 sys-ok
	# without a sysfs of its own, the host's is locked, and the config's procfs still works
	update_config '.mounts |= map(select(.type != "sysfs" and .type != "cgroup"))'
	set_args sh -c 'cat /proc/self/uid_map; test -d /sys/kernel || echo no-sys'
	run runtime run --no-pivot -b "$BUNDLE" "$CTR_ID-2"
	assert_success
	assert_line --index 0 --regexp '^ +0 +100000 +65536$'
	assert_line --index 1 no-sys
}
