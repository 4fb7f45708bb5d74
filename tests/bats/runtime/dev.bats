#!/usr/bin/env bats
# /dev: the default nodes and links, linux.devices, and a host /dev bind.

load ../helpers

@test "dev: default nodes, links and shm" {
	set_args sh -c 'cd /dev && for f in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" $f; done; for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink $l)"; done; stat -c "%n %F" shm pts'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "null character special file 1:3 666
zero character special file 1:5 666
full character special file 1:7 666
random character special file 1:8 666
urandom character special file 1:9 666
tty character special file 5:0 666
fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2
ptmx -> pts/ptmx
shm directory
pts directory"
}

@test "dev: the nodes work" {
	set_args sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c && (echo x > /dev/full) 2>&1 | grep -c "No space"'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "4
8
1"
}

@test "dev: linux.devices creates nodes with mode and owner" {
	update_config '.linux.devices = [{"type": "c", "path": "/dev/mynull", "major": 1, "minor": 3, "fileMode": 432, "uid": 1000, "gid": 100}, {"type": "p", "path": "/dev/sub/fifo"}]'
	set_args sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/mynull; stat -c "%n %F" /dev/sub/fifo'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output "/dev/mynull character special file 1:3 660 1000:100
/dev/sub/fifo fifo"
}

@test "dev: a bind of the host's /dev skips the default nodes" {
	update_config '.mounts |= map(select(.destination | startswith("/dev") | not)) | .mounts += [{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind", "nosuid", "noexec"]}]'
	set_args sh -c 'test -e /dev/vda && echo host-dev'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output host-dev
}

@test "dev: a read-only /dev tmpfs is made read-only after the mounts and nodes inside it" {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	set_args sh -c 'grep " /dev " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1; for m in pts shm mqueue; do grep -c " /dev/$m " /proc/self/mountinfo; done; echo x > /dev/null && readlink /dev/ptmx; touch /dev/new 2>&1; touch /dev/shm/ok && echo shm-writable'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 ro
	assert_line --index 1 1
	assert_line --index 2 1
	assert_line --index 3 1
	assert_line --index 4 pts/ptmx
	assert_line --index 5 --partial "Read-only file system"
	assert_line --index 6 shm-writable
}
