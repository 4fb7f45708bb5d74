#!/usr/bin/env bats
# rbox image import / ls / rm / inspect, and the built-in busybox image.

load helpers

# A small rootfs tarball: busybox with a few applets, a marker file, users in groups.
make_tar() {
	local d="$BATS_TEST_TMPDIR/tree"
	mkdir -p "$d/bin" "$d/etc" "$d/tmp"
	cp /bin/busybox "$d/bin/busybox"
	local a
	for a in sh cat echo id ls; do
		ln -sf busybox "$d/bin/$a"
	done
	echo "imported" >"$d/marker"
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1500:1500:alice:/home/alice:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nalice:x:1500:\nstaff:x:50:alice\nwheel:x:10:bob,alice\n' >"$d/etc/group"
	tar -C "$d" --numeric-owner -cf "$BATS_TEST_TMPDIR/img.tar" .
}

@test "image import: .tar, .tar.gz, .tar.xz, .tar.zst give one layer (the sha256 of the tar)" {
	make_tar
	local tar="$BATS_TEST_TMPDIR/img.tar"
	gzip -k "$tar"
	xz -k "$tar"
	zstd -q "$tar" -o "$tar.zst"
	run rbox image import "$tar" mine:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	local diff="sha256:$(sha256sum "$tar" | cut -d' ' -f1)"
	assert_equal "$(rbox image inspect mine:1 | jq -r '.[0].RootFS.Layers[0]')" "$diff"
	# the ID is the config's digest
	assert_equal "sha256:$(sha256sum "$RBOX_ROOT/images/blobs/sha256/${output#sha256:}" | cut -d' ' -f1)" "$output"
	for ext in gz xz zst; do
		run rbox image import "$tar.$ext" "mine:$ext"
		assert_success
		assert_equal "$(rbox image inspect "mine:$ext" | jq -r '.[0].RootFS.Layers[0]')" "$diff"
	done
	# unpacked once, the layer blob stored once
	assert_equal "$(ls "$RBOX_ROOT/images/layers" | grep -c '^[0-9a-f]\{64\}$')" 1
	assert_equal "$(ls "$RBOX_ROOT/images/meta" | wc -l)" 4
	run rbox images
	assert_line --regexp '^mine +1 +[0-9a-f]{12} '
	assert_line --regexp '^mine +zst +'
	run rbox run mine:xz cat /marker
	assert_success
	assert_output imported
}

@test "image import: NAME without a tag is :latest; no default command" {
	make_tar
	rbox image import "$BATS_TEST_TMPDIR/img.tar" example.com/team/app
	run rbox image ls
	assert_line --regexp '^example.com/team/app +latest '
	run -125 rbox run example.com/team/app
	assert_output "rbox: no command specified (image example.com/team/app has no default command)"
	assert_equal "$(ls -A "$RBOX_ROOT/containers")" ""
}

@test "image import: users and supplementary groups come from the image" {
	make_tar
	rbox image import "$BATS_TEST_TMPDIR/img.tar" users
	run rbox run -u alice users id
	assert_output "uid=1500(alice) gid=1500(alice) groups=10(wheel),50(staff)"
	run -125 rbox run -u bob users id
	assert_output "rbox: unable to find user bob: no matching entries in passwd file"
	run -125 rbox run -u alice:nogroup users id
	assert_output "rbox: unable to find group nogroup: no matching entries in group file"
}

@test "image import: bad files and names fail cleanly" {
	echo "not a tarball" >"$BATS_TEST_TMPDIR/junk.tar"
	run -125 rbox image import "$BATS_TEST_TMPDIR/junk.tar" junk
	assert_output --partial "rbox: importing $BATS_TEST_TMPDIR/junk.tar:"
	run -125 rbox image import "$BATS_TEST_TMPDIR/nosuch.tar" junk
	assert_output "rbox: opening $BATS_TEST_TMPDIR/nosuch.tar: No such file or directory"
	make_tar
	run -125 rbox image import "$BATS_TEST_TMPDIR/img.tar" 'Bad:Name'
	assert_output --partial 'invalid image reference "Bad:Name"'
	run rbox images -q
	assert_output ""
	assert_equal "$(find "$RBOX_ROOT/images" -mindepth 2 -not -type d || true)" ""
}

@test "image import: a progress line on a terminal" {
	requires cmd:script
	make_tar
	run script -qec "$RBOX_BIN image import $BATS_TEST_TMPDIR/img.tar tty" /dev/null
	assert_success
	assert_output --partial "Importing $BATS_TEST_TMPDIR/img.tar: "
	assert_output --partial "(100%)"
	run rbox image import "$BATS_TEST_TMPDIR/img.tar" notty
	refute_output --partial Importing
}

@test "image rm: untag, delete, refused while in use unless -f, never while running" {
	make_tar
	rbox image import "$BATS_TEST_TMPDIR/img.tar" a:1
	rbox tag a:1 a:2
	local id
	id=$(rbox image inspect a:1 | jq -r '.[0].Id')
	run rbox image rm a:2
	assert_success
	assert_output "Untagged: a:2"
	rbox create --name user1 a:1 cat /marker
	run -125 rbox image rm a:1
	assert_output --regexp "^rbox: image a:1 is in use by  ?container [0-9a-f]{12}: remove it first, or use -f$"
	rbox run -d --name user2 a:1 sh -c 'sleep 1000'
	run -125 rbox image rm -f a:1
	assert_output --partial "in use by running container"
	rbox rm -f user2
	# forced: untagged, kept (dangling) for the stopped container that still runs
	run rbox image rm -f a:1
	assert_success
	assert_output "Untagged: a:1"
	run -125 rbox image rm a:1
	assert_output "rbox: no such image: a:1"
	run rbox start -a user1
	assert_output imported
	run rbox images --filter dangling=true -q
	assert_output "${id:7:12}"
	rbox rm user1
	run rbox image rm "$id"
	assert_success
	assert_output "Deleted: $id"
	assert_equal "$(ls -A "$RBOX_ROOT/images/layers" "$RBOX_ROOT/images/blobs/sha256" "$RBOX_ROOT/images/meta" "$RBOX_ROOT/images/l" | grep -v -e : -e '^$' || true)" ""
}

@test "image inspect: JSON; by name, ID and prefix" {
	make_tar
	rbox image import "$BATS_TEST_TMPDIR/img.tar" insp:v1
	run rbox image inspect insp:v1
	assert_success
	local id
	id=$(echo "$output" | jq -r '.[0].Id')
	assert_equal "$(echo "$output" | jq -r '.[0].RepoTags[0]')" insp:v1
	assert_equal "$(echo "$output" | jq -r '.[0].Source')" "$BATS_TEST_TMPDIR/img.tar"
	[ "$(echo "$output" | jq -r '.[0].Size')" -gt 1000 ]
	assert_equal "$(echo "$output" | jq -r '.[0].Os + "/" + .[0].Architecture')" linux/amd64
	assert_equal "$(echo "$output" | jq -r '.[0].RootFS.Type')" layers
	assert_dir_exists "$(echo "$output" | jq -r '.[0].GraphDriver.Data.LowerDir')/bin"
	run rbox image inspect "${id:7:10}"
	assert_equal "$(echo "$output" | jq -r '.[0].Id')" "$id"
	run -125 rbox image inspect nosuch
	assert_line "rbox: no such image: nosuch (import one with 'rbox image import FILE nosuch:latest')"
}

@test "busybox: the built-in image has every applet, passwd and group, and CMD sh" {
	run rbox run busybox sh -c 'ls /bin /sbin /usr/bin /usr/sbin | grep -c .; grep -c . /etc/passwd; grep -c . /etc/group'
	assert_success
	[ "${lines[0]}" -ge "$(/bin/busybox --list-full | wc -l)" ]
	assert_equal "${lines[1]}" 5
	assert_equal "${lines[2]}" 7
	run rbox image inspect busybox
	assert_equal "$(echo "$output" | jq -c '.[0].Config.Cmd')" '["sh"]'
	# no command: sh, which exits at once on /dev/null input
	run rbox run busybox
	assert_success
	# made once even when asked for concurrently
	rm -rf "$RBOX_ROOT/images"
	local i pids=()
	for i in 1 2 3 4; do
		"$RBOX_BIN" run --rm busybox true 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	assert_equal "$(ls "$RBOX_ROOT/images/meta" | grep -c '^[0-9a-f]\{64\}\.json$')" 1
}
