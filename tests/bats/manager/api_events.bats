#!/usr/bin/env bats
# rbox system service: /events reads the store's event log, the one `rbox events` reads, so
# containers made by the CLI show up too; since, until, filters and a follow that a client may
# leave at any time.

load api_helpers

@test "api events: docker events --since --until sees a container the CLI made" {
	need_docker
	start_service
	local t0
	t0=$(date +%s)
	rbox run --name evcli busybox true
	local t1
	t1=$(date +%s.%N)
	run docker events --since "$t0" --until "$t1" --filter container=evcli --format '{{.Action}}'
	assert_success
	assert_line --index 0 create
	assert_line start
	assert_line die
	# docker's JSON shape, by curl
	run api GET "/v1.41/events?since=$t0&until=$t1"
	assert_output 200
	body | jq -se 'map(select(.Action == "create" and .Actor.Attributes.name == "evcli"))
		| length == 1 and (.[0] | has("status") and has("id") and has("from") and .Type == "container"
		and .scope == "local" and (.time | type) == "number" and (.timeNano | type) == "number"
		and .Actor.ID == .id)'
	# filters as docker sends them ({"k": {"v": true}}) and as arrays; keys ANDed
	run api GET "/v1.41/events?since=$t0&until=$t1&filters=%7B%22event%22%3A%7B%22die%22%3Atrue%7D%7D"
	assert_output 200
	assert_equal "$(body | jq -r .Action | sort -u)" die
	run api GET "/v1.41/events?since=$t0&until=$t1&filters=%7B%22event%22%3A%5B%22die%22%5D%2C%22type%22%3A%5B%22network%22%5D%7D"
	assert_output 200
	assert_equal "$(body)" ""
}

@test "api events: bad since and filters get 400 with docker's body" {
	start_service
	run api GET "/v1.41/events?since=yesterday"
	assert_output 400
	body | jq -e '.message | test("since")'
	run api GET "/v1.41/events?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D"
	assert_output 400
	body | jq -e '.message | test("colour")'
	run api GET "/v1.41/events?filters=%7Bnot%20json"
	assert_output 400
}

@test "api events: a follow streams the CLI's events as they happen; a client killed mid-stream leaves the service healthy" {
	start_service
	curl -sN -D "$BATS_TEST_TMPDIR/ev.headers" --unix-socket "$API_SOCK" \
		http://rbox/v1.41/events >"$BATS_TEST_TMPDIR/ev" 3>&- &
	local ev_pid=$!
	wait_for 100 0.05 grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/ev.headers"
	rbox create --name evf busybox true >/dev/null
	wait_for 100 0.1 grep -q '"Action":"create"' "$BATS_TEST_TMPDIR/ev"
	kill -9 "$ev_pid"
	wait "$ev_pid" || true
	rbox rm evf >/dev/null
	run api GET /_ping
	assert_output 200
	# a new listener still gets the next events (the old one's reader left)
	curl -sN -D "$BATS_TEST_TMPDIR/ev2.headers" --unix-socket "$API_SOCK" \
		http://rbox/v1.41/events >"$BATS_TEST_TMPDIR/ev2" 3>&- &
	ev_pid=$!
	wait_for 100 0.05 grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/ev2.headers"
	rbox create --name evg busybox true >/dev/null
	wait_for 100 0.1 grep -q '"name":"evg"' "$BATS_TEST_TMPDIR/ev2"
	kill "$ev_pid"
	wait "$ev_pid" || true
	rbox rm evg >/dev/null
	run api GET /_ping
	assert_output 200
}
