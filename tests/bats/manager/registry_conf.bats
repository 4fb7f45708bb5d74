#!/usr/bin/env bats
# run/create --pull, and rbox.conf's registry keys (insecure_registries, registry_mirrors),
# against a real docker-registry on 127.0.0.1 (registry_helpers.bash).

load registry_helpers

conf() { # LINES...: an rbox.conf for this test (the suite's none network kept)
	printf 'default_network = "none"\n' >"$BATS_TEST_TMPDIR/rbox.conf"
	printf '%s\n' "$@" >>"$BATS_TEST_TMPDIR/rbox.conf"
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
}

small_image() { # REPO:TAG
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" v1 --layer /bin/busybox:/bin/busybox >/dev/null
	put_image "$BATS_TEST_TMPDIR/src" v1 "$1"
}

@test "run --pull missing (the default) pulls an image the store lacks, once; never refuses" {
	requires_registry
	start_registry
	small_image pl/img:v1
	conf "insecure_registries = [\"$REG\"]"
	run -125 rbox run --rm --pull never "$REG/pl/img:v1" /bin/busybox true
	assert_output --partial 'no such image'
	[ "$(blob_gets)" -eq 0 ]
	run rbox run --rm "$REG/pl/img:v1" /bin/busybox echo pulled
	assert_success
	assert_output pulled
	local gets
	gets=$(blob_gets)
	[ "$gets" -gt 0 ]
	# present now: missing does not fetch again; always asks the registry (no blob is new)
	rbox run --rm "$REG/pl/img:v1" /bin/busybox true
	[ "$(blob_gets)" -eq "$gets" ]
	rbox create --pull always --name again "$REG/pl/img:v1" /bin/busybox true >/dev/null
	[ "$(blob_gets)" -eq "$gets" ]
	grep -q "GET /v2/pl/img/manifests/v1" "$REG_LOG"
	run -125 rbox run --pull sometimes busybox true
	assert_output 'rbox: invalid value "sometimes" for --pull: use missing, always or never'
	# the built-in image is never pulled
	run rbox run --rm --pull missing busybox echo builtin
	assert_output builtin
}

@test "run --pull: a failed pull is one line and leaves nothing" {
	requires_registry
	start_registry
	conf "insecure_registries = [\"$REG\"]"
	run -125 rbox run --rm "$REG/pl/nosuch:v1" true
	assert_equal "${#lines[@]}" 1
	assert_output --partial "pl/nosuch"
	assert_equal "$(rbox ps -aq)" ""
	[ -z "$(ls -A "$RBOX_ROOT/images/tmp" 2>/dev/null)" ]
}

@test "rbox.conf insecure_registries: plain http without --tls-verify=false" {
	requires_registry
	start_registry
	small_image ins/img:v1
	# without the key: TLS is required, and this registry has none
	conf
	run -125 rbox pull -q "$REG/ins/img:v1"
	conf "insecure_registries = [\"$REG\"]"
	run rbox pull -q "$REG/ins/img:v1"
	assert_success
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
}

@test "rbox.conf registry_mirrors: a pull tries the mirror first, stored under the name asked for" {
	requires_registry
	start_registry
	small_image library/mirrored:v1
	conf "insecure_registries = [\"$REG\"]" "registry_mirrors = [\"mirror-test.invalid=$REG\"]"
	run rbox pull -q mirror-test.invalid/library/mirrored:v1
	assert_success
	grep -q "GET /v2/library/mirrored/manifests/v1" "$REG_LOG"
	run rbox images --format '{{.Repository}}:{{.Tag}}'
	assert_line mirror-test.invalid/library/mirrored:v1
	# a bad key value is one line naming the file
	conf 'registry_mirrors = ["no-equals-sign"]'
	run -125 rbox pull mirror-test.invalid/library/mirrored:v1
	assert_output --partial 'registry_mirrors'
}

@test "build: FROM an image the store lacks is pulled; --pull asks the registry every time" {
	requires_registry
	start_registry
	small_image bl/base:v1
	conf "insecure_registries = [\"$REG\"]"
	printf 'FROM %s/bl/base:v1\nRUN ["/bin/busybox", "touch", "/built"]\n' "$REG" >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -q -t built "$BATS_TEST_TMPDIR"
	assert_success
	run rbox run --rm built /bin/busybox ls /built
	assert_output /built
	local n
	n=$(grep -c "GET /v2/bl/base/manifests/v1" "$REG_LOG")
	rbox build -q --pull -t built2 "$BATS_TEST_TMPDIR" >/dev/null
	[ "$(grep -c "GET /v2/bl/base/manifests/v1" "$REG_LOG")" -gt "$n" ]
}
