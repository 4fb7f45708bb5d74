#!/usr/bin/env bats
# The API's image pull (POST /images/create) against a real docker-registry on 127.0.0.1: the
# docker CLI pulls through rbox system service, and docker run of an image the store lacks
# pulls it first, as dockerd does.

load registry_helpers

@test "api: docker pull and docker run of a missing image pull through /images/create" {
	requires_registry
	start_registry
	local docker
	docker=$("$REPO_ROOT/tests/helpers/docker-client.sh") || skip "no docker CLI"
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" v1 --layer /bin/busybox:/bin/busybox >/dev/null
	put_image "$BATS_TEST_TMPDIR/src" v1 ap/img:v1
	printf 'default_network = "none"\ninsecure_registries = ["%s"]\n' "$REG" >"$BATS_TEST_TMPDIR/rbox.conf"
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
	start_service
	run "$docker" pull "$REG/ap/img:v1"
	assert_success
	run rbox images --format '{{.Repository}}:{{.Tag}}'
	assert_line "$REG/ap/img:v1"
	rbox rmi "$REG/ap/img:v1" >/dev/null
	run "$docker" run --rm "$REG/ap/img:v1" /bin/busybox echo pulled-and-ran
	assert_success
	assert_line pulled-and-ran
	# an image no registry has: docker's error, nothing made
	run "$docker" pull "$REG/ap/nosuch:v1"
	assert_failure
	assert_equal "$(rbox ps -aq)" ""
}
