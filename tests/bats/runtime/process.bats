#!/usr/bin/env bats
# The container's process: args, env, cwd, user and groups, umask, rlimits, oomScoreAdj,
# sysctl, personality, no_new_privs.

load ../helpers

@test "process: args are passed verbatim (spaces, quotes, empty)" {
	set_args sh -c 'for a in "$@"; do echo "[$a]"; done' sh "a b" '"q"' ""
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output '[a b]
["q"]
[]'
}

@test "process: env is exactly process.env plus HOME" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
	set_args env
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "PATH=/bin:/usr/bin
FOO=bar baz
EMPTY=
HOME=/root"
}

@test "process: HOME from the config wins; HOME falls back to / for unknown users" {
	update_config '.process.env += ["HOME=/custom"]'
	set_args sh -c 'echo $HOME'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_output /custom
	update_config '.process.env |= map(select(startswith("HOME=") | not)) | .process.user = {"uid": 4242, "gid": 4242}'
	run runtime run -b "$BUNDLE" "$CTR_ID-2"
	assert_output /
}

@test "process: args[0] is looked up in the PATH of process.env" {
	private_rootfs
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho custom-tool\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod +x "$BUNDLE/rootfs/opt/tools/mytool"
	update_config '.process.env = ["PATH=/opt/tools:/bin"]'
	set_args mytool
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output custom-tool
}

@test "process: a non-executable args[0] fails with exit 126 and a clear message" {
	private_rootfs
	printf 'not a program\n' >"$BUNDLE/rootfs/notexec"
	set_args /notexec
	run -126 runtime run -b "$BUNDLE" "$CTR_ID"
	assert_output 'rbox-runtime: exec: "/notexec": Permission denied'
}

@test "process: cwd is used, and created when missing" {
	update_config '.process.cwd = "/var/new/dir"'
	set_args pwd
	private_rootfs
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output /var/new/dir
	assert_dir_exists "$BUNDLE/rootfs/var/new/dir"
}

@test "process: cwd through /proc/self/fd is refused (no host fd reachable)" {
	config_is_invalid
	update_config '.process.cwd = "/proc/self/fd/3"'
	set_args pwd
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: process.cwd: /proc/self/fd/3: Too many levels of symbolic links"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "process: user uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1000, "gid": 100, "additionalGids": [5, 2000]}'
	set_args sh -c 'id; grep -E "^(Uid|Gid|Groups)" /proc/self/status'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 "uid=1000(user) gid=100(users) groups=5(tty),2000"
	assert_line --regexp '^Uid:\s+1000\s+1000\s+1000\s+1000$'
	assert_line --regexp '^Gid:\s+100\s+100\s+100\s+100$'
	assert_line --regexp '^Groups:\s+5 2000\s*$'
}

@test "process: umask" {
	update_config '.process.user.umask = 63'
	set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "0077
600"
}

@test "process: rlimits are applied" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}, {"type": "RLIMIT_NPROC", "soft": 1000, "hard": 2000}]'
	set_args sh -c 'ulimit -n; ulimit -Hn; ulimit -c; grep "Max processes" /proc/self/limits'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 123
	assert_line --index 1 456
	assert_line --index 2 0
	assert_line --regexp 'Max processes +1000 +2000'
}

@test "process: raising a hard rlimit without CAP_SYS_RESOURCE is one clear error" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "the nofile hard limit is unlimited here"
	if grep -q '^CapEff:.*' /proc/self/status && capsh --has-p=cap_sys_resource 2>/dev/null; then
		skip "this machine has CAP_SYS_RESOURCE"
	fi
	config_is_invalid
	update_config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": $((hard + 1))}]"
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: setting RLIMIT_NOFILE to 1024/$((hard + 1)): raising the hard limit above $hard needs CAP_SYS_RESOURCE: Operation not permitted"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "process: oomScoreAdj" {
	update_config '.process.oomScoreAdj = 500'
	set_args cat /proc/self/oom_score_adj
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output 500
}

@test "process: sysctl in the container's namespaces" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4096000"}'
	set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "1
4096000"
	# the host's values are untouched
	[ "$(cat /proc/sys/kernel/shmmax)" != 4096000 ]
}

@test "process: personality LINUX32" {
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output i686
}

@test "process: noNewPrivileges" {
	set_args grep NoNewPrivs /proc/self/status
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_output --regexp 'NoNewPrivs:\s+1'
	update_config '.process.noNewPrivileges = false'
	run runtime run -b "$BUNDLE" "$CTR_ID-2"
	assert_output --regexp 'NoNewPrivs:\s+0'
}

@test "process: stdio is the runtime's" {
	set_args sh -c 'read line; echo "got $line"; echo to-stderr >&2'
	run runtime run -b "$BUNDLE" "$CTR_ID" <<<"input-line"
	assert_success
	assert_line "got input-line"
	assert_line to-stderr
}
