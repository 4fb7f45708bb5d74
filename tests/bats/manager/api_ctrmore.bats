#!/usr/bin/env bats
# rbox system service: pause/unpause, changes, export, update, commit, volume and network
# prune: each the rbox command itself (the service runs its own binary), driven by the docker
# CLI and checked by rbox.

load api_helpers

@test "api: docker pause and unpause; 409 when not running or not paused" {
	need_docker
	start_service
	docker run -d --name pz busybox sleep 1000 >/dev/null
	run docker pause pz
	assert_success
	assert_equal "$(ctr_status pz)" paused
	run api POST /v1.41/containers/pz/pause
	assert_output 409
	run docker unpause pz
	assert_success
	assert_equal "$(ctr_status pz)" running
	run api POST /v1.41/containers/pz/unpause
	assert_output 409
	body | jq -e '.message | test("not paused")'
	run api POST /v1.41/containers/nosuch/pause
	assert_output 404
	docker rm -f pz >/dev/null
}

@test "api: docker diff, export, commit; docker update changes the limits rbox shows" {
	need_docker
	start_service
	docker run --name ch busybox sh -c 'echo new >/added.txt && rm /bin/vi' >/dev/null
	run docker diff ch
	assert_success
	assert_line "A /added.txt"
	assert_line "D /bin/vi"
	run api GET /v1.41/containers/ch/changes
	assert_output 200
	body | jq -e 'map(select(.Path == "/added.txt" and .Kind == 1)) | length == 1'
	run docker export -o "$BATS_TEST_TMPDIR/ch.tar" ch
	assert_success
	tar -xOf "$BATS_TEST_TMPDIR/ch.tar" added.txt | grep -qx new
	run docker commit -m "from the api" -c 'CMD ["cat", "/added.txt"]' ch committed:v1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	run docker run --rm committed:v1
	assert_success
	assert_output new
	run api POST "/v1.41/commit?container=nosuch&repo=x"
	assert_output 404
	run api POST "/v1.41/commit"
	assert_output 400
	# update
	docker run -d --name up busybox sleep 1000 >/dev/null
	run docker update --memory 64m --memory-swap 128m --pids-limit 50 up
	assert_success
	assert_equal "$(inspect_field up .HostConfig.Memory)" $((64 * 1024 * 1024))
	assert_equal "$(inspect_field up .HostConfig.PidsLimit)" 50
	run api POST /v1.41/containers/up/update '{"CpuQuota": 50000}'
	assert_output 400
	run api POST /v1.41/containers/up/update '{"Memory": '
	assert_output 400
	docker rm -f up ch >/dev/null
}

@test "api: docker volume prune and network prune remove only what no container uses" {
	need_docker
	start_service
	docker volume create unused >/dev/null
	docker volume create used >/dev/null
	docker network create --subnet 10.123.45.0/24 unusednet >/dev/null
	rbox create --name holder -v used:/data busybox true >/dev/null
	run docker volume prune -f
	assert_success
	assert_line unused
	run rbox volume ls --format '{{.Name}}'
	assert_output used
	run api POST /v1.41/networks/prune
	assert_output 200
	body | jq -e '.NetworksDeleted == ["unusednet"]'
	run rbox network ls --format '{{.Name}}'
	refute_output --partial unusednet
	run api POST '/v1.41/volumes/prune?filters=%7B%22label%22%3A%5B%22x%22%5D%7D'
	assert_output 400
	rbox rm holder >/dev/null
	rbox volume rm used >/dev/null
}
