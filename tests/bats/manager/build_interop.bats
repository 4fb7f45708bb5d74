#!/usr/bin/env bats
# rbox build against a real peer: buildah (its own vfs store in the test's tmpdir, never the
# host's) builds the same Containerfile; the config and the rootfs (paths, types, modes,
# owners, sizes, link targets) must agree. Then podman loads what rbox saved.

load helpers

buildah_priv() {
	buildah --root "$BATS_TEST_TMPDIR/buildah/root" --runroot "$BATS_TEST_TMPDIR/buildah/run" \
		--storage-driver vfs "$@"
}

podman_priv() {
	podman --root "$BATS_TEST_TMPDIR/podman/root" --runroot "$BATS_TEST_TMPDIR/podman/run" \
		--storage-driver vfs "$@"
}

# what matters of an image config, as sorted JSON (buildah's own version label left out)
norm_config() {
	jq -S '{User, Env, Entrypoint, Cmd, WorkingDir, StopSignal,
		ExposedPorts: ((.ExposedPorts // {}) | keys),
		Labels: ((.Labels // {}) | del(."io.buildah.version"))}'
}

# a tree as "path type mode uid:gid size link" lines
tree_list() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %l\n' | sed 's/ d \(.*\) [0-9]* $/ d \1/' | sort)
}

setup_file() {
	:
}

@test "build interop: rbox and buildah bud make the same config and rootfs" {
	requires cmd:buildah
	local ctx=$BATS_TEST_TMPDIR/ctx
	cp -a "$REPO_ROOT/tests/fixtures/build/interop" "$ctx"
	cp /bin/busybox "$ctx/busybox"
	chmod 600 "$ctx/tree/sub/b"
	chmod 750 "$ctx/tree"
	run rbox build -q -t interop "$ctx"
	assert_success
	run buildah_priv bud -q -t interop "$ctx"
	assert_success
	rbox image inspect interop | jq '.[0].Config' | norm_config >"$BATS_TEST_TMPDIR/rbox.json"
	buildah_priv inspect --type image interop | jq '.OCIv1.config' | norm_config >"$BATS_TEST_TMPDIR/buildah.json"
	run diff -u "$BATS_TEST_TMPDIR/buildah.json" "$BATS_TEST_TMPDIR/rbox.json"
	assert_success
	# B is expanded with the ENV from before its instruction
	run jq -c .Env "$BATS_TEST_TMPDIR/rbox.json"
	assert_output '["PATH=/bin","A=one two","B=x","C=one two"]'
	# the rootfs: rbox's through export, buildah's through a working container
	mkdir "$BATS_TEST_TMPDIR/rfs"
	rbox create --name interop-c interop >/dev/null
	rbox export interop-c | tar -C "$BATS_TEST_TMPDIR/rfs" --numeric-owner -xpf -
	rbox rm interop-c >/dev/null
	local c m
	c=$(buildah_priv from -q interop)
	m=$(buildah_priv mount "$c")
	tree_list "$m" >"$BATS_TEST_TMPDIR/buildah.tree"
	buildah_priv umount "$c" >/dev/null
	buildah_priv rm "$c" >/dev/null
	tree_list "$BATS_TEST_TMPDIR/rfs" >"$BATS_TEST_TMPDIR/rbox.tree"
	run diff -u "$BATS_TEST_TMPDIR/buildah.tree" "$BATS_TEST_TMPDIR/rbox.tree"
	assert_success
	run grep -c . "$BATS_TEST_TMPDIR/rbox.tree"
	[ "$output" -ge 9 ]
}

@test "build interop: RUN steps, deletions, ADD, --chown: the same rootfs and config as buildah's" {
	requires cmd:buildah
	local ctx=$BATS_TEST_TMPDIR/ctx
	cp -a "$REPO_ROOT/tests/fixtures/build/all" "$ctx"
	chmod 644 "$ctx/hello.txt"
	mkdir "$ctx/tardata"
	echo in-tar >"$ctx/tardata/t.txt"
	tar -C "$ctx/tardata" -cf "$ctx/data.tar" .
	# deletions (whiteouts, an opaque dir's content) and a new dir, before USER
	sed -i 's|^USER 1000:1000$|RUN rm -rf /tmp/* /home \&\& rm /bin/ls \&\& mkdir -p /var/new\nUSER 1000:1000|' \
		"$ctx/Containerfile"
	# both start from the same busybox: rbox's, saved and pulled into buildah's store
	rbox save -o "$BATS_TEST_TMPDIR/bb.tar" busybox
	buildah_priv pull -q "docker-archive:$BATS_TEST_TMPDIR/bb.tar" >/dev/null
	run rbox build -q -t all "$ctx"
	assert_success
	run buildah_priv bud -q --isolation chroot -t all "$ctx"
	assert_success
	# OnBuild is left out: buildah drops it (and SHELL) from OCI-format images
	rbox image inspect all | jq '.[0].Config' | norm_config >"$BATS_TEST_TMPDIR/rbox.json"
	buildah_priv inspect --type image all | jq '.OCIv1.config' | norm_config >"$BATS_TEST_TMPDIR/buildah.json"
	run diff -u "$BATS_TEST_TMPDIR/buildah.json" "$BATS_TEST_TMPDIR/rbox.json"
	assert_success
	mkdir "$BATS_TEST_TMPDIR/rfs"
	rbox create --name all-c all >/dev/null
	rbox export all-c | tar -C "$BATS_TEST_TMPDIR/rfs" --numeric-owner -xpf -
	rbox rm all-c >/dev/null
	local c m
	c=$(buildah_priv from -q all)
	m=$(buildah_priv mount "$c")
	# buildah's RUN leaves the empty mount points of its /etc files in the image; rbox, like
	# docker, does not
	tree_list "$m" | grep -vE '^\./etc/(hostname|hosts|resolv\.conf) ' >"$BATS_TEST_TMPDIR/buildah.tree"
	buildah_priv umount "$c" >/dev/null
	buildah_priv rm "$c" >/dev/null
	tree_list "$BATS_TEST_TMPDIR/rfs" >"$BATS_TEST_TMPDIR/rbox.tree"
	run diff -u "$BATS_TEST_TMPDIR/buildah.tree" "$BATS_TEST_TMPDIR/rbox.tree"
	assert_success
	run grep -E '^\./(tmp|var/tmp|var/new|bin/ls|home|unpacked/t.txt) ' "$BATS_TEST_TMPDIR/rbox.tree"
	assert_output - <<'END'
./tmp d 1777 0:0
./unpacked/t.txt f 644 0:0 7 
./var/new d 755 0:0
./var/tmp d 1777 0:0
END
}

@test "build interop: podman loads the image rbox built and saved" {
	requires cmd:podman
	printf 'FROM busybox\nENV K=v\nRUN echo built > /built\nCMD ["cat", "/built"]\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -q -t peer "$BATS_TEST_TMPDIR"
	assert_success
	local id=$output
	rbox save -o "$BATS_TEST_TMPDIR/peer.tar" peer
	run podman_priv load -i "$BATS_TEST_TMPDIR/peer.tar"
	assert_success
	run podman_priv image inspect localhost/peer:latest
	assert_success
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	[ "$(jq -c '.[0].Config.Cmd' <<<"$output")" = '["cat","/built"]' ]
	run jq -r '.[0].Config.Env[]' <<<"$output"
	assert_line "K=v"
}
