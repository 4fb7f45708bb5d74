#!/usr/bin/env bats
# containerd 1.6 (its runc shim, driven with ctr) using rbox-runtime as its runc binary, with a
# private daemon (own root, state and socket) started and stopped by this file. How it is set
# up: docs/compat.md.

load ../helpers

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "containerd/ctr not installed (make deps installs them)"
	command -v umoci >/dev/null || skip "umoci not installed (make deps installs it)"
	[ -x "$RUNTIME_BIN" ] || skip "build $RUNTIME_BIN first"
	export CD CD_NS="rbox-compat-$$"
	CD=$(mktemp -d /tmp/rbox-ctrd.XXXXXX)
	# the shim puts its sockets (and ctr its exec fifos) under /run/containerd whatever the
	# daemon's config says: remove that only if this run created it
	export CD_HAD_RUN=0
	[ -e /run/containerd ] && CD_HAD_RUN=1
	mkdir -p "$CD/root" "$CD/state" "$CD/opt" "$CD/runc" "$CD/fifo"
	cat >"$CD/config.toml" <<-CONF
	version = 2
	root = "$CD/root"
	state = "$CD/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.devmapper",
	  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
	  "io.containerd.snapshotter.v1.zfs"]
	[grpc]
	  address = "$CD/c.sock"
	[ttrpc]
	  address = "$CD/c.sock.ttrpc"
	[debug]
	  address = ""
	[metrics]
	  address = ""
	[plugins."io.containerd.internal.v1.opt"]
	  path = "$CD/opt"
	CONF
	containerd --config "$CD/config.toml" >"$CD/daemon.log" 2>&1 </dev/null 3>&- &
	echo $! >"$CD/daemon.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		ctr -a "$CD/c.sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctr -a "$CD/c.sock" version >/dev/null || {
		cat "$CD/daemon.log" >&2
		false
	}
	# the image: the busybox rootfs as one OCI layer (umoci), imported into the namespace
	umoci init --layout "$CD/oci"
	umoci new --image "$CD/oci:latest"
	umoci insert --image "$CD/oci:latest" "$BUSYBOX_ROOTFS" / >/dev/null
	umoci config --image "$CD/oci:latest" --config.cmd /bin/sh
	tar -C "$CD/oci" -cf "$CD/img.tar" .
	c image import --base-name localhost/rbox-busybox "$CD/img.tar" >/dev/null
}

IMG=localhost/rbox-busybox:latest

c() {
	ctr -a "$CD/c.sock" -n "$CD_NS" "$@"
}

# ctr run with rbox-runtime as the runc binary
crun() {
	c run --runc-binary "$RUNTIME_BIN" --runc-root "$CD/runc" --fifo-dir "$CD/fifo" "$@"
}

# requires_verb VERB: the cgroups work provides ps/pause/resume; skip visibly until it lands
requires_verb() {
	"$RUNTIME_BIN" "$1" --help >/dev/null 2>&1 || skip "rbox-runtime has no '$1' verb in this build"
}

setup() {
	:
}

# the test's long-running container, named $ID
start_task() {
	ID="t$BATS_TEST_NUMBER"
	crun -d --log-uri "file://$CD/$ID.log" "$IMG" "$ID" sh -c "$1" >/dev/null
	wait_for 50 0.1 sh -c "ctr -a $CD/c.sock -n $CD_NS task ls | grep -q '^$ID .*RUNNING'"
}

teardown() {
	local id
	for id in $(c task ls -q 2>/dev/null); do
		c task kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
	done
	for id in $(c task ls -q 2>/dev/null); do
		wait_for 50 0.1 sh -c "! ctr -a $CD/c.sock -n $CD_NS task ls | grep -q '^$id .*RUNNING'" || true
		c task rm -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(c container ls -q 2>/dev/null); do
		c container rm "$id" >/dev/null 2>&1 || true
	done
}

teardown_file() {
	[ -n "${CD:-}" ] || return 0
	local left=0 pid
	c image rm "$IMG" >/dev/null 2>&1 || true
	if [ -f "$CD/daemon.pid" ]; then
		pid=$(cat "$CD/daemon.pid")
		kill -TERM "$pid" 2>/dev/null || true
		wait_for 100 0.1 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
	fi
	# shims are daemons of their own (cmdline: -address $CD/c.sock): none may be left
	for pid in $(pgrep -f "$CD" || true); do
		echo "leftover process: $(tr '\0' ' ' </proc/"$pid"/cmdline)" >&2
		kill -KILL "$pid" 2>/dev/null || true
		left=1
	done
	if grep -qF "$CD" /proc/self/mountinfo; then
		echo "leftover mounts:" >&2
		grep -F "$CD" /proc/self/mountinfo >&2
		grep -F "$CD" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l
		left=1
	fi
	local d
	for d in /sys/fs/cgroup/*/"$CD_NS" /sys/fs/cgroup/unified/"$CD_NS"; do
		[ -d "$d" ] || continue
		echo "leftover cgroup: $d" >&2
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		left=1
	done
	rm -rf "$CD"
	if [ "$CD_HAD_RUN" = 0 ]; then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
	fi
	return $left
}

@test "containerd: ctr run --rm prints the output and keeps the exit code" {
	run crun --rm "$IMG" c1 sh -c 'echo hello from containerd; exit 3'
	assert_equal "$status" 3
	assert_output "hello from containerd"
	run crun --rm "$IMG" c2 true
	assert_success
}

@test "containerd: stdin reaches the container, rlimits are applied" {
	run crun --rm "$IMG" c1 sh -c 'read x; echo got:$x; ulimit -n' <<<"piped-in"
	assert_success
	assert_line --index 0 got:piped-in
	# ctr's default spec has RLIMIT_NOFILE 1024/1024
	assert_line --index 1 1024
}

@test "containerd: run -d with a log, task exec (output, exit code, pid namespace)" {
	start_task 'echo started; while :; do sleep 0.1; done'
	wait_for 50 0.1 grep -q started "$CD/$ID.log"
	run c task exec --exec-id e1 "$ID" sh -c 'echo exec-ok; tr "\0" " " </proc/1/cmdline; echo; exit 5'
	assert_equal "$status" 5
	assert_line --index 0 exec-ok
	# the container's own process is pid 1 of the exec'd process's pid namespace
	assert_line --index 1 --partial "echo started"
	run c task exec --exec-id e2 "$ID" sh -c 'echo $$'
	refute_output 1
}

@test "containerd: task exec -t and run -t go through a pty" {
	start_task 'while :; do sleep 0.1; done'
	run script -qefc "ctr -a $CD/c.sock -n $CD_NS task exec -t --exec-id e1 $ID sh -c 'tty; exit 6'" /dev/null </dev/null
	assert_equal "$status" 6
	assert_output --regexp '/dev/pts/[0-9]+'
	run script -qefc "ctr -a $CD/c.sock -n $CD_NS run --rm -t --runc-binary $RUNTIME_BIN --runc-root $CD/runc --fifo-dir $CD/fifo $IMG c2 sh -c 'tty; exit 4'" /dev/null </dev/null
	assert_equal "$status" 4
	assert_output --regexp '/dev/pts/[0-9]+'
}

@test "containerd: task kill delivers SIGTERM to a container that handles it" {
	start_task 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	wait_for 50 0.1 grep -q ready "$CD/$ID.log"
	run c task kill "$ID"
	assert_success
	wait_for 50 0.1 sh -c "ctr -a $CD/c.sock -n $CD_NS task ls | grep -q '^$ID .*STOPPED'"
	run c task rm "$ID"
	assert_output --partial "exit code 3"
	run cat "$CD/$ID.log"
	assert_output --partial got-term
}

@test "containerd: task kill --all reaches every process" {
	start_task 'sleep 1000 & sleep 1000 & wait'
	run c task kill --all -s SIGKILL "$ID"
	assert_success
	wait_for 50 0.1 sh -c "ctr -a $CD/c.sock -n $CD_NS task ls | grep -q '^$ID .*STOPPED'"
}

@test "containerd: --memory-limit is the limit the container sees" {
	run crun --rm --memory-limit 67108864 \
		--mount type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev \
		"$IMG" c1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	assert_success
	assert_output 67108864
}

@test "containerd: task ps lists the container's processes" {
	requires_verb ps
	start_task 'sleep 1000 & while :; do sleep 0.1; done'
	run c task ps "$ID"
	assert_success
	[ "${#lines[@]}" -ge 3 ]
}

@test "containerd: task pause and resume" {
	requires_verb pause
	start_task 'while :; do sleep 0.1; done'
	run c task pause "$ID"
	assert_success
	run c task ls
	assert_output --regexp "$ID +[0-9]+ +PAUSED"
	run c task resume "$ID"
	assert_success
	run c task ls
	assert_output --regexp "$ID +[0-9]+ +RUNNING"
}

@test "containerd: a failing create reports the runtime's error" {
	run crun --rm "$IMG" c1 no-such-command
	assert_failure
	assert_output --partial 'executable file not found in $PATH'
}

@test "containerd: deleting a task leaves no runtime state and no cgroup" {
	start_task 'while :; do sleep 0.1; done'
	assert_dir_exists "$CD/runc/$CD_NS/$ID"
	c task kill -s SIGKILL "$ID"
	wait_for 50 0.1 sh -c "ctr -a $CD/c.sock -n $CD_NS task ls | grep -q '^$ID .*STOPPED'"
	c task rm "$ID" >/dev/null 2>&1
	assert_not_exists "$CD/runc/$CD_NS/$ID"
	local d
	for d in /sys/fs/cgroup/*/"$CD_NS/$ID"; do
		assert_not_exists "$d"
	done
}
