#!/usr/bin/env bats
# rbox system service: the image endpoints (tag, remove, history, save, load, prune) over the
# same image core as rbox tag, rmi, history, save, load and image prune, by the docker CLI.

load api_helpers

@test "api images: docker tag, history and rmi; an image a container uses is a 409 conflict" {
	need_docker
	start_service
	run docker tag busybox mine/bb:v1
	assert_success
	run rbox images --format '{{.Repository}}:{{.Tag}}'
	assert_line mine/bb:v1
	run docker history mine/bb:v1
	assert_success
	assert_line --index 0 --partial IMAGE
	run api GET /v1.41/images/mine/bb:v1/history
	assert_output 200
	body | jq -e '.[0].Id | startswith("sha256:")'
	body | jq -e '.[0].Tags | index("mine/bb:v1") != null'
	# a second tag: rmi by that tag only untags
	run docker rmi mine/bb:v1
	assert_success
	assert_output "Untagged: mine/bb:v1"
	run rbox images --format '{{.Repository}}'
	refute_output --partial mine/bb
	# in use by a container: 409, and -f of a stopped user untags only
	docker tag busybox used:1
	rbox create --name user used:1 true >/dev/null
	docker rmi busybox >/dev/null 2>&1 || true
	run api DELETE /v1.41/images/used:1
	assert_output 409
	body | jq -e '.message | test("in use")'
	rbox rm user >/dev/null
	run docker rmi used:1
	assert_success
	assert_line --partial "Deleted: sha256:"
	run api DELETE /v1.41/images/nosuch:1
	assert_output 404
	body | jq -e '.message | test("(?i)no such image")'
	run api POST "/v1.41/images/nosuch/tag?repo=x"
	assert_output 404
	run api POST "/v1.41/images/busybox/tag"
	assert_output 400
}

@test "api images: docker save and load round-trip an image; image prune -a removes unused ones" {
	need_docker
	start_service
	docker tag busybox keep/me:1
	run docker save -o "$BATS_TEST_TMPDIR/img.tar" keep/me:1
	assert_success
	tar -tf "$BATS_TEST_TMPDIR/img.tar" | grep -qx manifest.json
	# by names= too
	run curl -s --unix-socket "$API_SOCK" -o "$BATS_TEST_TMPDIR/img2.tar" -w '%{http_code}' \
		"http://rbox/v1.41/images/get?names=keep/me:1"
	assert_output 200
	tar -tf "$BATS_TEST_TMPDIR/img2.tar" | grep -qx manifest.json
	run docker image prune -a -f
	assert_success
	run rbox images --format '{{.Repository}}'
	assert_success
	refute_output --partial keep/me
	run docker load -i "$BATS_TEST_TMPDIR/img.tar"
	assert_success
	assert_output --partial "Loaded image: keep/me:1"
	run docker run --rm keep/me:1 echo loaded
	assert_success
	assert_output loaded
	run api POST /v1.41/images/load ''
	assert_output 400
	run api POST "/v1.41/images/prune?filters=%7B%22until%22%3A%5B%2210m%22%5D%7D"
	assert_output 400
	run api GET "/v1.41/images/get"
	assert_output 400
	run api GET "/v1.41/images/get?names=nosuch:1"
	assert_output 404
}
