#!/usr/bin/env bats
# What orchestrators parse: --version, features, --log/--log-format, socket activation fds.

load ../helpers

@test "--version: runc's shape (podman shows it)" {
	run "$RUNTIME_BIN" --version
	assert_success
	assert_line --index 0 --regexp '^rbox-runtime version [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --index 1 --regexp '^commit: [0-9a-f]+|unknown$'
	assert_line --index 2 'spec: 1.3.0'
	run "$RUNTIME_BIN" -v
	assert_line --index 2 'spec: 1.3.0'
}

@test "features: the runtime-spec features document, true for this host" {
	run runtime features
	assert_success
	local f=$output
	assert_equal "$(jq -r .ociVersionMin <<<"$f")" 1.0.0
	assert_equal "$(jq -r .ociVersionMax <<<"$f")" 1.3.0
	assert_equal "$(jq -c .hooks <<<"$f")" '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'
	# one capability per number the kernel knows
	assert_equal "$(jq '.linux.capabilities | length' <<<"$f")" $(($(cat /proc/sys/kernel/cap_last_cap) + 1))
	assert_equal "$(jq -r '.linux.capabilities[21]' <<<"$f")" CAP_SYS_ADMIN
	# the namespaces this kernel has
	local n oci
	for n in /proc/self/ns/*; do
		case ${n##*/} in
		mnt) oci=mount ;; net) oci=network ;; pid | ipc | uts | user | cgroup | time) oci=${n##*/} ;;
		*) continue ;;
		esac
		jq -e --arg n "$oci" '.linux.namespaces | index($n) != null' <<<"$f" >/dev/null
	done
	jq -e '.linux.cgroup.v1 == true and .linux.cgroup.v2 == true and .linux.cgroup.systemd == false' <<<"$f"
	jq -e '.linux.apparmor.enabled == false and .linux.selinux.enabled == false and .linux.intelRdt.enabled == false' <<<"$f"
	jq -e '.linux.seccomp.enabled | type == "boolean"' <<<"$f"
	jq -e '.mountOptions | index("rbind") != null and index("tmpcopyup") != null and index("idmap") == null' <<<"$f"
	assert_equal "$(jq -r '.annotations["org.rbox.runtime.version"]' <<<"$f")" "$(cat "$REPO_ROOT/VERSION")"
}

@test "features: seccomp details when enabled, supported flags checked with the kernel" {
	run runtime features
	[ "$(jq .linux.seccomp.enabled <<<"$output")" = true ] || skip "this build does not load seccomp profiles (features: seccomp.enabled=false)"
	jq -e '.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null and index("SCMP_ACT_ALLOW") != null' <<<"$output"
	jq -e '.linux.seccomp.operators | length == 7' <<<"$output"
	jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' <<<"$output"
	jq -e '.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_TSYNC") != null' <<<"$output"
}

@test "features: every listed mount option is accepted by create" {
	local opts o
	opts=$(runtime features | jq -r '.mountOptions[]' | grep -vE '^(remount|tmpcopyup|r?(shared|slave|private|unbindable)|rbind|bind)$')
	for o in $opts; do
		update_config '.mounts += [{"destination": ("/mnt/" + $o), "type": "tmpfs", "source": "tmpfs", "options": [$o]}]' --arg o "$o"
	done
	private_rootfs
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
}

@test "features: flags and arguments are refused" {
	run runtime features --nope
	assert_failure
	assert_output --partial "unknown flag --nope"
	run runtime features extra
	assert_failure
}

@test "--log --log-format json: errors are JSON lines in the file, stderr stays clean" {
	set_args /no/such/binary
	local log="$BATS_TEST_TMPDIR/log.json"
	"$RUNTIME_BIN" --root "$STATE_ROOT" --log-format=json --log "$log" create -b "$BUNDLE" "$CTR_ID" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" </dev/null 3>&- && false
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ""
	assert_equal "$(wc -l <"$log")" 1
	# exactly what podman (json.Unmarshal of the file) and go-runc (level/msg/time) read
	jq -e '.level == "error"' "$log"
	assert_equal "$(jq -r .msg "$log")" 'exec: "/no/such/binary": stat /no/such/binary: No such file or directory'
	run jq -r .time "$log"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'
	# runc's keys, plus the errno behind the message (rbox reads it for 126/127)
	assert_equal "$(jq -r 'keys | join(",")' "$log")" "errno,level,msg,time"
	assert_equal "$(jq -r .errno "$log")" 2
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "--log: text lines in logrus's shape; warnings too; bad formats refused" {
	local log="$BATS_TEST_TMPDIR/log.txt"
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$log" delete nosuch
	assert_failure
	assert_output ""
	run cat "$log"
	assert_output --regexp '^time="[^"]+" level=error msg="container \\"nosuch\\" does not exist"$'
	# (a failing poststop hook is a warning, runtime-spec 1.3)
	update_config '.hooks.poststop = [{"path": "/bin/false"}]'
	run_bg create -b "$BUNDLE" "$CTR_ID"
	run "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/w.json" --log-format json delete --force "$CTR_ID"
	assert_success
	assert_output ""
	jq -e '.level == "warning" and (.msg | startswith("poststop hook #0"))' "$BATS_TEST_TMPDIR/w.json"
	run "$RUNTIME_BIN" --log-format xml state x
	assert_failure
	assert_output 'rbox-runtime: --log-format: unknown format "xml" (text or json)'
}

@test "exec: errors go to --log too" {
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	local log="$BATS_TEST_TMPDIR/exec.json"
	# runc's code for an exec that could not start the process
	run -255 "$RUNTIME_BIN" --root "$STATE_ROOT" --log "$log" --log-format json exec -d "$CTR_ID" nosuch
	assert_output ""
	jq -e '.level == "error" and (.msg | contains("executable file not found"))' "$log"
}

@test "LISTEN_FDS: socket-activation fds go first, then --preserve-fds, with LISTEN_* adjusted" {
	set_args sh -c 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"; cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr "\n" " "'
	echo listen-fd >"$BATS_TEST_TMPDIR/a"
	echo preserved-fd >"$BATS_TEST_TMPDIR/b"
	run sh -c 'export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" --root "$1" run --preserve-fds 1 -b "$2" "$3"' \
		"$RUNTIME_BIN" "$STATE_ROOT" "$BUNDLE" "$CTR_ID" 3<"$BATS_TEST_TMPDIR/a" 4<"$BATS_TEST_TMPDIR/b"
	assert_success
	assert_line --index 0 "fds=1 pid=1"
	assert_line --index 1 listen-fd
	assert_line --index 2 preserved-fd
	assert_line --index 3 --regexp '^0 1 2 3 4 5 $'
}

@test "LISTEN_FDS: ignored when LISTEN_PID is not the runtime's" {
	set_args sh -c 'echo "fds=${LISTEN_FDS:-none}"; ls /proc/self/fd | sort -n | tr "\n" " "'
	run env LISTEN_FDS=1 LISTEN_PID=1 "$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID" 3</dev/null
	assert_success
	assert_line --index 0 "fds=none"
	assert_line --index 1 --regexp '^0 1 2 3 $'
}
