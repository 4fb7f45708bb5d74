#!/usr/bin/env bats
# rbox system df [-v], system prune [-a] [-f] [--volumes], container prune: docker's output.

load helpers

# up: running, 2000 bytes of its own and 3000 in volume v1; ex: exited, 1000 bytes; v2 unused
make_usage() {
	rbox run -d --name up -v v1:/d busybox sh -c 'head -c 3000 /dev/zero >/d/f; head -c 2000 /dev/zero >/x; sleep 1000' >/dev/null
	rbox run --name ex busybox sh -c 'head -c 1000 /dev/zero >/y'
	rbox volume create v2 >/dev/null
	wait_for 50 0.1 rbox exec up test -s /x
	wait_for 50 0.1 rbox exec up test -s /d/f
}

@test "system df: TYPE TOTAL ACTIVE SIZE RECLAIMABLE for images, containers, local volumes" {
	make_usage
	run rbox system df
	assert_success
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --index 1 --regexp '^Images +1 +1 +[0-9.]+MB +0B \(0%\)$'
	assert_line --index 2 --regexp '^Containers +2 +1 +3kB +1kB \(33%\)$'
	assert_line --index 3 --regexp '^Local Volumes +2 +1 +3kB +0B \(0%\)$'
	[ "${#lines[@]}" -eq 4 ]
	run rbox system df --format '{{.Type}}={{.TotalCount}}/{{.Active}}'
	assert_output $'Images=1/1\nContainers=2/1\nLocal Volumes=2/1'
	run rbox system df --format json
	assert_equal "$(echo "$output" | jq -r .Reclaimable | tr '\n' ' ')" "0B (0%) 1kB (33%) 0B (0%) "
}

@test "system df -v: a table per type" {
	make_usage
	run rbox system df -v
	assert_success
	assert_line 'Images space usage:'
	assert_line --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$'
	assert_line --regexp '^busybox +latest +[0-9a-f]{12} +.* ago +[0-9.]+MB +0B +[0-9.]+MB +2$'
	assert_line 'Containers space usage:'
	assert_line --regexp '^CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES$'
	assert_line --regexp '^[0-9a-f]{12} +busybox +"sh -c head -c 3000 …" +1 +2kB +.* ago +Up .* +up$'
	assert_line --regexp '^[0-9a-f]{12} +busybox +"sh -c head -c 1000 …" +0 +1kB +.* ago +Exited \(0\) .* +ex$'
	assert_line 'Local Volumes space usage:'
	assert_line --regexp '^VOLUME NAME +LINKS +SIZE$'
	assert_line --regexp '^v1 +1 +3kB$'
	assert_line --regexp '^v2 +0 +0B$'
}

@test "system prune: asks; -f removes stopped containers; --volumes, -a" {
	make_usage
	run bash -c "echo n | '$RBOX_BIN' system prune"
	assert_success
	assert_line --index 0 'WARNING! This will remove:'
	assert_line '  - all stopped containers'
	assert_line '  - all dangling images'
	assert_line --partial 'Are you sure you want to continue? [y/N]'
	assert_equal "$(rbox ps -aq | wc -l)" 2
	local ex
	ex=$(ctr_id ex)
	run rbox system prune -f
	assert_success
	assert_line --index 0 'Deleted Containers:'
	assert_line --index 1 "$ex"
	assert_line 'Total reclaimed space: 1kB'
	refute_line 'Deleted Volumes:'
	# nothing uses the image: -a and --volumes take the rest
	rbox rm -f up >/dev/null
	run rbox system prune -a -f --volumes
	assert_success
	assert_line 'Deleted Volumes:'
	assert_line v1
	assert_line v2
	assert_line 'Deleted Images:'
	assert_line --regexp '^Deleted: sha256:[0-9a-f]{64}$'
	assert_line --regexp '^Total reclaimed space: [0-9.]+MB$'
	run rbox system df --format '{{.TotalCount}}'
	assert_output $'0\n0\n0'
}

@test "system prune keeps what is used; container prune -f removes stopped containers only" {
	make_usage
	run rbox system prune -a -f --volumes
	assert_success
	refute_line 'Deleted Images:'
	assert_line v2
	refute_line v1
	rbox create --name made busybox true >/dev/null
	local made
	made=$(ctr_id made)
	run rbox container prune -f
	assert_success
	assert_line --index 0 'Deleted Containers:'
	assert_line --index 1 "$made"
	run rbox ps -a --format '{{.Names}}'
	assert_output up
	run rbox system prune --bogus
	assert_failure 125
	[ "${#lines[@]}" -eq 1 ]
	run rbox system --help
	assert_output --partial 'df'
}
