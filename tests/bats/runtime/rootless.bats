#!/usr/bin/env bats
# Rootless: a throwaway non-root user runs rbox-runtime with the config `spec --rootless` writes.
# Its files live under a 0755 directory of /tmp (the bats temporary tree is root's alone).

load ../helpers

setup_file() {
	command -v useradd >/dev/null || skip "needs useradd"
	export RL_USER="rboxrl$$"
	useradd -M -s /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_DIR=$(mktemp -d /tmp/rbox-rootless.XXXXXX)
	chmod 0755 "$RL_DIR"
	export RL_UID RL_GID RL_DIR
}

teardown_file() {
	if [ -n "${RL_USER:-}" ] && id "$RL_USER" >/dev/null 2>&1; then
		userdel "$RL_USER"
	fi
	if [ -n "${RL_DIR:-}" ]; then
		rm -rf "$RL_DIR"
	fi
}

setup() {
	RL_HOME="$RL_DIR/t$BATS_TEST_NUMBER"
	BUNDLE="$RL_HOME/bundle"
	XDG="$RL_HOME/xdg"
	# the runtime's default root for this user; teardown (as root) cleans it like any other
	STATE_ROOT="$XDG/rbox-runtime"
	CTR_ID="rl${BATS_TEST_NUMBER}-$$-$RANDOM"
	mkdir -p "$BUNDLE" "$XDG" "$RL_HOME/vol"
	chmod 0700 "$XDG"
	chown -R "$RL_UID:$RL_GID" "$RL_HOME"
	CONFIG_INVALID=
	run as_user "$RUNTIME_BIN" spec --rootless -b "$BUNDLE"
	assert_success
	update_config '.root.path = $root | .process.terminal = false' --arg root "$BUSYBOX_ROOTFS"
}

teardown() {
	teardown_containers
	rm -rf "$RL_HOME"
}

# as_user CMD...: run as the throwaway user, with a clean environment
as_user() {
	setpriv --reuid="$RL_UID" --regid="$RL_GID" --clear-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$RL_HOME" XDG_RUNTIME_DIR="$XDG" "$@" 3>&-
}

# rl ARGS...: rbox-runtime as the user, with its default state root
rl() {
	as_user "$RUNTIME_BIN" "$@"
}

# rl_bg ARGS...: like run_bg, as the user
rl_bg() {
	local out="$RL_HOME/bg.$RANDOM"
	status=0
	rl "$@" </dev/null >"$out" 2>&1 || status=$?
	output=$(cat "$out")
}

rl_status_is() {
	[ "$(rl state "$CTR_ID" | jq -r .status)" = "$1" ]
}

# vol_mount DIR: bind DIR (host) on /tmp
vol_mount() {
	update_config '.mounts += [{destination: "/tmp", type: "bind", source: $v, options: ["rbind"]}]' \
		--arg v "$1"
}

@test "rootless: spec --rootless works for a non-root user: root inside, the user outside" {
	set_args sh -c 'id; cat /proc/self/uid_map /proc/self/gid_map; grep ^NoNewPrivs: /proc/self/status'
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --regexp '^rbox-runtime: warning: rootless: running without a cgroup \(creating cgroup .*: Permission denied\)$'
	assert_line --index 1 "uid=0(root) gid=0(root)"
	assert_line --index 2 --regexp "^ +0 +$RL_UID +1\$"
	assert_line --index 3 --regexp "^ +0 +$RL_GID +1\$"
	assert_line --index 4 "$(printf 'NoNewPrivs:\t1')"
	# the default state root: $XDG_RUNTIME_DIR/rbox-runtime, the user's, and empty again
	assert_equal "$(stat -c %u "$XDG/rbox-runtime")" "$RL_UID"
	assert_equal "$(ls -A "$XDG/rbox-runtime")" ""
}

@test "rootless: files written through a bind mount belong to the user on the host" {
	vol_mount "$RL_HOME/vol"
	set_args sh -c 'echo data > /tmp/written; ls -ln /tmp/written | awk "{ print \$3, \$4 }"'
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 1 "0 0"
	assert_equal "$(stat -c %u:%g "$RL_HOME/vol/written")" "$RL_UID:$RL_GID"
	assert_equal "$(cat "$RL_HOME/vol/written")" data
}

@test "rootless: create, state, start, kill, delete; the state lives under \$XDG_RUNTIME_DIR" {
	set_args sleep 1000
	rl_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_file_exists "$XDG/rbox-runtime/$CTR_ID/state.json"
	run rl state "$CTR_ID"
	assert_success
	assert_equal "$(echo "$output" | jq -r .status)" created
	local pid
	pid=$(echo "$output" | jq -r .pid)
	assert_equal "$(stat -c %u "/proc/$pid")" "$RL_UID"
	run rl list -q
	assert_output "$CTR_ID"
	run rl start "$CTR_ID"
	assert_success
	run rl kill "$CTR_ID" KILL
	assert_success
	wait_for 50 0.1 rl_status_is stopped
	run rl delete "$CTR_ID"
	assert_success
	assert_equal "$(ls -A "$XDG/rbox-runtime")" ""
}

@test "rootless: a uid/gid range through newuidmap/newgidmap, as /etc/subuid allows" {
	requires cmd:newuidmap cmd:newgidmap
	local subuid subgid
	subuid=$(awk -F: -v u="$RL_USER" '$1 == u { print $2 }' /etc/subuid)
	subgid=$(awk -F: -v u="$RL_USER" '$1 == u { print $2 }' /etc/subgid)
	[ -n "$subuid" ] && [ -n "$subgid" ] || skip "useradd gave $RL_USER no subordinate ids"
	chmod 0777 "$RL_HOME/vol"
	vol_mount "$RL_HOME/vol"
	update_config '.linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1},
			{containerID: 1, hostID: $sub, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1},
			{containerID: 1, hostID: $subg, size: 65536}]
		| .process.user = {uid: 1000, gid: 1000}' \
		--argjson uid "$RL_UID" --argjson gid "$RL_GID" --argjson sub "$subuid" --argjson subg "$subgid"
	set_args sh -c 'id; touch /tmp/by-1000; cat /proc/self/uid_map'
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 1 "uid=1000(user) gid=1000(user)"
	assert_line --index 3 --regexp "^ +1 +$subuid +65536\$"
	assert_equal "$(stat -c %u:%g "$RL_HOME/vol/by-1000")" "$((subuid + 999)):$((subgid + 999))"
}

@test "rootless: a range that /etc/subuid does not grant is one clear error; nothing is left" {
	requires cmd:newuidmap
	update_config '.linux.uidMappings += [{containerID: 1, hostID: 1000000000, size: 10}]'
	set_args true
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_line --index 1 --regexp '^rbox-runtime: linux.uidMappings: newuidmap failed \(does /etc/subuid allow the range\?\): newuidmap: uid range \[1-11\) -> \[1000000000-1000000010\) not allowed$'
	assert_equal "$(ls -A "$XDG/rbox-runtime")" ""
}

@test "rootless: resource limits need a cgroup: an error, not a silent skip" {
	config_is_invalid
	update_config '.linux.resources = {memory: {limit: 67108864}}'
	rl_bg create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --regexp '^rbox-runtime: creating cgroup .*: Permission denied$'
	assert_equal "$(ls -A "$XDG/rbox-runtime")" ""
	# device rules alone (what podman sends) are enforced by the user namespace: skipped
	update_config '.linux.resources = {devices: [{allow: false, access: "rwm"}]}'
	set_args true
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output --partial "warning: rootless: running without a cgroup"
}

@test "rootless: podman's seccomp profile loads without privileges (noNewPrivileges)" {
	update_config '.linux.seccomp = $p[0]' --slurpfile p "$REPO_ROOT/tests/fixtures/podman-seccomp.json"
	set_args sh -c 'grep ^Seccomp: /proc/self/status; ls / >/dev/null && echo ok'
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 1 "$(printf 'Seccomp:\t2')"
	assert_line --index 2 ok
}

@test "rootless: without XDG_RUNTIME_DIR the state root is /run/rbox-runtime, which is root's" {
	set_args true
	run setpriv --reuid="$RL_UID" --regid="$RL_GID" --clear-groups \
		env -i PATH=/usr/bin:/bin "$RUNTIME_BIN" run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --regexp '^rbox-runtime: (creating state root|creating state dir|opening state root) /run/rbox-runtime.*: Permission denied$'
}

@test "rootless: a time namespace with offsets (the double-fork path, unprivileged)" {
	update_config '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {monotonic: {secs: 3600}}'
	set_args sh -c 'head -1 /proc/self/timens_offsets; id -u'
	run rl run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 1 --regexp '^monotonic +3600 +0$'
	assert_line --index 2 0
}
