#!/usr/bin/env bats
# rbox system service: POST /build runs rbox build with the context the docker CLI sends (a tar,
# which rbox build - reads as the context, as docker build - does) and answers with docker's
# progress stream.

load api_helpers

make_context() {
	CTX="$BATS_TEST_TMPDIR/ctx"
	mkdir -p "$CTX"
	cat >"$CTX/Dockerfile" <<-'EOF2'
		FROM busybox
		ARG GREETING=hello
		COPY msg.txt /msg.txt
		RUN echo "$GREETING from RUN" && chmod 0755 /msg.txt
		CMD ["cat", "/msg.txt"]
	EOF2
	echo "built-through-the-api" >"$CTX/msg.txt"
}

@test "api build: docker build -t x . through the socket, then docker run --rm x" {
	need_docker
	make_context
	start_service
	cd "$CTX"
	run docker build -t apibuilt --build-arg GREETING=howdy --label stage=test .
	assert_success
	assert_line --partial "howdy from RUN"
	assert_line --regexp '^Successfully built [0-9a-f]{12}$'
	run docker run --rm apibuilt
	assert_success
	assert_output built-through-the-api
	assert_equal "$(rbox image inspect apibuilt | jq -r '.[0].Config.Labels.stage')" test
	# -q: only the ID
	run docker build -q -t apibuilt:q .
	assert_success
	assert_line --regexp '^sha256:[0-9a-f]{64}$'
	# another Dockerfile name inside the context (-f)
	mv Dockerfile Other.df
	run docker build -f Other.df -t apibuilt:other .
	assert_success
	run rbox images --format '{{.Repository}}:{{.Tag}}'
	assert_line apibuilt:other
}

@test "api build: a failing RUN is docker's error in the stream; bad requests get 400" {
	need_docker
	start_service
	mkdir -p "$BATS_TEST_TMPDIR/bad"
	printf 'FROM busybox\nRUN exit 3\n' >"$BATS_TEST_TMPDIR/bad/Dockerfile"
	run docker build -t failing "$BATS_TEST_TMPDIR/bad"
	assert_failure
	run rbox images --format '{{.Repository}}'
	refute_output --partial failing
	# by curl: the error object, with the RUN's status
	tar -C "$BATS_TEST_TMPDIR/bad" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	curl -s --unix-socket "$API_SOCK" -X POST -H 'Content-Type: application/x-tar' \
		--data-binary "@$BATS_TEST_TMPDIR/bad.tar" "http://rbox/v1.41/build?t=failing" \
		>"$BATS_TEST_TMPDIR/stream"
	jq -se 'map(select(.errorDetail)) | length == 1 and .[0].errorDetail.code == 3' \
		"$BATS_TEST_TMPDIR/stream"
	run api POST /v1.41/build ''
	assert_output 400
	run api POST "/v1.41/build?remote=https://example.com/x.git" ''
	assert_output 400
	run curl -s --unix-socket "$API_SOCK" -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' -X POST \
		--data-binary "@$BATS_TEST_TMPDIR/bad.tar" "http://rbox/v1.41/build?buildargs=notjson"
	assert_output 400
}

@test "api build: a client killed mid-build leaves the service healthy and the build completes" {
	start_service
	mkdir -p "$BATS_TEST_TMPDIR/slow"
	printf 'FROM busybox\nRUN sleep 2 && echo done\n' >"$BATS_TEST_TMPDIR/slow/Dockerfile"
	tar -C "$BATS_TEST_TMPDIR/slow" -cf "$BATS_TEST_TMPDIR/slow.tar" .
	curl -sN --unix-socket "$API_SOCK" -X POST --data-binary "@$BATS_TEST_TMPDIR/slow.tar" \
		"http://rbox/v1.41/build?t=slowone" >"$BATS_TEST_TMPDIR/stream" 3>&- &
	local pid=$!
	wait_for 100 0.1 grep -q 'STEP 2/2' "$BATS_TEST_TMPDIR/stream"
	kill -9 "$pid"
	wait "$pid" || true
	run api GET /_ping
	assert_output 200
	wait_for 100 0.1 sh -c "'$RBOX_BIN' images --format '{{.Repository}}' | grep -qx slowone"
	wait_for 100 0.1 sh -c "[ -z \"\$('$RBOX_BIN' ps -aq)\" ]"
}
