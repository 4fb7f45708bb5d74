#!/usr/bin/env bats
# The API's image pull (POST /images/create) against a real docker-registry on 127.0.0.1: the
# docker CLI pulls through rbox system service, and docker run of an image the store lacks
# pulls it first, as dockerd does.

load registry_helpers

eval "$(declare -f teardown | sed '1s/^teardown/registry_teardown/')"
teardown() {
	[ -n "${API_PID:-}" ] && { kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; }
	registry_teardown
}

start_service() {
	API_SOCK="$BATS_TEST_TMPDIR/docker.sock"
	"$RBOX_BIN" system service --socket "$API_SOCK" --timeout 120 \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null 3>&- &
	API_PID=$!
	wait_for 100 0.05 test -S "$API_SOCK"
	export DOCKER_HOST="unix://$API_SOCK" DOCKER_CONFIG="$BATS_TEST_TMPDIR/docker-config"
}

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
