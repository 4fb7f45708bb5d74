#!/usr/bin/env bats
# linux.seccomp and process.noNewPrivileges: every action, argument comparisons, flags, podman's
# default profile, the notify listener, the load order, and the config errors.

load ../helpers

# status_is ID STATUS (for wait_for: evaluated on every try)
status_is() {
	[ "$(container_status "$1")" = "$2" ]
}

PODMAN_PROFILE="$REPO_ROOT/tests/fixtures/podman-seccomp.json"
AGENT="$REPO_ROOT/tests/helpers/seccomp-agent.py"

setup_file() {
	mkdir -p "$BATS_FILE_TMPDIR/sysno"
	cp "$RBOX_BUILD/test/sysno" "$BATS_FILE_TMPDIR/sysno/sysno" || {
		echo "missing $RBOX_BUILD/test/sysno: run 'make'" >&2
		return 1
	}
}

teardown() {
	if [ -n "${AGENT_PID:-}" ]; then
		kill "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
	fi
	teardown_containers
}

# deny_mkdir ACTION [EXTRA-RULE-JSON]: default ALLOW, mkdir/mkdirat get ACTION
deny_mkdir() {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [({names: ["mkdir", "mkdirat"], action: $act} + $extra)]}' \
		--arg act "$1" --argjson extra "${2:-{\}}"
}

@test "seccomp: a profile denying mkdir with EPERM; Seccomp: 2 and NoNewPrivs: 1" {
	deny_mkdir SCMP_ACT_ERRNO
	set_args sh -c 'mkdir /tmp/d; echo "status=$?"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 "mkdir: can't create directory '/tmp/d': Operation not permitted"
	assert_line --index 1 "status=1"
	assert_line --index 2 "$(printf 'NoNewPrivs:\t1')"
	assert_line --index 3 "$(printf 'Seccomp:\t2')"
}

@test "seccomp: errnoRet 38 returns ENOSYS" {
	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 38}'
	set_args mkdir /tmp/d
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "mkdir: can't create directory '/tmp/d': Function not implemented"
}

@test "seccomp: without a profile there is no filter, and noNewPrivileges false leaves NoNewPrivs 0" {
	update_config '.process.noNewPrivileges = false'
	set_args grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "$(printf 'NoNewPrivs:\t0\nSeccomp:\t0')"
}

@test "seccomp: argument rules, every comparison operator" {
	# personality(2) from busybox: linux64 passes 0 (PER_LINUX), linux32 passes 8 (PER_LINUX32).
	# Each rule denies personality when its condition holds; expect which of 0 / 8 is denied.
	local cases=(
		'[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]           8'
		'[{"index":0,"value":8,"op":"SCMP_CMP_NE"}]           0'
		'[{"index":0,"value":8,"op":"SCMP_CMP_LT"}]           0'
		'[{"index":0,"value":0,"op":"SCMP_CMP_LE"}]           0'
		'[{"index":0,"value":8,"op":"SCMP_CMP_GE"}]           8'
		'[{"index":0,"value":0,"op":"SCMP_CMP_GT"}]           8'
		'[{"index":0,"value":8,"valueTwo":8,"op":"SCMP_CMP_MASKED_EQ"}] 8'
		'[{"index":0,"value":8,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}] 0'
		'[{"index":0,"value":0,"op":"SCMP_CMP_EQ"},{"index":0,"value":8,"op":"SCMP_CMP_EQ"}] 0,8'
	)
	# (subshells: a failing applet may run inside the shell and take it down)
	# (set_args takes one line per argument)
	set_args sh -c '(linux64 true) 2>/dev/null && echo 0=ok || echo 0=denied; (linux32 true) 2>/dev/null && echo 8=ok || echo 8=denied'
	local c args denied i=0 want
	for c in "${cases[@]}"; do
		args=${c% *}
		denied=${c##* }
		update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", args: $args}]}' \
			--argjson args "$args"
		run runtime run -b "$BUNDLE" "$CTR_ID-$i"
		assert_success
		want="0=ok 8=ok"
		case ",$denied," in *,0,*) want=${want/0=ok/0=denied} ;; esac
		case ",$denied," in *,8,*) want=${want/8=ok/8=denied} ;; esac
		assert_equal "$(echo $output)" "$want" || {
			echo "rule: $args" >&2
			return 1
		}
		i=$((i + 1))
	done
}

@test "seccomp: personality allowed for one value only (podman's profile, default ENOSYS)" {
	# podman allows personality for 0, 8, 0x20000, 0x20008 and 0xffffffff: keep only 0
	update_config '.linux.seccomp = ($p[0] | .syscalls |= map(select(.names != ["personality"] or
		.args[0].value == 0)))' --slurpfile p "$PODMAN_PROFILE"
	assert_equal "$(jq '[.linux.seccomp.syscalls[] | select(.names == ["personality"])] | length' \
		"$BUNDLE/config.json")" 1
	set_args sh -c '(linux64 echo allowed); (linux32 echo denied)'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "allowed
linux32: personality(0x8): Function not implemented"
}

@test "seccomp: KILL, KILL_PROCESS, KILL_THREAD and TRAP end the caller with SIGSYS" {
	set_args sh -c 'mkdir /tmp/d; echo "status=$?"; ls -d /tmp/d 2>/dev/null; true'
	local act
	for act in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
		deny_mkdir "$act"
		run runtime run -b "$BUNDLE" "$CTR_ID-${act##*_ACT_}"
		assert_success
		assert_output "Bad system call
status=159" # 128 + SIGSYS (31), and no directory
	done
}

@test "seccomp: KILL_PROCESS on the container's own process: run exits 128+SIGSYS" {
	deny_mkdir SCMP_ACT_KILL_PROCESS
	set_args mkdir /tmp/d
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_equal "$status" 159
}

@test "seccomp: TRACE without a tracer fails the syscall with ENOSYS" {
	deny_mkdir SCMP_ACT_TRACE '{"errnoRet": 1}'
	set_args mkdir /tmp/d
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "mkdir: can't create directory '/tmp/d': Function not implemented"
}

@test "seccomp: LOG lets the syscall through and the kernel logs it" {
	deny_mkdir SCMP_ACT_LOG
	set_args mkdir /tmp/d
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	run runtime start "$CTR_ID"
	assert_success
	wait_for 50 0.1 status_is "$CTR_ID" stopped
	# the audit record of the container's own process: SECCOMP_RET_LOG for mkdir (83)
	wait_for 20 0.1 sh -c "dmesg | grep -q 'pid=$pid comm=\"mkdir\" .* syscall=83 .*code=0x7ffc0000'"
}

@test "seccomp: ALLOW rules under a default ERRNO, with defaultErrnoRet (podman's profile minus mkdir)" {
	update_config '.linux.seccomp = ($p[0] | .syscalls[1].names -= ["mkdir", "mkdirat"])' \
		--slurpfile p "$PODMAN_PROFILE"
	set_args sh -c 'mkdir /tmp/d; echo "status=$?"; echo still-running'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "mkdir: can't create directory '/tmp/d': Function not implemented
status=1
still-running"
}

@test "seccomp: syscalls above the highest one the profile names return ENOSYS, not the default errno" {
	[ "$(uname -m)" = x86_64 ] || skip "the syscall numbers below are x86_64's"
	# podman's profile with EPERM as the default errno, and getcpu (309) no longer allowed
	update_config '.linux.seccomp = ($p[0] | .defaultErrnoRet = 1 | .syscalls[].names -= ["getcpu"])' \
		--slurpfile p "$PODMAN_PROFILE"
	update_config '.mounts += [{"destination": "/sysno", "type": "bind", "source": $d, "options": ["rbind", "ro"]}]' \
		--arg d "$BATS_FILE_TMPDIR/sysno"
	set_args /sysno/sysno 1000 309 39
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	# unknown to the profile (and to the kernel): ENOSYS, as on an older kernel
	assert_line --index 0 "1000 -1 38"
	# known, below the highest named one, not allowed: the default errno
	assert_line --index 1 "309 -1 1"
	# getpid: allowed
	assert_line --index 2 --regexp '^39 [0-9]+ 0$'
}

@test "seccomp: podman's default profile loads and a busybox shell works under it" {
	update_config '.linux.seccomp = $p[0]' --slurpfile p "$PODMAN_PROFILE"
	local script='echo hi | grep -q hi && ls / >/dev/null && mkdir -p /tmp/a/b && ps >/dev/null'
	script+=' && date >/dev/null && wc -l /etc/passwd >/dev/null && linux32 true && echo shell-ok'
	set_args sh -c "$script; grep ^Seccomp: /proc/self/status; swapoff /dev/null"
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_line --index 0 shell-ok
	assert_line --index 1 "$(printf 'Seccomp:\t2')"
	# an ERRNO(1) rule of the profile
	assert_line --index 2 "swapoff: /dev/null: Operation not permitted"
	# the same without noNewPrivileges (the filter is then loaded before the capabilities drop)
	update_config '.process.noNewPrivileges = false'
	run runtime run -b "$BUNDLE" "$CTR_ID-nnp"
	assert_failure
	assert_line --index 0 shell-ok
}

@test "seccomp: unknown syscall names are skipped with a debug line (--debug only)" {
	deny_mkdir SCMP_ACT_ERRNO
	update_config '.linux.seccomp.syscalls[0].names += ["rbox_no_such_syscall"]'
	set_args mkdir /tmp/d
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_line --partial 'debug: seccomp: skipping syscall "rbox_no_such_syscall"'
	assert_line "mkdir: can't create directory '/tmp/d': Operation not permitted"
	run runtime run -b "$BUNDLE" "$CTR_ID-quiet"
	assert_failure
	assert_output "mkdir: can't create directory '/tmp/d': Operation not permitted"
}

@test "seccomp: the trimmed podman reference loads (its placeholder names are skipped)" {
	update_config '.linux.seccomp = $p[0].linux.seccomp' \
		--slurpfile p "$REPO_ROOT/tests/fixtures/podman-config.json"
	run_bg --debug create -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output --partial 'skipping syscall "... (374 names in this rule)"'
	assert_equal "$(container_status "$CTR_ID")" created
}

@test "seccomp: flags TSYNC, LOG and SPEC_ALLOW are accepted by the kernel" {
	deny_mkdir SCMP_ACT_ERRNO
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
	set_args sh -c 'mkdir /tmp/d; grep ^Seccomp: /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 --partial "Operation not permitted"
	assert_line --index 1 "$(printf 'Seccomp:\t2')"
}

@test "seccomp: the filter is the last step: capset and sethostname may be denied (noNewPrivileges)" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["capset", "sethostname", "prctl"], action: "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'hostname; grep ^CapEff: /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "$(printf 'busybox\nCapEff:\t00000000a80425fb')"
}

@test "seccomp: without noNewPrivileges nor CAP_SYS_ADMIN the filter must allow capset" {
	update_config '.process.noNewPrivileges = false | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["capset"], action: "SCMP_ACT_ERRNO"}]}'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	run runtime start "$CTR_ID"
	assert_failure
	assert_output --partial "rbox-runtime: after loading the seccomp filter (noNewPrivileges is false and CAP_SYS_ADMIN is dropped): setting capabilities: Operation not permitted"
	# with CAP_SYS_ADMIN kept, the filter is loaded after the capabilities again
	update_config '.process.capabilities |= map_values(. + ["CAP_SYS_ADMIN"])'
	set_args grep ^Seccomp: /proc/self/status
	run runtime run -b "$BUNDLE" "$CTR_ID-admin"
	assert_success
	assert_output "$(printf 'Seccomp:\t2')"
}

# start_agent ERRNO: the notify agent on $BATS_TEST_TMPDIR/agent.sock, output in .../agent
start_agent() {
	mkdir -p "$BATS_TEST_TMPDIR/agent"
	python3 "$AGENT" "$BATS_TEST_TMPDIR/agent.sock" "$BATS_TEST_TMPDIR/agent" "$1" \
		>"$BATS_TEST_TMPDIR/agent.log" 2>&1 3>&- &
	AGENT_PID=$!
	wait_for 50 0.1 test -e "$BATS_TEST_TMPDIR/agent/ready"
}

notify_mkdir() {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $sock, listenerMetadata: "rbox-test-metadata",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' \
		--arg sock "$BATS_TEST_TMPDIR/agent.sock"
}

@test "seccomp: NOTIFY hands the listener fd and the process state to listenerPath (run)" {
	requires cmd:python3
	start_agent 18 # EXDEV: an answer only the agent gives
	notify_mkdir
	set_args sh -c 'mkdir /tmp/d; echo "status=$?"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "mkdir: can't create directory '/tmp/d': Invalid cross-device link
status=1"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/agent/nfds")" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR/agent/calls")" 83 # mkdir on x86_64
	local st="$BATS_TEST_TMPDIR/agent/state.json"
	assert_equal "$(jq -c .fds "$st")" '["seccompFd"]'
	assert_equal "$(jq -r .metadata "$st")" rbox-test-metadata
	assert_equal "$(jq -r .state.id "$st")" "$CTR_ID"
	assert_equal "$(jq -r .state.bundle "$st")" "$BUNDLE"
	assert_equal "$(jq -r '.pid == .state.pid and .pid > 1' "$st")" true
}

@test "seccomp: NOTIFY through create + start (the start command delivers the fd)" {
	requires cmd:python3
	start_agent 18
	notify_mkdir
	set_args sh -c 'mkdir /tmp/d; echo "status=$?" > /dev/shm/out; sleep 1000'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	run runtime start "$CTR_ID"
	assert_success
	wait_for 50 0.1 test -s "/proc/$pid/root/dev/shm/out"
	assert_equal "$(cat "/proc/$pid/root/dev/shm/out")" "status=1"
	assert_equal "$(jq -r .pid "$BATS_TEST_TMPDIR/agent/state.json")" "$pid"
	assert_equal "$(jq -r .state.status "$BATS_TEST_TMPDIR/agent/state.json")" created
}

@test "seccomp: NOTIFY with nobody listening fails the start cleanly" {
	notify_mkdir
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: linux.seccomp.listenerPath: connecting to $BATS_TEST_TMPDIR/agent.sock: No such file or directory"
	assert_equal "$(ls "$STATE_ROOT")" ""
}

@test "seccomp: NOTIFY together with TSYNC loads (TSYNC_ESRCH is added)" {
	requires cmd:python3
	start_agent 18
	notify_mkdir
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC"]'
	set_args sh -c 'mkdir /tmp/d 2>&1 | grep -c cross-device'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output 1
}

@test "seccomp: bad profiles are refused by create with one line, and nothing is left" {
	config_is_invalid
	local cases=(
		'.linux.seccomp.defaultAction = "SCMP_ACT_MAYBE" => config.json: linux.seccomp.defaultAction: unknown action "SCMP_ACT_MAYBE"'
		'.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOPE" => config.json: linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_NOPE"'
		'.linux.seccomp.architectures = ["SCMP_ARCH_Z80"] => config.json: linux.seccomp.architectures[0]: unknown architecture "SCMP_ARCH_Z80"'
		'.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_FAST"] => config.json: linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_FAST"'
		'.linux.seccomp.syscalls[0].args = [{index: 6, value: 1, op: "SCMP_CMP_EQ"}] => config.json: linux.seccomp.syscalls[0].args[0].index: must be at most 5'
		'.linux.seccomp.syscalls[0].args = [{index: 0, value: 1, op: "SCMP_CMP_ALMOST"}] => config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_ALMOST"'
		'.linux.seccomp.syscalls[0].action = "SCMP_ACT_ALLOW" | .linux.seccomp.defaultAction = "SCMP_ACT_ERRNO" | .linux.seccomp.syscalls[0].errnoRet = 1 => config.json: linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno'
		'.linux.seccomp.defaultErrnoRet = 5 => config.json: linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno'
		'.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOTIFY" => config.json: linux.seccomp.listenerPath: missing (SCMP_ACT_NOTIFY needs a listener socket)'
	)
	local c
	for c in "${cases[@]}"; do
		deny_mkdir SCMP_ACT_ERRNO
		update_config "${c%% => *}"
		run_bg create -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_output "rbox-runtime: ${c#* => }"
		assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
	done
}

@test "seccomp: a compiled profile is reused from the state root's cache, never for another profile" {
	deny_mkdir SCMP_ACT_ERRNO
	set_args mkdir /tmp/d
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_line --partial 'debug: seccomp: '
	refute_line --partial 'from the cache'
	assert_line "mkdir: can't create directory '/tmp/d': Operation not permitted"
	run find "$STATE_ROOT/.seccomp-cache" -type f -name '*.bpf'
	assert_equal "${#lines[@]}" 1
	assert_equal "$(stat -c %a "$STATE_ROOT/.seccomp-cache")" 700
	# the same profile again: the program comes from the cache and acts the same
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID-2"
	assert_failure
	assert_line --partial 'BPF instructions from the cache'
	assert_line "mkdir: can't create directory '/tmp/d': Operation not permitted"
	# a different errno is a different profile: compiled, not taken from the cache
	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 38}'
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID-3"
	assert_failure
	refute_line --partial 'from the cache'
	assert_line "mkdir: can't create directory '/tmp/d': Function not implemented"
	# a damaged entry is ignored and rewritten
	local f
	for f in "$STATE_ROOT"/.seccomp-cache/*.bpf; do truncate -s 20 "$f"; done
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID-4"
	refute_line --partial 'from the cache'
	assert_line "mkdir: can't create directory '/tmp/d': Function not implemented"
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID-5"
	assert_line --partial 'BPF instructions from the cache'
	assert_line "mkdir: can't create directory '/tmp/d': Function not implemented"
	# the cache is not a container: list does not show it
	run runtime list -q
	assert_output ""
}
