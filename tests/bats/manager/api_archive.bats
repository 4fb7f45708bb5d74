#!/usr/bin/env bats
# rbox system service: /containers/ID/archive (HEAD, GET, PUT), what docker cp uses, over
# rbox cp's copying and path resolution; running and stopped containers.

load api_helpers

@test "api archive: docker cp out of and into a container, running and stopped" {
	need_docker
	start_service
	docker run -d --name cpy busybox sh -c 'mkdir -p /data/sub && echo inside >/data/sub/f && ln -s /etc/passwd /data/link && sleep 1000' >/dev/null
	wait_for 50 0.1 docker exec cpy test -e /data/link
	# out: a directory and a file
	run docker cp cpy:/data "$BATS_TEST_TMPDIR/out"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out/sub/f")" inside
	[ -L "$BATS_TEST_TMPDIR/out/link" ]
	run docker cp cpy:/data/sub/f "$BATS_TEST_TMPDIR/f.copy"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/f.copy")" inside
	# in: a file into a directory, a directory under a new name
	echo from-host >"$BATS_TEST_TMPDIR/h.txt"
	chmod 0640 "$BATS_TEST_TMPDIR/h.txt"
	run docker cp "$BATS_TEST_TMPDIR/h.txt" cpy:/data/
	assert_success
	run docker exec cpy stat -c '%a %U' /data/h.txt
	assert_output "640 root"
	mkdir -p "$BATS_TEST_TMPDIR/hostdir/x"
	echo deep >"$BATS_TEST_TMPDIR/hostdir/x/y"
	run docker cp "$BATS_TEST_TMPDIR/hostdir" cpy:/newdir
	assert_success
	run docker exec cpy cat /newdir/x/y
	assert_output deep
	docker stop -t 0 cpy >/dev/null
	# a stopped container: its overlay is mounted for the copy and unmounted after
	run docker cp cpy:/data/h.txt "$BATS_TEST_TMPDIR/h.back"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/h.back")" from-host
	run docker cp "$BATS_TEST_TMPDIR/h.txt" cpy:/stopped.txt
	assert_success
	docker rm cpy >/dev/null
}

@test "api archive: the stat header, and docker's status codes for bad paths" {
	need_docker
	start_service
	docker run -d --name st busybox sh -c 'echo 12345 >/f && sleep 1000' >/dev/null
	wait_for 50 0.1 docker exec st test -s /f
	run curl -s -I --unix-socket "$API_SOCK" "http://rbox/v1.41/containers/st/archive?path=/f"
	assert_line --partial "HTTP/1.1 200"
	local hdr
	hdr=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //Ip')
	printf '%s' "$hdr" | base64 -d | jq -e '.name == "f" and .size == 6 and .mode == 420'
	run curl -s -I --unix-socket "$API_SOCK" "http://rbox/v1.41/containers/st/archive?path=/etc"
	hdr=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //Ip')
	printf '%s' "$hdr" | base64 -d | jq -e '.mode == (2147483648 + 493)'
	run api GET "/v1.41/containers/st/archive?path=/no/such"
	assert_output 404
	run api GET "/v1.41/containers/st/archive"
	assert_output 400
	run api GET "/v1.41/containers/nosuch/archive?path=/f"
	assert_output 404
	tar -C "$BATS_TEST_TMPDIR" -cf "$BATS_TEST_TMPDIR/t.tar" --files-from /dev/null
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$API_SOCK" -X PUT \
		--data-binary "@$BATS_TEST_TMPDIR/t.tar" "http://rbox/v1.41/containers/st/archive?path=/f"
	assert_output 400
	run docker cp "$BATS_TEST_TMPDIR/t.tar" st:/no/such/dir/
	assert_failure
	docker rm -f st >/dev/null
	run ls "$RBOX_RUNROOT"
	refute_output --partial api-cp-
}
