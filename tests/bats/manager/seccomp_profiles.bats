#!/usr/bin/env bats
# --security-opt seccomp=default|minimal|io-heavy|compute|network|unconfined|FILE.json and
# no-new-privileges, alone and with --cap-drop ALL, --user and --read-only. Each graded level is
# tried with tests/helpers/sandbox-probe (static, built by `make`; bind-mounted read-only at /probe):
# what the level allows works, what the next level adds fails with EPERM.

load helpers

setup_file() {
	local probe="$RBOX_BUILD/test/sandbox-probe"
	[ -x "$probe" ] || {
		echo "missing $probe: run 'make'" >&2
		return 1
	}
	mkdir -p "$BATS_FILE_TMPDIR/probe"
	cp "$probe" "$BATS_FILE_TMPDIR/probe/"
}

# probe PROFILE [RUN FLAGS...] -- PROBE ARGS...
probe() {
	local profile=$1 flags=()
	shift
	while [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	rbox run --rm -v "$BATS_FILE_TMPDIR/probe:/probe:ro" --security-opt "seccomp=$profile" \
		"${flags[@]}" busybox /probe/sandbox-probe "$@"
}

@test "seccomp: the default profile applies when none is given; unconfined loads none" {
	run rbox run --rm busybox grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+0$'
	run rbox run --rm --security-opt seccomp=unconfined busybox grep '^Seccomp:' /proc/self/status
	assert_output --regexp '^Seccomp:[[:space:]]+0$'
	rbox create --name dflt busybox true
	assert_equal "$(rbox inspect dflt | jq -c '.[0].HostConfig.SecurityOpt')" '["seccomp=default"]'
	# docker's format was resolved: the bundle holds plain OCI
	local cfg="$RBOX_ROOT/containers/$(ctr_id dflt)/bundle/config.json"
	assert_equal "$(jq -c '.linux.seccomp.architectures' "$cfg")" '["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]'
	run jq -e '[.linux.seccomp.syscalls[] | has("includes") or has("excludes") or has("comment")] | any' "$cfg"
	assert_output false
}

@test "seccomp=minimal: reading and writing the descriptors it has; a file operation needs io-heavy (EPERM)" {
	run -1 probe minimal -- write id open /etc/hostname
	assert_line "write: ok"
	assert_line "uid=0 gid=0"
	assert_line "open: EPERM"
	run probe io-heavy -- open /etc/hostname
	assert_success
	assert_output "open: ok"
}

@test "seccomp=io-heavy: file operations; a memory mapping needs compute (EPERM)" {
	run -1 probe io-heavy -- open /etc/hostname mmap
	assert_line "open: ok"
	assert_line "mmap: EPERM"
	run probe compute -- mmap
	assert_success
	assert_output "mmap: ok"
}

@test "seccomp=compute: memory, processes and threads; a socket needs network (EPERM)" {
	run -1 probe compute -- mmap fork socket
	assert_line "mmap: ok"
	assert_line "fork: ok"
	assert_line "socket: EPERM"
	run probe network -- socket socketpair
	assert_success
}

@test "seccomp=network: sockets; ptrace needs the default profile (EPERM)" {
	run -1 probe network -- open /etc/hostname mmap fork socket socketpair ptrace
	assert_line "socket: ok"
	assert_line "socketpair: ok"
	assert_line "ptrace: EPERM"
	run probe default -- ptrace
	assert_success
	assert_output "ptrace: ok"
	# the default profile refuses one address family: AF_VSOCK (a way out to the host)
	run -1 probe default -- socket vsock
	assert_line "socket: ok"
	assert_line "vsock: EPERM"
	run probe unconfined -- vsock
	refute_output "vsock: EPERM"
}

@test "seccomp=default: privileged calls only with their capability (unshare needs CAP_SYS_ADMIN)" {
	run -1 probe default -- unshare
	assert_output "unshare: EPERM"
	run probe default --cap-add SYS_ADMIN -- unshare
	assert_success
	assert_output "unshare: ok"
	# the graded profiles never grant it, whatever the capabilities
	run -1 probe network --cap-add SYS_ADMIN -- unshare
	assert_output "unshare: EPERM"
	# unconfined: only the capability decides
	run probe unconfined --cap-add SYS_ADMIN -- unshare
	assert_success
}

@test "seccomp: graded profiles imply no-new-privileges; --security-opt no-new-privileges sets it" {
	run rbox run --rm --security-opt seccomp=compute busybox grep '^NoNewPrivs:' /proc/self/status
	assert_output --regexp '1$'
	run rbox run --rm --security-opt no-new-privileges busybox grep '^NoNewPrivs:' /proc/self/status
	assert_output --regexp '1$'
	run rbox run --rm --security-opt no-new-privileges=false busybox grep '^NoNewPrivs:' /proc/self/status
	assert_output --regexp '0$'
	rbox create --name nnp --security-opt seccomp=minimal busybox true
	assert_equal "$(rbox inspect nnp | jq -c '.[0].HostConfig.SecurityOpt')" '["seccomp=minimal","no-new-privileges"]'
}

@test "seccomp=minimal with --cap-drop ALL, no-new-privileges, --user and --read-only" {
	run -1 probe minimal --cap-drop ALL --security-opt no-new-privileges -u 1000:1000 --read-only -- id write open /etc/hostname
	assert_line "uid=1000 gid=1000"
	assert_line "write: ok"
	assert_line "open: EPERM"
}

@test "seccomp=default with --cap-drop ALL, --user and --read-only (the filter loads before the capabilities drop)" {
	run rbox run --rm --cap-drop ALL -u 1000:1000 --read-only busybox sh -c '
		grep -E "^(Seccomp|NoNewPrivs|CapEff):" /proc/self/status; id -u; touch /x 2>&1; echo done'
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+0$'
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
	assert_line 1000
	assert_line "touch: /x: Read-only file system"
	assert_line done
}

@test "seccomp=network with --read-only and --user: files still open, writes still refused by the mount" {
	run rbox run --rm --security-opt seccomp=network -u 1000:1000 --read-only -v "$BATS_FILE_TMPDIR/probe:/probe:ro" \
		busybox sh -c '/probe/sandbox-probe socket id; touch /probe/y 2>/dev/null || echo refused-bind
			touch /z 2>/dev/null || echo refused-root; cat /etc/hostname >/dev/null && echo read'
	assert_line "socket: ok"
	assert_line "uid=1000 gid=1000"
	assert_line refused-bind
	assert_line refused-root
	assert_line read
}

@test "seccomp=FILE.json: OCI's format, and docker's (archMap, includes/excludes on capabilities)" {
	local f="$BATS_TEST_TMPDIR/deny-mkdir.json"
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}' >"$f"
	run -1 rbox run --rm --security-opt "seccomp=$f" busybox mkdir /x
	assert_output "mkdir: can't create directory '/x': Permission denied"
	local d="$BATS_TEST_TMPDIR/docker.json"
	cat >"$d" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": null},
		             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
		 "syscalls": [
		  {"comment": "mkdir only for CAP_SYS_ADMIN", "names": ["mkdir", "mkdirat"],
		   "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
		  {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		   "includes": {"arches": ["s390x"]}},
		  {"names": ["unlink"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		   "includes": {"minKernel": "99.0"}},
		  {"names": ["getpid"], "action": "SCMP_ACT_ALLOW",
		   "includes": {"minKernel": "4.8"}}]}
	EOF
	run -1 rbox run --rm --security-opt "seccomp=$d" busybox mkdir /x
	assert_output "mkdir: can't create directory '/x': Operation not permitted"
	run rbox run --rm --security-opt "seccomp=$d" --cap-add SYS_ADMIN busybox sh -c 'mkdir /x && rmdir /x && echo ok'
	assert_success
	assert_output ok
	# the path is recorded; the content is in the bundle (later edits of the file do not matter)
	rbox create --name ff --security-opt "seccomp=$d" busybox true
	assert_equal "$(rbox inspect ff | jq -r '.[0].HostConfig.SecurityOpt[0]')" "seccomp=$d"
	local cfg="$RBOX_ROOT/containers/$(ctr_id ff)/bundle/config.json"
	assert_equal "$(jq -c '.linux.seccomp.architectures' "$cfg")" '["SCMP_ARCH_X86_64"]'
	assert_equal "$(jq -c '[.linux.seccomp.syscalls[].names]' "$cfg")" '[["mkdir","mkdirat"],["getpid"]]'
}

@test "seccomp: unknown profiles and bad files are one line, exit 125, nothing created" {
	run -125 rbox run --security-opt seccomp=strict busybox true
	assert_output 'rbox: invalid value "seccomp=strict" for --security-opt: unknown seccomp profile "strict" (use default, minimal, io-heavy, compute, network, unconfined, or a .json file)'
	run -125 rbox run --security-opt seccomp=/no/such.json busybox true
	assert_output 'rbox: invalid value "seccomp=/no/such.json" for --security-opt: seccomp profile /no/such.json: No such file or directory'
	local f="$BATS_TEST_TMPDIR/p.json"
	echo '{"defaultAction":' >"$f"
	run -125 rbox run --security-opt "seccomp=$f" busybox true
	assert_output --partial "rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: JSON: "
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOPE"}]}' >"$f"
	run -125 rbox run --security-opt "seccomp=$f" busybox true
	assert_output "rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: syscalls[0].action: unknown action \"SCMP_ACT_NOPE\""
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]}' >"$f"
	run -125 rbox run --security-opt "seccomp=$f" busybox true
	assert_output "rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: syscalls[0].args[0].index: must be at most 5"
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"4.8","caps":[1]}}]}' >"$f"
	run -125 rbox run --security-opt "seccomp=$f" busybox true
	assert_output "rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: syscalls[0].includes.caps[0]: expected a string"
	run -125 rbox run --security-opt apparmor=my-profile busybox true
	assert_output 'rbox: invalid value "apparmor=my-profile" for --security-opt: rbox applies no SELinux or AppArmor labels'
	run -125 rbox run --security-opt no-new-privileges=maybe busybox true
	assert_output 'rbox: invalid value "no-new-privileges=maybe" for --security-opt: use seccomp=PROFILE or no-new-privileges[=true|false]'
	run rbox ps -aq
	assert_output ""
}

@test "seccomp=FILE.json: what rbox-runtime would refuse is refused at the flag (its path, the rule's index)" {
	local f="$BATS_TEST_TMPDIR/p.json" ok='{"names":["read"],"action":"SCMP_ACT_ALLOW"}'
	check_profile() { # PROFILE MESSAGE
		echo "$1" >"$f"
		run -125 rbox run --security-opt "seccomp=$f" busybox true
		assert_output "rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: $2"
	}
	check_profile "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[$ok,{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}" \
		'syscalls[1].names: must not be empty'
	check_profile "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[$ok,$ok,{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":70000}]}" \
		'syscalls[2].errnoRet: must be at most 65535'
	check_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"op":"SCMP_CMP_EQ"}]}]}' \
		'syscalls[0].args[0].value: missing'
	check_profile '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_Z80"]}' \
		'architectures[1]: unknown architecture "SCMP_ARCH_Z80"'
	check_profile "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[$ok,{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}" \
		'listenerPath: missing (SCMP_ACT_NOTIFY needs a listener socket)'
	check_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","errnoRet":1}]}' \
		'syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno'
	check_profile '{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_Z80"]}]}' \
		'archMap[0].subArchitectures[0]: unknown architecture "SCMP_ARCH_Z80"'
	run rbox ps -aq
	assert_output ""
}

@test "seccomp profiles: the shipped files are tools/seccomp-profiles.py's output; each graded level contains the one below" {
	python3 "$REPO_ROOT/tools/seccomp-profiles.py" "$BATS_TEST_TMPDIR"
	run diff -r "$BATS_TEST_TMPDIR" "$REPO_ROOT/manager/rbox/container/profiles"
	assert_success
	local pair missing
	for pair in minimal:io-heavy io-heavy:compute compute:network; do
		# every rule of the lower level (name, action, arguments) is in the upper one
		missing=$(jq -nc --slurpfile a "$REPO_ROOT/manager/rbox/container/profiles/${pair%%:*}.json" \
			--slurpfile b "$REPO_ROOT/manager/rbox/container/profiles/${pair#*:}.json" '
			def rules(p): [p.syscalls[] | {action, args, errnoRet} as $r | .names[] | [., $r]];
			rules($b[0]) as $up | [rules($a[0])[] | select(. as $x | $up | index([$x]) | not)]')
		assert_equal "$pair: $missing" "$pair: []"
	done
}

@test "seccomp=FILE.json: deep nesting and duplicate keys are one line, not a crash" {
	local f="$BATS_TEST_TMPDIR/deep.json"
	python3 -c 'print("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": " + "[" * 500000 + "]" * 500000 + "}")' >"$f"
	run -125 rbox run --security-opt "seccomp=$f" busybox true
	assert_output --regexp "^rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: JSON: nested deeper than 256 levels \(at byte [0-9]+\)\$"
	echo '{"defaultAction": "SCMP_ACT_ERRNO", "defaultAction": "SCMP_ACT_ALLOW"}' >"$f"
	run -125 rbox run --security-opt "seccomp=$f" busybox true
	assert_output "rbox: invalid value \"seccomp=$f\" for --security-opt: seccomp profile $f: JSON: defaultAction: duplicate key"
	run rbox ps -aq
	assert_output ""
}
