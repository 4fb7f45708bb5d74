#!/usr/bin/env bats
# rbox info and rbox version: docker's layout and keys, --format json and templates.

load helpers

host_cgroup_version() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then echo 2; else echo 1; fi
}

@test "info: containers by state, images, drivers, cgroup version, host facts, root dir" {
	rbox run -d --name up busybox sleep 1000 >/dev/null
	rbox run -d --name frozen busybox sleep 1000 >/dev/null
	rbox pause frozen >/dev/null
	rbox create --name made busybox true >/dev/null
	run rbox info
	assert_success
	assert_line --index 0 'Client:'
	assert_line 'Server:'
	assert_line ' Containers: 3'
	assert_line '  Running: 1'
	assert_line '  Paused: 1'
	assert_line '  Stopped: 1'
	assert_line ' Images: 1'
	assert_line " Server Version: $(cat "$REPO_ROOT/VERSION")"
	assert_line ' Storage Driver: overlay'
	assert_line ' Logging Driver: k8s-file'
	assert_line ' Cgroup Driver: cgroupfs'
	assert_line " Cgroup Version: $(host_cgroup_version)"
	assert_line " Kernel Version: $(uname -r)"
	assert_line " Architecture: $(uname -m)"
	assert_line " CPUs: $(nproc)"
	assert_line --regexp '^ Total Memory: [0-9.]+(MiB|GiB|TiB)$'
	assert_line --regexp '^ Operating System: .+'
	assert_line " Docker Root Dir: $RBOX_ROOT"
	assert_line --regexp '^ rbox-runtime version: [0-9]'
	rbox unpause frozen >/dev/null
}

@test "info --format: json and templates over docker's keys" {
	rbox run -d --name up busybox sleep 1000 >/dev/null
	run rbox info --format json
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_equal "$(echo "$output" | jq -r '.ContainersRunning, .Driver, .CgroupVersion, .NCPU, .DockerRootDir' | tr '\n' ' ')" \
		"1 overlay $(host_cgroup_version) $(nproc) $RBOX_ROOT "
	echo "$output" | jq -e '.MemTotal > 0 and .ServerVersion != "" and .KernelVersion != ""'
	run rbox info -f '{{.ServerVersion}}/{{.Containers}}/{{.LoggingDriver}}'
	assert_output "$(cat "$REPO_ROOT/VERSION")/1/k8s-file"
	run rbox info --format '{{json .Plugins}}'
	assert_output '{"Volume":["local"],"Log":["k8s-file"]}'
	run rbox info --format '{{.Nope}}'
	assert_failure 125
	assert_output --partial 'map has no entry for key "Nope"'
}

@test "version: client and server as docker prints them; --format" {
	local v
	v=$(cat "$REPO_ROOT/VERSION")
	run rbox version
	assert_success
	assert_line --index 0 'Client:'
	assert_line --index 1 " Version:           $v"
	assert_line --regexp '^ OS/Arch: +linux/[a-z0-9]+$'
	assert_line 'Server: rbox'
	assert_line ' Engine:'
	assert_line "  Version:          $v"
	assert_line ' rbox-runtime:'
	run rbox version --format '{{.Client.Version}} {{.Server.Version}}'
	assert_output "$v $v"
	run rbox version --format json
	echo "$output" | jq -e '.Server.Components | map(.Name) == ["Engine","rbox-monitor","rbox-runtime"]'
	run rbox version -f '{{json .Client.Os}}'
	assert_output '"linux"'
	run rbox version extra
	assert_failure 125
	[ "${#lines[@]}" -eq 1 ]
	run rbox info --help
	assert_output --partial 'Usage: rbox info'
}
