#!/usr/bin/env bats
# podman 4.3 (through conmon) driving rbox-runtime, with a private store and no networking.
# How it is set up: docs/compat.md. Every podman path is private to this file's run except two
# that podman hard-codes (removed here only when this run created them).

load ../helpers

setup_file() {
	command -v podman >/dev/null && command -v conmon >/dev/null ||
		skip "podman/conmon not installed (make deps installs them)"
	[ -x "$RUNTIME_BIN" ] || skip "build $RUNTIME_BIN first"
	export PD
	PD=$(mktemp -d /tmp/rbox-podman.XXXXXX)
	# an absolute cgroup parent unique to this run (podman's cgroupfs manager wants one)
	export PD_CGPARENT="/rbox-compat-podman-$$"
	export PD_HAD_RUN=0 PD_HAD_NETWORKS=0 PD_HAD_VARLIB=0 PD_HAD_BLOBCACHE=0
	[ -e /run/containers ] && PD_HAD_RUN=1
	[ -e /run/containers/networks ] && PD_HAD_NETWORKS=1
	[ -e /var/lib/containers ] && PD_HAD_VARLIB=1
	[ -e /var/lib/containers/cache/blob-info-cache-v1.boltdb ] && PD_HAD_BLOBCACHE=1
	mkdir -p "$PD/root" "$PD/runroot" "$PD/tmp" "$PD/net" "$PD/conf"
	cat >"$PD/conf/containers.conf" <<-CONF
	[containers]
	netns = "none"
	cgroups = "no-conmon"
	default_ulimits = ["nofile=1024:4096", "nproc=4096:8192"]
	log_driver = "k8s-file"
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$PD/events.log"
	lock_type = "file"
	tmp_dir = "$PD/tmp"
	static_dir = "$PD/root/libpod"
	volume_path = "$PD/root/volumes"
	runtime = "rbox"
	runtime_supports_json = ["rbox"]
	[engine.runtimes]
	rbox = ["$RUNTIME_BIN"]
	[network]
	network_config_dir = "$PD/net"
	CONF
	cat >"$PD/conf/storage.conf" <<-CONF
	[storage]
	driver = "overlay"
	runroot = "$PD/runroot"
	graphroot = "$PD/root"
	CONF
	echo 'unqualified-search-registries = []' >"$PD/conf/registries.conf"
	# podman's default seccomp profile needs a build that loads seccomp profiles
	export PD_SECOPT=""
	if [ "$("$RUNTIME_BIN" features | jq .linux.seccomp.enabled)" != true ]; then
		PD_SECOPT="--security-opt seccomp=unconfined"
		echo "# note: this rbox-runtime build has no seccomp support: podman runs with $PD_SECOPT" >&3
	fi
	tar -C "$BUSYBOX_ROOTFS" --numeric-owner -cf "$PD/rootfs.tar" .
	pm import --change 'CMD ["/bin/sh"]' "$PD/rootfs.tar" localhost/rbox-busybox >/dev/null
}

# podman with the private configuration
pm() {
	CONTAINERS_CONF="$PD/conf/containers.conf" CONTAINERS_STORAGE_CONF="$PD/conf/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$PD/conf/registries.conf" \
		podman --root "$PD/root" --runroot "$PD/runroot" --tmpdir "$PD/tmp" \
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
		--network-config-dir "$PD/net" "$@"
}

IMG=localhost/rbox-busybox

# podman run with the flags every container here gets
prun() {
	pm run --network none --cgroup-parent "$PD_CGPARENT" $PD_SECOPT "$@"
}

setup() {
	# the runtime suites' per-test bundle is not used here
	:
}

teardown() {
	pm rm -af -t 0 >/dev/null 2>&1 || true
}

teardown_file() {
	[ -n "${PD:-}" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1 || true
	pm system reset -f >/dev/null 2>&1 || true
	local left=0
	# no process of ours left (conmon, containers: they run with our private paths)
	if pgrep -f "$PD" >/dev/null; then
		echo "leftover processes: $(pgrep -af "$PD")" >&2
		left=1
	fi
	if grep -lF "$PD" /run/rbox-runtime/*/state.json 2>/dev/null; then
		echo "leftover runtime state (above)" >&2
		left=1
	fi
	if grep -qF "$PD" /proc/self/mountinfo; then
		echo "leftover mounts:" >&2
		grep -F "$PD" /proc/self/mountinfo >&2
		# unmount what podman left (deepest first), then report the failure
		grep -F "$PD" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l
		left=1
	fi
	local d leaf
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		[ -d "$d${PD_CGPARENT#/}" ] || continue
		leaf=$(find "$d${PD_CGPARENT#/}" -mindepth 1 -type d | head -1)
		if [ -n "$leaf" ]; then
			echo "leftover cgroup: $leaf" >&2
			left=1
			find "$d${PD_CGPARENT#/}" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
		fi
		rmdir "$d${PD_CGPARENT#/}" 2>/dev/null || true
	done
	rm -rf "$PD"
	[ "$PD_HAD_NETWORKS" = 1 ] || rm -rf /run/containers/networks
	[ "$PD_HAD_RUN" = 1 ] || rmdir /run/containers 2>/dev/null || true
	[ "$PD_HAD_BLOBCACHE" = 1 ] || rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
	[ "$PD_HAD_VARLIB" = 1 ] || rmdir /var/lib/containers/cache /var/lib/containers 2>/dev/null || true
	return $left
}

@test "podman: run --rm prints the output; rbox-runtime is the runtime" {
	run prun --rm "$IMG" echo hello from podman
	assert_success
	assert_output "hello from podman"
	run pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	assert_output "rbox $RUNTIME_BIN"
	run pm info --format '{{.Host.OCIRuntime.Version}}'
	assert_output --partial "rbox-runtime version"
}

@test "podman: exit codes propagate" {
	run prun --rm "$IMG" sh -c 'exit 42'
	assert_equal "$status" 42
	run -127 prun --rm "$IMG" no-such-command
	assert_output --partial "executable file not found"
}

@test "podman: stdin reaches the container (-i)" {
	run prun --rm -i "$IMG" sh -c 'read x; echo got:$x' <<<"piped-in"
	assert_success
	assert_output "got:piped-in"
}

@test "podman: --ulimit becomes the container's rlimits" {
	# (podman adds its own maximum for every rlimit not given: nproc must be given too)
	run prun --rm --ulimit nofile=500:600 --ulimit nproc=300:400 "$IMG" sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
	assert_success
	assert_equal "${lines[0]}" 500
	assert_equal "${lines[1]}" 600
	assert_equal "${lines[2]}" 300
}

@test "podman: run -d, logs, exec (output, exit code, pid namespace), exec -t, stop, rm" {
	run prun -d --name logger "$IMG" sh -c 'echo started; trap "echo got-term; exit 3" TERM; while :; do sleep 0.1; done'
	assert_success
	wait_for 50 0.1 sh -c "CONTAINERS_CONF=$PD/conf/containers.conf CONTAINERS_STORAGE_CONF=$PD/conf/storage.conf podman --root $PD/root --runroot $PD/runroot --tmpdir $PD/tmp --storage-driver overlay logs logger | grep -q started"
	run pm exec logger sh -c 'echo exec-ok; tr "\0" " " </proc/1/cmdline; echo; exit 5'
	assert_equal "$status" 5
	assert_line --index 0 exec-ok
	# the container's own process is pid 1 of the exec'd process's pid namespace
	assert_line --index 1 --partial "echo started"
	run pm exec logger sh -c 'echo $$'
	refute_output 1
	run script -qefc "$(declare -f pm); PD=$PD RUNTIME_BIN=$RUNTIME_BIN; pm exec -t logger sh -c 'tty; exit 6'" /dev/null </dev/null
	assert_equal "$status" 6
	assert_output --regexp '/dev/pts/[0-9]+'
	run pm stop -t 10 logger
	assert_success
	run pm inspect --format '{{.State.ExitCode}}' logger
	assert_output 3
	run pm logs logger
	assert_output --partial got-term
	run pm rm logger
	assert_success
	run pm ps -aq
	assert_output ""
}

@test "podman: --memory is the limit the container sees" {
	run prun --rm --memory 64m "$IMG" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	assert_success
	assert_output 67108864
}

@test "podman: run -it gives an interactive shell on a pty" {
	run script -qefc "$(declare -f pm prun); PD=$PD PD_CGPARENT=$PD_CGPARENT PD_SECOPT='$PD_SECOPT'; prun --rm -it $IMG sh" /dev/null \
		< <(printf 'tty; echo answer-$((6*7)); exit 7\n')
	assert_equal "$status" 7
	assert_output --partial answer-42
	assert_output --regexp '/dev/pts/[0-9]+'
}

@test "podman: rm leaves no runtime state and no cgroup" {
	run prun -d --name short "$IMG" true
	assert_success
	local id
	id=$(pm inspect --format '{{.Id}}' short)
	pm wait short >/dev/null
	# podman calls start/kill/delete without --root: the runtime's default root
	[ -d /run/rbox-runtime/"$id" ] || [ "$(pm inspect --format '{{.State.Status}}' short)" = exited ]
	run pm rm short
	assert_success
	assert_not_exists /run/rbox-runtime/"$id"
	local d
	for d in /sys/fs/cgroup/*/"${PD_CGPARENT#/}"/libpod-"$id"; do
		assert_not_exists "$d"
	done
}

@test "podman: its default seccomp profile filters run and exec" {
	[ -z "$PD_SECOPT" ] || skip "this rbox-runtime build has no seccomp support"
	run prun -d --name filtered "$IMG" sleep 100
	assert_success
	run pm exec filtered grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:[[:space:]]+2'
	run pm exec filtered grep Seccomp: /proc/1/status
	assert_output --regexp 'Seccomp:[[:space:]]+2'
}

@test "podman: runs what rbox build made and rbox pushed to a local registry (issue 17)" {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed (make deps)"
	local RB="$RBOX_BUILD/bin/rbox" W="$PD/rbuild" port reg rpid
	mkdir -p "$W/ctx"
	export RBOX_ROOT="$W/root" RBOX_RUNROOT="$W/run" RBOX_CGROUP_PARENT="$PD_CGPARENT-rbox"
	export RBOX_CONFIG="$REPO_ROOT/tests/fixtures/rbox-test.conf"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	reg=127.0.0.1:$port
	printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: %s\n' \
		"$W" "$reg" >"$W/registry.yml"
	env -u REGISTRY_AUTH_FILE timeout 300 docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
	rpid=$!
	wait_for 100 0.1 curl -sf -o /dev/null "http://$reg/v2/"
	printf 'FROM busybox\nENV GREETING=built-by-rbox\nRUN echo "$GREETING" > /greeting\nCMD ["cat", "/greeting"]\n' \
		>"$W/ctx/Containerfile"
	run "$RB" build -q -t "$reg/peer/built:v1" "$W/ctx"
	local ok=$status
	[ "$ok" -eq 0 ] && run "$RB" push --tls-verify=false "$reg/peer/built:v1"
	[ "$status" -eq 0 ] && [ "$ok" -eq 0 ] && run pm pull -q --tls-verify=false "$reg/peer/built:v1"
	local pulled=$status
	[ "$pulled" -eq 0 ] && run prun --rm "$reg/peer/built:v1"
	local out=$output ran=$status
	pm rmi -f "$reg/peer/built:v1" >/dev/null 2>&1 || true
	kill "$rpid" 2>/dev/null || true
	wait "$rpid" 2>/dev/null || true
	rm -rf "$W"
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		rmdir "$d${PD_CGPARENT#/}-rbox" 2>/dev/null || true
	done
	[ "$ok" -eq 0 ] && [ "$pulled" -eq 0 ] && [ "$ran" -eq 0 ]
	[ "$out" = built-by-rbox ]
}
