#!/usr/bin/env bats
# rbox system service driven by Debian's Docker SDK for Python (python3-docker) and by
# docker-compose 1.29: what their users write works against rbox's socket.

load api_helpers

@test "api: the Docker SDK for Python runs, lists, execs, stops and removes containers" {
	need_pydocker
	start_service
	run /usr/bin/python3 - "$API_SOCK" <<'PY'
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
assert c.ping()
print("version", c.version()["ApiVersion"])
print("run", c.containers.run("busybox", ["echo", "from-sdk"], remove=True).decode().strip())
ct = c.containers.run("busybox", "sleep 1000", detach=True, name="sdk", labels={"team": "a"})
print("listed", [x.name for x in c.containers.list(filters={"label": "team=a"})])
r = ct.exec_run("sh -c 'echo in-exec; exit 2'")
print("exec", r.exit_code, r.output.decode().strip())
ct.stop(timeout=1)
ct.reload()
print("stopped", ct.status, ct.attrs["State"]["ExitCode"])
ct.remove()
print("images", c.images.list()[0].tags)
try:
    c.containers.get("sdk")
except docker.errors.NotFound as e:
    print("gone", e.response.status_code)
try:
    c.containers.run("busybox", "sh -c 'echo bad >&2; exit 3'", remove=True)
except docker.errors.ContainerError as e:
    print("failed", e.exit_status, e.stderr.decode().strip())
PY
	assert_success
	assert_line "version 1.41"
	assert_line "run from-sdk"
	assert_line "listed ['sdk']"
	assert_line "exec 2 in-exec"
	assert_line "stopped exited 137"
	assert_line "images ['busybox:latest']"
	assert_line "gone 404"
	assert_line "failed 3 bad"
	run rbox ps -aq
	assert_output ""
}

@test "api: docker-compose up -d, ps, logs, exec, down -v with two services and a named volume" {
	command -v docker-compose >/dev/null || skip "needs docker-compose"
	start_service
	mkdir "$BATS_TEST_TMPDIR/proj"
	cat >"$BATS_TEST_TMPDIR/proj/docker-compose.yml" <<'YML'
version: "3"
services:
  web:
    image: busybox
    network_mode: none
    command: sh -c 'echo saved >/data/f; echo web up; exec sleep 1000'
    volumes:
      - shared:/data
  worker:
    image: busybox
    network_mode: host
    command: sh -c 'echo worker $$ROLE; exec sleep 1000'
    environment:
      ROLE: batch
    labels:
      tier: back
    volumes:
      - shared:/data
volumes:
  shared:
YML
	cd "$BATS_TEST_TMPDIR/proj"
	run docker-compose -p demo up -d
	assert_success
	run docker-compose -p demo ps
	assert_success
	assert_line --regexp '^demo_web_1 .* Up'
	assert_line --regexp '^demo_worker_1 .* Up'
	# ordinary rbox containers, with compose's labels
	assert_equal "$(ctr_status demo_web_1)" running
	assert_equal "$(inspect_field demo_worker_1 '.Config.Labels.tier')" back
	assert_equal "$(inspect_field demo_worker_1 '.Config.Labels["com.docker.compose.service"]')" worker
	wait_for 50 0.1 sh -c 'rbox() { "$RBOX_BIN" "$@"; }; docker-compose -p demo logs --no-color | grep -q "worker batch"'
	run docker-compose -p demo logs --no-color
	assert_output --partial "web up"
	assert_output --partial "worker batch"
	# the volume both mount, and compose's exec
	run rbox volume ls -q
	assert_output demo_shared
	wait_for 50 0.1 sh -c 'docker-compose -p demo exec -T worker cat /data/f | grep -q saved'
	run docker-compose -p demo down -v
	assert_success
	run rbox ps -aq
	assert_output ""
	run rbox volume ls -q
	assert_output ""
}
