#!/usr/bin/env bats
# rbox system service: Docker's API on a Unix socket, with Docker's status codes and error
# bodies, driven by the docker CLI; containers made either way are the same containers.

load api_helpers

@test "api: _ping, version and info answer as dockerd, on versioned and plain paths" {
	start_service
	run api GET /_ping
	assert_output 200
	assert_equal "$(body)" OK
	run api GET /v1.41/version
	assert_output 200
	assert_equal "$(body | jq -r .ApiVersion)" 1.41
	run api GET /version
	assert_output 200
	run api GET /v1.41/info
	assert_output 200
	assert_equal "$(body | jq -r .DockerRootDir)" "$RBOX_ROOT"
	assert_equal "$(body | jq -r .Containers)" 0
	# the header clients negotiate with
	run curl -sI --unix-socket "$API_SOCK" http://rbox/_ping
	assert_output --partial "Api-Version: 1.41"
}

@test "api: bad requests get Docker's status codes and {\"message\": ...}" {
	start_service
	run api GET /v1.41/no/such/endpoint
	assert_output 404
	assert_equal "$(body | jq -r .message)" "page not found"
	run api GET /v1.41/containers/nosuch/json
	assert_output 404
	assert_equal "$(body | jq -r .message)" "No such container: nosuch"
	run api POST /v1.41/containers/create '{"Image": "busybox", '
	assert_output 400
	body | jq -e '.message | length > 0'
	run api POST /v1.41/containers/create '{"Image": "busybox", "HostConfig": {"Binds": ["./rel:/x"]}}'
	assert_output 400
	body | jq -e '.message | test("rel")'
	run api POST "/v1.41/containers/create?name=bad%20name" '{"Image": "busybox"}'
	assert_output 400
	run api POST /v1.41/containers/create '{"Image": "no-such-image"}'
	assert_output 404
	run api GET /v1.99/version
	assert_output 400
	body | jq -e '.message | test("too new")'
	# nothing was left behind by the failures
	run rbox ps -aq
	assert_output ""
	# a conflict: removing a running container without force
	run api POST "/v1.41/containers/create?name=busy" '{"Image": "busybox", "Cmd": ["sleep", "100"]}'
	assert_output 201
	run api POST /v1.41/containers/busy/start
	assert_output 204
	run api POST /v1.41/containers/busy/start
	assert_output 304
	run api DELETE /v1.41/containers/busy
	assert_output 409
	run api POST /v1.41/containers/busy/kill?signal=NOSUCH
	assert_output 400
	run api DELETE "/v1.41/containers/busy?force=1"
	assert_output 204
	run api POST /v1.41/containers/busy/stop
	assert_output 404
}

@test "api: docker run --rm busybox echo hi prints hi; exit codes as docker's" {
	need_docker
	start_service
	run docker run --rm busybox echo hi
	assert_success
	assert_output hi
	run docker run --rm busybox sh -c 'exit 3'
	assert_equal "$status" 3
	run -127 docker run --rm busybox no-such-command
	# stdout and stderr arrive apart, in Docker's multiplexed frames
	docker run --rm busybox sh -c 'echo to-out; echo to-err >&2' \
		>"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/o")" to-out
	assert_equal "$(cat "$BATS_TEST_TMPDIR/e")" to-err
	echo piped | docker run --rm -i busybox cat >"$BATS_TEST_TMPDIR/o"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/o")" piped
	# --rm: gone
	run rbox ps -aq
	assert_output ""
}

@test "api: docker run -d, ps, inspect, logs, exec, stop, rm; the same containers as rbox's" {
	need_docker
	start_service
	run docker run -d --name web -e GREETING=hello -l app=web busybox \
		sh -c 'echo "$GREETING from web"; echo oops >&2; exec sleep 1000'
	assert_success
	id=$output
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	# an ordinary rbox container
	assert_equal "$(ctr_status web)" running
	assert_equal "$(ctr_id web)" "$id"
	run docker ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^web Up '
	run docker ps --filter label=app=web -q
	assert_output "${id:0:12}"
	run docker ps --filter label=app=other -q
	assert_output ""
	run docker inspect --format '{{.State.Status}} {{.Config.Image}} {{index .Config.Labels "app"}}' web
	assert_output "running busybox web"
	wait_for 50 0.1 sh -c "'$DOCKER' logs web 2>&1 | grep -q oops"
	run docker logs web
	assert_output --partial "hello from web"
	docker logs web 2>"$BATS_TEST_TMPDIR/e" >"$BATS_TEST_TMPDIR/o"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/o")" "hello from web"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/e")" oops
	run docker logs -t --tail 1 web
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* (oops|hello from web)$'
	run docker exec web sh -c 'echo "in $GREETING"; exit 4'
	assert_equal "$status" 4
	assert_output "in hello"
	run docker exec -u 1000 web id -u
	assert_output 1000
	run docker top web
	assert_success
	assert_line --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_line --regexp '^root +[0-9]+ .* sleep 1000$'
	run docker stats --no-stream --format '{{.Name}} {{.PIDs}}' web
	assert_output "web 1"
	# a container made by rbox is seen by docker, and the other way round
	rbox run -d --name fromcli busybox sleep 1000
	run docker ps --format '{{.Names}}'
	assert_line fromcli
	run docker rename fromcli renamed
	assert_success
	run rbox inspect --format '{{.Name}}' renamed
	assert_output /renamed
	run docker stop -t 1 web
	assert_success
	assert_equal "$(ctr_status web)" exited
	run docker inspect --format '{{.State.ExitCode}}' web
	assert_output 137
	run docker start web
	assert_success
	assert_equal "$(ctr_status web)" running
	run docker rm web
	assert_failure
	run docker rm -f web renamed
	assert_success
	run rbox ps -aq
	assert_output ""
	run docker inspect web
	assert_failure
	assert_output --partial "No such"
}

@test "api: docker wait, kill, restart, container prune, volumes and networks" {
	need_docker
	start_service
	# start -a: attached before the start, for a created and for an exited container
	docker create --name sa busybox sh -c 'echo started-a; exit 6'
	run docker start -a sa
	assert_equal "$status" 6
	assert_output started-a
	run docker start -a sa
	assert_equal "$status" 6
	assert_output started-a
	docker rm sa
	docker run -d --name w1 busybox sh -c 'sleep 1; exit 7'
	run docker wait w1
	assert_output 7
	docker run -d --name k1 busybox sh -c 'trap "exit 9" USR1; while :; do sleep 0.1; done'
	run docker kill --signal USR1 k1
	assert_success
	run docker wait k1
	assert_output 9
	run docker restart k1
	assert_success
	assert_equal "$(ctr_status k1)" running
	docker kill k1
	docker wait k1 # kill is asynchronous, as docker's
	local w1_id
	w1_id=$(ctr_id w1)
	run docker container prune -f
	assert_success
	assert_output --partial "$w1_id"
	run rbox ps -aq
	assert_output ""
	run docker volume create data
	assert_output data
	run docker run --rm -v data:/data busybox sh -c 'echo kept >/data/f'
	assert_success
	run docker run --rm -v data:/data busybox cat /data/f
	assert_output kept
	run docker volume ls --format '{{.Name}}'
	assert_output data
	run rbox volume ls -q
	assert_output data
	run docker volume inspect --format '{{.Mountpoint}}' data
	assert_output "$RBOX_ROOT/volumes/data/_data"
	run docker volume rm data
	assert_success
	run docker volume inspect data
	assert_failure
	run docker network create --subnet 10.123.45.0/24 --label team=a apinet
	assert_success
	run docker network ls --format '{{.Name}}'
	assert_line apinet
	assert_line rbox
	run rbox network ls --format '{{.Name}}'
	assert_line apinet
	run docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' apinet
	assert_output 10.123.45.0/24
	run docker network rm apinet
	assert_success
	run api GET /v1.41/networks/apinet
	assert_output 404
}

@test "api: the service exits after --timeout idle seconds, and not while a client waits" {
	start_service --timeout 2
	rbox run -d --name long busybox sleep 1000
	# a wait holds the connection open: the service stays
	curl -s -D "$BATS_TEST_TMPDIR/wait.headers" --unix-socket "$API_SOCK" -X POST \
		http://rbox/containers/long/wait >"$BATS_TEST_TMPDIR/wait.out" 3>&- &
	local curl_pid=$!
	wait_for 100 0.05 grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/wait.headers"
	sleep 3 # more than --timeout
	kill -0 "$API_PID"
	rbox kill long
	wait "$curl_pid"
	assert_equal "$(jq -r .StatusCode "$BATS_TEST_TMPDIR/wait.out")" 137
	# idle now: it goes, and takes its socket with it
	wait_for 50 0.1 sh -c "! kill -0 $API_PID 2>/dev/null"
	wait "$API_PID"
	API_PID=
	[ ! -e "$API_SOCK" ]
}

@test "api: bad service flags get one clear line" {
	run rbox system service --timeout -1
	assert_failure 125
	assert_output --partial -- '--timeout'
	run rbox system service --socket relative.sock
	assert_failure 125
	assert_output --partial 'absolute'
	run rbox system service --mode 999
	assert_failure 125
	assert_output --partial -- '--mode'
	run rbox system service --group no-such-group-here --socket "$BATS_TEST_TMPDIR/s.sock"
	assert_failure 125
	assert_output --partial 'no such group'
	[ ! -e "$BATS_TEST_TMPDIR/s.sock" ]
	run rbox system service --help
	assert_success
	assert_output --partial 'root'
}

@test "api: /events streams container lifecycle; clients that leave do not keep the service" {
	need_docker
	start_service --timeout 2
	curl -sN -D "$BATS_TEST_TMPDIR/events.headers" --unix-socket "$API_SOCK" \
		http://rbox/v1.41/events >"$BATS_TEST_TMPDIR/events" 3>&- &
	local ev_pid=$!
	# the listener is registered before its headers go out
	wait_for 100 0.05 grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/events.headers"
	docker run --rm --name evt busybox true
	wait_for 50 0.1 grep -q '"Action":"die"' "$BATS_TEST_TMPDIR/events"
	run jq -r '.Action' "$BATS_TEST_TMPDIR/events"
	assert_line create
	assert_line start
	assert_line die
	kill "$ev_pid"
	wait "$ev_pid" || true
	# docker run -d leaves a wait behind and logs -f is cut off: the service still goes idle
	docker run -d --name bg busybox sleep 1000
	timeout 2 "$DOCKER" logs -f bg || true
	wait_for 100 0.1 sh -c "! kill -0 $API_PID 2>/dev/null"
	wait "$API_PID" || true
	API_PID=
	assert_equal "$(ctr_status bg)" running
	run rbox rm -f bg
	assert_success
}

@test "api: 20 concurrent docker run --rm: every output and exit code arrives" {
	need_docker
	start_service
	local i pids=()
	for i in $(seq 1 20); do
		"$DOCKER" run --rm busybox sh -c "echo n$i; exit $((i % 4))" \
			>"$BATS_TEST_TMPDIR/c$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in $(seq 1 20); do
		local rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		assert_equal "$rc" $((i % 4))
		assert_equal "$(cat "$BATS_TEST_TMPDIR/c$i")" "n$i"
	done
	run rbox ps -aq
	assert_output ""
}

@test "api: docker run -it and exec -it through a pty; a client killed mid-attach leaves all running" {
	need_docker
	command -v script >/dev/null || skip "needs script (util-linux)"
	start_service
	run script -qec "'$DOCKER' run --rm -it busybox sh -c 'tty; exit 3'" /dev/null </dev/null
	assert_equal "$status" 3
	assert_output --regexp '/dev/pts/[0-9]+'
	docker run -d --name ticker busybox sh -c 'while :; do echo tick; sleep 0.2; done'
	run script -qec "'$DOCKER' exec -it ticker sh -c 'tty; exit 5'" /dev/null </dev/null
	assert_equal "$status" 5
	assert_output --regexp '/dev/pts/[0-9]+'
	# attach, then the client dies: the container and the service carry on
	timeout -s KILL 1 "$DOCKER" attach ticker >"$BATS_TEST_TMPDIR/attach.out" 2>&1 </dev/null 3>&- || true
	grep -q tick "$BATS_TEST_TMPDIR/attach.out"
	assert_equal "$(ctr_status ticker)" running
	run docker ps --format '{{.Names}}'
	assert_output ticker
	run docker rm -f ticker
	assert_success
	# attach to a terminal, type, and detach with ctrl-p ctrl-q: the container stays
	docker run -dit --name shell busybox sh
	(sleep 1; printf 'echo in-$((6*7))\r'; sleep 1; printf '\020\021'; sleep 5) |
		timeout -s KILL 20 script -qc "'$DOCKER' attach shell" /dev/null >"$BATS_TEST_TMPDIR/att" 2>&1 || true
	run cat "$BATS_TEST_TMPDIR/att"
	assert_output --partial in-42
	assert_output --partial "read escape sequence"
	assert_equal "$(ctr_status shell)" running
}

@test "api: docker images, image inspect, info and system df show the store" {
	need_docker
	start_service
	rbox run --rm busybox true # the built-in image, made on first use
	run docker images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_output --regexp '^busybox:latest [0-9a-f]{12}$'
	run docker image inspect -f '{{.RepoTags}} {{.Config.Cmd}} {{.Os}}' busybox
	assert_output '[busybox:latest] [sh] linux'
	run docker image inspect no-such-image
	assert_failure
	run docker info --format '{{.Images}} {{.DockerRootDir}} {{.Driver}}'
	assert_output "1 $RBOX_ROOT overlay"
	run docker system df --format '{{.Type}} {{.TotalCount}}'
	assert_line 'Images 1'
}
