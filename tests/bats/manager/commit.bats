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

@test "cp: out of and into a container, stopped or running; links inside never lead out" {
	local t=$BATS_TEST_TMPDIR
	rbox run --name cpc busybox sh -c 'mkdir -p /data/sub; echo one >/data/one; echo two >/data/sub/two; ln -s /etc/passwd /data/pw; ln -s / /escape'
	# out: a file, a dir (links copied as links), into an existing host dir
	run rbox cp cpc:/data/one "$t/one"
	assert_success
	assert_equal "$(cat "$t/one")" one
	mkdir "$t/out"
	rbox cp cpc:/data "$t/out"
	assert_equal "$(cat "$t/out/data/sub/two")" two
	assert_equal "$(readlink "$t/out/data/pw")" /etc/passwd
	rbox cp cpc:/data/. "$t/flat"
	assert_file_exists "$t/flat/one"
	# a link in the container resolves inside its root: /escape/etc/passwd is the image's
	rbox cp cpc:/escape/etc/passwd "$t/pw"
	assert_equal "$(head -1 "$t/pw")" "$(rbox run --rm busybox head -1 /etc/passwd)"
	run grep -c . "$t/pw"
	assert_output 5
	# in: a file and a dir, into the running container too
	echo host >"$t/hostfile"
	mkdir -p "$t/tree/d"
	echo leaf >"$t/tree/d/leaf"
	rbox cp "$t/hostfile" cpc:/data/
	rbox cp "$t/tree" cpc:/newtree
	run rbox start -a cpc
	rbox commit cpc cpimg >/dev/null
	run rbox run --rm cpimg sh -c 'cat /data/hostfile /newtree/d/leaf; stat -c %u /data/hostfile'
	assert_output "host
leaf
0"
	# writing through a link in the container lands inside it, never on the host
	echo evil >"$t/evil"
	rbox cp "$t/evil" cpc:/escape/tmp/evil
	assert_file_not_exists /tmp/evil
	rbox run -d --name cpr busybox sleep 100 >/dev/null
	rbox cp "$t/hostfile" cpr:/tmp/live
	run rbox exec cpr cat /tmp/live
	assert_output host
	rbox cp cpr:/tmp/live "$t/back"
	assert_equal "$(cat "$t/back")" host
	run -125 rbox cp cpr:/nosuch "$t/x"
	assert_output --partial "no such source /nosuch"
	run -125 rbox cp "$t/one" "$t/two"
	assert_output --partial "exactly one of"
	rbox rm -f cpc cpr >/dev/null
	refute grep -q "$RBOX_RUNROOT/containers/" /proc/self/mountinfo
}
