#!/usr/bin/env bats
# The API's image push (POST /images/{name}/push) against a real docker-registry on 127.0.0.1
# with htpasswd auth: the docker CLI logs in (its credentials travel as X-Registry-Auth) and
# pushes through rbox system service, which runs rbox push's core (rbox-registry from the store).

load registry_helpers

@test "api: docker push with X-Registry-Auth to a registry with basic auth; refused without it" {
	requires_registry
	start_registry --htpasswd alice s3cret
	local docker
	docker=$("$REPO_ROOT/tests/helpers/docker-client.sh") || skip "no docker CLI"
	printf 'default_network = "none"\ninsecure_registries = ["%s"]\n' "$REG" >"$BATS_TEST_TMPDIR/rbox.conf"
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
	start_service
	"$docker" tag busybox "$REG/pushed/bb:v1"
	# anonymous: the registry says no
	run "$docker" push "$REG/pushed/bb:v1"
	assert_failure
	# docker login checks against the registry itself: write its config by hand
	mkdir -p "$DOCKER_CONFIG"
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf alice:s3cret | base64)" \
		>"$DOCKER_CONFIG/config.json"
	run "$docker" push "$REG/pushed/bb:v1"
	assert_success
	assert_output --partial "The push refers to repository [$REG/pushed/bb]"
	assert_output --regexp "v1: digest: sha256:[0-9a-f]{64} size: [0-9]+"
	# it is there: pull it back by skopeo
	run skopeo inspect --tls-verify=false --creds alice:s3cret "docker://$REG/pushed/bb:v1"
	assert_success
	run "$docker" push "$REG/pushed/nosuch:v1"
	assert_failure
	run curl -s --unix-socket "$API_SOCK" -o /dev/null -w '%{http_code}' -X POST \
		"http://rbox/v1.41/images/$REG/pushed/nosuch/push?tag=v1"
	assert_output 404
	run curl -s --unix-socket "$API_SOCK" -o /dev/null -w '%{http_code}' -X POST \
		-H 'X-Registry-Auth: !!notbase64' "http://rbox/v1.41/images/$REG/pushed/bb/push?tag=v1"
	assert_output 400
}
