#!/usr/bin/env bats
# Volumes: -v /host:/ctr[:ro|rw] bind mounts, -v NAME:/ctr named volumes and `rbox volume`,
# --tmpfs, rm -v; bad values; a symlink in the image cannot send a mount out of the root.

load helpers

@test "-v /host:/ctr: the container writes the host directory; :ro refuses writes" {
	local d="$BATS_TEST_TMPDIR/share"
	mkdir "$d"
	echo from-host >"$d/in"
	run rbox run --rm -v "$d:/share" busybox sh -c 'cat /share/in; echo from-ctr > /share/out'
	assert_success
	assert_output from-host
	assert_equal "$(cat "$d/out")" from-ctr
	run -1 rbox run --rm -v "$d:/share:ro" busybox sh -c 'cat /share/in; echo x > /share/out2'
	assert_line from-host
	assert_line --partial "can't create /share/out2: Read-only file system"
	[ ! -e "$d/out2" ]
	# a file can be bound too; rw is the default and can be said
	run rbox run --rm -v "$d/in:/etc/motd:rw" busybox cat /etc/motd
	assert_output from-host
}

@test "-v NAME:/ctr: created on first use; the data survives the container" {
	run rbox run --rm -v data:/data busybox sh -c 'echo kept > /data/f'
	assert_success
	run rbox volume ls -q
	assert_output data
	assert_equal "$(cat "$RBOX_ROOT/volumes/data/_data/f")" kept
	run rbox run --rm -v data:/mnt/other busybox cat /mnt/other/f
	assert_output kept
	# and a read-only use of the same volume
	run -1 rbox run --rm -v data:/data:ro busybox sh -c 'cat /data/f; rm /data/f'
	assert_line kept
	assert_line --partial "Read-only file system"
	assert_equal "$(cat "$RBOX_ROOT/volumes/data/_data/f")" kept
}

@test "volume create/ls/inspect/rm" {
	run rbox volume create named
	assert_output named
	run rbox volume create named # exists: only prints its name
	assert_success
	assert_output named
	run rbox volume create
	assert_output --regexp '^[0-9a-f]{64}$'
	local gen=$output
	run rbox volume ls
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	assert_line --regexp '^local +named$'
	assert_line --regexp "^local +$gen\$"
	run rbox volume ls --format json
	assert_equal "$(echo "$output" | jq -r .Name | sort | tr '\n' ' ')" "$(printf '%s\n' "$gen" named | sort | tr '\n' ' ')"
	run rbox volume inspect named
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].Mountpoint')" "$RBOX_ROOT/volumes/named/_data"
	assert_equal "$(echo "$output" | jq -r '.[0].Driver')" local
	assert_equal "$(echo "$output" | jq -r '.[0].CreatedBy')" null
	run rbox volume rm named "$gen"
	assert_success
	run rbox volume ls -q
	assert_output ""
	[ -z "$(ls -A "$RBOX_ROOT/volumes")" ]
}

@test "volume: bad names and unknown volumes are one line, exit 125" {
	run -125 rbox volume create -bad
	assert_output --partial "rbox volume create: unknown flag"
	run -125 rbox volume create 'a/b'
	assert_output 'rbox: invalid volume name "a/b": use 2-255 characters of [a-zA-Z0-9][a-zA-Z0-9_.-]'
	run -125 rbox volume create x
	assert_output 'rbox: invalid volume name "x": use 2-255 characters of [a-zA-Z0-9][a-zA-Z0-9_.-]'
	run -125 rbox volume rm nosuch
	assert_output "rbox: no such volume: nosuch"
	run -125 rbox volume inspect nosuch
	assert_line "rbox: no such volume: nosuch"
	run -125 rbox volume frob
	assert_output "rbox volume: unknown command \"frob\" (see 'rbox volume --help')"
	run rbox volume --help
	assert_success
	assert_output --partial "Usage: rbox volume COMMAND"
}

@test "volume rm: refused while a container uses it; -f only when none runs" {
	rbox create --name user1 -v shared:/s busybox sleep 100
	run -125 rbox volume rm shared
	assert_output "rbox: volume shared is in use by container user1 (remove it, or use volume rm -f)"
	rbox start user1
	run -125 rbox volume rm -f shared
	assert_output "rbox: volume shared is in use by container user1 (running)"
	rbox stop -t 0 user1
	run rbox volume rm -f shared
	assert_success
	run rbox volume ls -q
	assert_output ""
	# its container now fails to start, with the reason
	run -125 rbox start user1
	assert_output --partial "volumes/shared/_data"
}

@test "volume prune: removes the volumes no container uses; asks first unless -f" {
	rbox volume create unused1 >/dev/null
	rbox volume create unused2 >/dev/null
	rbox create --name stopped -v by-stopped:/s busybox true >/dev/null
	rbox run -d --name running -v by-running:/s busybox sleep 100 >/dev/null
	# "n" (or no answer) keeps everything
	run rbox volume prune <<<"n"
	assert_success
	assert_output --partial "Are you sure you want to continue? [y/N]"
	run rbox volume ls -q
	assert_output "$(printf '%s\n' by-running by-stopped unused1 unused2)"
	run rbox volume prune <<<"y"
	assert_success
	# (the answer's newline is the user's: piped, the list follows the prompt on its line)
	assert_output --partial "[y/N] Deleted Volumes:"
	assert_line unused1
	assert_line unused2
	refute_line --partial by-
	run rbox volume ls -q
	assert_output "$(printf '%s\n' by-running by-stopped)"
	[ ! -e "$RBOX_ROOT/volumes/unused1" ]
	# once their containers are gone, -f removes them without asking
	rbox rm -f running stopped >/dev/null
	run rbox volume prune -f
	assert_success
	assert_output "$(printf '%s\n' 'Deleted Volumes:' by-running by-stopped)"
	run rbox volume prune -f
	assert_success
	assert_output ""
	run -125 rbox volume prune extra
	assert_output "rbox volume prune: unexpected argument \"extra\" (see 'rbox volume prune --help')"
}

@test "rm -v: removes the volumes the container created on first use, not the others" {
	rbox volume create made
	rbox run --name first -v made:/a -v auto:/b -v both:/c busybox true
	rbox create --name second -v both:/c busybox true
	assert_equal "$(rbox volume inspect auto | jq -r '.[0].CreatedBy')" "$(ctr_id first)"
	rbox rm -v first
	run rbox volume ls -q
	assert_output "both
made"
	# without -v everything stays; with --rm too (docker keeps named volumes)
	rbox run --rm -v auto2:/x busybox true
	rbox rm second
	run rbox volume ls -q
	assert_output "auto2
both
made"
}

@test "--tmpfs: options, docker's defaults (nosuid,nodev,noexec, mode 1777), size enforced" {
	run rbox run --rm --tmpfs /t busybox sh -c 'grep " /t " /proc/mounts; stat -c %a /t'
	assert_success
	assert_line --regexp '^tmpfs /t tmpfs rw,nosuid,nodev,noexec,'
	assert_line 1777
	run rbox run --rm --tmpfs /t:size=1m,mode=700,uid=1000,exec busybox sh -c '
		grep " /t " /proc/mounts; stat -c "%a %u" /t; dd if=/dev/zero of=/t/big bs=1k count=2048 2>&1'
	assert_line --regexp '^tmpfs /t tmpfs rw,nosuid,nodev,relatime,size=1024k,mode=700,uid=1000'
	assert_line "700 1000"
	assert_line --partial "No space left on device"
	# a non-root user writes where uid= gives it the directory
	run rbox run --rm -u 1000:1000 --tmpfs /w:uid=1000,gid=1000 busybox sh -c 'echo ok > /w/f && cat /w/f'
	assert_output ok
	run rbox run --rm --tmpfs /t:ro busybox touch /t/x
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "-v and --tmpfs: bad values are one line, exit 125, nothing created" {
	local d="$BATS_TEST_TMPDIR"
	run -125 rbox run -v /no/such/dir:/x busybox true
	assert_output 'rbox: invalid value "/no/such/dir:/x" for --volume: host path /no/such/dir: No such file or directory'
	run -125 rbox run -v ./rel:/x busybox true
	assert_output 'rbox: invalid value "./rel:/x" for --volume: "./rel" is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)'
	run -125 rbox run -v "$d:rel" busybox true
	assert_output "rbox: invalid value \"$d:rel\" for --volume: the container path rel must be absolute"
	run -125 rbox run -v "$d:/a/../b" busybox true
	assert_output "rbox: invalid value \"$d:/a/../b\" for --volume: the container path may not contain \"..\""
	run -125 rbox run -v "$d://" busybox true
	assert_output "rbox: invalid value \"$d://\" for --volume: cannot mount over /"
	run -125 rbox run -v "$d:/x:z" busybox true
	assert_output "rbox: invalid value \"$d:/x:z\" for --volume: unknown option \"z\" (use ro or rw)"
	run -125 rbox run -v /data busybox true
	assert_output 'rbox: invalid value "/data" for --volume: expected SOURCE:/ctr/path[:ro] (anonymous volumes are not supported: name the volume)'
	run -125 rbox run -v vol1:/x -v "$d:/x/" busybox true
	assert_output "rbox: duplicate mount point: /x"
	run -125 rbox run --tmpfs /t:size=lots busybox true
	assert_output 'rbox: invalid value "/t:size=lots" for --tmpfs: bad size "lots"'
	run -125 rbox run --tmpfs /t:mode=999 busybox true
	assert_output 'rbox: invalid value "/t:mode=999" for --tmpfs: bad mode "999"'
	run -125 rbox run --tmpfs /t:bogus busybox true
	assert_output --partial 'rbox: invalid value "/t:bogus" for --tmpfs: unknown option "bogus"'
	run -125 rbox run --tmpfs t busybox true
	assert_output 'rbox: invalid value "t" for --tmpfs: the container path t must be absolute'
	run rbox ps -aq
	assert_output ""
	run rbox volume ls -q
	assert_output ""
}

@test "mounts: parents before children whatever the order; --read-only keeps volumes writable; inspect shows them" {
	local d="$BATS_TEST_TMPDIR/sub"
	mkdir "$d"
	echo inner >"$d/f"
	run rbox run --name mnt --read-only -v "$d:/data/sub:ro" -v outer:/data --tmpfs /scratch:size=2m busybox sh -c '
		cat /data/sub/f; echo v > /data/v && echo volume-rw; touch /etc/x 2>/dev/null || echo root-ro'
	assert_success
	assert_line inner
	assert_line volume-rw
	assert_line root-ro
	run rbox inspect mnt
	assert_equal "$(echo "$output" | jq -c '.[0].HostConfig.Binds')" "[\"$d:/data/sub:ro\",\"outer:/data\"]"
	assert_equal "$(echo "$output" | jq -c '.[0].HostConfig.Tmpfs')" '{"/scratch":"rw,nosuid,nodev,noexec,mode=1777,size=2m"}'
	assert_equal "$(echo "$output" | jq -c '[.[0].Mounts[] | select(.Type != "bind" or .Destination != "/etc/hosts" and .Destination != "/etc/hostname" and .Destination != "/etc/resolv.conf") | [.Type, .Destination, .RW]]')" \
		'[["bind","/data/sub",false],["volume","/data",true],["tmpfs","/scratch",true]]'
	assert_equal "$(echo "$output" | jq -r '.[0].Mounts[] | select(.Type == "volume") | .Source')" "$RBOX_ROOT/volumes/outer/_data"
}

# An image whose paths are symlinks pointing out of its root (absolute and relative).
make_symlink_image() {
	local t="$BATS_TEST_TMPDIR/tree" victim=$1
	mkdir -p "$t/bin" "$t/etc" "$t/tmp"
	cp /bin/busybox "$t/bin/busybox"
	local a
	for a in sh cat ls echo grep sleep; do ln -s busybox "$t/bin/$a"; done
	ln -s "$victim" "$t/abs"
	ln -s "../../../../../../../../..$victim" "$t/rel"
	ln -s "$victim" "$t/linkdir"
	tar -C "$t" --numeric-owner -cf "$BATS_TEST_TMPDIR/sym.tar" .
	rbox image import "$BATS_TEST_TMPDIR/sym.tar" symlinks >/dev/null
}

@test "a symlink in the image at the destination cannot send a bind mount out of the root" {
	local victim="$BATS_TEST_TMPDIR/victim" src="$BATS_TEST_TMPDIR/src"
	mkdir -p "$victim/sub" "$src"
	echo canary >"$victim/canary"
	echo payload >"$src/payload"
	make_symlink_image "$victim"
	rbox run -d --name sym -v "$src:/abs" -v "$src:/rel" -v "$src:/linkdir/sub" symlinks sh -c 'sleep 100'
	# nothing was mounted on the host's victim directory: the runtime followed the links inside
	# the container's root (where the mounts landed, under the same path)
	run grep -F "$victim" /proc/self/mountinfo
	assert_failure
	assert_equal "$(cat "$victim/canary")" canary
	[ ! -e "$victim/payload" ] && [ -z "$(ls -A "$victim/sub")" ]
	run rbox logs sym
	assert_output ""
	local pid
	pid=$(inspect_field sym .State.Pid)
	assert_equal "$(cat "/proc/$pid/root$victim/payload")" payload
	assert_equal "$(cat "/proc/$pid/root$victim/sub/payload")" payload
	[ ! -e "/proc/$pid/root$victim/canary" ]
	rbox rm -f sym
	assert_equal "$(ls -A "$victim" | tr '\n' ' ')" "canary sub "
}
