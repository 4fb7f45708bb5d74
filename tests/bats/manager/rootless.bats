#!/usr/bin/env bats
# rbox as an ordinary user (docs/rootless.md): throwaway users with their own ranges in
# /etc/subuid and /etc/subgid (removed again in teardown_file, even when tests fail) run rbox
# with setpriv; the store is the user's ($HOME/.local/share/rbox), the run state is under
# $XDG_RUNTIME_DIR/rbox. Their homes live under a 0755 directory of /tmp (the bats temporary
# tree is root's alone).

load ../helpers

rl_add_user() { # VAR_PREFIX NAME WITH_RANGES
	local name=$2 uid gid home start
	useradd -M -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /bin/sh "$name"
	uid=$(id -u "$name")
	gid=$(id -g "$name")
	home="$RL_DIR/$name"
	mkdir -p "$home" "$home/xdg"
	chmod 0700 "$home" "$home/xdg"
	chown -R "$uid:$gid" "$home"
	if [ "$3" = yes ]; then
		# a range of its own, far above what useradd hands out
		start=$((1000000000 + ($$ % 10000) * 131072 + ${#RL_USERS} * 65536))
		echo "$name:$start:65536" >>/etc/subuid
		echo "$name:$start:65536" >>/etc/subgid
	fi
	RL_USERS="$RL_USERS $name"
	eval "${1}_USER=$name ${1}_UID=$uid ${1}_GID=$gid ${1}_HOME=$home ${1}_START=${start:-}"
	export "${1}_USER" "${1}_UID" "${1}_GID" "${1}_HOME" "${1}_START"
}

setup_file() {
	command -v useradd >/dev/null || skip "needs useradd"
	command -v newuidmap >/dev/null || skip "needs newuidmap (Debian package uidmap)"
	RL_DIR=$(mktemp -d /tmp/rbox-rootless-mgr.XXXXXX)
	chmod 0755 "$RL_DIR"
	RL_USERS=
	export RL_DIR
	rl_add_user A "rboxra$$" yes
	rl_add_user B "rboxrb$$" yes
	rl_add_user C "rboxrc$$" no
	export RL_USERS
	RL_RBOX="$(cd "$RBOX_BUILD" && pwd)/bin/rbox"
	export RL_RBOX
	# every rootless rbox runs in this file's own network namespace: the default network is
	# slirp4netns, and published ports serve on this namespace's 127.0.0.1
	RL_NETNS="rbxrl-$$"
	ip netns add "$RL_NETNS"
	ip -n "$RL_NETNS" link set lo up
	RL_NS="nsenter --net=/run/netns/$RL_NETNS"
	export RL_NETNS RL_NS
	# the built-in busybox image, made once per user store
	as A "$RL_RBOX" image inspect busybox >/dev/null
}

teardown_file() {
	local name pidf uid pid
	for name in ${RL_USERS:-}; do
		for pidf in "$RL_DIR/$name/xdg/rbox/pause.pid" "/tmp/rbox-run-$(id -u "$name" 2>/dev/null)/pause.pid"; do
			[ -f "$pidf" ] && kill -KILL "$(cut -d' ' -f1 "$pidf")" 2>/dev/null
		done
		# whatever the throwaway user still runs (a failed test's monitors), by PID
		if uid=$(id -u "$name" 2>/dev/null); then
			for pid in $(ps -u "$uid" -o pid= 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null
			done
		fi
		sed -i "/^$name:/d" /etc/subuid /etc/subgid
		id "$name" >/dev/null 2>&1 && userdel "$name"
		rm -rf "/tmp/rbox-run-${name}"
	done
	[ -n "${RL_DIR:-}" ] && rm -rf "$RL_DIR"
	[ -n "${RL_NETNS:-}" ] && ip netns del "$RL_NETNS" 2>/dev/null
	return 0
}

setup() {
	:
}

teardown() {
	local ids
	ids=$(as A "$RL_RBOX" ps -aq 2>/dev/null) || true
	[ -z "$ids" ] || as A "$RL_RBOX" rm -f $ids >/dev/null 2>&1 || true
	# nothing of a container is left: no mount, no run dir, no runtime state
	if cat /proc/*/mountinfo 2>/dev/null | grep -qF " $A_HOME/"; then
		echo "leftover mounts under $A_HOME" >&2
		return 1
	fi
}

# as A|B|C CMD...: CMD as that user, with a clean environment
as() {
	local u="${1}_UID" g="${1}_GID" h="${1}_HOME"
	shift
	$RL_NS setpriv --reuid="${!u}" --regid="${!g}" --clear-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${!h}" XDG_RUNTIME_DIR="${!h}/xdg" \
		${RL_ENV:-} "$@" 3>&-
}

ra() {
	as A "$RL_RBOX" "$@"
}

@test "rootless: the store, run state and config are the user's own" {
	run ra run --rm --network none busybox true
	assert_success
	assert_equal "$(stat -c '%u %a' "$A_HOME/.local/share/rbox")" "$A_UID 700"
	assert_equal "$(stat -c '%u %a' "$A_HOME/xdg/rbox")" "$A_UID 700"
	# $XDG_CONFIG_HOME/rbox/rbox.conf is read (a bad key names the file)
	mkdir -p "$A_HOME/.config/rbox"
	echo 'no_such_key = "x"' >"$A_HOME/.config/rbox/rbox.conf"
	chown -R "$A_UID:$A_GID" "$A_HOME/.config"
	run ra run --rm busybox true
	rm -rf "$A_HOME/.config"
	assert_failure
	assert_output --partial 'unknown key "no_such_key"'
	# RBOX_CONFIG still wins
	echo 'default_network = "none"' >"$A_HOME/my.conf"
	RL_ENV="RBOX_CONFIG=$A_HOME/my.conf" run ra run --rm busybox true
	rm -f "$A_HOME/my.conf"
	assert_success
	# $XDG_DATA_HOME moves the store
	RL_ENV="XDG_DATA_HOME=$A_HOME/data" run ra ps -a
	assert_success
	assert [ -d "$A_HOME/data/rbox/containers" ]
	rm -rf "$A_HOME/data"
}

@test "rootless: without XDG_RUNTIME_DIR the run state is a private dir under /tmp; someone else's is refused" {
	local run="/tmp/rbox-run-$C_UID"
	rm -rf "$run"
	# C has no ranges: the bad dir is refused before the ranges matter
	mkdir -m 0700 "$run"
	run $RL_NS setpriv --reuid="$C_UID" --regid="$C_GID" --clear-groups \
		env -i PATH=/usr/bin:/bin HOME="$C_HOME" "$RL_RBOX" ps
	rmdir "$run"
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_output --partial "$run"
	assert_output --partial "belongs to uid 0"
	# A, without XDG_RUNTIME_DIR: /tmp/rbox-run-UID, 0700, the user's
	run $RL_NS setpriv --reuid="$A_UID" --regid="$A_GID" --clear-groups \
		env -i PATH=/usr/bin:/bin HOME="$A_HOME" "$RL_RBOX" run --rm busybox true
	assert_success
	assert_equal "$(stat -c '%u %a' "/tmp/rbox-run-$A_UID")" "$A_UID 700"
	kill -KILL "$(cut -d' ' -f1 "/tmp/rbox-run-$A_UID/pause.pid")"
	rm -rf "/tmp/rbox-run-$A_UID"
}

@test "rootless: the container's root is the user, its other ids the user's subordinate range" {
	run ra run --rm busybox sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map'
	assert_success
	assert_line --index 0 0
	assert_line --index 1 --regexp "^ +0 +$A_UID +1\$"
	assert_line --index 2 --regexp "^ +1 +$A_START +65536\$"
	assert_line --index 3 --regexp "^ +0 +$A_GID +1\$"
	assert_line --index 4 --regexp "^ +1 +$A_START +65536\$"
}

@test "rootless: image files owned by root belong to the user's mapped root on the host" {
	run ra run --rm busybox stat -c %u:%g /bin/busybox /etc/passwd
	assert_success
	assert_output "0:0
0:0"
	local f
	f=$(find "$A_HOME/.local/share/rbox/images" -name busybox -type f | head -1)
	[ -n "$f" ]
	assert_equal "$(stat -c %u:%g "$f")" "$A_UID:$A_GID"
	# nothing in the store belongs to the host's root; other owners are in the user's range
	run find "$A_HOME/.local/share/rbox" -uid 0
	assert_output ""
	run ra run --rm busybox stat -c %u /home/user
	assert_success
	local inside=$output
	f=$(find "$A_HOME/.local/share/rbox/images" -path '*/diff/home/user' | head -1)
	assert_equal "$(stat -c %u "$f")" "$((A_START + inside - 1))"
}

@test "rootless: files the container writes in a -v bind belong to the user on the host" {
	mkdir "$A_HOME/vol"
	chown "$A_UID:$A_GID" "$A_HOME/vol"
	run ra run --rm -v "$A_HOME/vol:/v" busybox sh -c 'echo data >/v/f; mkdir /v/d'
	assert_success
	assert_equal "$(stat -c %u:%g "$A_HOME/vol/f" "$A_HOME/vol/d")" "$A_UID:$A_GID
$A_UID:$A_GID"
	assert_equal "$(cat "$A_HOME/vol/f")" data
	rm -rf "$A_HOME/vol"
}

@test "rootless: run -d, exec, logs, ps, stop, rm; rm leaves nothing but the store" {
	run ra run -d --name web busybox sh -c 'echo started; exec sleep 1000'
	assert_success
	run ra exec web cat /proc/1/cmdline
	assert_success
	assert_output --partial sleep
	run ra logs web
	assert_output started
	run ra ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^web Up'
	run ra stop -t 1 web
	assert_success
	run ra rm web
	assert_success
	run ra ps -aq
	assert_output ""
	assert_equal "$(ls -A "$A_HOME/xdg/rbox/containers")" ""
	assert_equal "$(ls -A "$A_HOME/.local/share/rbox/containers")" ""
	assert_equal "$(ls -A "$A_HOME/xdg/rbox/runtime" | grep -v '^\.seccomp-cache$' || true)" ""
	# outside the store and the run dir the home holds nothing rbox made
	assert_equal "$(cd "$A_HOME" && ls -A | sort | tr '\n' ' ')" ".local xdg "
}

@test "rootless: volumes work and belong to the user" {
	run ra volume create rlvol
	assert_success
	run ra run --rm -v rlvol:/data busybox sh -c 'echo v >/data/x; stat -c %u /data/x'
	assert_success
	assert_output 0
	run ra run --rm -v rlvol:/data busybox cat /data/x
	assert_output v
	run ra volume rm rlvol
	assert_success
}

@test "rootless: the default network is slirp4netns; a published port serves on 127.0.0.1; nothing is left" {
	command -v slirp4netns >/dev/null || skip "needs slirp4netns"
	command -v curl >/dev/null || skip "needs curl"
	run ra run --rm busybox sh -c 'ip -4 addr show tap0; cat /etc/resolv.conf'
	assert_success
	assert_output --partial "inet 10.0.2.100/24"
	assert_output --partial "nameserver 10.0.2.3"
	mkdir -p "$A_HOME/www"
	echo served-rootless >"$A_HOME/www/index.html"
	chown -R "$A_UID:$A_GID" "$A_HOME/www"
	local port=$((20000 + $$ % 20000)) i pid
	run ra run -d --name web -p "127.0.0.1:$port:80" -v "$A_HOME/www:/www:ro" busybox httpd -f -p 80 -h /www
	assert_success
	for i in $(seq 50); do
		$RL_NS curl -sf "http://127.0.0.1:$port/" >/dev/null && break
		sleep 0.1
	done
	run $RL_NS curl -sf "http://127.0.0.1:$port/"
	assert_output served-rootless
	run ra port web
	assert_output "80/tcp -> 127.0.0.1:$port"
	pid=$(pgrep -u "$A_UID" -x slirp4netns)
	assert [ -n "$pid" ]
	run ra rm -f web
	assert_success
	# the helper is gone with its container (by its PID)
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run kill -0 "$pid"
	assert_failure
	run $RL_NS curl -sf "http://127.0.0.1:$port/"
	assert_failure
}

@test "rootless: --network none and host work, bridge networks are refused with one line" {
	run ra run --rm --network none busybox sh -c 'ls /sys/class/net'
	assert_success
	assert_output lo
	run ra run --rm --network host busybox readlink /proc/self/ns/net
	assert_success
	assert_equal "$output" "$($RL_NS readlink /proc/self/ns/net)"
	run ra run --rm --network bridge busybox true
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_output --partial "rootless"
	run ra ps -aq
	assert_output ""
}

@test "rootless: resource limits without a delegated cgroup v2 subtree are refused with one line" {
	# (the test's processes sit in root's cgroups: nothing is delegated to A on any host)
	local f
	for f in "--memory 64m" "--cpus 1" "--pids-limit 10"; do
		run ra run --rm $f busybox true
		assert_failure
		assert_equal "${#lines[@]}" 1
		assert_output --partial "${f% *}"
		assert_output --partial "cgroup"
	done
	run ra ps -aq
	assert_output ""
}

@test "rootless: another user neither sees nor touches the first user's containers" {
	run ra run -d --name mine busybox sleep 1000
	assert_success
	local id=$output
	run as B "$RL_RBOX" ps -aq
	assert_success
	assert_output ""
	run as B "$RL_RBOX" stop "$id"
	assert_failure
	run as B "$RL_RBOX" rm -f mine
	assert_failure
	run as B ls "$A_HOME/.local/share/rbox"
	assert_failure
	run ra ps --format '{{.Names}}'
	assert_output mine
}

@test "rootless: no range in /etc/subuid fails with one line, leaving nothing behind" {
	run as C "$RL_RBOX" run --rm busybox true
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_output --partial "/etc/subuid"
	assert_output --partial "$C_USER"
	assert [ ! -e "$C_HOME/xdg/rbox" ]
	assert [ ! -e "$C_HOME/.local" ]
}

@test "rootless: no newuidmap fails with one line naming the package, leaving nothing behind" {
	# B's namespace does not exist yet when its run dir is new
	local bin="$RL_DIR/nobin"
	mkdir -p "$bin"
	run $RL_NS setpriv --reuid="$C_UID" --regid="$C_GID" --clear-groups \
		env -i PATH="$bin" HOME="$C_HOME" XDG_RUNTIME_DIR="$C_HOME/xdg" "$RL_RBOX" run --rm busybox true
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_output --partial newuidmap
	assert_output --partial uidmap
	assert [ ! -e "$C_HOME/xdg/rbox" ]
	assert [ ! -e "$C_HOME/.local" ]
}

@test "rootless: pull from a registry; the layers' root files belong to the user's mapped root" {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed (make deps)"
	command -v skopeo >/dev/null || skip "skopeo is not installed (make deps)"
	# the registry serves in the file's network namespace, where the user's rbox runs
	local dir="$BATS_TEST_TMPDIR/reg" port pid i
	mkdir -p "$dir/storage"
	port=$($RL_NS python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
		"$dir/storage" "$port" >"$dir/config.yml"
	$RL_NS env -u REGISTRY_AUTH_FILE timeout 600 docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 3>&- &
	pid=$!
	for i in $(seq 100); do
		$RL_NS curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
		sleep 0.1
	done
	python3 "$REPO_ROOT/tests/helpers/mkoci.py" image "$dir/src" v1 --layer /bin/busybox:/bin/busybox >/dev/null
	$RL_NS skopeo copy -q --dest-tls-verify=false "oci:$dir/src:v1" "docker://127.0.0.1:$port/rl/img:v1" >/dev/null
	run ra pull -q --tls-verify=false "127.0.0.1:$port/rl/img:v1"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	assert_success
	run ra run --rm "127.0.0.1:$port/rl/img:v1" /bin/busybox stat -c %u /bin/busybox
	assert_success
	assert_output 0
	# the built-in image's layer and the pulled one: both the user's
	run sh -c "find '$A_HOME/.local/share/rbox/images' -path '*/diff/bin/busybox' -exec stat -c %u {} + | sort -u"
	assert_output "$A_UID"
	assert_equal "$(find "$A_HOME/.local/share/rbox/images" -path '*/diff/bin/busybox' | wc -l)" 2
	run ra rmi "127.0.0.1:$port/rl/img:v1"
	assert_success
}

@test "rootless: run -it and build as the user" {
	command -v script >/dev/null || skip "needs script (util-linux)"
	run script -qec "$RL_NS setpriv --reuid=$A_UID --regid=$A_GID --clear-groups env -i PATH=/usr/bin:/bin \
HOME=$A_HOME XDG_RUNTIME_DIR=$A_HOME/xdg $RL_RBOX run -it --rm busybox sh -c 'tty; id -u'" /dev/null </dev/null
	assert_success
	# (the pty echoes script's NUL as ^@ somewhere in the output)
	local clean
	clean=$(printf '%s\n' "$output" | sed 's/\^@//g; s/\r//g')
	[[ "$clean" =~ /dev/pts/[0-9]+ ]]
	printf '%s\n' "$clean" | grep -qx 0
	mkdir -p "$A_HOME/ctx"
	printf 'FROM busybox\nRUN mkdir /data && touch /data/f && chown 1234:1234 /data/f\n' >"$A_HOME/ctx/Containerfile"
	chown -R "$A_UID:$A_GID" "$A_HOME/ctx"
	run ra build -q -t rlbuilt "$A_HOME/ctx"
	assert_success
	run ra run --rm rlbuilt stat -c %u /data/f
	assert_success
	assert_output 1234
	run ra rmi rlbuilt
	assert_success
	rm -rf "$A_HOME/ctx"
}

@test "rootless: the overlay driver is chosen once per store and recorded; fuse-overlayfs as the fallback" {
	# this kernel's overlay in the user namespace: recorded at the first mount
	run ra run --rm busybox true
	assert_success
	assert_equal "$(cat "$A_HOME/.local/share/rbox/storage-driver")" overlay
	command -v fuse-overlayfs >/dev/null || skip "needs fuse-overlayfs (make deps)"
	[ -c /dev/fuse ] || skip "needs /dev/fuse"
	# a store that chose fuse-overlayfs keeps it, whatever the environment says later
	RL_ENV="XDG_DATA_HOME=$A_HOME/fuse RBOX_STORAGE_DRIVER=fuse-overlayfs" run ra run --rm busybox sh -c 'grep " / / " /proc/self/mountinfo'
	assert_success
	assert_output --partial fuse-overlayfs
	assert_equal "$(cat "$A_HOME/fuse/rbox/storage-driver")" fuse-overlayfs
	RL_ENV="XDG_DATA_HOME=$A_HOME/fuse" run ra run -d --name fz busybox sleep 1000
	assert_success
	RL_ENV="XDG_DATA_HOME=$A_HOME/fuse" run ra exec fz sh -c 'echo x >/x; grep " / / " /proc/self/mountinfo'
	assert_output --partial fuse-overlayfs
	RL_ENV="XDG_DATA_HOME=$A_HOME/fuse" run ra rm -f fz
	assert_success
	run sh -c "cat /proc/*/mountinfo 2>/dev/null | grep -F ' $A_HOME/fuse/'"
	assert_output ""
	rm -rf "$A_HOME/fuse"
}

@test "rootless: --userns keep-id runs as the user's own uid and gid, mapped to themselves" {
	mkdir "$A_HOME/keep"
	chown "$A_UID:$A_GID" "$A_HOME/keep"
	run ra run --rm --userns keep-id -v "$A_HOME/keep:/k" busybox sh -c 'id -u; id -g; touch /k/f; stat -c %u:%g /k/f'
	assert_success
	assert_line --index 0 "$A_UID"
	assert_line --index 1 "$A_GID"
	assert_line --index 2 "$A_UID:$A_GID"
	assert_equal "$(stat -c %u:%g "$A_HOME/keep/f")" "$A_UID:$A_GID"
	# -u still wins
	run ra run --rm --userns keep-id -u 0 busybox id -u
	assert_output 0
	rm -rf "$A_HOME/keep"
}

@test "rootless: --userns keep-id as root is refused with one line" {
	requires root
	run env RBOX_ROOT="$BATS_TEST_TMPDIR/root" RBOX_RUNROOT="$BATS_TEST_TMPDIR/run" \
		RBOX_CONFIG="$REPO_ROOT/tests/fixtures/rbox-test.conf" "$RL_RBOX" run --rm --userns keep-id busybox true
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_output --partial "keep-id"
	assert_output --partial "rootless"
}

@test "rootless: system check reports rootless mode, as the user and as root; exit 1 when it cannot work" {
	run ra system check
	assert_success
	assert_line --regexp "^PASS +rootless: subuid +/etc/subuid: 65536 ids from $A_START"
	assert_line --regexp '^PASS +newuidmap'
	assert_line --regexp '^PASS +newgidmap'
	assert_line --regexp '^PASS +rootless: overlay'
	assert_line --regexp '^(PASS|WARN) +rootless: network +slirp4netns'
	assert_line --regexp '^(PASS|WARN) +rootless: cgroups'
	# C has no ranges: FAIL, exit 1, one line says what is missing
	run as C "$RL_RBOX" system check
	assert_failure 1
	assert_line --regexp '^FAIL +rootless: subuid +no range for uid'
	rm -rf "$C_HOME/.local" "$C_HOME/xdg/rbox"
	# as root: what the host offers (no user's range is required)
	requires root
	run env RBOX_ROOT="$BATS_TEST_TMPDIR/root" RBOX_RUNROOT="$BATS_TEST_TMPDIR/run" \
		RBOX_CONFIG="$REPO_ROOT/tests/fixtures/rbox-test.conf" "$RL_RBOX" system check
	assert_line --regexp '^(PASS|WARN) +rootless: subuid +/etc/subuid: [0-9]+ range'
	assert_line --regexp '^(PASS|WARN) +rootless: overlay'
}

@test "rootless: with the pause process killed, running containers stay reachable; a new one is made after" {
	run ra run -d --name keep busybox sleep 1000
	assert_success
	local pause
	pause=$(cut -d' ' -f1 "$A_HOME/xdg/rbox/pause.pid")
	kill -KILL "$pause"
	run ra exec keep echo still
	assert_success
	assert_output still
	run ra stop -t 1 keep
	assert_success
	run ra rm keep
	assert_success
	# no monitor is left to hold the namespaces: the next command makes a new pause process
	run ra run --rm busybox cat /proc/self/uid_map
	assert_success
	assert_line --index 0 --regexp "^ +0 +$A_UID +1\$"
	[ "$(cut -d' ' -f1 "$A_HOME/xdg/rbox/pause.pid")" != "$pause" ]
}

@test "rootless: import and save/load as the user; the tar's owners become the user's mapped ids" {
	local t="$RL_DIR/imp"
	mkdir -p "$t/tree/bin" "$t/tree/data"
	cp /bin/busybox "$t/tree/bin/busybox"
	ln -s busybox "$t/tree/bin/sh"
	echo hi >"$t/tree/data/f"
	chown 1234:1234 "$t/tree/data/f"
	tar -C "$t/tree" --numeric-owner -cf "$t/rootfs.tar" .
	chown -R "$A_UID:$A_GID" "$t"
	run ra image import "$t/rootfs.tar" rlimp:1
	assert_success
	run ra run --rm rlimp:1 /bin/busybox stat -c '%u %n' /bin/busybox /data/f
	assert_success
	assert_output "0 /bin/busybox
1234 /data/f"
	local f
	f=$(find "$A_HOME/.local/share/rbox/images" -path '*/diff/data/f' | head -1)
	assert_equal "$(stat -c %u:%g "$f")" "$((A_START + 1233)):$((A_START + 1233))"
	# save, and load into a second store of the same user
	run ra save -o "$t/saved.tar" rlimp:1
	assert_success
	RL_ENV="XDG_DATA_HOME=$t/second" run ra load -i "$t/saved.tar"
	assert_success
	RL_ENV="XDG_DATA_HOME=$t/second" run ra run --rm rlimp:1 /bin/busybox stat -c %u /data/f
	assert_output 1234
	run ra rmi rlimp:1
	assert_success
	rm -rf "$t"
}

@test "rootless: in a cgroup v2 subtree delegated to the user, limits work" {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || skip "needs a pure cgroup v2 host (this one: v1 or hybrid)"
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || skip "needs the memory controller enabled at the root"
	# what systemd's user@UID.service gets: a subtree the user owns, controllers enabled in it
	local d="/sys/fs/cgroup/rbox-rl-deleg-$$" pid rc=0
	mkdir "$d" "$d/session"
	echo "+memory +pids" >"$d/cgroup.subtree_control"
	chown "$A_UID:$A_GID" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/session" "$d/session/cgroup.procs"
	run sh -c "echo \$\$ >$d/session/cgroup.procs; exec $RL_NS setpriv --reuid=$A_UID --regid=$A_GID --clear-groups \
		env -i PATH=/usr/bin:/bin HOME=$A_HOME XDG_RUNTIME_DIR=$A_HOME/xdg \
		$RL_RBOX run --rm --memory 64m --pids-limit 50 busybox cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"
	for pid in $(cat "$d/session/cgroup.procs"); do
		echo "$pid" >/sys/fs/cgroup/cgroup.procs
	done
	rmdir "$d/session" && rmdir "$d" || rc=1
	assert_success
	assert_output "67108864
50"
	[ "$rc" = 0 ]
}
