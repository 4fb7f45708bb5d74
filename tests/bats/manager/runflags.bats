#!/usr/bin/env bats
# run/create flags that map onto config.json (container/runflags.c): each by what a docker user
# checks inside the container, and each bad value refused with one line, exit 125, nothing made.

load helpers

# A bad flag value: exit 125, one line naming the flag, no container left.
refused() { # FLAG-NAME ARGS...
	local flag=$1
	shift
	run -125 rbox "$@"
	assert_equal "${#lines[@]}" 1
	assert_output --partial -- "$flag"
	assert_equal "$(rbox ps -aq)" ""
	[ -z "$(ls -A "$RBOX_ROOT/containers" 2>/dev/null)" ]
}

# ---- labels ----

@test "run -l/--label: stored and shown in inspect .Config.Labels (a later value wins)" {
	rbox create --name lab -l com.example.a=1 --label b --label com.example.a=2 -l 'c=x=y' busybox true >/dev/null
	run inspect_field lab '.Config.Labels | tojson'
	assert_output '{"com.example.a":"2","b":"","c":"x=y"}'
	# none: an empty object, as docker prints
	rbox create --name nolab busybox true >/dev/null
	assert_equal "$(inspect_field nolab '.Config.Labels | tojson')" '{}'
}

@test "run --label-file: one label per line, blank lines and # comments skipped; -l adds to it" {
	printf 'a=1\n\n# a comment\n  b=two words\nc\n' >"$BATS_TEST_TMPDIR/labels"
	rbox create --name lf --label-file "$BATS_TEST_TMPDIR/labels" -l a=3 busybox true >/dev/null
	assert_equal "$(inspect_field lf '.Config.Labels | tojson')" '{"a":"3","b":"two words","c":""}'
}

@test "run --label/--label-file: bad values are refused before anything is created" {
	refused --label run -l =x busybox true
	refused --label run --label 'a b=1' busybox true
	refused --label-file run --label-file "$BATS_TEST_TMPDIR/none" busybox true
	printf 'ok=1\n=bad\n' >"$BATS_TEST_TMPDIR/labels"
	refused "line 2" create --label-file "$BATS_TEST_TMPDIR/labels" busybox true
}

# ---- --init ----

@test "run --init: a static init is PID 1, runs the command, exits with its code" {
	requires cmd:catatonit
	run rbox run --rm --init busybox sh -c 'echo pid=$$; tr "\0" " " </proc/1/cmdline; echo; exit 3'
	assert_equal "$status" 3
	assert_line 'pid=2'
	assert_line --regexp '^/sbin/docker-init -- sh -c '
	# bind-mounted read-only
	run rbox run --rm --init busybox sh -c 'echo x >/sbin/docker-init'
	assert_failure
	assert_output --partial 'Read-only file system'
	rbox create --name ini --init busybox true >/dev/null
	assert_equal "$(inspect_field ini .HostConfig.Init)" true
	assert_equal "$(inspect_field ini .Path)" true
}

@test "run --init: an orphan is reaped (without it, the zombie stays)" {
	requires cmd:catatonit cmd:ps
	# the orphan's parent exits at once; PID 1 (sleep, without --init) never waits
	local script='(sleep 0.2 &); exec sleep 1000'
	rbox run -d --name noinit busybox sh -c "$script" >/dev/null
	local pid
	pid=$(inspect_field noinit .State.Pid)
	wait_for 100 0.1 sh -c "ps -o stat= --ppid $pid | grep -q Z"
	rbox run -d --name withinit --init busybox sh -c "$script" >/dev/null
	pid=$(inspect_field withinit .State.Pid)
	assert_equal "$(cat /proc/"$pid"/comm)" docker-init
	# left: the init's one child (sleep 1000), no zombie
	wait_for 100 0.1 sh -c "[ \$(ps -o pid= --ppid $pid | wc -l) = 1 ]"
	run ps -o stat=,comm= --ppid "$pid"
	refute_output --partial Z
	assert_output --partial sleep
}

@test "run --init: signals reach the command" {
	requires cmd:catatonit
	rbox run -d --init --name sig busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_for 50 0.1 sh -c "$RBOX_BIN logs sig | grep -q ready"
	rbox stop sig
	assert_equal "$(inspect_field sig .State.ExitCode)" 7
	run rbox logs sig
	assert_output --partial got-term
}

@test "run --init: a missing or dynamic init binary is one clear error, nothing created" {
	RBOX_INIT_BINARY="$BATS_TEST_TMPDIR/none" refused "--init" run --init busybox true
	assert_output --partial "$BATS_TEST_TMPDIR/none"
	assert_output --partial "No such file"
	# a dynamic executable would not find its libraries in the container
	RBOX_INIT_BINARY=/bin/ls refused "--init" create --init busybox true
	assert_output --partial 'dynamically linked'
	RBOX_INIT_BINARY=relative refused "--init" create --init busybox true
}

# ---- --privileged ----

@test "run --privileged: every capability rbox holds, no seccomp, nothing masked, rw /sys, host devices" {
	run rbox run --rm --privileged busybox sh -c '
		grep -E "^(CapEff|Seccomp):" /proc/self/status
		mount | grep -E " on /sys type "
		mount | grep -E " on /proc/(sys|kcore|keys|timer_list) "
		ls /dev/zero'
	assert_success
	local own
	own=$(awk '/^CapPrm:/ { print $2 }' /proc/self/status)
	assert_line "CapEff:	$own"
	assert_line "Seccomp:	0"
	assert_line --regexp '^sysfs on /sys type sysfs \(rw,'
	refute_output --partial '/proc/sys'
	refute_output --partial '/proc/keys'
	# the devices cgroup allows every device: a host device the defaults lack is usable
	if [ -c /dev/loop-control ]; then
		run rbox run --rm --privileged busybox ls /dev/loop-control
		assert_success
		assert_output /dev/loop-control
	fi
	rbox create --name priv --privileged busybox true >/dev/null
	assert_equal "$(inspect_field priv .HostConfig.Privileged)" true
}

@test "run without --privileged: docker's confinement stays (default caps, seccomp, ro /sys)" {
	run rbox run --rm busybox sh -c 'grep -E "^Seccomp:" /proc/self/status; mount | grep -E " on /sys type "; ls /dev/loop-control'
	assert_line "Seccomp:	2"
	assert_line --regexp '^sysfs on /sys type sysfs \(ro,'
	refute_line /dev/loop-control
}

# ---- resources and the process ----

@test "run --ulimit: process.rlimits, as /proc/self/limits and ulimit show them" {
	# below this host's hard limit: raising a hard limit needs CAP_SYS_RESOURCE
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" -gt 300 ] || skip "the hard open-files limit ($hard) is too low"
	run rbox run --rm --ulimit nofile=128:256 --ulimit core=0 --ulimit nproc=100 busybox sh -c 'ulimit -n; ulimit -Hn; cat /proc/self/limits'
	assert_success
	assert_line --index 0 128
	assert_line --index 1 256
	assert_line --regexp '^Max open files +128 +256 +files'
	assert_line --regexp '^Max core file size +0 +0 +bytes'
	assert_line --regexp '^Max processes +100 +100 +processes'
	# -1: unlimited (where this host's hard limit allows it)
	if [ "$(ulimit -Hc)" = unlimited ]; then
		run rbox run --rm --ulimit core=-1 busybox sh -c 'ulimit -c; ulimit -Hc'
		assert_output $'unlimited\nunlimited'
	fi
	rbox create --name ul --ulimit nofile=100 --ulimit nofile=64:128 busybox true >/dev/null
	assert_equal "$(inspect_field ul '.HostConfig.Ulimits | tojson')" '[{"Name":"nofile","Hard":128,"Soft":64}]'
}

@test "run --ulimit: a hard limit above the host's fails at start with the runtime's reason" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "no hard open-files limit here"
	! capsh --has-p=cap_sys_resource 2>/dev/null || skip "this host can raise rlimits"
	run -125 rbox run --rm --ulimit nofile=$((hard + 1)) busybox true
	assert_output --partial RLIMIT_NOFILE
}

@test "run --shm-size: the size of /dev/shm (default 64m)" {
	run rbox run --rm --shm-size 128m busybox df -k /dev/shm
	assert_line --regexp '^shm +131072 '
	run rbox run --rm busybox df -k /dev/shm
	assert_line --regexp '^shm +65536 '
	rbox create --name shm --shm-size 1g busybox true >/dev/null
	assert_equal "$(inspect_field shm .HostConfig.ShmSize)" 1073741824
}

@test "run --sysctl: namespaced sysctls are set in the container's namespaces only" {
	local host_shmmax
	host_shmmax=$(cat /proc/sys/kernel/shmmax)
	run rbox run --rm --sysctl kernel.shmmax=123456789 --sysctl net.ipv4.ip_forward=1 --sysctl fs.mqueue.msg_max=20 busybox \
		cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/fs/mqueue/msg_max
	assert_success
	assert_output $'123456789\n1\n20'
	assert_equal "$(cat /proc/sys/kernel/shmmax)" "$host_shmmax"
	rbox create --name sc --sysctl kernel.sem='250 32000 32 128' busybox true >/dev/null
	assert_equal "$(inspect_field sc '.HostConfig.Sysctls | tojson')" '{"kernel.sem":"250 32000 32 128"}'
}

@test "run --group-add: more supplementary groups, by name (the image's /etc/group) or number" {
	run rbox run --rm --group-add 1234 --group-add users busybox grep ^Groups: /proc/self/status
	assert_success
	local users
	users=$(rbox run --rm busybox awk -F: '$1 == "users" { print $3 }' /etc/group)
	assert_output --regexp "^Groups:.*\b1234\b"
	assert_output --regexp "^Groups:.*\b$users\b"
	run rbox run --rm -u nobody --group-add 1234 busybox id -G
	assert_output --regexp '\b1234\b'
}

@test "run --device: the node in the container and a device cgroup rule with its permissions" {
	run rbox run --rm --device /dev/zero:/dev/myzero busybox sh -c 'head -c 4 /dev/myzero | od -An -tx1'
	assert_success
	assert_output --regexp '^ *00 00 00 00$'
	# a node of this test's (no driver behind major 240): the cgroup rule decides before the
	# driver is looked for, so "r" lets reads reach the driver (ENXIO) and refuses writes
	mknod "$BATS_TEST_TMPDIR/node" c 240 0
	run rbox run --rm --device "$BATS_TEST_TMPDIR/node:/dev/x:r" busybox sh -c 'ls -l /dev/x; cat /dev/x; echo y >/dev/x'
	assert_failure
	assert_line --regexp '^c.* 240, +0 .* /dev/x$'
	assert_line --partial 'No such device or address'
	assert_line --partial 'Operation not permitted'
	# HOST:PERMS, the container path defaulting to the host's
	rbox create --name dv --device "$BATS_TEST_TMPDIR/node:rw" busybox true >/dev/null
	assert_equal "$(inspect_field dv '.HostConfig.Devices | tojson')" \
		"[{\"PathOnHost\":\"$BATS_TEST_TMPDIR/node\",\"PathInContainer\":\"$BATS_TEST_TMPDIR/node\",\"CgroupPermissions\":\"rw\"}]"
}

@test "run --cpuset-cpus/--cpu-shares: the CPUs the container may use, its CPU weight" {
	# the controllers: v1 directories, or what the v2 root offers
	local ctrls=""
	[ -r /sys/fs/cgroup/cgroup.controllers ] && ctrls=$(cat /sys/fs/cgroup/cgroup.controllers)
	[ -d /sys/fs/cgroup/cpuset ] || [[ " $ctrls " == *" cpuset "* ]] || skip "no cpuset controller"
	[ -d /sys/fs/cgroup/cpu ] || [[ " $ctrls " == *" cpu "* ]] || skip "no cpu controller"
	run rbox run --rm --cpuset-cpus 0 busybox grep ^Cpus_allowed_list: /proc/self/status
	assert_output $'Cpus_allowed_list:\t0'
	rbox run -d --name cpu --cpu-shares 512 --cpuset-cpus 0 busybox sleep 1000 >/dev/null
	assert_equal "$(inspect_field cpu .HostConfig.CpuShares)" 512
	assert_equal "$(inspect_field cpu .HostConfig.CpusetCpus)" 0
	if [ -d /sys/fs/cgroup/cpu ]; then
		assert_equal "$(cat "$(ctr_cgroup cpu cpu)/cpu.shares")" 512
	fi
}

@test "run --memory-swap/--oom-kill-disable: memory.memsw and memory.oom_control (cgroup v1)" {
	requires cgroup_v1
	rbox run -d --name mem -m 64m --memory-swap 128m --oom-kill-disable busybox sleep 1000 >/dev/null
	local dir
	dir=$(ctr_cgroup memory mem)
	assert_equal "$(inspect_field mem .HostConfig.MemorySwap)" 134217728
	assert_equal "$(inspect_field mem .HostConfig.OomKillDisable)" true
	assert_equal "$(cat "$dir/memory.limit_in_bytes")" 67108864
	grep -qx 'oom_kill_disable 1' "$dir/memory.oom_control"
	if [ -f "$dir/memory.memsw.limit_in_bytes" ]; then
		assert_equal "$(cat "$dir/memory.memsw.limit_in_bytes")" 134217728
	fi
	# docker's warning without a memory limit
	run rbox create --name nolimit --oom-kill-disable busybox true
	assert_success
	assert_line --partial "WARNING: Disabling the OOM killer"
}

@test "run --oom-kill-disable on cgroup v2: discarded with docker's warning" {
	[ ! -d /sys/fs/cgroup/memory ] || skip "cgroup v1 memory controller here (the test above)"
	run rbox create --name oomv2 -m 64m --oom-kill-disable busybox true
	assert_success
	assert_line --partial 'WARNING: cgroup v2 has no switch for the OOM killer: --oom-kill-disable discarded'
	assert_equal "$(inspect_field oomv2 .HostConfig.OomKillDisable)" false
}

@test "run: bad --ulimit, --shm-size, --sysctl, --group-add, --device, --memory-swap, --cpu-shares, --cpuset-cpus values are refused" {
	refused --ulimit run --ulimit nofile busybox true
	refused --ulimit run --ulimit bogus=1 busybox true
	refused --ulimit run --ulimit nofile=20:10 busybox true
	refused --ulimit create --ulimit nofile=many busybox true
	refused --shm-size run --shm-size 0 busybox true
	refused --shm-size run --shm-size lots busybox true
	refused --sysctl run --sysctl vm.swappiness=10 busybox true
	refused --sysctl run --sysctl kernel.shmmax busybox true
	refused --sysctl run --network host --sysctl net.ipv4.ip_forward=1 busybox true
	refused --group-add run --group-add no-such-group busybox true
	refused --group-add run --group-add a:b busybox true
	refused --device run --device "$BATS_TEST_TMPDIR/none" busybox true
	refused --device run --device /etc/passwd busybox true
	refused --device run --device /dev/zero:/dev/z:rwx busybox true
	refused --device run --device dev/zero busybox true
	refused --memory-swap run --memory-swap 1g busybox true
	refused --memory-swap run -m 1g --memory-swap 512m busybox true
	refused --cpu-shares run --cpu-shares 1 busybox true
	refused --cpuset-cpus run --cpuset-cpus 4096 busybox true
	refused --cpuset-cpus run --cpuset-cpus 1-0 busybox true
	refused --cpuset-cpus create --cpuset-cpus 0, busybox true
}

# ---- --mount ----

@test "run --mount type=bind: docker's long syntax, readonly, seen in mount output and inspect" {
	mkdir "$BATS_TEST_TMPDIR/src"
	echo hello >"$BATS_TEST_TMPDIR/src/f"
	run rbox run --rm --mount "type=bind,source=$BATS_TEST_TMPDIR/src,target=/data,readonly" busybox sh -c 'cat /data/f; mount | grep " /data "; echo x >/data/g'
	assert_failure
	assert_line hello
	assert_line --regexp ' on /data type .*\(ro,'
	assert_line --partial 'Read-only file system'
	# src/dst spellings, rw by default
	rbox run --rm --mount "type=bind,src=$BATS_TEST_TMPDIR/src,dst=/data" busybox sh -c 'echo w >/data/g'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/src/g")" w
	rbox create --name mb --mount "type=bind,source=$BATS_TEST_TMPDIR/src,destination=/data,ro=true" busybox true >/dev/null
	assert_equal "$(inspect_field mb '.Mounts[] | select(.Destination == "/data") | [.Type, .Source, .RW] | tojson')" \
		"[\"bind\",\"$BATS_TEST_TMPDIR/src\",false]"
}

@test "run --mount type=volume (the default type) and type=tmpfs with tmpfs-size and tmpfs-mode" {
	rbox run --rm --mount source=mvol,target=/vol busybox sh -c 'echo kept >/vol/f'
	run rbox run --rm --mount type=volume,source=mvol,target=/v2,readonly busybox sh -c 'cat /v2/f; echo x >/v2/g'
	assert_failure
	assert_line kept
	assert_line --partial 'Read-only file system'
	run rbox run --rm --mount type=tmpfs,target=/scratch,tmpfs-size=1m,tmpfs-mode=1770 busybox sh -c 'mount | grep " /scratch "; stat -c %a /scratch'
	assert_success
	assert_line --regexp '^tmpfs on /scratch type tmpfs \(rw,nosuid,nodev,noexec,.*size=1024k,mode=1770'
	assert_line 1770
	rbox volume rm mvol
}

@test "run --mount: bad values are refused (and a --mount and -v on one target)" {
	refused --mount run --mount type=bind,target=/x busybox true
	refused --mount run --mount "type=bind,source=$BATS_TEST_TMPDIR/none,target=/x" busybox true
	refused --mount run --mount type=nfs,target=/x busybox true
	refused --mount run --mount target=/x busybox true
	refused --mount run --mount type=tmpfs,source=a,target=/x busybox true
	refused --mount run --mount type=tmpfs,target=x busybox true
	refused --mount run --mount type=tmpfs,target=/x,tmpfs-mode=9 busybox true
	refused --mount run --mount type=tmpfs,target=/x,tmpfs-size=lots busybox true
	refused --mount run --mount "type=bind,source=/tmp,target=/x,tmpfs-size=1m" busybox true
	refused --mount run --mount type=bind,source=/tmp,target=/x,propagation=shared busybox true
	refused --mount run --mount type=bind,source=/tmp,target=/ busybox true
	refused --mount run --mount type=bind,source=/tmp,target=/x/../y busybox true
	refused --mount create --mount type=bind,source=/tmp,target=/x,readonly=maybe busybox true
	refused "duplicate mount point" run --mount type=tmpfs,target=/x -v /tmp:/x busybox true
	[ -z "$(rbox volume ls -q)" ]
}

# ---- --security-opt no-ops, seccomp=unrestricted, --timeout in seconds ----

@test "run --security-opt label=disable/apparmor=unconfined: accepted; a note where the host lacks the LSM" {
	run rbox run --rm --security-opt label=disable --security-opt apparmor=unconfined busybox echo ran
	assert_success
	assert_line ran
	local lsms=""
	[ -r /sys/kernel/security/lsm ] && lsms=$(cat /sys/kernel/security/lsm)
	if [[ ",$lsms," != *,selinux,* ]] && [ ! -e /sys/fs/selinux/enforce ]; then
		assert_line 'WARNING: --security-opt label=disable: this host has no SELinux; nothing to do'
	fi
	if [[ ",$lsms," != *,apparmor,* ]] && ! grep -qs Y /sys/module/apparmor/parameters/enabled; then
		assert_line 'WARNING: --security-opt apparmor=unconfined: this host has no AppArmor; nothing to do'
	fi
	# other labels or profiles are still refused: rbox applies none
	refused --security-opt run --security-opt label=type:svirt_t busybox true
	refused --security-opt run --security-opt apparmor=docker-default busybox true
}

@test "run --security-opt seccomp=unrestricted: an alias of unconfined (no filter)" {
	run rbox run --rm --security-opt seccomp=unrestricted busybox grep ^Seccomp: /proc/self/status
	assert_output $'Seccomp:\t0'
	rbox create --name unr --security-opt seccomp=unrestricted busybox true >/dev/null
	assert_equal "$(inspect_field unr '.HostConfig.SecurityOpt[0]')" seccomp=unconfined
}

@test "run --timeout 1: bare seconds" {
	run -137 rbox run --rm --timeout 1 --report - busybox sleep 100
	assert_output --partial '"timed_out":true'
	assert_output --partial '"timeout_ns":1000000000'
}
