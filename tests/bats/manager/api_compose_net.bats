#!/usr/bin/env bats
# docker-compose 1.29 through rbox system service on a user network (issue 18's compose
# scenario): two services that talk by name through aardvark-dns, a published port and a named
# volume; up -d, ps, logs, down -v. Bridges and firewall rules are made, so the service and
# every rbox command run inside the test's own network namespace (net_helpers.bash: $RBOX_BIN
# enters it); docker-compose only talks to the service's Unix socket, and the published port is
# reached on that namespace's 127.0.0.1.

load net_helpers

API_PID=

eval "$(declare -f teardown | sed '1s/^teardown/net_teardown/')"
teardown() {
	if [ -n "$API_PID" ]; then
		kill "$API_PID" 2>/dev/null || true
		wait "$API_PID" 2>/dev/null || true
	fi
	net_teardown
}

start_service() {
	API_SOCK="$BATS_TEST_TMPDIR/docker.sock"
	"$RBOX_BIN" system service --socket "$API_SOCK" --timeout 300 \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null 3>&- &
	API_PID=$!
	wait_for 100 0.05 test -S "$API_SOCK"
	export DOCKER_HOST="unix://$API_SOCK"
	export DOCKER_CONFIG="$BATS_TEST_TMPDIR/docker-config"
}

@test "api: docker-compose on a user network: services talk by name, a published port, a named volume; down -v removes all" {
	command -v docker-compose >/dev/null || skip "needs docker-compose"
	requires cmd:curl
	start_service
	local port=$((20000 + $$ % 20000))
	mkdir "$BATS_TEST_TMPDIR/proj"
	cat >"$BATS_TEST_TMPDIR/proj/docker-compose.yml" <<YML
version: "3"
services:
  web:
    image: busybox
    command: sh -c 'while [ ! -s /data/msg ]; do sleep 0.1; done; mkdir -p /www; cat /data/msg >/www/index.html; echo web ready; exec httpd -f -p 80 -h /www'
    ports:
      - "127.0.0.1:$port:80"
    volumes:
      - data:/data
    depends_on:
      - seed
  seed:
    image: busybox
    command: sh -c 'echo hello-from-the-volume >/data/msg; echo seeded; exec sleep 1000'
    volumes:
      - data:/data
volumes:
  data:
YML
	cd "$BATS_TEST_TMPDIR/proj"
	run docker-compose -p cnet up -d
	assert_success
	run docker-compose -p cnet ps
	assert_success
	assert_line --regexp '^cnet_web_1 .* Up .*127\.0\.0\.1:'"$port"'->80/tcp'
	assert_line --regexp '^cnet_seed_1 .* Up'
	# compose's network is an rbox bridge network, with both services on it
	run rbox network ls --format '{{.Name}}'
	assert_line cnet_default
	# the published port serves what seed wrote into the shared volume
	wait_for 100 0.1 in_ns curl -sf "http://127.0.0.1:$port/"
	run in_ns curl -sf "http://127.0.0.1:$port/"
	assert_output hello-from-the-volume
	# seed reaches web by its service name (aardvark-dns on the network's gateway)
	run timeout 20 "$RBOX_BIN" exec cnet_seed_1 wget -q -O - http://web/
	assert_success
	assert_output hello-from-the-volume
	run docker-compose -p cnet exec -T seed nslookup web
	assert_success
	assert_output --partial "$(ctr_ip cnet_web_1 cnet_default)"
	run docker-compose -p cnet logs --no-color
	assert_output --partial "web ready"
	assert_output --partial "seeded"
	run docker-compose -p cnet down -v
	assert_success
	run rbox ps -aq
	assert_output ""
	run rbox network ls --format '{{.Name}}'
	refute_line cnet_default
	run rbox volume ls -q
	assert_output ""
	run in_ns curl -sf "http://127.0.0.1:$port/"
	assert_failure
}
