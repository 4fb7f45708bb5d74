#!/usr/bin/env bats
# Bad configs through the CLI: one line naming the JSON path and the problem, a non-zero exit,
# and nothing left behind (no state dir, cgroup, mount or process). The parser's own table of
# malformed configs is in config_parse.bats.

load ../helpers

# check_bad JQ-EDIT EXPECTED-MESSAGE
check_bad() {
	config_is_invalid
	cp "$BUNDLE/config.json" "$BUNDLE/config.json.orig"
	update_config "$1"
	local verb
	for verb in create run; do
		run runtime "$verb" -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_equal "${#lines[@]}" 1
		assert_output "rbox-runtime: config.json: $2"
		assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
	done
	cp "$BUNDLE/config.json.orig" "$BUNDLE/config.json"
}

@test "bad config: a table of malformed configs, each with its message" {
	check_bad '.ociVersion = "2.0.0"' 'ociVersion: unsupported version "2.0.0" (rbox-runtime supports 1.x: 1.0.0 to 1.3.0 and later 1.x.y)'
	check_bad 'del(.ociVersion)' 'ociVersion: missing'
	check_bad '.root.readonly = "yes"' 'root.readonly: expected a boolean'
	check_bad '.mounts[1].destination = "dev"' 'mounts[1].destination: must be an absolute path'
	check_bad '.mounts[2].options = "nosuid"' 'mounts[2].options: expected an array of strings'
	check_bad '.process.args = []' 'process.args: must not be empty'
	check_bad 'del(.process.cwd)' 'process.cwd: missing'
	check_bad '.process.cwd = "relative"' 'process.cwd: must be an absolute path'
	check_bad '.process.env += ["NOEQUALS"]' 'process.env[2]: expected KEY=VALUE, got "NOEQUALS"'
	check_bad '.process.capabilities.bounding[3] = "CAP_FOO"' 'process.capabilities.bounding[3]: unknown capability "CAP_FOO"'
	check_bad '.process.user.uid = -1' 'process.user.uid: expected a non-negative integer'
	check_bad '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]' 'process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"'
	check_bad '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 20, "hard": 10}]' 'process.rlimits[0]: soft limit 20 is above hard limit 10'
	check_bad '.process.oomScoreAdj = 5000' 'process.oomScoreAdj: must be between -1000 and 1000'
	check_bad '.linux.namespaces[2].type = "pids"' 'linux.namespaces[2].type: unknown namespace "pids"'
	check_bad '.linux.namespaces += [{"type": "pid"}]' 'linux.namespaces[6].type: duplicate namespace "pid"'
	check_bad '.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]' 'linux.uidMappings: requires a user namespace'
	check_bad '.linux.resources.memory = {"limit": "lots"}' 'linux.resources.memory.limit: expected an integer'
	check_bad '.linux.sysctl = {"vm.swappiness": "10"}' 'linux.sysctl: "vm.swappiness" is not namespaced and cannot be set in a container'
	check_bad '.linux.seccomp = {"defaultAction": "SCMP_ACT_FOO"}' 'linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"'
	check_bad '.linux.maskedPaths += ["proc/x"]' 'linux.maskedPaths[10]: must be an absolute path'
	check_bad '.linux.namespaces |= map(select(.type != "uts"))' 'hostname: requires a uts namespace (add {"type":"uts"} to linux.namespaces)'
	check_bad '.hooks = {"prestart": [{"path": "relative/hook"}]}' 'hooks.prestart[0].path: must be an absolute path'
	check_bad '.linux.devices = [{"type": "x", "path": "/dev/x"}]' 'linux.devices[0].type: unknown device type "x" (expected c, b, u or p)'
}

@test "bad config: invalid JSON, wrong top-level type, missing file" {
	config_is_invalid
	echo '{"ociVersion": "1.2.0",' >"$BUNDLE/config.json"
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --regexp '^rbox-runtime: config.json: invalid JSON: '
	echo '[1, 2]' >"$BUNDLE/config.json"
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_output "rbox-runtime: config.json: expected a JSON object"
	rm "$BUNDLE/config.json"
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_output "rbox-runtime: $BUNDLE/config.json: No such file or directory"
	run runtime create -b "$BATS_TEST_TMPDIR/nosuchdir" "$CTR_ID"
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
}

@test "bad config: a missing root filesystem is named" {
	config_is_invalid
	update_config '.root.path = "nosuchrootfs"'
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output "rbox-runtime: config.json: root.path: $BUNDLE/nosuchrootfs: No such file or directory"
}

@test "bad config: unknown fields are ignored" {
	update_config '.futureField = {"x": 1} | .process.futureKnob = true | .linux.somethingNew = []'
	set_args echo fine
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output fine
}

@test "bad config: a failure inside the container leaves no process, mount or cgroup" {
	config_is_invalid
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 99999999, "hard": 99999999}]'
	run runtime create -b "$BUNDLE" "$CTR_ID"
	assert_failure
	assert_output --partial "RLIMIT_NOFILE"
	assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
	run pgrep -f "rbox-runtime.*$CTR_ID"
	assert_failure
	# (teardown checks mounts and cgroups)
}

# check_bad_text PYTHON-EDIT EXPECTED-MESSAGE [--regexp]: like check_bad, for JSON that jq cannot
# write (duplicate keys, deep nesting, big integers). The edit gets the config text as `t` (and
# the json module) and prints the new text.
check_bad_text() {
	config_is_invalid
	cp "$BUNDLE/config.json" "$BUNDLE/config.json.orig"
	python3 -c 'import json, sys; t = open(sys.argv[1]).read(); exec(sys.argv[2])' \
		"$BUNDLE/config.json.orig" "$1" >"$BUNDLE/config.json"
	local verb
	for verb in create run; do
		# (run_bg: a runtime that accepted the config would keep a pipe open)
		run_bg "$verb" -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_equal "$(wc -l <<<"$output")" 1
		assert_output ${3:-} "rbox-runtime: config.json: $2"
		assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
	done
	cp "$BUNDLE/config.json.orig" "$BUNDLE/config.json"
}

@test "bad config: deep nesting is refused before it is built, not a crash" {
	# ~1 MB of nested arrays, then of objects (yajl's recursive tree free overflowed the stack)
	check_bad_text 'print(t[:-2] + ", \"x\": " + "[" * 500000 + "]" * 500000 + "}")' \
		'nested deeper than 256 levels \(at byte [0-9]+\)$' --regexp
	check_bad_text 'print(t[:-2] + ", \"x\": " + "{\"a\":" * 250000 + "1" + "}" * 250000 + "}")' \
		'nested deeper than 256 levels \(at byte [0-9]+\)$' --regexp
	# a config nested 200 levels deep in an unknown field is still fine
	update_config '.x = ([range(200)] | reduce .[] as $i (1; [.]))'
	set_args true
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
}

@test "bad config: a duplicate key is refused with its JSON path" {
	set_args true
	# jq, Python and Go keep the last "uid": running the first would run as root
	check_bad_text 'print(t.replace("\"uid\": 0,", "\"uid\": 0, \"uid\": 1000,", 1))' \
		'process.user.uid: duplicate key'
	check_bad_text 'print(t.replace("\"ociVersion\"", "\"process\": {}, \"ociVersion\"", 1))' \
		'process: duplicate key'
	check_bad_text 'print(t.replace("\"options\": [", "\"options\": [{\"a\": 1, \"b\": 2, \"a\": 3}, ", 1))' \
		'mounts[1].options[0].a: duplicate key'
}

@test "bad config: integers beyond 64 bits say they are out of range" {
	set_args true
	check_bad_text 'c = json.loads(t); c["linux"]["resources"] = {"memory": {"limit": 2**63}}; print(json.dumps(c))' \
		'linux.resources.memory.limit: 9223372036854775808 is out of range (the largest value is 9223372036854775807)'
	check_bad_text 'c = json.loads(t); c["linux"]["resources"] = {"memory": {"limit": 1 << 30, "swap": -10**20}}; print(json.dumps(c))' \
		'linux.resources.memory.swap: -100000000000000000000 is out of range (the smallest value is -1)'
	check_bad_text 'c = json.loads(t); c["process"]["user"]["uid"] = 2**64; print(json.dumps(c))' \
		'process.user.uid: 18446744073709551616 is out of range (the largest value is 4294967294)'
}

@test "bad config: a NUL inside a string is refused, not truncated" {
	set_args true
	check_bad '.process.env = ["A\u0000B=1"]' 'process.env[0]: the string contains a NUL character (\u0000)'
	check_bad '.process.args = ["sh", "-c", "echo x\u0000; rm -rf /"]' 'process.args[2]: the string contains a NUL character (\u0000)'
	check_bad '.hostname = "a\u0000b"' 'hostname: the string contains a NUL character (\u0000)'
	check_bad '.annotations = {"k\u0000x": "v"}' 'annotations: a key contains a NUL character (\u0000)'
	check_bad '.linux.sysctl = {"net.ipv4.ip_forward": "1\u0000"}' 'linux.sysctl["net.ipv4.ip_forward"]: the string contains a NUL character (\u0000)'
}

@test "bad config: a memory limit too small for the init says the init was OOM-killed" {
	requires root cgroup:memory
	config_is_invalid
	update_config '.linux.resources.memory = {"limit": 4096}'
	set_args true
	local verb
	for verb in create run; do
		run_bg "$verb" -b "$BUNDLE" "$CTR_ID"
		assert_failure
		assert_output "rbox-runtime: the container init was OOM-killed during setup: linux.resources.memory.limit 4096 is too small"
		assert_equal "$(ls -A "$STATE_ROOT" 2>/dev/null)" ""
	done
}
