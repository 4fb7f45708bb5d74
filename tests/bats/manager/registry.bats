#!/usr/bin/env bats
# registry.bats - pull and push against a real registry without auth (docker-registry on
# 127.0.0.1), images put in and taken out with skopeo; the reference grammar.

load registry_helpers

# busybox as a multi-layer image: the binary, a file, some random bytes (a layer per --layer)
make_multilayer() { # LAYOUT TAG
	python3 "$MKOCI" image "$1" "$2" --layer /bin/busybox:/bin/busybox \
		--layer "$REPO_ROOT/VERSION:/etc/rbox-version" --random 300000
}

@test "references resolve as docker's" {
	[ -x "$REG_BIN" ] || skip "$REG_BIN is not built"
	local hex64
	hex64=$(printf 'a%.0s' $(seq 64))
	while read -r in want; do
		run reg ref "$in"
		[ "$output" = "$want" ] || {
			echo "$in: got '$output', want '$want'"
			return 1
		}
	done <<-EOF
		alpine docker.io/library/alpine:latest
		alpine:3.19 docker.io/library/alpine:3.19
		library/alpine docker.io/library/alpine:latest
		docker.io/alpine docker.io/library/alpine:latest
		index.docker.io/library/alpine:1 docker.io/library/alpine:1
		user/repo docker.io/user/repo:latest
		a/b/c:t docker.io/a/b/c:t
		localhost/x localhost/x:latest
		localhost:5000/x/y:v1 localhost:5000/x/y:v1
		127.0.0.1:5000/a/b 127.0.0.1:5000/a/b:latest
		quay.io/org/img:tag quay.io/org/img:tag
		Host.Example/x Host.Example/x:latest
		name@sha256:$hex64 docker.io/library/name@sha256:$hex64
		ghcr.io/o/i:t@sha256:$hex64 ghcr.io/o/i:t@sha256:$hex64
		my-registry.local:443/a_b/c__d/e-f.g:1.0-rc_1 my-registry.local:443/a_b/c__d/e-f.g:1.0-rc_1
	EOF
}

@test "malformed references are refused with the reference named" {
	[ -x "$REG_BIN" ] || skip "$REG_BIN is not built"
	local bad
	for bad in "" "Alpine" "a//b" "a/" "/a" "a:" "a:b:c" "-a" "a-" "a..b" "a@sha256:123" \
		"a@md5:$(printf '0%.0s' $(seq 32))" "host:port/x" "a/b:$(printf 't%.0s' $(seq 129))" \
		"$(printf 'f%.0s' $(seq 64))"; do
		run reg ref "$bad"
		[ "$status" -ne 0 ] || {
			echo "accepted: '$bad' -> $output"
			return 1
		}
		[[ "$output" == "error: invalid reference"* ]]
	done
	# the CLI: one line, the reference in it
	run -125 rbox pull "upper/CASE"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'"upper/CASE"'* ]]
}

@test "the WWW-Authenticate parser reads Docker Hub's challenge" {
	[ -x "$REG_BIN" ] || skip "$REG_BIN is not built"
	run reg www-auth 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'
	assert_output "scheme=bearer realm=https://auth.docker.io/token service=registry.docker.io scope=repository:library/alpine:pull error=-"
	run reg www-auth 'Basic realm="a \"quoted\" realm"'
	assert_output 'scheme=basic realm=a "quoted" realm service=- scope=- error=-'
	run reg www-auth 'Bearer realm=x, error="insufficient_scope", Basic realm=y'
	assert_output "scheme=bearer realm=x service=- scope=- error=insufficient_scope"
	run reg www-auth 'Bearer realm="unterminated'
	assert_failure
}

@test "pull: a multi-layer image skopeo pushed, verified and valid for skopeo and umoci" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 multi/layers:v1
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/multi/layers:v1"
	assert_success
	assert_line --partial "Pulling from multi/layers"
	assert_line "$REG/multi/layers:v1"
	# the same manifest digest and layers as the registry's
	local want got
	want=$(skopeo inspect --tls-verify=false "docker://$REG/multi/layers:v1" | jq -c '[.Digest, .Layers]')
	got=$(skopeo inspect "oci:$BATS_TEST_TMPDIR/out" | jq -c '[.Digest, .Layers]')
	[ "$want" = "$got" ]
	[ "$(echo "$got" | jq '.[1] | length')" -eq 3 ]
	command -v umoci >/dev/null || skip "umoci is not installed"
	umoci unpack --rootless --image "$BATS_TEST_TMPDIR/out:v1" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	cmp /bin/busybox "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox"
	[ -f "$BATS_TEST_TMPDIR/bundle/rootfs/etc/rbox-version" ]
	[ ! -e "$BATS_TEST_TMPDIR/out.partial" ]
}

@test "pull -q prints only the image ID (the config digest)" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 q/img:v1
	run reg pull -q --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/q/img:v1"
	assert_success
	local cfg
	cfg=$(skopeo inspect --raw --tls-verify=false "docker://$REG/q/img:v1" | jq -r .config.digest)
	assert_output "${cfg#sha256:}"
}

@test "pull by digest, and a digest that does not match is refused" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 d/img:v1
	local digest
	digest=$(skopeo inspect --tls-verify=false "docker://$REG/d/img:v1" | jq -r .Digest)
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/d/img@$digest"
	assert_success
	run -125 reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out2" \
		"$REG/d/img@sha256:$(printf '0%.0s' $(seq 64))"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "sha256:0000"
	[ ! -e "$BATS_TEST_TMPDIR/out2" ] && [ ! -e "$BATS_TEST_TMPDIR/out2.partial" ]
}

@test "pull: a multi-arch index with amd64 and arm64 gives amd64, --platform the other" {
	requires_registry
	[ "$(uname -m)" = x86_64 ] || skip "the default platform is checked on x86_64"
	start_registry
	python3 "$MKOCI" index "$BATS_TEST_TMPDIR/src" multi amd64 arm64
	put_image "$BATS_TEST_TMPDIR/src" multi multi/arch:latest --all
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/amd" "$REG/multi/arch"
	assert_success
	[ "$(skopeo inspect "oci:$BATS_TEST_TMPDIR/amd" | jq -r .Architecture)" = amd64 ]
	umoci unpack --rootless --image "$BATS_TEST_TMPDIR/amd:latest" "$BATS_TEST_TMPDIR/b1" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/b1/rootfs/arch")" = amd64 ]
	run reg pull --tls-verify=false --platform linux/arm64 --layout "$BATS_TEST_TMPDIR/arm" "$REG/multi/arch"
	assert_success
	[ "$(skopeo inspect "oci:$BATS_TEST_TMPDIR/arm" | jq -r .Architecture)" = arm64 ]
	run -125 reg pull --tls-verify=false --platform linux/s390x --layout "$BATS_TEST_TMPDIR/no" "$REG/multi/arch"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "linux/s390x"
	assert_output --partial "linux/amd64, linux/arm64"
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
}

@test "pull: a corrupted blob in the registry's storage is refused with its digest, nothing left" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 bad/img:v1
	local layer data
	layer=$(skopeo inspect --tls-verify=false "docker://$REG/bad/img:v1" | jq -r '.Layers[2]')
	data="$REG_STORAGE/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer:7}/data"
	[ -f "$data" ]
	# same size, other bytes
	printf 'CORRUPTED' | dd of="$data" bs=1 seek=1000 conv=notrunc 2>/dev/null
	run -125 reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/bad/img:v1"
	echo "$output"
	[ "$(echo "$output" | grep -c '^rbox: ')" -eq 1 ]
	assert_output --partial "$layer"
	assert_output --partial "corrupted"
	[ ! -e "$BATS_TEST_TMPDIR/out" ] && [ ! -e "$BATS_TEST_TMPDIR/out.partial" ]
}

@test "pull: blobs the store has are linked, never fetched again" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 cache/img:v1
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/first" "$REG/cache/img:v1"
	assert_success
	# config + 3 layers
	[ "$(blob_gets)" -eq 4 ]
	run reg pull --tls-verify=false --blobs "$BATS_TEST_TMPDIR/first/blobs" \
		--layout "$BATS_TEST_TMPDIR/second" "$REG/cache/img:v1"
	assert_success
	assert_line --partial "Already exists"
	[ "$(blob_gets)" -eq 4 ]
	# hard links of the same files
	local f
	for f in "$BATS_TEST_TMPDIR"/first/blobs/sha256/*; do
		[ "$f" -ef "$BATS_TEST_TMPDIR/second/blobs/sha256/$(basename "$f")" ] || [ "$(basename "$f")" = "$(skopeo inspect --raw "oci:$BATS_TEST_TMPDIR/first" | sha256sum | cut -c1-64)" ]
	done
	# an image sharing two of its layers: only the new one (and its config) fetched
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src2" v2 --layer /bin/busybox:/bin/busybox \
		--layer "$REPO_ROOT/VERSION:/etc/rbox-version" --random 1000
	put_image "$BATS_TEST_TMPDIR/src2" v2 cache/img:v2
	run reg pull --tls-verify=false --blobs "$BATS_TEST_TMPDIR/first/blobs" \
		--layout "$BATS_TEST_TMPDIR/third" "$REG/cache/img:v2"
	assert_success
	[ "$(blob_gets)" -eq 6 ]
}

@test "pull: kill -9 in the middle of a large blob leaves no half-made layout" {
	requires_registry
	start_registry
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" big --layer /bin/busybox:/bin/busybox \
		--random $((40 << 20)) --raw
	put_image "$BATS_TEST_TMPDIR/src" big big/img:v1
	local out="$BATS_TEST_TMPDIR/out" pid i
	# 1 MB/s: the 40 MB layer takes forty seconds, however loaded the machine is
	RBOX_REGISTRY_MAX_RATE=$((1 << 20)) "$REG_BIN" pull --tls-verify=false --layout "$out" \
		"$REG/big/img:v1" >/dev/null 2>&1 3>&- &
	pid=$!
	for i in $(seq 300); do
		[ -n "$(find "$out.partial" -name '*.partial' -size +1M 2>/dev/null)" ] && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	[ ! -e "$out" ]
	# the next pull starts over and completes
	run reg pull -q --tls-verify=false --layout "$out" "$REG/big/img:v1"
	assert_success
	[ ! -e "$out.partial" ]
	skopeo inspect "oci:$out" >/dev/null
}

@test "push: skopeo reads what rbox pushed; blobs there are not sent again; mount from a sibling repo" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" "$REG/pushed/img:v1"
	assert_success
	[ "$(echo "$output" | grep -c ': Pushed$')" -eq 4 ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/pushed/img:v1" "oci:$BATS_TEST_TMPDIR/back:v1"
	[ "$(skopeo inspect "oci:$BATS_TEST_TMPDIR/back:v1" | jq -r .Digest)" = \
		"$(skopeo inspect "oci:$BATS_TEST_TMPDIR/src:v1" | jq -r .Digest)" ]
	umoci unpack --rootless --image "$BATS_TEST_TMPDIR/back:v1" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	cmp /bin/busybox "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox"
	# again: HEAD finds every blob, no upload starts
	local posts
	posts=$(grep -c '"POST /v2/' "$REG_LOG")
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" "$REG/pushed/img:v1"
	assert_success
	[ "$(echo "$output" | grep -c 'already exists')" -eq 4 ]
	[ "$(grep -c '"POST /v2/' "$REG_LOG")" -eq "$posts" ]
	# another repository of the same registry: mounted, no PUT of a blob
	local puts
	puts=$(grep -c '"PUT /v2/[^ ]*/blobs/uploads' "$REG_LOG" || true)
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" --mount-from pushed/img "$REG/other/img:v1"
	assert_success
	[ "$(echo "$output" | grep -c 'Mounted from pushed/img')" -eq 4 ]
	[ "$(grep -c '"PUT /v2/[^ ]*/blobs/uploads' "$REG_LOG" || true)" -eq "$puts" ]
	skopeo inspect --tls-verify=false "docker://$REG/other/img:v1" >/dev/null
}

@test "push: a multi-arch index and a blob larger than one chunk" {
	requires_registry
	start_registry
	python3 "$MKOCI" index "$BATS_TEST_TMPDIR/idx" multi amd64 arm64
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/idx" "$REG/idx/img:multi"
	assert_success
	run skopeo inspect --raw --tls-verify=false "docker://$REG/idx/img:multi"
	[ "$(echo "$output" | jq '.manifests | length')" -eq 2 ]
	skopeo inspect --tls-verify=false --override-arch arm64 "docker://$REG/idx/img:multi" | jq -e '.Architecture == "arm64"'
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/big" big --random $((70 << 20)) --raw
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/big" "$REG/big/img:big"
	assert_success
	grep -q '"PATCH /v2/big/img/blobs/uploads' "$REG_LOG"
	skopeo copy -q --src-tls-verify=false "docker://$REG/big/img:big" "oci:$BATS_TEST_TMPDIR/bigback:big"
}

@test "a missing image or repository: one line naming it" {
	requires_registry
	start_registry
	run -125 reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/no/such:tag"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "$REG/no/such:tag"
	assert_output --partial "404"
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "an unknown manifest media type is refused with the type named" {
	requires_registry
	start_registry
	# an artifact (config media type unknown to a container runtime), pushed as OCI manifest
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 art/x:base
	local m
	m=$(skopeo inspect --raw "oci:$BATS_TEST_TMPDIR/src:v1")
	echo "$m" | jq -c '.config.mediaType = "application/vnd.example.thing+json"' >"$BATS_TEST_TMPDIR/m.json"
	curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
		--data-binary @"$BATS_TEST_TMPDIR/m.json" "http://$REG/v2/art/x/manifests/v1" >/dev/null ||
		skip "the registry refused the manifest (blobs missing)"
	run -125 reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/art/x:v1"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "application/vnd.example.thing+json"
}

@test "rbox pull --help, and rbox pull into a layout dir (the store glue)" {
	requires_registry
	run rbox pull --help
	assert_success
	assert_output --partial "--platform"
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 glue/img:v1
	run rbox pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/glue/img:v1"
	assert_success
	skopeo inspect "oci:$BATS_TEST_TMPDIR/out" >/dev/null
	run rbox push --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/glue/img:v1" "$REG/glue/copy:v1"
	assert_success
	assert_output --partial "Mounted from glue/img"
}

@test "rbox pull and push with the image store: run what was pulled, nothing fetched twice" {
	requires_registry
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	put_image "$BATS_TEST_TMPDIR/src" v1 store/img:v1
	if ! rbox load --help >/dev/null 2>&1; then
		# before the layered store is merged: the pull stops before the ingest, cleanly
		run -125 --separate-stderr rbox pull --tls-verify=false "$REG/store/img:v1"
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == *"$REG/store/img:v1"* ]]
		[ -z "$(ls -A "$RBOX_ROOT/images/tmp")" ]
		skip "the layered image store is not merged yet (pull stops before image_ingest_layout)"
	fi
	run rbox pull --tls-verify=false "$REG/store/img:v1"
	assert_success
	run rbox run --rm "$REG/store/img:v1" /bin/busybox cat /etc/rbox-version
	assert_success
	assert_output "$(cat "$REPO_ROOT/VERSION")"
	# staging dirs gone; a second pull fetches no blob
	[ -z "$(find "$RBOX_ROOT/images/tmp" -mindepth 1 -maxdepth 1 2>/dev/null)" ]
	local n
	n=$(blob_gets)
	run rbox pull -q --tls-verify=false "$REG/store/img:v1"
	assert_success
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	[ "$(blob_gets)" -eq "$n" ]
	run rbox push --tls-verify=false "$REG/store/img:v1" "$REG/store/copy:v1"
	assert_success
	assert_output --partial "Mounted from store/img"
	[ "$(skopeo inspect --tls-verify=false "docker://$REG/store/copy:v1" | jq -r .Digest)" = \
		"$(skopeo inspect --tls-verify=false "docker://$REG/store/img:v1" | jq -r .Digest)" ]
}

@test "kill -9 of rbox pull into the store: its rbox-registry dies too, the next command cleans up" {
	requires_registry
	rbox load --help >/dev/null 2>&1 || skip "the layered image store is not merged yet"
	start_registry
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" big --layer /bin/busybox:/bin/busybox \
		--random $((40 << 20)) --raw
	put_image "$BATS_TEST_TMPDIR/src" big big/img:v1
	local pid i helper
	RBOX_REGISTRY_MAX_RATE=$((4 << 20)) "$RBOX_BIN" pull --tls-verify=false "$REG/big/img:v1" \
		>/dev/null 2>&1 3>&- &
	pid=$!
	# Catch the helper while it downloads (a .partial exists: it set its PR_SET_PDEATHSIG,
	# SIGKILL, long before) and freeze it there with SIGSTOP: on loopback the 40 MB can arrive
	# in 0.2 s, faster than a poll for a growing file. A stopped process gets SIGKILL too.
	helper=
	for i in $(seq 1000); do
		helper=$(pgrep -P "$pid" -x rbox-registry || true)
		if [ -n "$helper" ] && [ -n "$(find "$RBOX_ROOT/images/tmp" -name '*.partial' 2>/dev/null)" ]; then
			kill -STOP "$helper" && break
		fi
		helper=
		sleep 0.01
	done
	[ -n "$helper" ]
	kill -9 "$pid"
	wait "$pid" || true
	local gone=
	for i in $(seq 50); do
		kill -0 "$helper" 2>/dev/null || { gone=1; break; }
		sleep 0.1
	done
	[ -n "$gone" ] || { kill -9 "$helper"; false; }
	# no image, and the next pull completes and leaves no staging dir
	run rbox pull -q --tls-verify=false "$REG/big/img:v1"
	assert_success
	[ -z "$(find "$RBOX_ROOT/images/tmp" -mindepth 1 -maxdepth 1 2>/dev/null)" ]
}

# podman with a private store in the test's directory (vfs: no mounts left behind)
podman_t() {
	podman --root "$BATS_TEST_TMPDIR/podman/root" --runroot "$BATS_TEST_TMPDIR/podman/run" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend none "$@"
}

@test "podman pulls what rbox pushed, rbox pulls what podman pushed" {
	requires_registry
	command -v podman >/dev/null || skip "podman is not installed"
	start_registry
	make_multilayer "$BATS_TEST_TMPDIR/src" v1
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" "$REG/peer/rbox:v1"
	assert_success
	run podman_t pull -q --tls-verify=false "$REG/peer/rbox:v1"
	assert_success
	[ "$(podman_t image inspect --format '{{len .RootFS.Layers}}' "$REG/peer/rbox:v1")" -eq 3 ]
	run podman_t push -q --tls-verify=false "$REG/peer/rbox:v1" "$REG/peer/podman:v1"
	assert_success
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/peer/podman:v1"
	assert_success
	umoci unpack --rootless --image "$BATS_TEST_TMPDIR/out:v1" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	cmp /bin/busybox "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox"
	podman_t rmi -a -f >/dev/null 2>&1 || true
}

# two images sharing a 12 MB layer (SHARED: its digest), each with a small own one
make_sharing_pair() {
	head -c $((12 << 20)) /dev/urandom >"$BATS_TEST_TMPDIR/big.bin"
	local i
	for i in 1 2; do
		echo "image $i" >"$BATS_TEST_TMPDIR/own$i"
		python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src$i" s --layer "$BATS_TEST_TMPDIR/big.bin:/big" \
			--layer "$BATS_TEST_TMPDIR/own$i:/own"
		put_image "$BATS_TEST_TMPDIR/src$i" s "share/img$i:v1"
	done
	SHARED=$(skopeo inspect "oci:$BATS_TEST_TMPDIR/src1" | jq -r '.Layers[0]')
	[ "$SHARED" = "$(skopeo inspect "oci:$BATS_TEST_TMPDIR/src2" | jq -r '.Layers[0]')" ]
}

shared_gets() {
	grep -c "\"GET /v2/[^ ]*/blobs/$SHARED" "$REG_LOG" || true
}

@test "two concurrent pulls of images sharing a layer fetch it once" {
	requires_registry
	start_registry
	make_sharing_pair
	local peers="$BATS_TEST_TMPDIR/peers" pid1 i
	mkdir -p "$peers"
	# 3 MB/s: the shared layer takes 4 s in the first pull
	RBOX_REGISTRY_MAX_RATE=$((3 << 20)) "$REG_BIN" pull -q --tls-verify=false --peers "$peers" \
		--layout "$peers/one" "$REG/share/img1:v1" >"$BATS_TEST_TMPDIR/one.out" 2>&1 3>&- &
	pid1=$!
	for i in $(seq 100); do
		[ -e "$peers/one.partial/blobs/sha256/${SHARED:7}.partial" ] && break
		sleep 0.1
	done
	run reg pull --tls-verify=false --peers "$peers" --layout "$peers/two" "$REG/share/img2:v1"
	assert_success
	wait "$pid1"
	# the shared layer: one GET in all; both layouts whole
	[ "$(shared_gets)" -eq 1 ]
	[ "$(skopeo inspect "oci:$peers/one" | jq '.Layers | length')" -eq 2 ]
	[ "$(skopeo inspect "oci:$peers/two" | jq '.Layers | length')" -eq 2 ]
	cmp "$peers/one/blobs/sha256/${SHARED:7}" "$peers/two/blobs/sha256/${SHARED:7}"
}

@test "two concurrent rbox pulls into the store fetch a shared layer once, both stored" {
	requires_registry
	rbox load --help >/dev/null 2>&1 || skip "the layered image store is not merged yet"
	start_registry
	make_sharing_pair
	local pid1 i
	RBOX_REGISTRY_MAX_RATE=$((3 << 20)) "$RBOX_BIN" pull -q --tls-verify=false \
		"$REG/share/img1:v1" >"$BATS_TEST_TMPDIR/one.out" 2>&1 3>&- &
	pid1=$!
	for i in $(seq 100); do
		[ -n "$(find "$RBOX_ROOT/images/tmp" -name "${SHARED:7}.partial" 2>/dev/null)" ] && break
		sleep 0.1
	done
	run rbox pull -q --tls-verify=false "$REG/share/img2:v1"
	assert_success
	wait "$pid1"
	[ "$(shared_gets)" -eq 1 ]
	for i in 1 2; do
		rbox image inspect "$REG/share/img$i:v1" >/dev/null
	done
	[ -z "$(find "$RBOX_ROOT/images/tmp" -mindepth 1 -maxdepth 1 2>/dev/null)" ]
}
