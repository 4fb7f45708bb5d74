#!/usr/bin/env bats
# rbox commit, diff and export: a container's changes as an image layer, a list and a tar.

load helpers

@test "commit: the upper dir becomes a layer (whiteouts, opaque dirs), --change edits the config" {
	rbox run --name cm busybox sh -c 'echo new >/etc/new; rm /bin/vi; rm -rf /home; mkdir /home; echo z >/home/z'
	run rbox commit -m "my change" -a "Ann" -c 'CMD ["cat","/etc/new"]' -c 'ENV A=1' \
		-c 'EXPOSE 8080' -c 'LABEL team="core"' -c 'WORKDIR /home' cm committed:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	local id=$output
	run rbox run --rm committed:1
	assert_output new
	run rbox run --rm committed:1 sh -c 'test -e /bin/vi || echo no-vi; ls /home; echo $A; pwd'
	assert_output "no-vi
z
1
/home"
	run rbox image inspect committed:1
	assert_equal "$(jq -r '.[0].Id' <<<"$output")" "$id"
	assert_equal "$(jq -r '.[0].RootFS.Layers | length' <<<"$output")" 2
	assert_equal "$(jq -c '.[0].Config.ExposedPorts' <<<"$output")" '{"8080/tcp":{}}'
	assert_equal "$(jq -r '.[0].Config.Labels.team' <<<"$output")" core
	assert_equal "$(jq -r '.[0].Author' <<<"$output")" Ann
	# the base layer is shared, not copied
	assert_equal "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" \
		"$(rbox image inspect busybox | jq -r '.[0].RootFS.Layers[0]')"
	run rbox history committed:1
	assert_line --index 1 --regexp "^${id:7:12} .*my change$"
	# no name: an untagged image; bad changes are refused
	run rbox commit cm
	assert_success
	local anon=$output
	run rbox images --filter dangling=true -q
	assert_output "${anon:7:12}"
	run -125 rbox commit -c 'RUN make' cm
	assert_output --partial 'invalid --change "RUN make"'
	# it saves and loads like any image
	rbox save committed:1 | rbox load -q
	rbox rm cm >/dev/null
	run rbox run --rm committed:1
	assert_output new
}

@test "diff: A, C and D lines; the /etc files rbox mounts are not changes" {
	rbox run --name df busybox sh -c 'echo x >/etc/added; echo >>/etc/passwd; rm /bin/vi'
	run rbox diff df
	assert_success
	assert_line "A /etc/added"
	assert_line "C /etc/passwd"
	assert_line "D /bin/vi"
	assert_line "C /etc"
	refute_line --partial "/etc/hosts"
	rbox rm df >/dev/null
	run -125 rbox diff nosuch
	assert_output --partial "nosuch"
}

@test "export: the container's whole tree as a tar, stopped or running" {
	rbox run --name ex busybox sh -c 'echo exported >/marker'
	run rbox export -o "$BATS_TEST_TMPDIR/ex.tar" ex
	assert_success
	run tar -xOf "$BATS_TEST_TMPDIR/ex.tar" marker
	assert_output exported
	tar -tf "$BATS_TEST_TMPDIR/ex.tar" | grep -qx bin/busybox
	# nothing stays mounted for a stopped one
	refute grep -q "$RBOX_RUNROOT/containers/$(ctr_id ex)/rootfs" /proc/self/mountinfo
	# the tar imports as an image again
	rbox import "$BATS_TEST_TMPDIR/ex.tar" again >/dev/null
	run rbox run --rm again cat /marker
	assert_output exported
	rbox run -d --name exr busybox sh -c 'echo live >/live; sleep 100' >/dev/null
	wait_for 50 0.1 test -e "$RBOX_ROOT/containers/$(ctr_id exr)/diff/live"
	run sh -c "'$RBOX_BIN' export exr | tar -xOf - live"
	assert_output live
	rbox rm -f ex exr >/dev/null
	run script -qec "$RBOX_BIN export again" /dev/null
	assert_output --partial "refusing to write an archive to a terminal"
}
