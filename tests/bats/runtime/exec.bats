#!/usr/bin/env bats
# exec: a new process in a running container (namespaces, cgroup, root, process settings).

load ../helpers

# the seccomp agents a test started (their pids), stopped before the containers are deleted
AGENT_PIDS=
teardown() {
	local p
	for p in $AGENT_PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	teardown_containers
}

# start the test's container (sleep) in the background
start_container() {
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
}

@test "exec: output, exit code, and the container's pid namespace" {
	start_container
	run runtime exec "$CTR_ID" sh -c 'echo pid=$$; readlink /proc/self/ns/pid; exit 7'
	assert_equal "$status" 7
	local init
	init=$(container_pid "$CTR_ID")
	assert_line --index 0 --regexp '^pid=[0-9]+$'
	refute_line --index 0 "pid=1"
	assert_line --index 1 "$(readlink /proc/"$init"/ns/pid)"
}

@test "exec: joins every namespace, the cgroup and the root of the init" {
	start_container
	local init ns
	init=$(container_pid "$CTR_ID")
	run runtime exec "$CTR_ID" sh -c 'for n in mnt uts ipc net pid cgroup; do readlink /proc/self/ns/$n; done; hostname; cat /etc/hostname; cat /proc/self/cgroup'
	assert_success
	for ns in mnt uts ipc net pid cgroup; do
		assert_line "$(readlink /proc/"$init"/ns/$ns)"
	done
	assert_line busybox
	assert_line rbox
	# in the container's cgroup namespace its cgroup is the root
	assert_line --regexp '^[0-9]+:memory:/$'
}

@test "exec: the process is placed in the container's cgroup" {
	requires cgroup
	start_container
	run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID" sleep 100
	assert_success
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	run cat "$(cgroup_dir_of memory "$CTR_ID")/cgroup.procs"
	assert_line "$pid"
	run cat "$(cgroup_dir_of pids "$CTR_ID")/cgroup.procs"
	assert_line "$pid"
}

@test "exec: inherits the container's user, env, cwd, rlimits and capabilities" {
	update_config '.process.env += ["FROM_CONFIG=yes"] | .process.cwd = "/tmp" |
		.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 555, "soft": 444}] |
		.process.capabilities.effective = ["CAP_KILL"] | .process.capabilities.permitted = ["CAP_KILL"] |
		.process.capabilities.bounding = ["CAP_KILL", "CAP_CHOWN"]'
	start_container
	run runtime exec "$CTR_ID" sh -c 'echo $FROM_CONFIG; pwd; ulimit -n; ulimit -Hn; grep -E "^Cap(Eff|Bnd)" /proc/self/status; id -u'
	assert_success
	assert_line --index 0 yes
	assert_line --index 1 /tmp
	assert_line --index 2 444
	assert_line --index 3 555
	assert_line --index 4 --regexp 'CapEff:[[:space:]]+0000000000000020$'
	assert_line --index 5 --regexp 'CapBnd:[[:space:]]+0000000000000021$'
	assert_line --index 6 0
}

@test "exec: --env, --cwd, --user, --additional-gids and --no-new-privs" {
	update_config '.process.noNewPrivileges = false'
	start_container
	run runtime exec --env FOO=bar --env PATH=/bin --cwd /dev --user 1000:100 -g 5 --no-new-privs \
		"$CTR_ID" sh -c 'echo $FOO $PATH; pwd; id -u; id -g; id -G; grep NoNewPrivs /proc/self/status'
	assert_success
	assert_line --index 0 "bar /bin"
	assert_line --index 1 /dev
	assert_line --index 2 1000
	assert_line --index 3 100
	assert_line --index 4 "100 5"
	assert_line --index 5 --regexp 'NoNewPrivs:[[:space:]]+1'
	run runtime exec "$CTR_ID" grep NoNewPrivs /proc/self/status
	assert_output --regexp 'NoNewPrivs:[[:space:]]+0'
}

@test "exec: --cap adds a capability to the process's sets" {
	start_container
	run runtime exec "$CTR_ID" grep -E "^Cap(Eff|Bnd)" /proc/self/status
	assert_line --index 0 --regexp 'CapEff:[[:space:]]+00000000a80425fb$'
	run runtime exec --cap CAP_SYS_ADMIN --cap NET_ADMIN "$CTR_ID" grep -E "^Cap(Eff|Bnd)" /proc/self/status
	assert_success
	# + CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21)
	assert_line --index 0 --regexp 'CapEff:[[:space:]]+00000000a82435fb$'
	assert_line --index 1 --regexp 'CapBnd:[[:space:]]+00000000a82435fb$'
}

@test "exec: --process FILE gives args, env, cwd, user, rlimits and capabilities" {
	start_container
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
	{
	  "args": ["sh", "-c", "echo $ONLY; pwd; id -u; ulimit -n; grep CapEff /proc/self/status"],
	  "env": ["ONLY=from-process-json", "PATH=/bin"],
	  "cwd": "/proc",
	  "user": { "uid": 65534, "gid": 65534 },
	  "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 300, "soft": 200 }],
	  "capabilities": { "bounding": [], "effective": [], "permitted": [] }
	}
	JSON
	run runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$CTR_ID"
	assert_success
	assert_line --index 0 from-process-json
	assert_line --index 1 /proc
	assert_line --index 2 65534
	assert_line --index 3 200
	assert_line --index 4 --regexp 'CapEff:[[:space:]]+0+$'
}

@test "exec: bad --process files and flags are refused with one clear line" {
	start_container
	echo '{"args": []}' >"$BATS_TEST_TMPDIR/bad.json"
	run runtime exec --process "$BATS_TEST_TMPDIR/bad.json" "$CTR_ID"
	assert_failure
	assert_output --regexp "bad.json: .*args"
	run runtime exec --process "$BATS_TEST_TMPDIR/missing.json" "$CTR_ID"
	assert_failure
	assert_output --partial "missing.json: No such file or directory"
	run runtime exec --user abc "$CTR_ID" true
	assert_failure
	assert_output 'rbox-runtime: --user: invalid id "abc" (a number is expected)'
	run runtime exec --cap CAP_NOPE "$CTR_ID" true
	assert_failure
	assert_output 'rbox-runtime: --cap: unknown capability "CAP_NOPE"'
	run runtime exec --cwd relative "$CTR_ID" true
	assert_failure
	assert_output --partial '"relative" is not an absolute path'
	run runtime exec "$CTR_ID"
	assert_failure
	assert_output --partial "missing the command"
	run runtime exec --apparmor foo "$CTR_ID" true
	assert_failure
	assert_output --partial "no AppArmor/SELinux support"
}

@test "exec: a missing command exits 255 with runc's message" {
	start_container
	run -255 runtime exec "$CTR_ID" no-such-command
	assert_output 'rbox-runtime: exec: "no-such-command": executable file not found in $PATH'
}

@test "exec --detach: writes the pid and returns while the process runs" {
	start_container
	local t0=$SECONDS
	run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID" sleep 100
	assert_success
	[ $((SECONDS - t0)) -lt 5 ]
	local pid init
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	init=$(container_pid "$CTR_ID")
	assert_equal "$(readlink /proc/"$pid"/ns/pid)" "$(readlink /proc/"$init"/ns/pid)"
	assert_equal "$(readlink /proc/"$pid"/ns/mnt)" "$(readlink /proc/"$init"/ns/mnt)"
	run cat /proc/"$pid"/cmdline
	assert_output --partial sleep
}

@test "exec: works in a created container, as in runc (its init waits for start meanwhile)" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local init
	init=$(container_pid "$CTR_ID")
	run runtime exec "$CTR_ID" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; cat /etc/hostname'
	assert_success
	assert_output "$(readlink /proc/"$init"/ns/pid)
$(readlink /proc/"$init"/ns/mnt)
rbox"
	assert_equal "$(container_status "$CTR_ID")" created
	runtime start "$CTR_ID"
	assert_equal "$(container_status "$CTR_ID")" running
}

@test "exec: refused for a stopped and an unknown container" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 sh -c "[ \"\$($RUNTIME_BIN --root $STATE_ROOT state $CTR_ID | jq -r .status)\" = stopped ]"
	run runtime exec "$CTR_ID" true
	assert_failure
	assert_output "rbox-runtime: cannot exec in container \"$CTR_ID\": it is stopped"
	run runtime exec nosuch true
	assert_failure
	assert_output 'rbox-runtime: container "nosuch" does not exist'
}

@test "exec: --preserve-fds passes extra fds and nothing else leaks" {
	start_container
	echo via-fd-3 >"$BATS_TEST_TMPDIR/extra"
	run runtime exec --preserve-fds 1 "$CTR_ID" sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "; cat <&3' 3<"$BATS_TEST_TMPDIR/extra"
	assert_success
	assert_output "0 1 2 3 4 via-fd-3"
}

@test "exec: forwards signals to the process and reports 128+N" {
	start_container
	"$RUNTIME_BIN" --root "$STATE_ROOT" exec "$CTR_ID" sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local rpid=$!
	wait_for 50 0.1 grep -q ready "$BATS_TEST_TMPDIR/out"
	kill -TERM "$rpid"
	local rc=0
	wait "$rpid" || rc=$?
	assert_equal "$rc" 9
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial got-term
	run runtime exec "$CTR_ID" sh -c 'kill -9 $$'
	assert_equal "$status" 137
}

@test "exec: joins the container's user namespace first" {
	update_config '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
		.mounts |= map(select(.destination != "/sys/fs/cgroup" and .destination != "/sys"))'
	start_container
	local init
	init=$(container_pid "$CTR_ID")
	run runtime exec "$CTR_ID" sh -c 'cat /proc/self/uid_map; readlink /proc/self/ns/user; id -u'
	assert_success
	assert_line --index 0 --regexp '^ +0 +200000 +65536$'
	assert_line --index 1 "$(readlink /proc/"$init"/ns/user)"
	assert_line --index 2 0
}

@test "exec: the runtime runs from a sealed copy while it execs (CVE-2019-5736)" {
	start_container
	"$RUNTIME_BIN" --root "$STATE_ROOT" exec "$CTR_ID" sleep 2 >/dev/null 2>&1 3>&- &
	local rpid=$!
	sleep 0.5
	run readlink /proc/$rpid/exe
	assert_output --partial "memfd:rbox-runtime"
	wait "$rpid"
}

@test "exec: uses the container's seccomp profile unless the process JSON gives one" {
	local enabled
	enabled=$(runtime features | jq .linux.seccomp.enabled)
	[ "$enabled" = true ] || skip "this build does not load seccomp profiles (features: seccomp.enabled=false)"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	start_container
	run runtime exec "$CTR_ID" mkdir /tmp/denied
	assert_failure
	assert_output --partial "Operation not permitted"
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
	{ "args": ["mkdir", "/tmp/allowed"], "cwd": "/", "env": ["PATH=/bin"],
	  "seccomp": { "defaultAction": "SCMP_ACT_ALLOW" } }
	JSON
	run runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$CTR_ID"
	assert_success
}

@test "exec: a --no-pivot container without a pid namespace (root from the init, host pids)" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	run_bg run -d --no-pivot -b "$BUNDLE" "$CTR_ID"
	assert_success
	run runtime exec "$CTR_ID" sh -c 'cat /etc/hostname; readlink /proc/self/ns/pid; echo $$'
	assert_success
	assert_line --index 0 rbox
	assert_line --index 1 "$(readlink /proc/self/ns/pid)"
	[ "${lines[2]}" -gt 1 ]
}

@test "exec: refused for a paused container" {
	requires cgroup_v1
	start_container
	local fz
	fz=$(cgroup_dir_of freezer "$CTR_ID")
	echo FROZEN >"$fz/freezer.state"
	wait_for 50 0.1 grep -q FROZEN "$fz/freezer.state"
	run runtime exec "$CTR_ID" true
	echo THAWED >"$fz/freezer.state"
	assert_failure
	assert_output "rbox-runtime: cannot exec in container \"$CTR_ID\": it is paused (resume it, or use --ignore-paused)"
}

# a console socket at $SOCK that keeps the pty master (output in $BATS_TEST_TMPDIR/tty.out)
recvtty_start() {
	SOCK="$BATS_TEST_TMPDIR/console.sock"
	python3 "$REPO_ROOT/tests/bats/tools/recvtty.py" "$SOCK" "$BATS_TEST_TMPDIR/tty.out" 3>&- &
	wait_for 50 0.1 test -S "$SOCK"
}

@test "exec: no terminal without --tty, even when the config says process.terminal (runc spec)" {
	requires cmd:python3
	update_config '.process.terminal = true'
	recvtty_start
	run_bg run -d --console-socket "$SOCK" -b "$BUNDLE" "$CTR_ID"
	assert_success
	# no pty: plain "\n" line ends, stdout is our pipe
	run runtime exec "$CTR_ID" sh -c '[ -t 1 ] && echo tty || echo no-tty; echo done'
	assert_success
	assert_output "no-tty
done"
	# and --detach needs no --console-socket then
	run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID" sleep 100
	assert_success
	run cat /proc/"$(cat "$BATS_TEST_TMPDIR/pid")"/cmdline
	assert_output --partial sleep
	# --tty still asks for one
	run runtime exec -t -d "$CTR_ID" true
	assert_failure
	assert_output "rbox-runtime: a terminal with --detach needs --console-socket"
}

@test "exec --ignore-paused: the process starts once the container is resumed" {
	start_container
	runtime pause "$CTR_ID"
	run runtime exec "$CTR_ID" true
	assert_failure
	assert_output --partial "use --ignore-paused"
	"$RUNTIME_BIN" --root "$STATE_ROOT" exec --ignore-paused "$CTR_ID" sh -c 'echo ran; exit 4' \
		>"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local rpid=$!
	# frozen: nothing of it can run yet
	sleep 0.5
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ""
	runtime resume "$CTR_ID"
	local rc=0
	wait "$rpid" || rc=$?
	assert_equal "$rc" 4
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ran
}

# the cgroup lines of /proc/PID/cgroup (host view) that do not end in SUFFIX
cgroup_lines_not_ending() { # PID SUFFIX
	grep -v -- "$2\$" "/proc/$1/cgroup" || true
}

@test "exec --cgroup PATH: joins an existing sub-cgroup in every hierarchy (v1, hybrid, v2)" {
	start_container
	local d
	for d in $(cgroup_dirs_of "$CTR_ID"); do
		mkdir "$d/sub"
		# a new v1 cpuset cgroup has no CPUs yet (whoever makes a sub-cgroup fills it)
		if [ -f "$d/sub/cpuset.cpus" ]; then
			cat "$d/cpuset.cpus" >"$d/sub/cpuset.cpus"
			cat "$d/cpuset.mems" >"$d/sub/cpuset.mems"
		fi
	done
	run_bg exec -d --cgroup sub --pid-file "$BATS_TEST_TMPDIR/pid" "$CTR_ID" sleep 100
	assert_success
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_equal "$(cgroup_lines_not_ending "$pid" "/$CTR_ID/sub")" ""
	# inside, its cgroup namespace shows the sub-cgroup below the container's root
	run runtime exec --cgroup /sub "$CTR_ID" sh -c 'grep -c ":/sub$" /proc/self/cgroup'
	assert_success
	assert_equal "$output" "$(wc -l <"/proc/$pid/cgroup")"
	# without --cgroup: the container's own cgroup
	run_bg exec -d --pid-file "$BATS_TEST_TMPDIR/pid2" "$CTR_ID" sleep 100
	assert_equal "$(cgroup_lines_not_ending "$(cat "$BATS_TEST_TMPDIR/pid2")" "/$CTR_ID")" ""
}

@test "exec --cgroup CONTROLLER:PATH: that hierarchy only (v1); bad paths are one line" {
	requires cgroup_v1
	start_container
	local mem
	mem=$(cgroup_dir_of memory "$CTR_ID")
	mkdir "$mem/msub" "$(cgroup_dir_of pids "$CTR_ID")/psub"
	run_bg exec -d --cgroup memory:msub --cgroup pids:psub --pid-file "$BATS_TEST_TMPDIR/pid" \
		"$CTR_ID" sleep 100
	assert_success
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_equal "$(cgroup_lines_not_ending "$pid" "/$CTR_ID")" \
		"$(grep -E '^[0-9]+:(memory|pids):' "/proc/$pid/cgroup")"
	grep -q "^[0-9]*:memory:.*/$CTR_ID/msub$" "/proc/$pid/cgroup"
	grep -q "^[0-9]*:pids:.*/$CTR_ID/psub$" "/proc/$pid/cgroup"
	# a controller's path wins over a path for all; the others keep theirs
	run runtime exec --cgroup msub --cgroup pids:psub "$CTR_ID" true
	assert_failure
	assert_output --regexp "rbox-runtime: exec: --cgroup: /sys/fs/cgroup/[a-z,_=]+/.*/msub does not exist \(exec joins an existing sub-cgroup, it does not create one\)"
	run runtime exec --cgroup nosuch "$CTR_ID" true
	assert_failure
	assert_output --partial "/$CTR_ID/nosuch does not exist"
	run runtime exec --cgroup memory:../.. "$CTR_ID" true
	assert_failure
	assert_output 'rbox-runtime: exec: --cgroup memory:../..: not a sub-cgroup ("." and ".." are not allowed)'
	run runtime exec --cgroup nope:sub "$CTR_ID" true
	assert_failure
	assert_output 'rbox-runtime: exec: --cgroup nope:sub: the container has no "nope" hierarchy'
	run runtime exec --cgroup memory:msub --cgroup memory:other "$CTR_ID" true
	assert_failure
	assert_output --partial 'hierarchy "memory" is given twice'
	run runtime exec --cgroup :msub "$CTR_ID" true
	assert_failure
	assert_output 'rbox-runtime: exec: --cgroup :msub: empty controller name'
}

@test "exec: a SCMP_ACT_NOTIFY profile hands the listener fd to listenerPath, as create does" {
	requires cmd:python3
	local enabled
	enabled=$(runtime features | jq .linux.seccomp.enabled)
	[ "$enabled" = true ] || skip "this build does not load seccomp profiles (features: seccomp.enabled=false)"
	local agent="$REPO_ROOT/tests/helpers/seccomp-agent.py" sock="$BATS_TEST_TMPDIR/agent.sock" a
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
		listenerMetadata: "exec-metadata", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' \
		--arg sock "$sock"
	# one agent per listener fd (it takes one connection): the init's, then the exec's
	for a in init exec; do
		mkdir -p "$BATS_TEST_TMPDIR/$a"
		rm -f "$sock"
		python3 "$agent" "$sock" "$BATS_TEST_TMPDIR/$a" 18 >"$BATS_TEST_TMPDIR/$a.log" 2>&1 3>&- &
		AGENT_PIDS+=" $!"
		wait_for 50 0.1 test -e "$BATS_TEST_TMPDIR/$a/ready"
		if [ "$a" = init ]; then
			start_container
			wait_for 50 0.1 test -s "$BATS_TEST_TMPDIR/init/state.json"
		fi
	done
	run runtime exec "$CTR_ID" sh -c 'mkdir /tmp/d; echo "status=$?"'
	assert_success
	assert_line --index 0 "mkdir: can't create directory '/tmp/d': Invalid cross-device link"
	assert_line --index 1 "status=1"
	local st="$BATS_TEST_TMPDIR/exec/state.json"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/exec/nfds")" 1
	assert_equal "$(jq -c .fds "$st")" '["seccompFd"]'
	assert_equal "$(jq -r .metadata "$st")" exec-metadata
	assert_equal "$(jq -r .state.id "$st")" "$CTR_ID"
	assert_equal "$(jq -r .state.status "$st")" running
	assert_equal "$(jq -r .state.pid "$st")" "$(container_pid "$CTR_ID")"
	# the process is the exec'd one, not the init
	[ "$(jq -r .pid "$st")" != "$(container_pid "$CTR_ID")" ]
}
